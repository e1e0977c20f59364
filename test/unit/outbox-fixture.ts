// Shared set-up for the outbox tests: a real SQLite outbox in a fresh temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { SqliteOutbox, type SqliteOutboxDeps } from '../../sync/sqlite-outbox.ts';

export function tempDir(prefix = 'outbox-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function makeOutbox(path: string, over: Partial<SqliteOutboxDeps> = {}) {
  const clock = (over.clock as ManualClock | undefined) ?? new ManualClock();
  const logger = memoryLogger();
  const outbox = new SqliteOutbox({
    path, window: 'A07', hall: 'main', utcOffsetMinutes: 480, clock, logger,
    synchronous: 'FULL', maxBytes: 256 * 1024 * 1024, retainPublishedHours: 24, requireAck: false,
    groupCommitMax: 1000, retryMinMs: 20, retryMaxMs: 200, ...over,
  });
  return { outbox, clock, logger };
}

/** Reads rows straight from the file (a second connection; WAL lets it read beside the worker). */
export function rows(path: string, where = '1 = 1'): Array<{ seq: number; type: string; class: string; state: number; published_at: number | null }> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT seq, type, class, state, published_at FROM events WHERE ${where} ORDER BY seq`).all() as never;
  } finally {
    db.close();
  }
}

/** Polls until check() is true; generous, since CI machines are slow and busy. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
