// The `counter-edge` command: run the counter, check config, and technician subcommands.
import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../config/loader.ts';
import { configCheck, loadOrReport } from './config-check.ts';
import { ConfigSchema } from '../config/schema.ts';
import { createLogger, logFormatFor, type Logger } from '../core/logger.ts';
import type { CliCommand, CliContext } from '../config/cli-context.ts';
import { composeCounter, VERSION, type Composed } from './compose.ts';
import { cliCommands } from './cli-commands.ts';
import { DRIVER_KINDS } from './driver-slot.ts';

export const DEFAULT_CONFIG = '/etc/counter-edge/config.yaml';
/** What `npm start` runs when no config is given: the whole counter with simulated hardware. */
export const DEMO_CONFIG = new URL('../config/examples/demo.yaml', import.meta.url).pathname;

const USAGE = `counter-edge ${VERSION} — device service for a service-hall window

usage: counter-edge [--config FILE] <command>
  run                       run the counter (default config ${DEFAULT_CONFIG}; --demo for simulated hardware)
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
  demo hall [--state-dir D] three simulated counters, one broker and the center with its board (npm run demo:hall)
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
  const [cmd = 'run', sub, ...rest] = args;

  if (cmd === 'help' || cmd === '--help' || cmd === '-h') { out(USAGE); return 0; }
  // The center is its own program with its own options (no counter config): loaded only when asked for.
  if (cmd === 'center') return (await import('../center/cli.ts')).centerMain(argv.slice(argv.indexOf('center') + 1), env, out, err);
  // The hall demo builds its own counter configs from the demo one (no --config).
  if (cmd === 'demo' && sub === 'hall') return (await import('./demo-hall.ts')).demoHallMain(rest, env, out, err);
  if (cmd === 'version' || cmd === '--version') { out(VERSION); return 0; }
  if (cmd === 'config' && sub === 'schema') { out(JSON.stringify(ConfigSchema, null, 2)); return 0; }
  if (cmd === 'config' && sub === 'check') return configCheck(rest[0] ?? configPath, env, out, err);

  const loaded = await loadOrReport(configPath, env, err);
  if (!loaded) return 1;
  const logger = createLogger({ level: loaded.config.log_level, ...logFormatFor(env, process.stderr.isTTY === true) });
  if (cmd === 'run') return run(loaded, logger, env);

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

/** A composed and started counter; on a failed start it is logged, nothing is left running and the error is thrown. */
export async function startCounter(loaded: LoadedConfig, logger: Logger, env: NodeJS.ProcessEnv): Promise<Composed> {
  let composed: Composed | undefined;
  try {
    composed = await composeCounter(loaded, logger, env);
    await composed.app.start();
    return composed;
  } catch (e) {
    logger.error('counter cannot start', { err: e, config: loaded.path });
    await composed?.stop('start failed').catch(() => undefined);
    throw e;
  }
}

async function run(loaded: LoadedConfig, logger: Logger, env: NodeJS.ProcessEnv): Promise<number> {
  // SIGHUP's default action is to end the process: hold it until the reload handler is installed.
  const earlyHup = () => logger.warn('SIGHUP during start: ignored; send it again once the counter runs');
  process.on('SIGHUP', earlyHup);
  process.on('unhandledRejection', (err) => logger.error('unhandled promise rejection (bug): the counter keeps running', { err }));
  let composed: Composed;
  try {
    composed = await startCounter(loaded, logger, env);
  } catch {
    return 1;
  }
  process.off('SIGHUP', earlyHup);
  const c = loaded.config;
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
