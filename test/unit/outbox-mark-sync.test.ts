// PUBACK marks are committed without an fsync (synchronous = NORMAL for that transaction only), and
// appends keep the configured level afterwards: a mark must never leave the connection at NORMAL.
// Why: docs/resources.md (SD-card latency); the timing itself is in test/bench/sd-latency.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { OutboxStore } from '../../sync/outbox-store.ts';

const LEVEL = { 1: 'NORMAL', 2: 'FULL', 3: 'EXTRA' } as Record<number, string>;

for (const synchronous of ['FULL', 'EXTRA'] as const) {
  test(`markPublished leaves synchronous at ${synchronous} and marks the rows`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ce-mark-sync-'));
    const store = new OutboxStore();
    try {
      store.open({ path: join(dir, 'outbox.db'), window: 'M1', synchronous, requireAck: false, maxBytes: 1e9, hardLimitBytes: 0, seqReserve: 1000, now: 0 });
      const db = (store as unknown as { db: Database.Database }).db;
      const level = () => LEVEL[db.pragma('synchronous', { simple: true }) as number];
      assert.equal(level(), synchronous);
      const bodies = [1, 2, 3].map((seq) => JSON.stringify({ seq, type: 'evaluation.submitted' }));
      store.write({ seqs: Float64Array.from([1, 2, 3]), types: 'evaluation.submitted\nevaluation.submitted\nevaluation.submitted', bodies: bodies.join('\n') });
      assert.equal(store.markPublished([1, 2], 1000), 2);
      assert.equal(level(), synchronous);
      assert.equal(store.read(0, 10).count, 1, 'only seq 3 is still pending');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
