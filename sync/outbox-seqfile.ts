// The seq side file (<db>.seq): a high-water mark that outlives the database. Before a commit
// would use a seq above the mark, the mark is raised (by a reserve) and written atomically, so no
// committed seq ever exceeds it. A corrupt or deleted database therefore restarts above every
// seq that was ever committed, without guessing, and boot keeps counting.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SeqMark {
  /** No committed seq is above this. */
  seqHighWater: number;
  boot: number;
}

export const seqFilePath = (dbPath: string): string => `${dbPath}.seq`;

/** Reads the mark; a missing or unreadable file gives null (the caller falls back to the database). */
export function readSeqMark(dbPath: string): SeqMark | null {
  let text: string;
  try {
    text = readFileSync(seqFilePath(dbPath), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Partial<SeqMark>;
    const seq = Number(parsed.seqHighWater);
    const boot = Number(parsed.boot);
    if (!Number.isSafeInteger(seq) || seq < 0 || !Number.isSafeInteger(boot) || boot < 0) return null;
    return { seqHighWater: seq, boot };
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
