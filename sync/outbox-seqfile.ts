// The seq side file (<db>.seq): a high-water mark that outlives the database. Before a commit
// would use a seq above the mark, the mark is raised (by a reserve) and written atomically, so no
// committed seq ever exceeds it. A corrupt or deleted database therefore restarts above every
// seq that was ever committed, without guessing, and boot keeps counting.
// A clean stop also writes what the database held (last event, pending rows), so a database that
// is missing or older at the next start is noticed and its unpublished events are named as lost.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SeqMark {
  /** No committed seq is above this. */
  seqHighWater: number;
  boot: number;
  /** Seq of the last event (committed, or handed out and lost at stop); the next prev_seq. */
  lastEventSeq?: number;
  /** Written by a clean stop only: the database's pending rows then. */
  clean?: { pending: number; firstPendingSeq: number | null };
}

export const seqFilePath = (dbPath: string): string => `${dbPath}.seq`;

const count = (v: unknown): number | undefined => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined);

/** Reads the mark; a missing or unreadable file gives null (the caller falls back to the database). */
export function readSeqMark(dbPath: string): SeqMark | null {
  let text: string;
  try {
    text = readFileSync(seqFilePath(dbPath), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const seq = count(parsed.seqHighWater);
    const boot = count(parsed.boot);
    if (seq === undefined || boot === undefined) return null;
    const mark: SeqMark = { seqHighWater: seq, boot };
    const last = count(parsed.lastEventSeq);
    if (last !== undefined) mark.lastEventSeq = last;
    const clean = parsed.clean as { pending?: unknown; firstPendingSeq?: unknown } | undefined;
    const pending = count(clean?.pending);
    if (clean && pending !== undefined) mark.clean = { pending, firstPendingSeq: count(clean.firstPendingSeq) ?? null };
    return mark;
  } catch {
    return null;
  }
}

/** Write to a temp file, fsync, rename over, fsync the directory: the mark is old or new, never torn. */
export function writeSeqMark(dbPath: string, mark: SeqMark): void {
  const target = seqFilePath(dbPath);
  const tmp = `${target}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(mark) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, target);
  try {
    const dirFd = openSync(dirname(target), 'r');
    try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  }
}
