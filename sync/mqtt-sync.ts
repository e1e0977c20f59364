// The MQTT side of design §6, as one object the app wires: connection (with last will), birth and
// retained state on every (re)connect, the outbox drain, commands and the center's acks.
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import type { Config } from '../config/schema.ts';
import { isoWithOffset, type Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Outbox } from './outbox.ts';
import { MqttConnection } from './mqtt-connection.ts';
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
}

export interface MqttHealth {
  connected: boolean;
  lastError?: string;
  inflight: number;
  published: number;
  reconnects: number;
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

  constructor(private readonly deps: MqttSyncDeps) { super(); }

  /** After a config reload: the retained status carries the hash of the config in effect. */
  setConfigHash(hash: string): void {
    this.configHash = hash;
    const client = this.upClient;
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
      outbox: deps.outbox, logger, clock: deps.clock, topics, boot: deps.boot,
      window: deps.config.inflight_window, historicalAfterMs: deps.historicalAfterMs ?? 5000,
      onRefused: (reason) => this.onRefused(reason),
    });
    if (deps.commandJournalPath) this.journal = new CommandJournal({ path: deps.commandJournalPath, logger });
    this.processor = new CommandProcessor({
      registry: this.commands, outbox: deps.outbox, clock: deps.clock, logger,
      utcOffsetMinutes: this.offset(), ...(this.journal ? { journal: this.journal } : {}),
    });
    if (this.journal) this.processor.preload(await this.journal.load());
    const connection = new MqttConnection({
      config: deps.config,
      clientId: `counter-edge-${deps.window.hall}-${deps.window.id}`,
      username: deps.config.username ?? deps.window.id,
      ...(deps.password !== undefined ? { password: deps.password } : {}),
      will: { topic: topics.status, payload: JSON.stringify({ state: 'offline', boot: deps.boot, reason: 'lwt' }) },
      logger,
      ...(deps.readFile ? { readFile: deps.readFile } : {}),
    });
    this.connection = connection;
    connection.on('up', (client: MqttClient) => this.onUp(client));
    connection.on('down', (reason: string) => this.onDown(reason));
    connection.on('message', (topic: string, payload: Buffer) => this.onMessage(topic, payload));
    this.publisher.start();
    await connection.start();
  }

  /** Publishes offline status, waits (bounded) for in-flight PUBACKs, and disconnects cleanly. */
  async stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    const connection = this.connection;
    const publisher = this.publisher;
    if (!connection || !publisher || this.stopping) return;
    this.stopping = true;
    if (this.stateFlush) clearImmediate(this.stateFlush);
    const deadline = Date.now() + (opts.timeoutMs ?? 3000);
    const left = () => Math.max(0, deadline - Date.now());
    const client = connection.current;
    if (client) {
      await publisher.quiesce(left() * 0.6);
      const offline = JSON.stringify({ state: 'offline', boot: this.deps.boot, reason: 'stop' });
      await publishAndWait(client, this.topics!.status, offline, true, left() * 0.7);
    }
    publisher.stop();
    await connection.stop(left());
    connection.removeAllListeners();
    await this.journal?.flush();
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

  health(): MqttHealth {
    const h: MqttHealth = {
      connected: this.connection?.connected ?? false,
      inflight: this.publisher?.inflight ?? 0,
      published: this.publisher?.published ?? 0,
      reconnects: this.connection?.reconnects ?? 0,
    };
    const lastError = this.connection?.lastError;
    if (lastError) h.lastError = lastError;
    return h;
  }

  private onUp(client: MqttClient): void {
    const topics = this.topics!;
    const reconnect = this.everConnected;
    this.everConnected = true;
    const h = this.deps.outbox.health();
    const now = this.deps.clock.now();
    const birth = { boot: this.deps.boot, first_seq: h.firstPendingSeq, last_seq: h.lastSeq, pending: h.pending, ts: isoWithOffset(now, this.offset()) };
    this.onlineSince = now;
    this.upClient = client;
    const status = this.onlineStatus();
    const failed = (what: string) => (err?: Error) => { if (err && err.message !== 'Connection closed') this.fail(`mqtt: publishing ${what} failed: ${err.message}`); };
    client.publish(topics.birth, JSON.stringify(birth), { qos: 1 }, failed('birth'));
    client.publish(topics.status, JSON.stringify(status), { qos: 1, retain: true }, failed('status'));
    if (this.stateFlush) { clearImmediate(this.stateFlush); this.stateFlush = undefined; }
    this.dirtyStates.clear();
    for (const [part, json] of this.states) client.publish(topics.state(part), json, { qos: 1, retain: true }, failed(`state/${part}`));
    client.subscribe([topics.cmdFilter, topics.ack], { qos: 1 }, (err, granted) => {
      const refused = granted?.filter((g) => g.qos >= 128).map((g) => g.topic) ?? [];
      if (err && err.message !== 'Connection closed') this.fail(`mqtt: subscribing to commands failed: ${err.message}`);
      else if (refused.length) this.fail(`mqtt: the broker refused the subscription to ${refused.join(', ')} (check its ACL)`);
    });
    void this.publisher!.attach(client, reconnect);
    this.emit('connected');
  }

  private onDown(reason: string): void {
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

function publishAndWait(client: MqttClient, topic: string, payload: string, retain: boolean, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, timeoutMs));
    client.publish(topic, payload, { qos: 1, retain }, () => { clearTimeout(timer); resolve(); });
  });
}
