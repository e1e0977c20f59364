// The durable outbox (design §5): SQLite in WAL mode, driven from a worker thread so the event loop
// never waits for SQLite or fsync. Seq, ids and times are assigned here, synchronously; the group
// commit queue (outbox-group-commit.ts) batches, orders and retries the commits.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isoWithOffset, type Clock } from '../core/clock.ts';
import type { EventEnvelope, EventInput } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import { defaultScheduler } from './sync-time.ts';
import type { Outbox, OutboxHealth, OutboxLoss, OutboxStartInfo } from './outbox.ts';
import type { MaintainResult, OpenResult, ReadResult, Synchronous, WorkerStats } from './outbox-protocol.ts';
import { GroupCommitQueue } from './outbox-group-commit.ts';
import { OutboxWorkerClient } from './outbox-worker-client.ts';

export interface SqliteOutboxDeps {
  /** Database file; its directory is created when missing. */
  path: string;
  window: string;
  hall: string;
  utcOffsetMinutes: number;
  clock: Clock;
  /** Maintenance, retries and worker restarts (default: the system's timers). */
  scheduler?: Scheduler;
  logger: Logger;
  synchronous: Synchronous;
  maxBytes: number;
  retainPublishedHours: number;
  requireAck: boolean;
  groupCommitMax: number;
  /** How often retention and the cap run in the worker (default 60 s). */
  maintenanceIntervalMs?: number;
  /** SQLite's own hard page limit in bytes (PRAGMA max_page_count); default none. */
  hardLimitBytes?: number;
  /** Seqs reserved ahead in the side file per write of it (default 10,000). */
  seqReserve?: number;
  /** Backoff between commit retries while the disk fails (defaults 100 ms doubling to 5 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How long stop() waits for accepted events to commit (default 10 s). */
  stopTimeoutMs?: number;
}

/** Counters beyond OutboxHealth, for tests, benchmarks and the status page. */
export interface OutboxCounters {
  transactions: number;
  committedEvents: number;
  droppedTelemetry: number;
  deletedByRetention: number;
  deletedByCap: number;
  commitFailures: number;
}

const TYPE_PATTERN = /^[A-Za-z0-9_.:-]+$/;

function invalidDeps(d: SqliteOutboxDeps): string | null {
  if (!d.path) return 'path: empty';
  if (!['FULL', 'NORMAL', 'EXTRA'].includes(d.synchronous)) return `synchronous: ${JSON.stringify(d.synchronous)} (FULL, NORMAL or EXTRA)`;
  if (!Number.isSafeInteger(d.groupCommitMax) || d.groupCommitMax < 1) return `groupCommitMax: ${d.groupCommitMax} (an integer ≥ 1)`;
  if (!(d.maxBytes > 0)) return `maxBytes: ${d.maxBytes} (> 0)`;
  if (!(d.retainPublishedHours >= 0)) return `retainPublishedHours: ${d.retainPublishedHours} (≥ 0)`;
  return null;
}

export class SqliteOutbox implements Outbox {
  private client: OutboxWorkerClient | null = null;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'closing' | 'stopped' = 'new';
  private boot = 0;
  private lastSeq = 0;
  /** Seq of the last event handed out (the next envelope's prev_seq). */
  private prevSeq = 0;
  private lost: OutboxLoss | undefined;
  private queue!: GroupCommitQueue;
  private restartTimer: TimerHandle | null = null;
  private maintenanceTimer: TimerHandle | null = null;
  private stats: WorkerStats | null = null;
  private capAnnounced = false;
  private listeners = new Set<(events: EventEnvelope[]) => void>();
  private stopping: Promise<void> | null = null;

  private readonly scheduler: Scheduler;

  constructor(private readonly deps: SqliteOutboxDeps) {
    this.scheduler = defaultScheduler(deps.scheduler);
  }

  async start(): Promise<OutboxStartInfo> {
    if (this.state !== 'new') throw new Error(`outbox: start() called twice (state ${this.state})`);
    const problem = invalidDeps(this.deps);
    if (problem) throw new Error(`outbox: invalid setting ${problem}`);
    this.state = 'starting';
    const { path, logger } = this.deps;
    const dir = dirname(path);
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      this.state = 'stopped';
      throw new Error(`outbox: cannot create state directory ${dir}: ${(err as Error).message}`, { cause: err });
    }
    this.queue = new GroupCommitQueue({
      groupCommitMax: this.deps.groupCommitMax,
      retryMinMs: this.deps.retryMinMs ?? 100,
      retryMaxMs: this.deps.retryMaxMs ?? 5000,
      logger,
      scheduler: this.scheduler,
      send: (batch, retry, transfer) => (this.client?.running ? this.client.request({ op: 'write', batch, retry }, transfer) : null),
      committed: (events) => this.notify(events),
    });
    let opened: OpenResult;
    try {
      opened = await this.openWorker();
    } catch (err) {
      this.state = 'stopped';
      throw new Error(`outbox: cannot open ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.boot = opened.boot;
    this.lastSeq = opened.lastSeq;
    this.prevSeq = opened.prevSeq;
    if (opened.recovered) logger.error('outbox database was corrupt; moved aside and started fresh', { path, ...opened.recovered, lastSeq: this.lastSeq });
    const every = this.deps.maintenanceIntervalMs ?? 60_000;
    this.maintenanceTimer = this.scheduler.interval(every, () => {
      this.maintain().catch((err) => logger.warn('outbox maintenance failed', { err }));
    });
    this.state = 'running';
    logger.info('outbox started', { path, boot: this.boot, lastSeq: this.lastSeq, pending: this.stats?.pending });
    if (opened.lost) this.reportLoss(opened.lost);
    return { boot: this.boot, lastSeq: this.lastSeq, ...(opened.recovered ? { recovered: opened.recovered } : {}), ...(opened.lost ? { lost: opened.lost } : {}) };
  }

  /** One loud line, a flag in health (and so in state/outbox) and a durable `outbox.lost` event. */
  private reportLoss(lost: OutboxLoss): void {
    this.lost = lost;
    const range = lost.firstSeq === null ? `up to seq ${lost.lastSeq}` : `seq ${lost.firstSeq}..${lost.lastSeq}`;
    this.deps.logger.error(`outbox: committed events that were not published are gone (${range}${lost.count !== null ? `, ${lost.count} events` : ''}): ${lost.reason}; seqs are not reused`, { path: this.deps.path });
    this.append({ type: 'outbox.lost', data: { first_seq: lost.firstSeq, last_seq: lost.lastSeq, count: lost.count, exact: lost.exact, reason: lost.reason } });
  }

  /** Starts a worker and opens the database in it; continueBoot keeps this boot after a worker restart. */
  private async openWorker(continueBoot?: number): Promise<OpenResult> {
    const client = new OutboxWorkerClient({
      logger: this.deps.logger,
      onStats: (s) => this.onStats(s),
      onExit: (reason) => this.onWorkerGone(reason),
    });
    client.start();
    try {
      const opened = await client.request<OpenResult>({
        op: 'open',
        params: {
          path: this.deps.path,
          window: this.deps.window,
          synchronous: this.deps.synchronous,
          requireAck: this.deps.requireAck,
          maxBytes: this.deps.maxBytes,
          hardLimitBytes: this.deps.hardLimitBytes ?? 0,
          seqReserve: this.deps.seqReserve ?? 10_000,
          now: this.deps.clock.now(),
          ...(continueBoot !== undefined ? { continueBoot } : {}),
        },
      });
      this.client = client;
      return opened;
    } catch (err) {
      await client.kill();
      throw err;
    }
  }

  append(input: EventInput): { envelope: EventEnvelope; durable: Promise<void> } {
    if (this.state !== 'running' && this.state !== 'stopping') throw new Error(`outbox: append(${input?.type}) while ${this.state}`);
    if (typeof input?.type !== 'string' || !TYPE_PATTERN.test(input.type)) {
      throw new TypeError(`outbox: event type must match ${TYPE_PATTERN} (got ${JSON.stringify(input?.type)})`);
    }
    const { clock } = this.deps;
    const seq = this.lastSeq + 1;
    const envelope: EventEnvelope = {
      event_id: `${this.deps.window}-${this.boot}-${seq}`,
      seq,
      prev_seq: this.prevSeq,
      boot: this.boot,
      type: input.type,
      ts: isoWithOffset(clock.now(), this.deps.utcOffsetMinutes),
      mono_ms: Math.floor(clock.monoMs()),
      time_quality: clock.timeQuality(),
      window: this.deps.window,
      hall: this.deps.hall,
      ...(input.staff_id !== undefined ? { staff_id: input.staff_id } : {}),
      ...(input.case_id !== undefined ? { case_id: input.case_id } : {}),
      data: input.data ?? {},
    };
    let body: string;
    try {
      body = JSON.stringify(envelope);
    } catch (err) {
      throw new TypeError(`outbox: data of event ${input.type} is not JSON-serialisable: ${(err as Error).message}`);
    }
    this.lastSeq = seq;
    this.prevSeq = seq;
    return { envelope, durable: this.queue.add(envelope, body) };
  }

  private notify(events: EventEnvelope[]): void {
    for (const listener of this.listeners) {
      try { listener(events); } catch (err) { this.deps.logger.error('outbox onCommitted listener threw', { err }); }
    }
  }

  /**
   * The worker ended without being asked (it should not; an out-of-memory or a bug would do it).
   * Accepted events stay queued; a new worker is started with backoff and keeps this boot.
   */
  private onWorkerGone(reason: string): void {
    this.client = null;
    this.queue.writeError = reason;
    this.deps.logger.error('outbox worker is gone; events stay in memory, restarting it', { reason, uncommitted: this.queue.uncommitted });
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.state !== 'running' && this.state !== 'stopping') return;
    this.restartTimer = this.scheduler.timeout(this.queue.nextDelay(), () => {
      this.restartTimer = null;
      this.openWorker(this.boot).then(
        () => { this.deps.logger.info('outbox worker restarted', { boot: this.boot }); this.queue.pump(); },
        (err: Error) => { this.deps.logger.error('outbox worker restart failed', { err }); this.scheduleRestart(); },
      );
    });
  }

  private onStats(stats: WorkerStats): void {
    this.stats = stats;
    if (this.state !== 'running') return;
    if (stats.capReached !== this.capAnnounced) {
      this.capAnnounced = stats.capReached;
      const type = stats.capReached ? 'outbox.cap_reached' : 'outbox.cap_cleared';
      this.deps.logger[stats.capReached ? 'warn' : 'info'](type, { bytes: stats.bytes, capBytes: this.deps.maxBytes });
      this.append({ type, data: { bytes: stats.bytes, cap_bytes: this.deps.maxBytes, pending: stats.pending } });
    }
  }

  async readPending(afterSeq: number, limit: number): Promise<EventEnvelope[]> {
    if (limit <= 0) return [];
    const r = await this.requireClient().request<ReadResult>({ op: 'read', afterSeq, limit: Math.floor(limit) });
    return JSON.parse(r.json) as EventEnvelope[];
  }

  async markPublished(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.requireClient().request<number>({ op: 'mark', seqs, now: this.deps.clock.now() })
      .catch((err: Error) => { throw new Error(`outbox: markPublished of ${seqs.length} events failed: ${err.message}`, { cause: err }); });
  }

  async readUnacknowledged(publishedBefore: number, limit: number): Promise<EventEnvelope[]> {
    if (limit <= 0) return [];
    const r = await this.requireClient().request<ReadResult>({ op: 'readUnacked', publishedBefore, limit: Math.floor(limit) });
    return JSON.parse(r.json) as EventEnvelope[];
  }

  async markPoisoned(seq: number): Promise<void> {
    await this.requireClient().request<number>({ op: 'poison', seq });
  }

  async retryPoisoned(): Promise<number> {
    return this.requireClient().request<number>({ op: 'retryPoisoned' });
  }

  async acknowledgeUpTo(uptoSeq: number): Promise<void> {
    if (!Number.isSafeInteger(uptoSeq) || uptoSeq < 0) throw new TypeError(`outbox: acknowledgeUpTo needs a seq ≥ 0 (got ${uptoSeq})`);
    await this.requireClient().request<number>({ op: 'ack', uptoSeq })
      .catch((err: Error) => { throw new Error(`outbox: acknowledgeUpTo(${uptoSeq}) failed: ${err.message}`, { cause: err }); });
  }

  /** Runs retention and the cap now (the timer calls this; tests and the CLI may too). */
  async maintain(): Promise<MaintainResult> {
    return this.requireClient().request<MaintainResult>({
      op: 'maintain', now: this.deps.clock.now(), retainMs: this.deps.retainPublishedHours * 3_600_000,
    });
  }

  private requireClient(): OutboxWorkerClient {
    if (!this.client?.running) throw new Error(`outbox: not running (state ${this.state})`);
    return this.client;
  }

  health(): OutboxHealth {
    const s = this.stats;
    return {
      pending: s?.pending ?? 0,
      firstPendingSeq: s?.firstPendingSeq ?? null,
      lastSeq: this.lastSeq,
      lastPublishedSeq: s?.lastPublishedSeq ?? 0,
      lastAckedSeq: s?.lastAckedSeq ?? 0,
      bytes: s?.bytes ?? 0,
      capBytes: this.deps.maxBytes,
      capReached: s?.capReached ?? false,
      poisoned: s?.poisoned ?? 0,
      ...(this.queue?.writeError ? { writeError: this.queue.writeError } : {}),
      uncommitted: this.queue?.uncommitted ?? 0,
      ...(this.lost ? { lost: this.lost } : {}),
    };
  }

  counters(): OutboxCounters {
    const s = this.stats;
    return {
      transactions: s?.transactions ?? 0,
      committedEvents: s?.committedEvents ?? 0,
      droppedTelemetry: s?.droppedTelemetry ?? 0,
      deletedByRetention: s?.deletedByRetention ?? 0,
      deletedByCap: s?.deletedByCap ?? 0,
      commitFailures: this.queue?.commitFailures ?? 0,
    };
  }

  onCommitted(listener: (events: EventEnvelope[]) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Waits (bounded) for everything accepted to commit, records the seq mark, checkpoints, closes. */
  stop(): Promise<void> {
    if (this.state === 'new' || (this.state === 'stopped' && !this.stopping)) { this.state = 'stopped'; return Promise.resolve(); }
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.state = 'stopping';
    const { logger } = this.deps;
    this.maintenanceTimer?.cancel();
    this.maintenanceTimer = null;
    const timeoutMs = this.deps.stopTimeoutMs ?? 10_000;
    if (!(await this.queue.drained(timeoutMs))) {
      logger.error('outbox stop: accepted events could not be committed and are lost with this process', {
        uncommitted: this.queue.uncommitted, firstSeq: this.queue.firstUncommittedSeq, writeError: this.queue.writeError, waitedMs: timeoutMs,
      });
    }
    // From here on an append could not be committed any more: refuse it loudly instead of losing it.
    this.state = 'closing';
    this.queue.stopRetrying();
    this.restartTimer?.cancel();
    this.restartTimer = null;
    // A write still in flight is answered before close: the worker handles requests in order.
    try {
      await this.client?.close(this.lastSeq);
    } catch (err) {
      logger.error('outbox stop: closing the database failed', { err });
    }
    this.client = null;
    this.state = 'stopped';
    logger.info('outbox stopped', { lastSeq: this.lastSeq, uncommitted: this.queue.uncommitted });
  }

  /** Test hook: ends the worker without a clean close, as a crash would (nothing is flushed). */
  async crashForTest(): Promise<void> {
    this.maintenanceTimer?.cancel();
    this.restartTimer?.cancel();
    this.queue?.stopRetrying();
    this.state = 'stopped';
    await this.client?.kill();
    this.client = null;
  }
}
