// Messages between SqliteOutbox (main thread) and the outbox worker. One request gets exactly one
// reply with the same id; every reply carries a fresh stats snapshot so health() never asks.
import type { OutboxLoss } from './outbox.ts';

export type Synchronous = 'FULL' | 'NORMAL' | 'EXTRA';

export interface OpenParams {
  path: string;
  window: string;
  synchronous: Synchronous;
  requireAck: boolean;
  maxBytes: number;
  /** Hard SQLite page limit (PRAGMA max_page_count) in bytes; 0 = none. */
  hardLimitBytes: number;
  /** Seqs reserved ahead in the side file, so a lost database never lets seq repeat. */
  seqReserve: number;
  /** Wall clock of the main thread (epoch ms), for the corrupt file's name. */
  now: number;
  /** Set when a restarted worker reopens within the same run: keep this boot instead of counting one. */
  continueBoot?: number;
}

export interface OpenResult {
  boot: number;
  lastSeq: number;
  /** Seq of the last event before this start (the first append's prev_seq). */
  prevSeq: number;
  lost?: OutboxLoss;
  recovered?: { movedTo: string; reason: string };
}

/**
 * One group commit. Rows travel as three flat values instead of an array of objects, so the
 * structured clone costs one string copy per batch rather than one object walk per event.
 */
export interface WriteBatch {
  seqs: Float64Array;
  /** Event types joined by '\n' (types are validated to contain no newline). */
  types: string;
  /** Envelope JSON texts joined by '\n' (JSON.stringify never emits a raw newline). */
  bodies: string;
}

export type Request =
  | { id: number; op: 'open'; params: OpenParams }
  | { id: number; op: 'write'; batch: WriteBatch; /** First send after a failed write: lifts the block. */ retry: boolean }
  | { id: number; op: 'read'; afterSeq: number; limit: number }
  | { id: number; op: 'mark'; seqs: number[]; now: number }
  | { id: number; op: 'readUnacked'; publishedBefore: number; limit: number }
  | { id: number; op: 'poison'; seq: number }
  | { id: number; op: 'retryPoisoned' }
  | { id: number; op: 'ack'; uptoSeq: number }
  | { id: number; op: 'maintain'; now: number; retainMs: number }
  | { id: number; op: 'close'; assignedSeq: number };

export interface WorkerStats {
  pending: number;
  firstPendingSeq: number | null;
  lastPublishedSeq: number;
  lastAckedSeq: number;
  /** Bytes in use: (page_count - freelist_count) * page_size. */
  bytes: number;
  capReached: boolean;
  poisoned: number;
  transactions: number;
  committedEvents: number;
  droppedTelemetry: number;
  deletedByRetention: number;
  deletedByCap: number;
}

export interface ReplyError { message: string; code?: string }

export type Reply =
  | { id: number; ok: true; result: unknown; stats: WorkerStats }
  | { id: number; ok: false; error: ReplyError; stats: WorkerStats | null };

export interface MaintainResult { deletedByRetention: number; deletedByCap: number; droppedTelemetry: number }

/** Read replies carry the envelopes as one JSON array text: one parse on the main thread. */
export interface ReadResult { json: string; count: number }
