// The center's ingest: subscribes to a hall (or every hall), stores every event once, and after each
// commit acknowledges each window up to its watermark (`<prefix>/<hall>/<window>/ack {upto_seq}`).
// Messages are gathered for a few milliseconds and committed together (one transaction per batch).
//
// Why not a PUBACK after the commit: mqtt.js hands incoming publishes over one at a time and waits
// for each to be acknowledged before the next, so holding PUBACKs until a commit would make every
// event its own transaction. The device's outbox is what makes this safe: it keeps every event
// until our `ack` says we hold it, and prev_seq shows us any hole to be re-sent.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { isoWithOffset, type Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import { parseJsonObject } from '../sync/mqtt-payload.ts';
import { parseEvent } from './envelope.ts';
import type { CenterStore, CommitResult, IngestBatch } from './store.ts';
import { centerTopics, parseCenterTopic, type CenterTopics } from './topics.ts';

export interface IngestOptions {
  url: string;
  /** 5 (default); 4 = MQTT 3.1.1 for brokers without MQTT 5 (NATS): no session expiry, shared groups only where the broker backports them. */
  protocolVersion?: 4 | 5;
  prefix: string;
  /** One hall id, or '+' for every hall under the prefix. */
  hall: string;
  /** MQTT 5 shared subscription group: instances with the same group split the events. */
  group?: string;
  /** Stable per instance: the broker keeps this session's queue while the instance restarts. */
  clientId: string;
  username?: string;
  password?: string;
  /** How long the broker keeps the session of a stopped instance (seconds). */
  sessionExpiryS: number;
  batchMax: number;
  flushMs: number;
  /** Messages held in memory while the database is unreachable; beyond it events are dropped (the devices keep them). */
  maxBuffered: number;
  utcOffsetMinutes: number;
  /**
   * A gap is logged only if still open after this long: with a shared subscription the events of one
   * window are split across instances, and a hole that another instance fills within a flush is noise.
   */
  gapGraceMs?: number;
}

export interface IngestDeps { store: CenterStore; clock: Clock; scheduler: Scheduler; logger: Logger; options: IngestOptions }

export interface IngestHealth { connected: boolean; stored: number; duplicates: number; rejected: number; dropped: number; commits: number; lastError?: string }

const emptyBatch = (): IngestBatch => ({ events: [], retained: [], births: [], answers: [] });
const batchSize = (b: IngestBatch) => b.events.length + b.retained.length + b.births.length + b.answers.length;

/** Events: 'committed' (CommitResult) after every commit that stored or changed something. */
export class CenterIngest extends EventEmitter {
  private client: MqttClient | undefined;
  private topics!: CenterTopics;
  private batch = emptyBatch();
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = true;
  private readonly ackSent = new Map<string, number>();
  private readonly rejectLogged = new Map<string, number>();
  private readonly gapsLogged = new Set<string>();
  private readonly stats: IngestHealth = { connected: false, stored: 0, duplicates: 0, rejected: 0, dropped: 0, commits: 0 };

  constructor(private readonly deps: IngestDeps) { super(); }

  health(): IngestHealth { return { ...this.stats, connected: this.client?.connected ?? false }; }

  async start(): Promise<void> {
    const o = this.deps.options;
    this.topics = centerTopics(o.prefix, o.hall, o.group);
    this.stopped = false;
    const v5 = (o.protocolVersion ?? 5) === 5;
    const opts: IClientOptions = {
      protocolVersion: v5 ? 5 : 4, clientId: o.clientId, clean: false, reconnectPeriod: 1000, connectTimeout: 10_000,
      ...(v5 ? { properties: { sessionExpiryInterval: o.sessionExpiryS } } : {}),
      ...(o.username ? { username: o.username } : {}), ...(o.password ? { password: o.password } : {}),
    };
    const client = await connectAsync(o.url, opts);
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err) => { this.stats.lastError = err.message; this.deps.logger.warn(`center: mqtt: ${err.message}`); });
    client.on('connect', () => { void this.subscribe(); });
    await this.subscribe();
    this.deps.logger.info('center: ingest subscribed', { hall: o.hall, group: o.group ?? null, store: this.deps.store.db.where });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.flush();
    await this.flushing;
    await this.client?.endAsync();
    this.client = undefined;
  }

  /** A command to one window (`cmd/<name as levels>`), recorded with who sent it; the answer arrives on cmd_res. */
  async sendCommand(hall: string, window: string, name: string, args: Record<string, unknown>, byUser: string, ttlMs = 300_000): Promise<string> {
    if (!this.client) throw new Error('center: not connected to the broker');
    const cmd_id = randomUUID();
    const now = this.deps.clock.now();
    const body = { ...args, cmd_id, expires_at: isoWithOffset(now + ttlMs, this.deps.options.utcOffsetMinutes) };
    const payload = JSON.stringify(body);
    await this.deps.store.recordCommand({ cmd_id, hall, window, name, payload, by_user: byUser, sent_ms: now });
    await this.client.publishAsync(this.topics.cmd(hall, window, name), payload, { qos: 1 });
    this.deps.logger.info('center: command sent', { hall, window, name, cmd_id, by: byUser });
    return cmd_id;
  }

  /** An operator declares a window's open gap lost for good; acks resume past it (logged with who). */
  async acceptGap(hall: string, window: string, byUser: string): Promise<boolean> {
    const result = await this.deps.store.acceptGap(hall, window, byUser, this.deps.clock.now());
    if (!result) return false;
    const closed = result.closed[0];
    this.deps.logger.warn(`center: gap at ${hall}/${window} accepted as lost by ${byUser}${closed ? ` (seq ${closed.from}..${closed.to})` : ''}`, { hall, window, by: byUser });
    this.afterCommit(result);
    return true;
  }

  private async subscribe(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const granted = await client.subscribeAsync([...this.topics.own, ...this.topics.shared], { qos: 1 });
    const refused = granted.filter((g) => g.qos > 2);
    if (refused.length > 0) this.deps.logger.error('center: the broker refused subscriptions', { topics: refused.map((g) => g.topic) });
  }

  private onMessage(topic: string, payload: Buffer): void {
    const now = this.deps.clock.now();
    const t = parseCenterTopic(this.deps.options.prefix, topic);
    if (!t) return;
    if (batchSize(this.batch) >= this.deps.options.maxBuffered) {
      this.stats.dropped++;
      if (this.stats.dropped === 1 || this.stats.dropped % 10_000 === 0) this.deps.logger.error(`center: ${this.stats.dropped} messages dropped: the database is not keeping up (devices keep unacknowledged events)`);
      return;
    }
    if (t.kind === 'evt') {
      const parsed = parseEvent(payload, t, now);
      if (!parsed.ok) { this.reject(t.hall, t.window, topic, parsed.error, now); return; }
      this.batch.events.push(parsed.event);
    } else if (t.kind === 'status' || t.kind === 'state' || t.kind === 'birth') {
      if (payload.length === 0) return; // a cleared retained message
      const body = parseJsonObject(payload, 16 * 1024);
      if (!body.ok) { this.reject(t.hall, t.window, topic, body.error, now); return; }
      const part = t.kind === 'state' ? `state/${t.part}` : t.kind;
      this.batch.retained.push({ hall: t.hall, window: t.window, part, payload: payload.toString('utf8'), received_ms: now });
      if (t.kind === 'birth') {
        // A (re)connected device may have missed our last ack (its session is clean): send it again.
        this.ackSent.delete(`${t.hall}/${t.window}`);
        const seq = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
        this.batch.births.push({ hall: t.hall, window: t.window, first_seq: seq(body.body.first_seq), last_seq: seq(body.body.last_seq) });
      }
    } else if (t.kind === 'cmd_res') {
      const body = parseJsonObject(payload, 64 * 1024);
      if (!body.ok || typeof body.body.cmd_id !== 'string') { this.reject(t.hall, t.window, topic, body.ok ? 'cmd_id missing' : body.error, now); return; }
      this.batch.answers.push({ cmd_id: body.body.cmd_id, status: String(body.body.status ?? 'unknown').slice(0, 16), body: payload.toString('utf8'), received_ms: now });
    } else {
      return;
    }
    this.schedule();
  }

  /** One line per window and minute at most: a broken device must not flood the log. */
  private reject(hall: string, window: string, topic: string, error: string, now: number): void {
    this.stats.rejected++;
    const key = `${hall}/${window}`;
    if ((this.rejectLogged.get(key) ?? -Infinity) > now - 60_000) return;
    this.rejectLogged.set(key, now);
    this.deps.logger.warn(`center: refused a message on ${topic}: ${error}`, { hall, window });
  }

  private schedule(): void {
    // While a commit runs, messages gather; its end schedules the next one (no chain per message).
    if (this.flushing) return;
    if (batchSize(this.batch) >= this.deps.options.batchMax) { this.timer?.cancel(); this.timer = undefined; void this.flush(); return; }
    this.timer ??= this.deps.scheduler.timeout(this.deps.options.flushMs, () => { this.timer = undefined; void this.flush(); });
  }

  /** Commits what has gathered; one commit at a time, so batches land in arrival order. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (batchSize(this.batch) > 0 ? this.flush() : undefined));
    if (batchSize(this.batch) === 0) return Promise.resolve();
    const batch = this.batch;
    this.batch = emptyBatch();
    this.flushing = this.commit(batch).finally(() => {
      this.flushing = undefined;
      if (batchSize(this.batch) > 0) this.schedule();
    });
    return this.flushing;
  }

  private async commit(batch: IngestBatch): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.deps.store.commit(batch, this.deps.clock.now());
        this.stats.commits++;
        this.stats.stored += result.inserted.length;
        this.stats.duplicates += result.duplicates;
        this.afterCommit(result);
        return;
      } catch (err) {
        this.stats.lastError = (err as Error).message;
        if (this.stopped && attempt >= 2) { this.deps.logger.error('center: commit failed while stopping; the devices keep these events unacknowledged', { err }); return; }
        const wait = Math.min(30_000, 200 * 2 ** Math.min(attempt, 8));
        this.deps.logger.error(`center: commit failed; retrying in ${wait} ms`, { err });
        await this.deps.scheduler.sleep(wait);
      }
    }
  }

  /** Logs a gap that is still open after the grace time (the store is the truth across instances). */
  private async reportGap(hall: string, window: string, from: number): Promise<void> {
    if (this.stopped) return;
    try {
      const w = (await this.deps.store.windows(hall)).find((x) => x.window === window);
      if (!w?.gap || w.gap.from !== from) return;
      this.gapsLogged.add(`${hall}/${window}#${from}`);
      this.deps.logger.warn(`center: gap at ${hall}/${window}: holding up to seq ${w.acked_seq}, missing seq ${w.gap.from}..${w.gap.to} (acks stop below it until the device re-sends)`, { hall, window, from: w.gap.from, to: w.gap.to });
    } catch (err) {
      this.deps.logger.warn('center: could not check a gap', { err });
    }
  }

  private afterCommit(result: CommitResult): void {
    for (const g of result.opened) {
      this.deps.scheduler.timeout(this.deps.options.gapGraceMs ?? 2000, () => { void this.reportGap(g.hall, g.window, g.gap.from); });
    }
    for (const g of result.closed) {
      const key = `${g.hall}/${g.window}#${g.from}`;
      if (this.gapsLogged.delete(key)) this.deps.logger.info(`center: gap at ${g.hall}/${g.window} closed (seq ${g.from}..${g.to})`, { hall: g.hall, window: g.window });
    }
    for (const w of result.windows) {
      const key = `${w.hall}/${w.window}`;
      if (w.acked_seq <= 0 || this.ackSent.get(key) === w.acked_seq) continue;
      this.ackSent.set(key, w.acked_seq);
      this.client?.publish(this.topics.ack(w.hall, w.window), JSON.stringify({ upto_seq: w.acked_seq }), { qos: 1 }, (err) => {
        if (err) { this.ackSent.delete(key); this.deps.logger.warn(`center: ack to ${key} failed: ${err.message}`); }
      });
    }
    this.emit('committed', result);
  }
}
