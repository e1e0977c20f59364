// Opening the outbox database, and what to do when it is corrupt: move it aside (kept, with its
// -wal/-shm), salvage the highest seq it still admits to, and start a fresh one.
import Database from 'better-sqlite3';
import { existsSync, renameSync } from 'node:fs';
import type { Synchronous } from './outbox-protocol.ts';

export type DB = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  class TEXT NOT NULL,
  body TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL,
  published_at INTEGER
);
-- Retention and the cap look for done rows by age; pending rows (the hot insert path) stay out of it.
CREATE INDEX IF NOT EXISTS events_done ON events(published_at) WHERE state > 0;
-- The cap drops pending telemetry oldest first; only telemetry rows pay for this index.
CREATE INDEX IF NOT EXISTS events_pending_telemetry ON events(seq) WHERE state = 0 AND class = 'telemetry';
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Marks a database that must be moved aside, as opposed to one we merely may not open (permissions). */
export class CorruptDatabaseError extends Error {
  constructor(message: string, readonly code: string) { super(message); this.name = 'CorruptDatabaseError'; }
}

const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

function asCorrupt(err: unknown): CorruptDatabaseError | null {
  if (err instanceof CorruptDatabaseError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (CORRUPT_CODES.has(code) || code.startsWith('SQLITE_CORRUPT')) return new CorruptDatabaseError((err as Error).message, code);
  return null;
}

export interface OpenOptions { synchronous: Synchronous; hardLimitBytes: number }

/**
 * Opens (creating if absent) in WAL mode and checks it. quick_check rather than integrity_check:
 * it finds the same page, b-tree and record damage in O(N) instead of O(N log N), and skips only
 * the index-versus-table comparison, which matters little here (two small partial indexes) and
 * which would cost tens of seconds on an SD card at the default 256 MB cap before the counter
 * could take its first evaluation.
 */
function openChecked(path: string, opts: OpenOptions): DB {
  const db = new Database(path, { timeout: 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous}`);
    // The outbox only appends and reads its pending tail: a 512 KiB page cache (default 2 MB) is
    // plenty and keeps the worker's malloc footprint small on a Pi.
    db.pragma('cache_size = -512');
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length > 0) throw new CorruptDatabaseError(`quick_check failed: ${problems.slice(0, 3).join('; ')}`, 'QUICK_CHECK');
    db.exec(SCHEMA);
    if (opts.hardLimitBytes > 0) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(opts.hardLimitBytes / pageSize))}`);
    }
    return db;
  } catch (err) {
    try { db.close(); } catch { /* already unusable */ }
    throw err;
  }
}

/** The highest seq a damaged file still admits to (meta or table), or 0 when nothing can be read. */
function salvageLastSeq(path: string): number {
  let db: DB | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    let best = 0;
    try { best = Math.max(best, Number(db.prepare("SELECT value FROM meta WHERE key = 'last_seq'").pluck().get() ?? 0)); } catch { /* unreadable */ }
    try { best = Math.max(best, Number(db.prepare('SELECT max(seq) FROM events').pluck().get() ?? 0)); } catch { /* unreadable */ }
    return Number.isSafeInteger(best) ? best : 0;
  } catch {
    return 0;
  } finally {
    try { db?.close(); } catch { /* ignore */ }
  }
}

function stamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, '').replace('.', '');
}

function moveAside(path: string, now: number): string {
  let target = `${path}.corrupt-${stamp(now)}`;
  for (let n = 1; existsSync(target); n++) target = `${path}.corrupt-${stamp(now)}-${n}`;
  renameSync(path, target);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}

export interface OpenedDatabase {
  db: DB;
  recovered?: { movedTo: string; reason: string };
  /** Highest seq salvaged from a corrupt file (0 when none or not recovered). */
  salvagedSeq: number;
}

export function openOrRecover(path: string, opts: OpenOptions, now: number): OpenedDatabase {
  try {
    return { db: openChecked(path, opts), salvagedSeq: 0 };
  } catch (err) {
    const corrupt = asCorrupt(err);
    if (!corrupt) throw new Error(`outbox: cannot open database ${path}: ${(err as Error).message}`, { cause: err });
    const salvagedSeq = salvageLastSeq(path);
    const movedTo = moveAside(path, now);
    const db = openChecked(path, opts);
    return { db, salvagedSeq, recovered: { movedTo, reason: `${corrupt.code}: ${corrupt.message}` } };
  }
}
