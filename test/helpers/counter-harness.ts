// The whole counter in-process for tests: the real App with the real services (attendance,
// nameplate, print queue, simulator routes), the simulated drivers, the in-memory outbox, a
// ManualClock + ManualScheduler, the real command registry/processor behind a fake MQTT link, and a
// temp state directory. A test presses, touches, sends commands and reads the events appended.
//
//   const h = await startCounter({ config: { printer: { enabled: false } } });
//   try { const { res, events } = await h.command('window.set_state', { state: 'paused', reason: 'temporary' }); ... }
//   finally { await h.stop(); }
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from '../../config/schema.ts';
import { ManualClock } from '../../core/clock.ts';
import { ManualScheduler, systemScheduler } from '../../core/scheduler.ts';
import { memoryLogger } from '../../core/logger.ts';
import type { EventEnvelope } from '../../core/events.ts';
import { App, type AppPlugin, type MqttPort } from '../../device/app.ts';
import { createDrivers } from '../../device/compose.ts';
import { counterPlugins } from '../../device/plugins.ts';
import { CounterViewFeed } from '../../device/counter-view.ts';
import { registerSimRoutes } from '../../device/simulator/sim-routes.ts';
import type { DriverKind } from '../../device/driver-slot.ts';
import type { Notifier } from '../../device/systemd-notify.ts';
import { CommandProcessor, CommandRegistry, type CommandResult } from '../../sync/mqtt-commands.ts';
import { isSimulatedButtons } from '../../drivers/buttons/sim.ts';
import { isSimulatedFingerprint, type EnrolStepEvent, type SimulatedFingerprint } from '../../drivers/fingerprint/types.ts';
import type { ButtonEvent, SimulatedButtons } from '../../drivers/buttons/types.ts';
import { MemoryOutbox } from './memory-outbox.ts';

/** Evaluation keys of the harness counter, best first (level 1..4). */
export const HARNESS_KEYS = ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied'] as const;

/** Monday 2026-11-23 08:30 in the hall (+08:00): before opening, so a test can play the whole day. */
export const HARNESS_START = '2026-11-23T08:30:00+08:00';

/** Real-time bound for waiting on a simulated driver (they still run on Node's timers). */
const DRIVER_WAIT_MS = 10_000;

type Sections = { [K in keyof Config]?: Config[K] extends object ? Record<string, unknown> : Config[K] };

export interface CounterHarnessOptions {
  /** Merged section by section over the harness config (all four drivers sim) before defaults apply. */
  config?: Sections;
  /** Wall time the ManualClock starts at (ISO with offset or epoch ms); default HARNESS_START. */
  start?: string | number;
  /** The services to run; default: the simulator routes and counterPlugins(stateDir), as in compose.ts. */
  plugins?: (stateDir: string, app: () => App) => AppPlugin[];
  /**
   * A real MQTT link instead of the fake one (e.g. MqttSync on aedes), over the harness's outbox and
   * clock; h.command then goes through its command registry, and h.mqtt stays unused.
   */
  createMqtt?: (deps: { boot: number; outbox: MemoryOutbox; clock: ManualClock; logger: ReturnType<typeof memoryLogger>; config: Config }) => MqttPort & { commands: CommandRegistry };
}

/** The fake MQTT link: commands go through the real registry; retained state is kept per part. */
export class HarnessMqtt extends EventEmitter implements MqttPort {
  readonly commands = new CommandRegistry();
  /** state/<part> as last set (the value the broker would retain). */
  readonly retained = new Map<string, unknown>();
  connected = true;
  configHash = '';
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  setState(part: string, value: unknown): void { this.retained.set(part, value); }
  health(): { connected: boolean } { return { connected: this.connected }; }
  setConfigHash(hash: string): void { this.configHash = hash; }
}

export interface CounterHarness {
  app: App;
  /** The config the counter started with (defaults applied). */
  config: Config;
  clock: ManualClock;
  scheduler: ManualScheduler;
  outbox: MemoryOutbox;
  mqtt: HarnessMqtt;
  logger: ReturnType<typeof memoryLogger>;
  stateDir: string;
  /** Every event appended since the counter started (device.started first), in seq order. */
  events(): EventEnvelope[];
  /** The appended events of one type. */
  eventsOf(type: string): EventEnvelope[];
  /** A position in the event list; since(mark) gives what was appended after it. */
  mark(): number;
  since(mark: number): EventEnvelope[];
  /** Press a simulated evaluation key; resolves once the driver reported the press, with the events it appended. */
  press(key: string, holdMs?: number): Promise<EventEnvelope[]>;
  /** Enrol a staff member on the simulated reader (the simulated finger is placed when asked). */
  enrol(staffId: string): Promise<{ slot: number }>;
  /** Touch the simulated reader; resolves once it reported match or no_match, with the events appended. */
  finger(staffId: string | 'unknown'): Promise<EventEnvelope[]>;
  /** An MQTT command as the center sends it (cmd_id added unless given); the answer and the events appended. */
  command(name: string, payload?: Record<string, unknown>, opts?: { cmdId?: string; expiresAt?: string }): Promise<{ res: CommandResult; events: EventEnvelope[] }>;
  /** A request to the local API (127.0.0.1, the port the app bound). */
  api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  /** Move the manual time forward, firing the counter's timers in order (promise callbacks run between them). */
  advance(ms: number): Promise<void>;
  /** Let appended events commit (onCommitted listeners run). */
  settle(): Promise<void>;
  /** Stop the counter and remove the state directory. */
  stop(): Promise<void>;
}

function harnessConfig(stateDir: string, over: Sections = {}): Config {
  const base: Record<string, Record<string, unknown> | string | number> = {
    window: { id: 'A07', hall: 'main', name: '综合受理窗口' },
    state_dir: stateDir,
    log_level: 'debug',
    api: { host: '127.0.0.1', port: 0, simulator: false },
    // debounce 0: a simulated key is clean, and the press is reported the moment it is made.
    buttons: { backend: 'sim', keys: [...HARNESS_KEYS], debounce_ms: 0 },
    fingerprint: { backend: 'sim', poll_ms: 20 },
    printer: { backend: 'sim', retry_min_ms: 20, retry_max_ms: 100 },
    // No least interval between refreshes: the panel draws each plate when asked (the refresh
    // policy has its own tests, and its wait would need the manual time to move).
    eink: { backend: 'sim', min_interval_ms: 0 },
  };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    base[k] = v && typeof v === 'object' && b && typeof b === 'object' ? { ...b, ...v } : (v as string | number);
  }
  const config = Value.Default(ConfigSchema, base);
  if (!Value.Check(ConfigSchema, config)) {
    const e = Value.Errors(ConfigSchema, config).First();
    throw new Error(`counter harness config: ${e?.path ?? '/'}: ${e?.message ?? 'invalid'}`);
  }
  return config;
}

/** Waits (real time, bounded) until cond() holds: for what simulated drivers do on Node's timers. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = DRIVER_WAIT_MS): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`counter harness: timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function startCounter(opts: CounterHarnessOptions = {}): Promise<CounterHarness> {
  const stateDir = await mkdtemp(join(tmpdir(), 'counter-harness-'));
  const config = harnessConfig(stateDir, opts.config);
  const start = typeof opts.start === 'number' ? opts.start : Date.parse(opts.start ?? HARNESS_START);
  const clock = new ManualClock(start);
  const scheduler = new ManualScheduler(clock);
  // The simulated drivers keep Node's timers (their latencies are real time, see waitFor).
  const driverScheduler = systemScheduler();
  const logger = memoryLogger();
  const outbox = new MemoryOutbox({ clock, window: config.window.id, hall: config.window.hall });
  const mqtt = new HarnessMqtt();
  let link: (MqttPort & { commands: CommandRegistry }) | undefined;
  let processor: CommandProcessor | undefined;
  const processorOf = () => (processor ??= new CommandProcessor({ registry: (link ?? mqtt).commands, outbox, clock, logger, utcOffsetMinutes: config.window.utc_offset_minutes }));
  const notifier: Notifier = { active: false, ready: () => undefined, watchdog: () => undefined, stopping: () => undefined, status: () => undefined, close: () => undefined };
  let app!: App;
  const counterFeed = new CounterViewFeed();
  const plugins = opts.plugins?.(stateDir, () => app)
    ?? [(ctx) => registerSimRoutes(ctx, () => app.health(), counterFeed), ...counterPlugins(stateDir, counterFeed)];
  app = new App({
    config, configHash: 'harness', version: 'test', logger, clock, scheduler, outbox, notifier, watchdogMs: 0,
    createMqtt: (boot) => (opts.createMqtt ? (link = opts.createMqtt({ boot, outbox, clock, logger, config })) : mqtt),
    createDrivers: (c) => createDrivers(c, logger, clock, driverScheduler),
    plugins,
  });
  try {
    await app.start();
    // The simulated drivers open asynchronously; a test starts once every enabled one is ok.
    const slots = app.context().drivers;
    const kinds: DriverKind[] = ['buttons', 'fingerprint', 'printer', 'eink'];
    await waitFor('the simulated drivers to be ok', () => kinds.every((k) => !config[k].enabled || slots[k].current()?.status().state === 'ok'));
  } catch (err) {
    await app.stop('harness start failed').catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }

  const buttons = (): SimulatedButtons => {
    const d = app.context().drivers.buttons.current();
    if (!d || !isSimulatedButtons(d)) throw new Error('counter harness: no simulated buttons driver runs (buttons disabled or not sim)');
    return d;
  };
  const reader = (): SimulatedFingerprint => {
    const d = app.context().drivers.fingerprint.current();
    if (!d || !isSimulatedFingerprint(d)) throw new Error('counter harness: no simulated fingerprint driver runs (fingerprint disabled or not sim)');
    return d;
  };
  let cmdSeq = 0;
  const h: CounterHarness = {
    app, config, clock, scheduler, outbox, mqtt, logger, stateDir,
    events: () => [...outbox.appended],
    eventsOf: (type) => outbox.appended.filter((e) => e.type === type),
    mark: () => outbox.appended.length,
    since: (mark) => outbox.appended.slice(mark),

    async press(key, holdMs) {
      const d = buttons();
      const from = h.mark();
      let pressed = false;
      const onButton = (e: ButtonEvent) => { if (e.kind === 'press' && e.key === key) pressed = true; };
      d.on('button', onButton);
      try {
        d.simulatePress(key, holdMs);
        await waitFor(`the press of ${key}`, () => pressed);
      } finally {
        d.off('button', onButton);
      }
      return h.since(from);
    },

    async enrol(staffId) {
      const d = reader();
      const onStep = (e: EnrolStepEvent) => { if (e.staff_id === staffId && (e.step === 'place' || e.step === 'place_again')) d.touch(staffId); };
      d.on('enrol_step', onStep);
      try { return await d.enrol(staffId); } finally { d.off('enrol_step', onStep); }
    },

    async finger(staffId) {
      const d = reader();
      const from = h.mark();
      let answered = false;
      const done = () => { answered = true; };
      // Registered after the services' listeners, so by the time this runs they have appended.
      d.on('match', done).on('no_match', done);
      try {
        d.touch(staffId);
        await waitFor(`the reader's answer to ${staffId}`, () => answered);
      } finally {
        d.off('match', done).off('no_match', done);
      }
      return h.since(from);
    },

    async command(name, payload = {}, o = {}) {
      const from = h.mark();
      const body = { cmd_id: o.cmdId ?? `h-${++cmdSeq}`, ...(o.expiresAt ? { expires_at: o.expiresAt } : {}), ...payload };
      const res = await processorOf().handle(name, Buffer.from(JSON.stringify(body)));
      return { res, events: h.since(from) };
    },

    async api(method, path, body) {
      const r = await fetch(`http://127.0.0.1:${app.apiPort}${path}`, {
        method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      let json: unknown = text;
      try { json = JSON.parse(text); } catch { /* not JSON (e.g. a PNG): the text is returned */ }
      return { status: r.status, json };
    },

    advance: (ms) => scheduler.advanceAsync(ms),
    settle: () => new Promise<void>((r) => setImmediate(() => setImmediate(r))),

    async stop() {
      try { await app.stop('test'); } finally { await rm(stateDir, { recursive: true, force: true }); }
    },
  };
  return h;
}
