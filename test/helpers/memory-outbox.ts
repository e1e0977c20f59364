// An in-memory Outbox with the same contract as the SQLite one: seq assigned synchronously,
// appends of one tick committed together (onCommitted fires once per group), pending → published
// → acknowledged. Tests can inject failures and watch markPublished calls.
import { isoWithOffset, type Clock } from '../../core/clock.ts';
import { eventId, type EventEnvelope, type EventInput } from '../../core/events.ts';
import type { Outbox, OutboxHealth, OutboxStartInfo } from '../../sync/outbox.ts';

type RowState = 'pending' | 'published' | 'acknowledged';

export interface MemoryOutboxOptions {
  clock: Clock;
  window?: string;
  hall?: string;
  boot?: number;
  /** Seq of the last event of an earlier run (the next append gets lastSeq + 1). */
  lastSeq?: number;
}

export class MemoryOutbox implements Outbox {
  readonly rows: EventEnvelope[] = [];
  /** Every envelope in append order, committed or not (a test sees an event the moment it is appended). */
  readonly appended: EventEnvelope[] = [];
  readonly state: RowState[] = [];
  /** Every markPublished call, in order (tests check batching and duplicates). */
  readonly markCalls: number[][] = [];
  /** Set to make the next calls of a method reject, to test error paths. */
  failNext: { readPending?: number; markPublished?: number } = {};
  private base = 1;
  private firstPendingIdx = 0;
  private lastSeq: number;
  private lastPublishedSeq = 0;
  private lastAckedSeq = 0;
  private pendingCount = 0;
  private uncommitted: Array<{ env: EventEnvelope; resolve: () => void }> = [];
  private commitScheduled = false;
  private listeners = new Set<(events: EventEnvelope[]) => void>();
  private readonly boot: number;

  constructor(private readonly opts: MemoryOutboxOptions) {
    this.boot = opts.boot ?? 1;
    this.lastSeq = opts.lastSeq ?? 0;
  }

  async start(): Promise<OutboxStartInfo> {
    this.base = this.lastSeq + 1;
    return { boot: this.boot, lastSeq: this.lastSeq };
  }

  async stop(): Promise<void> { this.commit(); }

  append(input: EventInput): { envelope: EventEnvelope; durable: Promise<void> } {
    const seq = ++this.lastSeq;
    const window = this.opts.window ?? 'A07';
    const envelope: EventEnvelope = {
      event_id: eventId(window, this.boot, seq), seq, boot: this.boot, type: input.type,
      ts: isoWithOffset(this.opts.clock.now()), mono_ms: this.opts.clock.monoMs(), time_quality: this.opts.clock.timeQuality(),
      window, hall: this.opts.hall ?? 'main', data: input.data ?? {},
    };
    if (input.staff_id !== undefined) envelope.staff_id = input.staff_id;
    if (input.case_id !== undefined) envelope.case_id = input.case_id;
    let resolve!: () => void;
    const durable = new Promise<void>((r) => { resolve = r; });
    this.appended.push(envelope);
    this.uncommitted.push({ env: envelope, resolve });
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(() => this.commit());
    }
    return { envelope, durable };
  }

  async readPending(afterSeq: number, limit: number): Promise<EventEnvelope[]> {
    if (this.failNext.readPending) { this.failNext.readPending--; throw new Error('simulated read failure'); }
    const out: EventEnvelope[] = [];
    let i = Math.max(this.firstPendingIdx, afterSeq + 1 - this.base);
    for (; i < this.rows.length && out.length < limit; i++) if (this.state[i] === 'pending') out.push(this.rows[i]!);
    return out;
  }

  async markPublished(seqs: number[]): Promise<void> {
    if (this.failNext.markPublished) { this.failNext.markPublished--; throw new Error('simulated write failure'); }
    this.markCalls.push([...seqs]);
    for (const seq of seqs) {
      const i = seq - this.base;
      if (this.state[i] !== 'pending') continue;
      this.state[i] = 'published';
      this.pendingCount--;
      if (seq > this.lastPublishedSeq) this.lastPublishedSeq = seq;
    }
    while (this.firstPendingIdx < this.rows.length && this.state[this.firstPendingIdx] !== 'pending') this.firstPendingIdx++;
  }

  async acknowledgeUpTo(uptoSeq: number): Promise<void> {
    for (let i = 0; i < this.rows.length && this.rows[i]!.seq <= uptoSeq; i++) {
      if (this.state[i] === 'published') this.state[i] = 'acknowledged';
    }
    if (uptoSeq > this.lastAckedSeq) this.lastAckedSeq = uptoSeq;
  }

  health(): OutboxHealth {
    return {
      pending: this.pendingCount,
      firstPendingSeq: this.firstPendingIdx < this.rows.length ? this.rows[this.firstPendingIdx]!.seq : null,
      lastSeq: this.lastSeq, lastPublishedSeq: this.lastPublishedSeq, lastAckedSeq: this.lastAckedSeq,
      bytes: 0, capBytes: Number.MAX_SAFE_INTEGER, capReached: false, uncommitted: this.uncommitted.length,
    };
  }

  onCommitted(listener: (events: EventEnvelope[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  countState(state: RowState): number { return this.state.filter((s) => s === state).length; }

  private commit(): void {
    this.commitScheduled = false;
    const group = this.uncommitted;
    if (group.length === 0) return;
    this.uncommitted = [];
    for (const { env } of group) { this.rows.push(env); this.state.push('pending'); this.pendingCount++; }
    for (const { resolve } of group) resolve();
    const envelopes = group.map((g) => g.env);
    for (const l of this.listeners) l(envelopes);
  }
}
