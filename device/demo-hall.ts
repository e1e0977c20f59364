// `counter-edge demo hall` (npm run demo:hall): a small hall on one machine — one MQTT broker, three
// simulated counters built from config/examples/demo.yaml, and the center with its board.
//
// One process, not child processes: one Node start instead of four (a loaded Pi or laptop feels the
// difference), and Ctrl-C stops the parts in the order that keeps the demo honest — the counters
// first (each publishes offline while the broker and the center still listen), then the center, then
// the broker — with nothing left orphaned if the demo itself is killed. The broker is the embedded
// aedes one (works after `npm install`, nothing else needed), so everyone speaks MQTT 3.1.1.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfigFile } from '../config/loader.ts';
import { createLogger, logFormatFor, type Logger } from '../core/logger.ts';
import { systemScheduler, type Scheduler } from '../core/scheduler.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../sync/embedded-broker.ts';
import { centerConfig, parseFlags, startCenter, type RunningCenter } from '../center/cli.ts';
import type { Composed } from './compose.ts';
import type { DemoTimeOptions } from './simulator/demo-time.ts';
import { DEMO_CONFIG, startCounter } from './main.ts';

interface DemoWindow {
  id: string; name: string; redirect: string;
  roster: Array<{ staff_id: string; name: string; job_number: string; position: string; duties: string; phone?: string; regular?: boolean }>;
}

/** The three windows: names and rosters differ so the board's tiles tell them apart (staff are made up). */
export const DEMO_WINDOWS: readonly DemoWindow[] = [
  { id: 'A01', name: '企业开办窗口', redirect: 'A02', roster: [
    { staff_id: 'S0123', name: '王敏', job_number: '0123', position: '综合受理员', duties: '企业开办、变更登记', phone: '0871-12345601' },
    { staff_id: 'S0789', name: '张丽', job_number: '0789', position: '后台审核员', duties: '顶岗补位', regular: false },
  ] },
  { id: 'A02', name: '不动产登记窗口', redirect: 'A03', roster: [
    { staff_id: 'S0456', name: '李强', job_number: '0456', position: '综合受理员', duties: '不动产登记受理', phone: '0871-12345602' },
    { staff_id: 'S0512', name: '陈静', job_number: '0512', position: '综合受理员', duties: '不动产抵押登记', phone: '0871-12345603' },
  ] },
  { id: 'A03', name: '社保医保窗口', redirect: 'A01', roster: [
    { staff_id: 'S0634', name: '刘洋', job_number: '0634', position: '综合受理员', duties: '社保、医保业务受理', phone: '0871-12345604' },
    { staff_id: 'S0701', name: '赵芳', job_number: '0701', position: '综合受理员', duties: '社保卡办理', phone: '0871-12345605' },
    { staff_id: 'S0789', name: '张丽', job_number: '0789', position: '后台审核员', duties: '顶岗补位', regular: false },
  ] },
];

export interface DemoHallOptions {
  /** Counter state (outbox, fingerprints), their generated configs and the center's SQLite file. */
  stateDir: string;
  host: string;
  /** 0 = any free port (tests); the ports actually used are in RunningHall. */
  mqttPort: number;
  boardPort: number;
  apiPorts: readonly number[];
}

export const DEMO_HALL_DEFAULTS: DemoHallOptions = { stateDir: '.state/hall', host: '127.0.0.1', mqttPort: 18831, boardPort: 8490, apiPorts: [8481, 8482, 8483] };

export interface RunningHall {
  brokerUrl: string;
  dbPath: string;
  boardUrl: string;
  counters: Array<{ id: string; name: string; url: string }>;
  stop(reason: string): Promise<void>;
}

/** The counter config of one window: demo.yaml with this window's id, name, roster, ports and state, acks required. */
export async function writeCounterConfig(w: DemoWindow, o: { stateDir: string; brokerUrl: string; apiPort: number; boardUrl: string }): Promise<string> {
  const doc = parseDocument(await readFile(DEMO_CONFIG, 'utf8'));
  doc.commentBefore = ` Written by \`counter-edge demo hall\` from config/examples/demo.yaml at each start (edits are lost).\n${doc.commentBefore ?? ''}`;
  doc.setIn(['window', 'id'], w.id);
  doc.setIn(['window', 'name'], w.name);
  doc.setIn(['state_dir'], join(o.stateDir, w.id));
  doc.setIn(['mqtt', 'url'], o.brokerUrl);
  // The demo's one broker is started here, not by each counter; aedes speaks 3.1.1 only.
  doc.setIn(['mqtt', 'embedded_broker'], false);
  doc.setIn(['mqtt', 'protocol_version'], 4);
  // The counter keeps every row until the center acknowledges it: the center's acks matter.
  doc.setIn(['outbox', 'require_ack'], true);
  doc.setIn(['api', 'port'], o.apiPort);
  doc.setIn(['api', 'hall_board_url'], o.boardUrl);
  doc.setIn(['counter', 'away', 'redirect_window'], w.redirect);
  const roster = doc.createNode(w.roster);
  for (const item of roster.items) item.flow = true;
  doc.setIn(['counter', 'roster'], roster);
  const path = join(o.stateDir, `${w.id}.yaml`);
  await writeFile(path, doc.toString());
  return path;
}

/** Broker, then center, then the counters (so the center sees their first events); on a failed start what started is stopped. */
export async function startDemoHall(opts: DemoHallOptions, logger: Logger, demo?: DemoTimeOptions): Promise<RunningHall> {
  if (opts.apiPorts.length !== DEMO_WINDOWS.length) throw new Error(`demo hall: ${DEMO_WINDOWS.length} API ports needed, got ${opts.apiPorts.length}`);
  const stateDir = resolve(opts.stateDir);
  await mkdir(stateDir, { recursive: true });
  const scheduler = systemScheduler();
  const broker = await startEmbeddedBroker({ host: opts.host, port: opts.mqttPort, logger: logger.child({ part: 'broker' }) });
  const brokerUrl = `mqtt://${opts.host}:${broker.port}`;
  const dbPath = join(stateDir, 'center.db');
  let center: RunningCenter | undefined;
  const counters: Composed[] = [];
  try {
    const cfg = centerConfig({ 'mqtt-url': brokerUrl, 'mqtt-protocol-version': '4', db: dbPath, 'board-host': opts.host, 'board-port': String(opts.boardPort),
      'client-id': 'counter-edge-center-demo' }, {});
    if (!cfg.ok) throw new Error(`demo hall: center options: ${cfg.errors.join('; ')}`);
    center = await startCenter(cfg.config, logger.child({ part: 'center' }));
    const boardUrl = `http://${opts.host}:${center.boardPort}/`;
    const started = await Promise.allSettled(DEMO_WINDOWS.map(async (w, i) => {
      const path = await writeCounterConfig(w, { stateDir, brokerUrl, apiPort: opts.apiPorts[i]!, boardUrl });
      // A clean environment: COUNTER_EDGE_API_PORT and friends would give all three counters one value.
      const counter = await startCounter(await loadConfigFile(path, {}), logger.child({ window: w.id }), {}, demo);
      counters.push(counter);
      // A counter keeps running without its local API (a Pi must); a demo counter without its page is no use.
      if (counter.app.apiPort === 0) throw new Error(`${w.id}: its simulator page cannot listen on ${opts.host}:${opts.apiPorts[i]!} (the error above says why)`);
      return { id: w.id, name: w.name, url: `http://${opts.host}:${counter.app.apiPort}/` };
    }));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const running = center;
    return {
      brokerUrl, dbPath, boardUrl,
      counters: started.map((s) => (s as PromiseFulfilledResult<RunningHall['counters'][number]>).value),
      async stop(reason: string) {
        await stopAll(counters, running, broker, scheduler, logger, reason);
      },
    };
  } catch (err) {
    await stopAll(counters, center, broker, scheduler, logger, 'start failed').catch(() => undefined);
    throw err;
  }
}

/** How long the center may take to store the counters' offline statuses before it stops too. */
const OFFLINE_SEEN_MS = 3000;

async function stopAll(counters: Composed[], center: RunningCenter | undefined, broker: EmbeddedBroker, scheduler: Scheduler, logger: Logger, reason: string): Promise<void> {
  const windows = counters.map((c) => c.app.currentConfig.window);
  const stopped = await Promise.allSettled(counters.map((c) => c.stop(reason)));
  for (const s of stopped) if (s.status === 'rejected') logger.error('demo hall: a counter did not stop cleanly', { err: s.reason as unknown });
  if (center) {
    // Each counter published offline on its way out; let the center store that before it goes.
    const offline = async () => {
      const statuses = (await center.store.retained()).filter((r) => r.part === 'status' && windows.some((w) => w.hall === r.hall && w.id === r.window));
      return statuses.length === windows.length && statuses.every((r) => !r.payload.includes('"online"'));
    };
    let seen = await offline();
    for (let waited = 0; !seen && waited < OFFLINE_SEEN_MS; waited += 100) {
      await scheduler.sleep(100);
      seen = await offline();
    }
    if (!seen) logger.warn(`demo hall: the center did not see every counter offline within ${OFFLINE_SEEN_MS} ms`);
    await center.stop();
  }
  await broker.stop();
}

const USAGE = `usage: counter-edge demo hall [--state-dir DIR] [--host H] [--mqtt-port N] [--board-port N] [--api-ports N,N,N] [--speed N] [--start HH:MM]
  defaults: --state-dir ${DEMO_HALL_DEFAULTS.stateDir} --mqtt-port ${DEMO_HALL_DEFAULTS.mqttPort} --board-port ${DEMO_HALL_DEFAULTS.boardPort} --api-ports ${DEMO_HALL_DEFAULTS.apiPorts.join(',')} (0 = any free port)`;

function port(flag: string, v: string): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new Error(`--${flag}: expected a port 0–65535, got ${JSON.stringify(v.slice(0, 40))}`);
  return Number(v);
}

export function demoHallOptions(args: string[]): DemoHallOptions {
  const { positional, flags, error } = parseFlags(args);
  if (error) throw new Error(error);
  if (positional.length) throw new Error(`unexpected argument ${JSON.stringify(positional[0]!.slice(0, 40))}`);
  const known = new Set(['state-dir', 'host', 'mqtt-port', 'board-port', 'api-ports']);
  const unknown = Object.keys(flags).find((k) => !known.has(k));
  if (unknown) throw new Error(`unknown option --${unknown.slice(0, 40)}`);
  const o = { ...DEMO_HALL_DEFAULTS };
  if (flags['state-dir']) o.stateDir = flags['state-dir'];
  if (flags.host) o.host = flags.host;
  if (flags['mqtt-port'] !== undefined) o.mqttPort = port('mqtt-port', flags['mqtt-port']);
  if (flags['board-port'] !== undefined) o.boardPort = port('board-port', flags['board-port']);
  if (flags['api-ports'] !== undefined) {
    const ports = flags['api-ports'].split(',').map((p) => port('api-ports', p.trim()));
    if (ports.length !== DEMO_WINDOWS.length) throw new Error(`--api-ports: give ${DEMO_WINDOWS.length} ports (one per window), got ${ports.length}`);
    o.apiPorts = ports;
  }
  return o;
}

/** `demo` (from `--speed`/`--start`) puts each counter on its own demo clock; the center stays on the system clock. */
export async function demoHallMain(args: string[], env: NodeJS.ProcessEnv, out: (l: string) => void, err: (l: string) => void, demo?: DemoTimeOptions): Promise<number> {
  if (args[0] === 'help' || args[0] === '--help') { out(USAGE); return 0; }
  let opts: DemoHallOptions;
  try { opts = demoHallOptions(args); } catch (e) { err(`demo hall: ${(e as Error).message}\n${USAGE}`); return 2; }
  const logger = createLogger({ level: 'info', ...logFormatFor(env, process.stderr.isTTY === true) });
  process.on('unhandledRejection', (e) => logger.error('unhandled promise rejection (bug): the demo keeps running', { err: e }));
  let hall: RunningHall;
  try {
    hall = await startDemoHall(opts, logger, demo);
  } catch (e) {
    err(`demo hall cannot start: ${(e as Error).message}`);
    return 1;
  }
  out('');
  out(`  hall demo: broker ${hall.brokerUrl} (aedes, MQTT 3.1.1), center store ${hall.dbPath}`);
  for (const c of hall.counters) out(`  simulator ${c.id} ${c.name}: ${c.url}`);
  out('  Ctrl-C stops all (counters first: they publish offline)');
  out(`  hall board: ${hall.boardUrl}`);
  out('');
  return new Promise<number>((resolveExit) => {
    // Once: a second Ctrl-C while stopping ends the process the default way.
    const stop = (signal: string) => {
      void hall.stop(signal).then(() => resolveExit(0), (e: unknown) => { logger.error('demo hall: stop failed', { err: e }); resolveExit(1); });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
