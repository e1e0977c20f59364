// The MQTT side of design §6, as one object the app wires: connection (with last will), birth and
// retained state on every (re)connect, the outbox drain, commands and the center's acks.
import { EventEmitter } from 'node:events';
import { Type } from '@sinclair/typebox';
import type { MqttClient } from 'mqtt';
import type { Config } from '../config/schema.ts';
import { isoWithOffset, type Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Scheduler } from '../core/scheduler.ts';
import { defaultScheduler, waitUntil } from './sync-time.ts';
import type { Outbox } from './outbox.ts';
import { MqttConnection } from './mqtt-connection.ts';
import { protocolName } from './mqtt-connect-plan.ts';
import { EventPublisher } from './mqtt-publisher.ts';
import { CommandProcessor, CommandRegistry, type CommandResult } from './mqtt-commands.ts';
import { parseAck } from './mqtt-payload.ts';
import { CommandJournal } from './command-journal.ts';
import { buildTopics, statePartProblem, type Topics } from './mqtt-topics.ts';

export interface MqttSyncDeps {
  config: Config['mqtt'];
  window: { id: string; hall: string; utc_offset_minutes?: number };
  logger: Logger;
  clock: Clock;
  /** Every timer of the MQTT side (default: the system's). */
  scheduler?: Scheduler;
  outbox: Outbox;
  boot: number;
  version: string;
  configHash: string;
  /** Resolved secret (env or file); falls back to config.password / config.password_file. */
  password?: string;
  readFile?: (p: string) => Promise<Buffer>;
  /** Where answers to recent commands are kept across restarts (default: memory only). */
  commandJournalPath?: string;
  /** An event older than this when published carries historical: true (default 5000). */
  historicalAfterMs?: number;
  /** outbox.require_ack and outbox.ack_timeout_ms: unacknowledged rows are published again after this. */
  ack?: { requireAck: boolean; timeoutMs: number };
}

export interface MqttHealth {
  connected: boolean;
  lastError?: string;
  inflight: number;
  published: number;
  reconnects: number;
  /** While connected: the broker in use (no user info) and 'MQTT 5' or 'MQTT 3.1.1' (auto may fall back). */
  url?: string;
  protocol?: string;
  /** Events the broker kept refusing, kept in the outbox and skipped (the last 20). */
  poisoned?: Array<{ seq: number; type: string; tries: number }>;
  /** Events published again because the center did not acknowledge them in time. */
  resent?: number;
  /** True while the simulator holds the link cut (setLinkOnline(false)). */
  link_cut?: boolean;
}

/**
 * Events: 'connected', 'disconnected' (reason), 'error' (Error; only emitted when someone listens,
 * so an unwired listener can never crash the service).
 */
export class MqttSync extends EventEmitter {
  readonly commands = new CommandRegistry();
  private topics: Topics | undefined;
  private connection: MqttConnection | undefined;
  private publisher: EventPublisher | undefined;
  private processor: CommandProcessor | undefined;
  private readonly states = new Map<string, string>();
  private dirtyStates = new Set<string>();
  private stateFlush: NodeJS.Immediate | undefined;
  private everConnected = false;
  private stopping = false;
  private lastAckError: string | undefined;

  private configHash: string | undefined;
  private journal: CommandJournal | undefined;
  private onlineSince = 0;
  private upClient: MqttClient | undefined;
  /** The client status online went out on (after the SUBACK). */
  private announcedOn: MqttClient | undefined;
  /** The simulator's link switch (demo only; see setLinkOnline). */
  private linkCut = false;

  private readonly scheduler: Scheduler;

  constructor(private readonly deps: MqttSyncDeps) {
    super();
    this.scheduler = defaultScheduler(deps.scheduler);
  }

  /** After a config reload: the retained status carries the hash of the config in effect. */
  setConfigHash(hash: string): void {
    this.configHash = hash;
    const client = this.announcedOn;
    if (client?.connected && this.topics && !this.stopping) {
      client.publish(this.topics.status, JSON.stringify(this.onlineStatus()), { qos: 1, retain: true }, () => undefined);
    }
  }

  private onlineStatus() {
    return { state: 'online', boot: this.deps.boot, version: this.deps.version, config_hash: this.configHash ?? this.deps.configHash, since: isoWithOffset(this.onlineSince, this.offset()) };
  }

  /** Begins connecting and returns at once; the broker may be unreachable for hours. */
  async start(): Promise<void> {
    if (this.connection && !this.stopping) return;
    const { deps } = this;
    const topics = buildTopics(deps.config.prefix, deps.window.hall, deps.window.id);
    this.topics = topics;
    this.stopping = false;
    const logger = deps.logger;
    this.publisher = new EventPublisher({
      outbox: deps.outbox, logger, clock: deps.clock, scheduler: this.scheduler, topics, boot: deps.boot,
      window: deps.config.inflight_window, historicalAfterMs: deps.historicalAfterMs ?? 5000,
      onRefused: (reason) => this.onRefused(reason),
      poisonAfterTries: deps.config.poison_after_tries,
      ...(deps.ack?.requireAck ? { resendUnackedAfterMs: deps.ack.timeoutMs } : {}),
    });
    if (!this.commands.get('outbox.retry_poisoned')) {
      this.commands.register('outbox.retry_poisoned', Type.Object({}, { additionalProperties: false }), async () => ({ retried: await this.retryPoisoned() }));
    }
    if (deps.commandJournalPath) this.journal = new CommandJournal({ path: deps.commandJournalPath, logger, scheduler: this.scheduler });
    this.processor = new CommandProcessor({
      registry: this.commands, outbox: deps.outbox, clock: deps.clock, scheduler: this.scheduler, logger,
      utcOffsetMinutes: this.offset(), ...(this.journal ? { journal: this.journal } : {}),
    });
    if (this.journal) this.processor.preload(await this.journal.load());
    const connection = new MqttConnection({
      config: deps.config,
      clientId: `counter-edge-${deps.window.hall}-${deps.window.id}`,
      username: deps.config.username ?? deps.window.id,
      ...(deps.password !== undefined ? { password: deps.password } : {}),
      will: { topic: topics.status, payload: JSON.stringify({ state: 'offline', boot: deps.boot, reason: 'lwt' }) },
      logger, clock: deps.clock, scheduler: this.scheduler,
      ...(deps.readFile ? { readFile: deps.readFile } : {}),
    });
    this.connection = connection;
    connection.on('up', (client: MqttClient) => this.onUp(client));
    connection.on('down', (reason: string) => this.onDown(reason));
    connection.on('message', (topic: string, payload: Buffer) => this.onMessage(topic, payload));
    this.publisher.start();
    if (this.linkCut) connection.pause();
    await connection.start();
  }

  /** Publishes offline status, waits (bounded) for in-flight PUBACKs, and disconnects cleanly. */
  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    const connection = this.connection;
    const publisher = this.publisher;
    if (!connection || !publisher || this.stopping) return;
    this.stopping = true;
    if (this.stateFlush) clearImmediate(this.stateFlush);
    const clock = this.deps.clock;
    const deadline = clock.monoMs() + (opts.timeoutMs ?? 3000);
    const left = () => Math.max(0, deadline - clock.monoMs());
    const client = connection.current;
    if (client) {
      await publisher.quiesce(left() * 0.6);
      const offline = JSON.stringify({ state: 'offline', boot: this.deps.boot, reason: 'stop' });
      await waitUntil(this.scheduler, (done) => client.publish(this.topics!.status, offline, { qos: 1, retain: true }, () => done()), left() * 0.7);
    }
    publisher.stop();
    await connection.stop(left());
    connection.removeAllListeners();
    await this.journal?.flush();
  }

  /**
   * The simulator's link switch: false drops the connection as a pulled cable would (the broker
   * sends the will) and keeps it down, so the outbox fills; true reconnects and the outbox drains.
   * The caller decides who may use it (the local API allows it only with api.simulator).
   */
  setLinkOnline(online: boolean): void {
    this.linkCut = !online;
    if (!this.connection) return;
    if (online) this.connection.resume();
    else this.connection.pause();
  }

  /** Retained state/<part>: published now when connected, and again after every (re)connect. */
  setState(part: string, value: unknown): void {
    const problem = statePartProblem(part);
    if (problem) throw new Error(`state part "${part}" ${problem}`);
    let json: string;
    try {
      json = JSON.stringify(value) ?? 'null';
    } catch (err) {
      throw new Error(`state/${part}: value is not JSON-serialisable: ${(err as Error).message}`);
    }
    // Unchanged state is already retained at the broker (and republished on every reconnect).
    if (this.states.get(part) === json) return;
    this.states.set(part, json);
    this.dirtyStates.add(part);
    // Several changes in one tick (e.g. a window state change touching the nameplate) go out once.
    if (!this.stateFlush && this.connection?.connected) this.stateFlush = setImmediate(() => this.flushStates());
  }

  /** Poisoned events become pending again and are published (in seq order from the oldest pending). */
  async retryPoisoned(): Promise<number> {
    const n = await this.deps.outbox.retryPoisoned();
    this.publisher?.forgetPoisoned();
    const client = this.connection?.current;
    if (n > 0 && client && this.publisher && !this.stopping) {
      this.deps.logger.info(`mqtt: ${n} poisoned events are pending again`);
      // The drain's cursor is past them: start it again from the first pending row.
      void this.publisher.attach(client, true);
    }
    return n;
  }

  health(): MqttHealth {
    const h: MqttHealth = {
      connected: this.connection?.connected ?? false,
      inflight: this.publisher?.inflight ?? 0,
      published: this.publisher?.published ?? 0,
      reconnects: this.connection?.reconnects ?? 0,
    };
    const lastError = this.connection?.lastError;
    if (lastError) h.lastError = lastError;
    const version = this.connection?.protocolVersion;
    if (version) { h.url = this.connection!.safeUrl; h.protocol = protocolName(version); }
    const poisoned = this.publisher?.poisoned ?? [];
    if (poisoned.length > 0) h.poisoned = poisoned.map((p) => ({ seq: p.seq, type: p.type, tries: p.tries }));
    if (this.publisher?.resent) h.resent = this.publisher.resent;
    if (this.linkCut) h.link_cut = true;
    return h;
  }

  /**
   * Subscribes first and announces only after the SUBACK: a center that sends a command as soon as
   * it sees status online must find the subscription in place (else the broker drops the command).
   */
  private onUp(client: MqttClient): void {
    const topics = this.topics!;
    this.upClient = client;
    client.subscribe([topics.cmdFilter, topics.ack], { qos: 1 }, (err, granted) => {
      if (this.upClient !== client || !client.connected || this.stopping) return;
      const refused = granted?.filter((g) => g.qos >= 128).map((g) => g.topic) ?? [];
      if (err) this.fail(`mqtt: subscribing to commands failed: ${err.message}`);
      else if (refused.length) this.fail(`mqtt: the broker refused the subscription to ${refused.join(', ')} (check its ACL)`);
      this.announce(client);
    });
  }

  /** birth, status online, every retained state, then the outbox drain. */
  private announce(client: MqttClient): void {
    const topics = this.topics!;
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.announcedOn = client;
    const h = this.deps.outbox.health();
    const now = this.deps.clock.now();
    const birth = { boot: this.deps.boot, first_seq: h.firstPendingSeq, last_seq: h.lastSeq, pending: h.pending, ts: isoWithOffset(now, this.offset()) };
    this.onlineSince = now;
    const status = this.onlineStatus();
    const failed = (what: string) => (err?: Error) => { if (err && err.message !== 'Connection closed') this.fail(`mqtt: publishing ${what} failed: ${err.message}`); };
    client.publish(topics.birth, JSON.stringify(birth), { qos: 1 }, failed('birth'));
    client.publish(topics.status, JSON.stringify(status), { qos: 1, retain: true }, failed('status'));
    if (this.stateFlush) { clearImmediate(this.stateFlush); this.stateFlush = undefined; }
    this.dirtyStates.clear();
    for (const [part, json] of this.states) client.publish(topics.state(part), json, { qos: 1, retain: true }, failed(`state/${part}`));
    void this.publisher!.attach(client, reconnect);
    this.emit('connected');
  }

  private onDown(reason: string): void {
    this.upClient = undefined;
    this.announcedOn = undefined;
    this.publisher?.connectionLost(reason);
    this.publisher?.detach();
    this.emit('disconnected', reason);
  }

  private onRefused(reason: string): void {
    this.fail(`mqtt: ${reason}; reconnecting to resend from the outbox`);
    this.connection?.drop(reason);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const what = this.topics?.parse(topic);
    if (!what) return;
    if (what.kind === 'ack') { this.onAck(payload); return; }
    if ('error' in what) {
      // Its name cannot be a topic level, so it is answered on the bare cmd_res topic.
      this.answer(undefined, this.processor!.refuseName(what.levels, what.error, payload));
      return;
    }
    this.processor!.handle(what.name, payload).then(
      (result) => this.answer(what.name, result),
      (err: Error) => this.answer(what.name, { cmd_id: null, status: 'error', error: err.message }),
    );
  }

  /** name undefined: a command whose name was invalid, answered on the bare cmd_res topic. */
  private answer(name: string | undefined, result: CommandResult): void {
    const client = this.connection?.current;
    if (!client) {
      // The center re-sends the same cmd_id and gets the remembered result.
      this.deps.logger.warn(`mqtt: not connected, answer to command ${name ?? '(invalid name)'} ${result.cmd_id ?? ''} not sent`);
      return;
    }
    const topic = name === undefined ? this.topics!.cmdResInvalid : this.topics!.cmdRes(name);
    client.publish(topic, JSON.stringify(result), { qos: 1 }, (err) => {
      if (err && err.message !== 'Connection closed') this.fail(`mqtt: publishing ${topic.slice(this.topics!.root.length)} failed: ${err.message}`);
    });
  }

  private onAck(payload: Buffer): void {
    const outbox = this.deps.outbox;
    const ack = parseAck(payload, outbox.health().lastSeq);
    if (!ack.ok) {
      // The center sends acks in a steady stream; one bad one is worth one line, not thousands.
      if (ack.error !== this.lastAckError) this.deps.logger.warn(`mqtt: ignored ack on ${this.topics!.ack}: ${ack.error}`);
      this.lastAckError = ack.error;
      return;
    }
    this.lastAckError = undefined;
    outbox.acknowledgeUpTo(ack.uptoSeq).catch((err: Error) => this.fail(`mqtt: acknowledging up to seq ${ack.uptoSeq} failed: ${err.message}`));
  }

  private flushStates(): void {
    this.stateFlush = undefined;
    const client = this.connection?.current;
    if (!client || this.stopping) return;
    for (const part of this.dirtyStates) {
      client.publish(this.topics!.state(part), this.states.get(part)!, { qos: 1, retain: true }, (err) => {
        if (err && err.message !== 'Connection closed') this.fail(`mqtt: publishing state/${part} failed: ${err.message}`);
      });
    }
    this.dirtyStates.clear();
  }

  private fail(message: string): void {
    this.deps.logger.error(message);
    if (this.listenerCount('error') > 0) this.emit('error', new Error(message));
  }

  private offset(): number { return this.deps.window.utc_offset_minutes ?? 480; }
}
