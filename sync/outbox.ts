// The outbox contract (design §5). The SQLite implementation lives in sqlite-outbox.ts and does
// its blocking work off the main thread; the publisher and services depend only on this interface.
import type { EventEnvelope, EventInput } from '../core/events.ts';

/**
 * Committed events that are gone: the database was missing or older at start than what the seq side
 * file knows was committed (deleted or restored while the service was stopped).
 */
export interface OutboxLoss {
  reason: string;
  /** First seq of the unpublished events that are gone (null when unknown: no clean stop before). */
  firstSeq: number | null;
  /** Last seq that may be gone (exact after a clean stop, an upper bound otherwise). */
  lastSeq: number;
  /** Unpublished events gone, when known. */
  count: number | null;
  exact: boolean;
}

export interface OutboxStartInfo {
  /** This start's boot number (previous + 1, persisted). */
  boot: number;
  /** Highest seq ever used (the next append gets lastSeq + 1). */
  lastSeq: number;
  /** Set when the database failed its integrity check and was moved aside. */
  recovered?: { movedTo: string; reason: string };
  /** Set when committed, unpublished events are gone (an `outbox.lost` event is appended too). */
  lost?: OutboxLoss;
}

export interface OutboxHealth {
  pending: number;
  firstPendingSeq: number | null;
  lastSeq: number;
  lastPublishedSeq: number;
  lastAckedSeq: number;
  bytes: number;
  capBytes: number;
  /** True while the disk cap is reached (alarm raised, telemetry being dropped). */
  capReached: boolean;
  /** Rows the broker kept refusing, skipped by the drain (see markPoisoned). */
  poisoned: number;
  /** Set while commits fail (disk full, I/O error); events stay in memory and are retried. */
  writeError?: string;
  /** Appended but not yet committed (group-commit buffer plus retries). */
  uncommitted: number;
  /** Set for this run when the start found committed, unpublished events gone. */
  lost?: OutboxLoss;
}

export interface Outbox {
  start(): Promise<OutboxStartInfo>;
  /** Flushes everything accepted, then closes. */
  stop(): Promise<void>;
  /**
   * Assigns seq/boot/event_id/ts synchronously (the envelope is final at once) and resolves when
   * the row is committed. Appends that arrive in the same tick share one transaction.
   * The promise never rejects for a disk error: the event is kept and retried until it commits.
   */
  append(input: EventInput): { envelope: EventEnvelope; durable: Promise<void> };
  /** Pending (unpublished) events with seq > afterSeq, in seq order. */
  readPending(afterSeq: number, limit: number): Promise<EventEnvelope[]>;
  /** Marks events as published (PUBACK received). */
  markPublished(seqs: number[]): Promise<void>;
  /**
   * Published but not acknowledged rows whose last publish is older than publishedBefore (epoch ms),
   * in seq order (require_ack re-publishing). markPublished of such a row restarts its wait.
   */
  readUnacknowledged(publishedBefore: number, limit: number): Promise<EventEnvelope[]>;
  /** A pending row the broker keeps refusing: kept, skipped by readPending, never removed by retention or the cap. */
  markPoisoned(seq: number): Promise<void>;
  /** Poisoned rows become pending again (by command; the SQLite outbox also does it at every start). Resolves with how many. */
  retryPoisoned(): Promise<number>;
  /** Center acknowledgement watermark: every published event with seq ≤ uptoSeq becomes acknowledged. */
  acknowledgeUpTo(uptoSeq: number): Promise<void>;
  /** A cheap snapshot, kept up to date without touching disk. */
  health(): OutboxHealth;
  /** Called after each commit with the committed envelopes (the publisher wakes on it). */
  onCommitted(listener: (events: EventEnvelope[]) => void): () => void;
}
