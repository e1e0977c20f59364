// The composition root: builds the real parts from a validated config and hands them to App.
// Tests build App themselves with simulated drivers and temp databases.
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { Config } from '../config/schema.ts';
import { resolveMqttPassword, type LoadedConfig } from '../config/loader.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { systemScheduler, type Scheduler } from '../core/scheduler.ts';
import { TimeQualityProbe } from '../core/time-quality.ts';
import type { Logger } from '../core/logger.ts';
import { App, type AppPlugin, type DriverSet } from './app.ts';
import { createNotifier, watchdogIntervalMs } from './systemd-notify.ts';
import { SqliteOutbox } from '../sync/sqlite-outbox.ts';
import { MqttSync } from '../sync/mqtt-sync.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../sync/embedded-broker.ts';
import { createButtonsDriver } from '../drivers/buttons/index.ts';
import { createFingerprintDriver } from '../drivers/fingerprint/index.ts';
import { createEinkDriver } from '../drivers/eink/index.ts';
import { createPrinterDriver } from '../drivers/printer/index.ts';
import { registerSimRoutes } from './simulator/sim-routes.ts';
import { registerConfigCommands } from './reload.ts';
import { counterPlugins } from './plugins.ts';
import { CounterViewFeed } from './counter-view.ts';
import { createDemoTime, onDemoTime, type DemoTime, type DemoTimeOptions } from './simulator/demo-time.ts';

export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export interface Composed {
  app: App;
  broker?: EmbeddedBroker;
  stop(reason: string): Promise<void>;
}

export function stateDirOf(config: Config): string {
  return resolve(config.state_dir);
}

export function createDrivers(config: Config, logger: Logger, clock: Clock, scheduler: Scheduler): DriverSet {
  const set: DriverSet = {};
  if (config.buttons.enabled) set.buttons = createButtonsDriver(config.buttons, { logger, clock, scheduler });
  if (config.printer.enabled) set.printer = createPrinterDriver(config.printer, { logger, clock, scheduler });
  if (config.eink.enabled) set.eink = createEinkDriver(config.eink, { logger, clock, scheduler, utcOffsetMinutes: config.window.utc_offset_minutes });
  if (config.fingerprint.enabled) set.fingerprint = createFingerprintDriver(config.fingerprint, { logger, clock, scheduler, stateDir: stateDirOf(config) });
  return set;
}

/** `demo`: the accelerated clock of `run --demo --speed N` (refused unless api.simulator is on). */
export async function composeCounter(loaded: LoadedConfig, logger: Logger, env: NodeJS.ProcessEnv = process.env, demo?: DemoTimeOptions): Promise<Composed> {
  if (demo && !loaded.config.api.simulator) throw new Error('--speed/--start are for the demo only (api.simulator is off in this config): production runs on the system clock');
  // The one clock and the one scheduler of the process; every part gets them from here.
  const scheduler = systemScheduler();
  const timeQuality = new TimeQualityProbe({ scheduler });
  await timeQuality.start();
  const clock = systemClock(() => timeQuality.current());
  const owned: { broker?: EmbeddedBroker } = {};
  try {
    const demoTime = demo ? createDemoTime({ clock, scheduler }, demo, loaded.config.window.utc_offset_minutes) : undefined;
    const app = await buildApp(loaded, logger, env, { clock, scheduler, demo: demoTime }, owned);
    return {
      app, broker: owned.broker,
      async stop(reason: string) {
        await app.stop(reason);
        await owned.broker?.stop();
        timeQuality.stop();
      },
    };
  } catch (err) {
    // Nothing may outlive a failed composition (the embedded broker would keep the process alive).
    timeQuality.stop();
    await owned.broker?.stop().catch(() => undefined);
    throw err;
  }
}

async function buildApp(loaded: LoadedConfig, logger: Logger, env: NodeJS.ProcessEnv, time: { clock: Clock; scheduler: Scheduler; demo: DemoTime | undefined }, owned: { broker?: EmbeddedBroker }): Promise<App> {
  // The app itself, drivers, watchdog and timers of the outbox and MQTT stay on real time; the
  // event stamps and the counter's services follow the demo clock when there is one (demo-time.ts).
  const { clock: realClock, scheduler, demo } = time;
  const clock = demo?.clock ?? realClock;
  let config = loaded.config;
  if (config.mqtt.embedded_broker) {
    const url = new URL(config.mqtt.url);
    owned.broker = await startEmbeddedBroker({ host: url.hostname, port: Number(url.port || 1883), logger: logger.child({ part: 'broker' }) });
    url.port = String(owned.broker.port);
    // aedes speaks MQTT 3.1.1 only.
    config = { ...config, mqtt: { ...config.mqtt, url: url.toString(), protocol_version: 4 } };
  }
  const password = await resolveMqttPassword(config);
  const stateDir = stateDirOf(config);
  const outbox = new SqliteOutbox({
    scheduler,
    path: join(stateDir, 'outbox.db'), window: config.window.id, hall: config.window.hall,
    utcOffsetMinutes: config.window.utc_offset_minutes, clock, logger: logger.child({ part: 'outbox' }),
    synchronous: config.outbox.synchronous, maxBytes: config.outbox.max_bytes,
    retainPublishedHours: config.outbox.retain_published_hours, requireAck: config.outbox.require_ack,
    groupCommitMax: config.outbox.group_commit_max,
  });
  const notifier = createNotifier(env, logger);
  let app!: App;
  // The counter's view, from the rules (counter-shell.ts) to the simulator's event stream.
  const counterFeed = new CounterViewFeed();
  const plugins: AppPlugin[] = [
    (ctx) => registerSimRoutes(ctx, () => app.health(), counterFeed, demo),
    (ctx) => registerConfigCommands(ctx, app, loaded, env),
    ...counterPlugins(stateDir, counterFeed).map((p) => (demo ? onDemoTime(p, demo) : p)),
  ];
  app = new App({
    config, configHash: loaded.hash, version: VERSION, logger, clock: realClock, scheduler, outbox, notifier,
    watchdogMs: config.watchdog_ms || watchdogIntervalMs(env),
    createMqtt: (boot) => new MqttSync({ config: config.mqtt, window: config.window, logger: logger.child({ part: 'mqtt' }), clock, scheduler, outbox, boot, version: VERSION, configHash: loaded.hash, password, commandJournalPath: join(stateDir, 'commands.json'),
      ack: { requireAck: config.outbox.require_ack, timeoutMs: config.outbox.ack_timeout_ms } }),
    createDrivers: (c) => createDrivers(c, logger, realClock, scheduler),
    plugins,
  });
  return app;
}
