// The `counter-edge` command: run the counter, check config, and technician subcommands.
import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../config/loader.ts';
import { configCheck, loadOrReport } from './config-check.ts';
import { ConfigSchema } from '../config/schema.ts';
import { createLogger, logFormatFor, type Logger } from '../core/logger.ts';
import type { CliCommand, CliContext } from '../config/cli-context.ts';
import { composeCounter, VERSION, type Composed } from './compose.ts';
import type { App } from './app.ts';
import { cliCommands } from './cli-commands.ts';
import { DRIVER_KINDS } from './driver-slot.ts';
import { parseDemoSpeed, startOfDemo, type DemoTimeOptions } from './simulator/demo-time.ts';

export const DEFAULT_CONFIG = '/etc/counter-edge/config.yaml';
/** What `npm start` runs when no config is given: the whole counter with simulated hardware. */
export const DEMO_CONFIG = new URL('../config/examples/demo.yaml', import.meta.url).pathname;

const USAGE = `counter-edge ${VERSION} — device service for a service-hall window

usage: counter-edge [--config FILE] <command>
  run                       run the counter (default config ${DEFAULT_CONFIG}; --demo for simulated hardware)
    [--speed N] [--start HH:MM]   demo only: the counter's day N times faster, from HH:MM today (hall time)
  config check FILE         validate a config file, print every error as file:line:col key: message
  config schema             print the config JSON Schema (for editors)
  mqtt check [--timeout=MS] connect once to the configured broker and report
  hw buttons|fingerprint    print live events from the configured hardware (wiring check)
  fingerprint enrol --staff ID [--slot N] | delete --staff ID | list
  print test | print preview DOC.json --out PAPER.png
  paper preview KIND --fields FILE [--out PAPER.png] | paper schema   a paper template filled (receipt, acceptance, …)
  nameplate preview --state not_open|in_service|paused|away|closed --out PLATE.png [--size 800x480|400x300]
  nameplate test [--state S]  draw once on the configured panel
  center run|report …       the center: ingest with acks and the hall board; monthly facts (center help)
  demo hall [--state-dir D] [--speed N --start HH:MM]  three simulated counters, one broker, the center and its board (npm run demo:hall)
  version | help`;

function takeFlag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}

function pickConfigPath(args: string[], env: NodeJS.ProcessEnv): string {
  const demo = args.indexOf('--demo');
  if (demo >= 0) { args.splice(demo, 1); return DEMO_CONFIG; }
  return takeFlag(args, '--config') ?? env.COUNTER_EDGE_CONFIG ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : DEMO_CONFIG);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = [...argv];
  const out = (l: string) => process.stdout.write(l + '\n');
  const err = (l: string) => process.stderr.write(l + '\n');
  const configPath = pickConfigPath(args, env);
  const speed = takeFlag(args, '--speed');
  const start = takeFlag(args, '--start');
  const [cmd = 'run', sub, ...rest] = args;

  if (cmd === 'help' || cmd === '--help' || cmd === '-h') { out(USAGE); return 0; }
  // The center is its own program with its own options (no counter config): loaded only when asked for.
  if (cmd === 'center') return (await import('../center/cli.ts')).centerMain(argv.slice(argv.indexOf('center') + 1), env, out, err);
  // The hall demo builds its own counter configs from the demo one (no --config).
  if (cmd === 'demo' && sub === 'hall') {
    let demo: DemoTimeOptions | undefined;
    try { demo = demoTimeOf(speed, start); } catch (e) { err((e as Error).message); return 2; }
    return (await import('./demo-hall.ts')).demoHallMain(rest, env, out, err, demo);
  }
  if (cmd === 'version' || cmd === '--version') { out(VERSION); return 0; }
  if (cmd === 'config' && sub === 'schema') { out(JSON.stringify(ConfigSchema, null, 2)); return 0; }
  if (cmd === 'config' && sub === 'check') return configCheck(rest[0] ?? configPath, env, out, err);

  const loaded = await loadOrReport(configPath, env, err);
  if (!loaded) return 1;
  const logger = createLogger({ level: loaded.config.log_level, ...logFormatFor(env, process.stderr.isTTY === true) });
  if (cmd === 'run') {
    let demo: DemoTimeOptions | undefined;
    if (speed !== undefined || start !== undefined) {
      if (!loaded.config.api.simulator) { err(`--speed/--start are for the demo only: ${loaded.path} has api.simulator off (production runs on the system clock)`); return 2; }
      try { demo = demoTimeOf(speed, start); } catch (e) { err((e as Error).message); return 2; }
    }
    return run(loaded, logger, env, demo);
  }
  if (speed !== undefined || start !== undefined) { err('--speed/--start go with run (demo only)'); return 2; }

  const command: CliCommand | undefined = cliCommands[`${cmd} ${sub}`] ?? cliCommands[cmd];
  if (!command) { err(`unknown command: ${[cmd, sub].filter(Boolean).join(' ')}\n\n${USAGE}`); return 2; }
  const ctx: CliContext = {
    config: loaded.config, configPath, logger, out, err,
    apiBase: `http://127.0.0.1:${loaded.config.api.port}`,
    interrupted: new Promise((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); }),
  };
  const subArgs = cliCommands[`${cmd} ${sub}`] ? rest : [sub, ...rest].filter((a): a is string => a !== undefined);
  return command(subArgs, ctx);
}

/** How long the start waits for the first MQTT connect before printing the page's address anyway. */
const SETTLE_MS = 3000;

/** `--speed`/`--start` → the demo's time (undefined when neither is given); a clear error for a bad value. */
function demoTimeOf(speed: string | undefined, start: string | undefined): DemoTimeOptions | undefined {
  if (speed === undefined && start === undefined) return undefined;
  if (start !== undefined) startOfDemo(start, 0, 0);
  return { speed: speed === undefined ? 1 : parseDemoSpeed(speed), ...(start !== undefined ? { start } : {}) };
}

function firstConnect(app: App, ms: number): Promise<void> {
  const { mqtt, scheduler } = app.context();
  if (mqtt.health().connected) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { timer.cancel(); mqtt.off('connected', done); resolve(); };
    const timer = scheduler.timeout(ms, done);
    mqtt.once('connected', done);
  });
}

/** A composed and started counter; on a failed start it is logged, nothing is left running and the error is thrown. */
export async function startCounter(loaded: LoadedConfig, logger: Logger, env: NodeJS.ProcessEnv, demo?: DemoTimeOptions): Promise<Composed> {
  let composed: Composed | undefined;
  try {
    composed = await composeCounter(loaded, logger, env, demo);
    await composed.app.start();
    return composed;
  } catch (e) {
    logger.error('counter cannot start', { err: e, config: loaded.path });
    await composed?.stop('start failed').catch(() => undefined);
    throw e;
  }
}

async function run(loaded: LoadedConfig, logger: Logger, env: NodeJS.ProcessEnv, demo?: DemoTimeOptions): Promise<number> {
  // SIGHUP's default action is to end the process: hold it until the reload handler is installed.
  const earlyHup = () => logger.warn('SIGHUP during start: ignored; send it again once the counter runs');
  process.on('SIGHUP', earlyHup);
  process.on('unhandledRejection', (err) => logger.error('unhandled promise rejection (bug): the counter keeps running', { err }));
  let composed: Composed;
  try {
    composed = await startCounter(loaded, logger, env, demo);
  } catch {
    return 1;
  }
  process.off('SIGHUP', earlyHup);
  const c = loaded.config;
  // The page's address is the last start-up line (not scrolled away by the MQTT connect line).
  if (c.api.simulator) await firstConnect(composed.app, SETTLE_MS);
  if (c.api.simulator) process.stderr.write(`\n  simulator: http://${c.api.host}:${composed.app.apiPort}/   (window ${c.window.id}, config ${loaded.path})\n\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      void composed.stop(signal).then(() => resolve(0), (e) => { logger.error('stop failed', { err: e }); resolve(1); });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}


if (import.meta.url === `file://${process.argv[1]}` || /device\/main\.[jt]s$/.test(process.argv[1] ?? '')) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(`counter-edge: ${(e as Error).stack ?? e}\n`); process.exitCode = 1; });
}
