// Group commit with retry: accepted events wait here, in seq order, until the worker has committed
// them. Two groups may be in flight, so the worker never idles while the main thread is busy;
// beyond that the next group fills up (batches grow with load). A failed commit (full disk, I/O
// error, worker gone) keeps its group at the head and is retried with capped backoff; the worker
// refuses the writes behind a failed one until that retry, so commits stay in seq order.
import type { EventEnvelope } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import { waitUntil } from './sync-time.ts';
import type { WriteBatch } from './outbox-protocol.ts';
import { OutboxWorkerError } from './outbox-worker-client.ts';

const MAX_IN_FLIGHT = 2;

interface Group {
  seqs: number[];
  types: string[];
  bodies: string[];
  envelopes: EventEnvelope[];
  inFlight: boolean;
  durable: Promise<void>;
  resolve: () => void;
}

export interface GroupCommitDeps {
  groupCommitMax: number;
  retryMinMs: number;
  retryMaxMs: number;
  logger: Logger;
  scheduler: Scheduler;
  /** Sends one batch to the worker; null when no worker is running (the group waits). */
  send: (batch: WriteBatch, retry: boolean, transfer: ArrayBuffer[]) => Promise<unknown> | null;
  committed: (envelopes: EventEnvelope[]) => void;
}

export class GroupCommitQueue {
  private groups: Group[] = [];
  private flushScheduled = false;
  private retryTimer: TimerHandle | null = null;
  private retryDelayMs = 0;
  private drainedWaiters: Array<() => void> = [];
  private inFlight = 0;
  private unblockNext = false;
  uncommitted = 0;
  commitFailures = 0;
  writeError: string | undefined;

  constructor(private readonly deps: GroupCommitDeps) {}

  /** Queues one serialised event; the returned promise is shared by its whole group. */
  add(envelope: EventEnvelope, body: string): Promise<void> {
    const group = this.openGroup();
    group.seqs.push(envelope.seq);
    group.types.push(envelope.type);
    group.bodies.push(body);
    group.envelopes.push(envelope);
    this.uncommitted++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => { this.flushScheduled = false; this.pump(); });
    }
    return group.durable;
  }

  get firstUncommittedSeq(): number | undefined { return this.groups[0]?.seqs[0]; }

  private openGroup(): Group {
    const tail = this.groups[this.groups.length - 1];
    if (tail && !tail.inFlight && tail.seqs.length < this.deps.groupCommitMax) return tail;
    let resolve!: () => void;
    const durable = new Promise<void>((r) => { resolve = r; });
    const group: Group = { seqs: [], types: [], bodies: [], envelopes: [], inFlight: false, durable, resolve };
    this.groups.push(group);
    return group;
  }

  /** Sends the oldest groups not yet sent, in order, up to MAX_IN_FLIGHT, unless a retry is waiting. */
  pump(): void {
    if (this.retryTimer) return;
    for (const group of this.groups) {
      if (this.inFlight >= MAX_IN_FLIGHT) return;
      if (group.inFlight) continue;
      const seqs = Float64Array.from(group.seqs);
      const sent = this.deps.send({ seqs, types: group.types.join('\n'), bodies: group.bodies.join('\n') }, this.unblockNext, [seqs.buffer]);
      if (!sent) return;
      this.unblockNext = false;
      group.inFlight = true;
      this.inFlight++;
      sent.then(() => this.onCommitted(group), (err: Error) => this.onFailed(group, err));
    }
  }

  private onCommitted(group: Group): void {
    group.inFlight = false;
    this.inFlight--;
    this.groups.splice(this.groups.indexOf(group), 1);
    this.uncommitted -= group.seqs.length;
    if (this.writeError) {
      this.deps.logger.info('outbox commits recovered', { after: this.writeError, uncommitted: this.uncommitted });
      this.writeError = undefined;
    }
    this.retryDelayMs = 0;
    group.resolve();
    this.deps.committed(group.envelopes);
    if (this.groups.length === 0) {
      const waiters = this.drainedWaiters;
      this.drainedWaiters = [];
      for (const w of waiters) w();
    }
    this.pump();
  }

  private onFailed(group: Group, err: Error): void {
    group.inFlight = false;
    this.inFlight--;
    const code = err instanceof OutboxWorkerError ? err.code : undefined;
    if (code === 'BLOCKED') { this.pump(); return; } // behind a failed write; it goes again after that one
    this.commitFailures++;
    this.unblockNext = true;
    const message = code && code !== 'WORKER_GONE' ? `${code}: ${err.message}` : err.message;
    this.retryTimer?.cancel();
    const delay = this.nextDelay();
    if (message !== this.writeError) {
      this.deps.logger.error('outbox commit failed; events kept in memory and retried', { error: message, uncommitted: this.uncommitted, retryMs: delay });
    }
    this.writeError = message;
    this.retryTimer = this.deps.scheduler.timeout(delay, () => { this.retryTimer = null; this.pump(); });
  }

  /** The next backoff step (shared with worker restarts). */
  nextDelay(): number {
    this.retryDelayMs = Math.min(this.deps.retryMaxMs, this.retryDelayMs === 0 ? this.deps.retryMinMs : this.retryDelayMs * 2);
    return this.retryDelayMs;
  }

  /** Resolves true once nothing is waiting, or false after timeoutMs. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.groups.length === 0) return true;
    return waitUntil(this.deps.scheduler, (done) => this.drainedWaiters.push(done), timeoutMs);
  }

  get empty(): boolean { return this.groups.length === 0; }

  stopRetrying(): void {
    this.retryTimer?.cancel();
    this.retryTimer = null;
  }
}
