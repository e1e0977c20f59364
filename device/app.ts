// The counter: starts and stops its parts in order, contains each part's failure, and wires
// driver observations to events. Everything it uses is passed in (see device/compose.ts).
import { EventEmitter } from 'node:events';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import type { Logger } from '../core/logger.ts';
import type { EventInput } from '../core/events.ts';
import type { Outbox, OutboxStartInfo } from '../sync/outbox.ts';
import type { ButtonsDriver, ButtonEvent } from '../drivers/buttons/types.ts';
import type { Notifier } from './systemd-notify.ts';
import { watchDriver } from './driver-watch.ts';
import { ApiRouter } from '../core/http-router.ts';
import { ApiServer } from './api-server.ts';
import { createDriverSlots, DRIVER_KINDS, type DriverKind, type DriverSet, type DriverSlot, type DriverSlots, type DriverTypes } from './driver-slot.ts';

export type { DriverKind, DriverSet } from './driver-slot.ts';

/** What the app needs of the MQTT side (sync/mqtt-sync.ts implements it). */
export interface MqttPort extends EventEmitter {
  start(): Promise<void>;
  stop(opts?: { timeoutMs?: number }): Promise<void>;
  setState(part: string, value: unknown): void;
  /** The handler gets the payload as its schema types it, after validation (without cmd_id/expires_at). */
  commands: { register<T extends TSchema>(name: string, schema: T, handler: (payload: Static<T>) => Promise<unknown>, opts?: { timeoutMs?: number }): void };
  health(): { connected: boolean; lastError?: string };
  setConfigHash(hash: string): void;
  /** The simulator's link switch (sync/mqtt-sync.ts); absent on ports that have none. */
  setLinkOnline?(online: boolean): void;
}

export interface AppDeps {
  config: Config;
  configHash: string;
  version: string;
  logger: Logger;
  clock: Clock;
  scheduler: Scheduler;
  outbox: Outbox;
  createMqtt(boot: number): MqttPort;
  createDrivers(config: Config): DriverSet;
  notifier: Notifier;
  watchdogMs: number;
  /** Extra wiring per part (fingerprint → attendance, printer queue, ...); each returns its stop function. */
  plugins?: AppPlugin[];
}

/** The driver slots as services see them: they follow drivers, only the app swaps them. */
export type DriverSlotsView = { readonly [K in DriverKind]: DriverSlot<DriverTypes[K]> };

export interface AppContext {
  /** The config in effect now (reload may change it). */
  readonly config: Config;
  logger: Logger;
  clock: Clock;
  scheduler: Scheduler;
  outbox: Outbox;
  mqtt: MqttPort;
  router: ApiRouter;
  /** One slot per driver kind: the driver running now, and every driver a reload puts in. */
  readonly drivers: DriverSlotsView;
  append(e: EventInput): void;
  /**
   * A service that decides what a press means (the counter's rules) claims the presses: the app then
   * records none itself. Without one, every press is recorded as evaluation.unsolicited. Returns the release.
   */
  claimPresses(): () => void;
}

export type AppPlugin = (ctx: AppContext) => Promise<(() => Promise<void>) | void> | (() => Promise<void>) | void;

/** How often the retained state/outbox is refreshed. */
const OUTBOX_STATE_EVERY_MS = 5000;

export class App extends EventEmitter {
  private config!: Config;
  private mqtt: MqttPort | undefined;
  private readonly slots: DriverSlots;
  private unwatch = new Map<DriverKind, () => void>();
  private stopping = false;
  private pluginStops: Array<() => Promise<void>> = [];
  private api: ApiServer | undefined;
  private timers: TimerHandle[] = [];
  private startInfo: OutboxStartInfo | undefined;
  private startedAt = 0;
  private configHash = '';
  private pressClaims = 0;
  readonly router = new ApiRouter();
  apiPort = 0;

  constructor(private readonly deps: AppDeps) {
    super();
    this.slots = createDriverSlots((what, err) => deps.logger.error(what, { err }));
  }

  get boot(): number { return this.startInfo?.boot ?? 0; }
  get currentConfig(): Config { return this.config; }

  /** The hash of the config in effect, for health and the retained status (changes on reload). */
  setConfigHash(hash: string): void {
    this.configHash = hash;
    this.mqtt?.setConfigHash(hash);
  }

  async start(): Promise<void> {
    const { logger, outbox, clock, scheduler } = this.deps;
    this.config = this.deps.config;
    this.configHash = this.deps.configHash;
    this.startedAt = clock.now();
    // The outbox is the one part without which the counter must not run: nothing could be kept.
    this.startInfo = await outbox.start();
    logger.info('outbox ready', { boot: this.startInfo.boot, last_seq: this.startInfo.lastSeq });
    this.append({ type: 'device.started', data: { version: this.deps.version, config_hash: this.deps.configHash, boot: this.startInfo.boot } });
    if (this.startInfo.recovered) {
      this.append({ type: 'device.fault', data: { part: 'outbox', reason: this.startInfo.recovered.reason, moved_to: this.startInfo.recovered.movedTo } });
    }

    this.mqtt = this.deps.createMqtt(this.startInfo.boot);
    this.mqtt.on('error', (err: Error) => logger.warn('mqtt', { err }));
    this.slots.buttons.onSwap((b) => this.wireButtons(b));
    // Services first (they register routes, commands and follow driver slots), then the drivers.
    const ctx = this.context();
    for (const plugin of this.deps.plugins ?? []) {
      try {
        const stop = await plugin(ctx);
        if (stop) this.pluginStops.push(stop);
      } catch (err) {
        logger.error('a counter service failed to start; the rest keeps running', { err });
      }
    }
    await this.startDrivers(this.config);
    this.registerCoreRoutes();
    await this.startApi();
    await this.mqtt.start();
    this.publishOutboxState();
    this.timers.push(scheduler.interval(OUTBOX_STATE_EVERY_MS, () => this.publishOutboxState()));
    if (this.deps.watchdogMs > 0) {
      // Pinged from the event loop: a stalled loop stops the pings and systemd restarts us.
      this.timers.push(scheduler.interval(this.deps.watchdogMs, () => this.deps.notifier.watchdog()));
    }
    this.deps.notifier.ready(`window ${this.config.window.id} boot ${this.boot}`);
    logger.info('counter started', { window: this.config.window.id, boot: this.boot, api_port: this.apiPort });
  }

  /** Ordered stop: API and drivers first (no new input), then MQTT (offline status, in-flight acks), then the outbox. */
  async stop(reason = 'stop'): Promise<void> {
    const { logger, notifier } = this.deps;
    // No reload may start drivers again once the stop has begun.
    this.stopping = true;
    notifier.stopping(`stopping: ${reason}`);
    for (const t of this.timers) t.cancel();
    this.timers = [];
    await this.api?.stop().catch((err) => logger.warn('api stop', { err }));
    for (const stop of this.pluginStops.reverse()) await stop().catch((err) => logger.warn('service stop', { err }));
    this.pluginStops = [];
    await this.stopDrivers();
    await this.mqtt?.stop({ timeoutMs: 3000 }).catch((err) => logger.warn('mqtt stop', { err }));
    await this.deps.outbox.stop().catch((err) => logger.error('outbox stop', { err }));
    notifier.close();
    logger.info('counter stopped', { reason });
  }

  /** Append an event; hardware feedback never waits for this. */
  append(e: EventInput): void {
    // Called from driver listeners: an outbox that refuses (stopped, bad type) must not throw into
    // a driver's emitter. `durable` itself never rejects; a failing disk shows in health().
    try {
      this.deps.outbox.append(e);
    } catch (err) {
      this.deps.logger.error('event not accepted by the outbox', { type: e.type, err });
    }
  }

  health(): Record<string, unknown> {
    const drivers: Record<string, unknown> = {};
    for (const kind of DRIVER_KINDS) {
      const d = this.slots[kind].current();
      if (d) drivers[kind] = d.status();
    }
    const outbox = this.deps.outbox.health();
    const mqtt = this.mqtt?.health() ?? { connected: false };
    const faults = DRIVER_KINDS.filter((k) => this.slots[k].current()?.status().state === 'fault').length;
    const state = outbox.writeError || faults > 0 || !mqtt.connected ? 'degraded' : 'ok';
    return {
      state, window: this.config.window.id, hall: this.config.window.hall, boot: this.boot, version: this.deps.version,
      config_hash: this.configHash, uptime_s: Math.round((this.deps.clock.now() - this.startedAt) / 1000),
      outbox: { pending: outbox.pending, last_seq: outbox.lastSeq, last_published_seq: outbox.lastPublishedSeq,
        last_acked_seq: outbox.lastAckedSeq,
        cap_reached: outbox.capReached, write_error: outbox.writeError ?? null, bytes: outbox.bytes },
      mqtt, drivers,
    };
  }

  context(): AppContext {
    const self = this;
    // A getter: reload changes the config, and services must see the current one.
    return { get config() { return self.config; }, logger: this.deps.logger, clock: this.deps.clock, scheduler: this.deps.scheduler,
      outbox: this.deps.outbox, mqtt: this.mqtt!, router: this.router, drivers: this.slots, append: (e) => this.append(e),
      claimPresses: () => { this.pressClaims++; let held = true; return () => { if (held) { held = false; this.pressClaims--; } }; } };
  }

  /** Restart the drivers whose config section changed (reload keeps the rest running). */
  async applyDriverConfig(next: Config, changed: DriverKind[]): Promise<void> {
    if (this.stopping) throw new Error('the counter is stopping; config not applied');
    this.config = next;
    // Build only the changed kinds: constructors do nothing, but there is no reason to make the rest.
    const only = <K extends DriverKind>(kind: K): Config[K] => (changed.includes(kind) ? next[kind] : { ...next[kind], enabled: false });
    const fresh = this.deps.createDrivers({ ...next, buttons: only('buttons'), fingerprint: only('fingerprint'), printer: only('printer'), eink: only('eink') });
    for (const kind of changed) {
      await this.retireDriver(kind);
      const d = fresh[kind];
      if (d) await this.startDriver(kind, d);
    }
  }

  private async startDrivers(config: Config): Promise<void> {
    const created = this.deps.createDrivers(config);
    for (const kind of DRIVER_KINDS) {
      const d = created[kind];
      if (d) await this.startDriver(kind, d);
    }
  }

  private async startDriver<K extends DriverKind>(kind: K, d: DriverTypes[K]): Promise<void> {
    this.unwatch.set(kind, watchDriver(d, { append: (e) => this.append(e), setState: (p, v) => this.mqtt?.setState(p, v) }));
    // Services attach before the driver starts, so they see its first events.
    this.slots[kind].put(d);
    try {
      await d.start();
    } catch (err) {
      // DriverBase reports open failures as status; anything thrown here is a bug in the driver.
      this.deps.logger.error(`${kind} driver failed to start; the counter keeps running without it`, { err });
    }
  }

  /** Services let go of the driver first (none of their listeners may fire again), then it stops. */
  private async retireDriver(kind: DriverKind): Promise<void> {
    const old = this.slots[kind].current();
    this.unwatch.get(kind)?.();
    this.unwatch.delete(kind);
    this.slots[kind].put(undefined);
    await old?.stop().catch((err) => this.deps.logger.warn(`${kind} stop`, { err }));
  }

  private async stopDrivers(): Promise<void> {
    for (const kind of DRIVER_KINDS) await this.retireDriver(kind);
  }

  private wireButtons(buttons: ButtonsDriver): () => void {
    const onButton = (e: ButtonEvent) => {
      if (e.kind === 'press') {
        // Feedback first: the light answers the citizen before any disk or network work.
        buttons.setLed(e.key, { flash_ms: 300 });
        if (this.pressClaims > 0) return;
        // level: 1 = best, in the configured order (the driver only reports configured keys).
        const level = this.config.buttons.keys.indexOf(e.key) + 1;
        // Nobody decides invitations here, so the press is recorded as unsolicited (domain.md §4:
        // a press outside an invitation never counts as a rating of the last service).
        this.append({ type: 'evaluation.unsolicited', data: { key: e.key, level, mono_ms: Math.round(e.mono_ms) } });
      } else if (e.kind === 'stuck') {
        this.append({ type: 'device.fault', data: { part: 'buttons', reason: `key ${e.key} held for ${e.held_ms} ms (stuck?)` } });
      }
    };
    buttons.on('button', onButton);
    return () => buttons.off('button', onButton);
  }

  private publishOutboxState(): void {
    this.mqtt?.setState('outbox', this.deps.outbox.health());
  }

  private async startApi(): Promise<void> {
    this.api = new ApiServer({ host: this.config.api.host, port: this.config.api.port, router: this.router, logger: this.deps.logger });
    try {
      this.apiPort = await this.api.start();
    } catch (err) {
      this.api = undefined;
      this.deps.logger.error('local API not available; the counter keeps running without it', { err });
      this.append({ type: 'device.fault', data: { part: 'api', reason: (err as Error).message } });
    }
  }

  private registerCoreRoutes(): void {
    this.router.route('GET', '/api/health', () => this.health());
  }
}
