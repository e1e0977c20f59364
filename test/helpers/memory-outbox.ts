// An in-memory Outbox with the same contract as the SQLite one (test/contract/outbox.test.ts runs
// the same suite against both): seq assigned synchronously, prev_seq across restarts, appends of one
// tick committed together (onCommitted fires once per group), pending → published → acknowledged,
// retention of done rows. A MemoryOutboxStorage outlives an instance, as the database file does, so
// a test can "restart" by building a new MemoryOutbox over the same storage. Tests can inject
// failures and watch markPublished calls.
import { isoWithOffset, type Clock } from '../../core/clock.ts';
import { eventId, type EventEnvelope, type EventInput } from '../../core/events.ts';
import type { Outbox, OutboxHealth, OutboxStartInfo } from '../../sync/outbox.ts';

type RowState = 'pending' | 'published' | 'acknowledged' | 'poisoned';

/** What survives a restart (the database and the seq side file of the SQLite outbox). */
export class MemoryOutboxStorage {
  readonly rows: EventEnvelope[] = [];
  readonly state: RowState[] = [];
  readonly publishedAt: number[] = [];
  boot = 0;
  lastSeq = 0;
  /** Seq of the last event handed out: the next envelope's prev_seq. */
  prevSeq = 0;
  lastPublishedSeq = 0;
  lastAckedSeq = 0;
}

export interface MemoryOutboxOptions {
  clock: Clock;
  window?: string;
  hall?: string;
  /** Fixed boot number (default: the storage's last boot + 1). */
  boot?: number;
  /** Seq of the last event of an earlier run (the next append gets lastSeq + 1, prev_seq lastSeq). */
  lastSeq?: number;
  storage?: MemoryOutboxStorage;
  /** Published (acknowledged, with requireAck) rows older than this are removed by maintain(). */
  retainPublishedMs?: number;
  requireAck?: boolean;
}

export class MemoryOutbox implements Outbox {
  readonly storage: MemoryOutboxStorage;
  /** Every markPublished call, in order (tests check batching and duplicates). */
  readonly markCalls: number[][] = [];
  /** Set to make the next calls of a method reject, to test error paths. */
  failNext: { readPending?: number; markPublished?: number } = {};
  private firstPendingIdx = 0;
  private pendingCount = 0;
  private uncommitted: Array<{ env: EventEnvelope; resolve: () => void }> = [];
  private commitScheduled = false;
  private listeners = new Set<(events: EventEnvelope[]) => void>();
  private readonly boot: number;

  constructor(private readonly opts: MemoryOutboxOptions) {
    const s = opts.storage ?? new MemoryOutboxStorage();
    this.storage = s;
    this.boot = opts.boot ?? s.boot + 1;
    s.boot = this.boot;
    if (opts.lastSeq !== undefined && opts.lastSeq > s.lastSeq) { s.lastSeq = opts.lastSeq; s.prevSeq = opts.lastSeq; }
    // As the SQLite outbox: poisoned rows get another chance at every start.
    for (let i = 0; i < s.state.length; i++) if (s.state[i] === 'poisoned') s.state[i] = 'pending';
    this.pendingCount = s.state.filter((st) => st === 'pending').length;
    this.advanceFirstPending();
  }

  get rows(): EventEnvelope[] { return this.storage.rows; }
  get state(): RowState[] { return this.storage.state; }

  async start(): Promise<OutboxStartInfo> {
    return { boot: this.boot, lastSeq: this.storage.lastSeq };
  }

  async stop(): Promise<void> { this.commit(); }

  append(input: EventInput): { envelope: EventEnvelope; durable: Promise<void> } {
    const s = this.storage;
    const seq = ++s.lastSeq;
    const window = this.opts.window ?? 'A07';
    const envelope: EventEnvelope = {
      event_id: eventId(window, this.boot, seq), seq, prev_seq: s.prevSeq, boot: this.boot, type: input.type,
      ts: isoWithOffset(this.opts.clock.now()), mono_ms: this.opts.clock.monoMs(), time_quality: this.opts.clock.timeQuality(),
      window, hall: this.opts.hall ?? 'main', data: input.data ?? {},
    };
    s.prevSeq = seq;
    if (input.staff_id !== undefined) envelope.staff_id = input.staff_id;
    if (input.case_id !== undefined) envelope.case_id = input.case_id;
    let resolve!: () => void;
    const durable = new Promise<void>((r) => { resolve = r; });
    this.uncommitted.push({ env: envelope, resolve });
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(() => this.commit());
    }
    return { envelope, durable };
  }

  async readPending(afterSeq: number, limit: number): Promise<EventEnvelope[]> {
    if (this.failNext.readPending) { this.failNext.readPending--; throw new Error('simulated read failure'); }
    const { rows, state } = this.storage;
    const out: EventEnvelope[] = [];
    for (let i = Math.max(this.firstPendingIdx, this.indexAbove(afterSeq)); i < rows.length && out.length < limit; i++) {
      if (state[i] === 'pending') out.push(rows[i]!);
    }
    return out;
  }

  async markPublished(seqs: number[]): Promise<void> {
    if (this.failNext.markPublished) { this.failNext.markPublished--; throw new Error('simulated write failure'); }
    this.markCalls.push([...seqs]);
    const s = this.storage;
    const now = this.opts.clock.now();
    for (const seq of seqs) {
      const i = this.indexOf(seq);
      // A re-published row (require_ack): its publish time restarts the wait for the ack.
      if (i >= 0 && s.state[i] === 'published') s.publishedAt[i] = now;
      if (i < 0 || s.state[i] !== 'pending') continue;
      s.state[i] = seq <= s.lastAckedSeq ? 'acknowledged' : 'published';
      s.publishedAt[i] = now;
      this.pendingCount--;
      if (seq > s.lastPublishedSeq) s.lastPublishedSeq = seq;
    }
    this.advanceFirstPending();
  }

  async readUnacknowledged(publishedBefore: number, limit: number): Promise<EventEnvelope[]> {
    const s = this.storage;
    const out: EventEnvelope[] = [];
    for (let i = 0; i < s.rows.length && out.length < limit; i++) {
      if (s.state[i] === 'published' && s.publishedAt[i]! < publishedBefore) out.push(s.rows[i]!);
    }
    return out;
  }

  async markPoisoned(seq: number): Promise<void> {
    const i = this.indexOf(seq);
    if (i < 0 || this.storage.state[i] !== 'pending') return;
    this.storage.state[i] = 'poisoned';
    this.pendingCount--;
    this.firstPendingIdx = 0;
    this.advanceFirstPending();
  }

  async retryPoisoned(): Promise<number> {
    const s = this.storage;
    let n = 0;
    for (let i = 0; i < s.state.length; i++) if (s.state[i] === 'poisoned') { s.state[i] = 'pending'; n++; }
    this.pendingCount += n;
    this.firstPendingIdx = 0;
    this.advanceFirstPending();
    return n;
  }

  async acknowledgeUpTo(uptoSeq: number): Promise<void> {
    const s = this.storage;
    const upto = Math.min(uptoSeq, s.lastSeq);
    for (let i = 0; i < s.rows.length && s.rows[i]!.seq <= upto; i++) {
      if (s.state[i] === 'published') s.state[i] = 'acknowledged';
    }
    if (upto > s.lastAckedSeq) s.lastAckedSeq = upto;
  }

  /** Retention: removes done rows published longer ago than retainPublishedMs; pending rows never. */
  async maintain(): Promise<{ deletedByRetention: number }> {
    const s = this.storage;
    const cutoff = this.opts.clock.now() - (this.opts.retainPublishedMs ?? 24 * 3_600_000);
    const done = (st: RowState | undefined) => (this.opts.requireAck ? st === 'acknowledged' : st === 'published' || st === 'acknowledged');
    let deleted = 0;
    for (let i = s.rows.length - 1; i >= 0; i--) {
      if (done(s.state[i]) && s.publishedAt[i]! < cutoff) {
        s.rows.splice(i, 1); s.state.splice(i, 1); s.publishedAt.splice(i, 1);
        deleted++;
      }
    }
    this.firstPendingIdx = 0;
    this.advanceFirstPending();
    return { deletedByRetention: deleted };
  }

  health(): OutboxHealth {
    const s = this.storage;
    return {
      pending: this.pendingCount,
      firstPendingSeq: this.firstPendingIdx < s.rows.length ? s.rows[this.firstPendingIdx]!.seq : null,
      lastSeq: s.lastSeq, lastPublishedSeq: s.lastPublishedSeq, lastAckedSeq: s.lastAckedSeq,
      bytes: 0, capBytes: Number.MAX_SAFE_INTEGER, capReached: false, uncommitted: this.uncommitted.length,
      poisoned: s.state.filter((st) => st === 'poisoned').length,
    };
  }

  onCommitted(listener: (events: EventEnvelope[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  countState(state: RowState): number { return this.storage.state.filter((s) => s === state).length; }

  private commit(): void {
    this.commitScheduled = false;
    const group = this.uncommitted;
    if (group.length === 0) return;
    this.uncommitted = [];
    const s = this.storage;
    for (const { env } of group) { s.rows.push(env); s.state.push('pending'); s.publishedAt.push(0); this.pendingCount++; }
    this.advanceFirstPending();
    for (const { resolve } of group) resolve();
    const envelopes = group.map((g) => g.env);
    for (const l of this.listeners) l(envelopes);
  }

  private advanceFirstPending(): void {
    const { rows, state } = this.storage;
    while (this.firstPendingIdx < rows.length && state[this.firstPendingIdx] !== 'pending') this.firstPendingIdx++;
  }

  /** Index of the first row with seq > afterSeq (rows are in seq order). */
  private indexAbove(afterSeq: number): number {
    const rows = this.storage.rows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid]!.seq <= afterSeq) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  private indexOf(seq: number): number {
    const i = this.indexAbove(seq - 1);
    return this.storage.rows[i]?.seq === seq ? i : -1;
  }
}
