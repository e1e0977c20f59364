import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { EventEnvelope } from '../../core/events.ts';
import type { SqliteOutbox } from '../../sync/sqlite-outbox.ts';
import { makeOutbox, tempDir, until } from '../unit/outbox-fixture.ts';

const tmp = tempDir('outbox-full-');
after(() => tmp.cleanup());
const payload = 'p'.repeat(1500);

/** Appends `count` critical events in groups (several transactions) and returns their durables. */
function appendMany(outbox: SqliteOutbox, count: number): Array<{ seq: number; durable: Promise<void> }> {
  return Array.from({ length: count }, (_, i) => {
    const a = outbox.append({ type: 'evaluation.submitted', data: { i, payload } });
    return { seq: a.envelope.seq, durable: a.durable };
  });
}

function tracked(promises: Array<{ durable: Promise<void> }>): () => number {
  let done = 0;
  for (const p of promises) void p.durable.then(() => { done++; });
  return () => done;
}

describe('SqliteOutbox on a full disk', { timeout: 120_000 }, () => {
  it('keeps events in memory while SQLite reports SQLITE_FULL (max_page_count) and commits them once space returns', async () => {
    const path = join(tmp.dir, 'pages', 'outbox.db');
    const { outbox, logger } = makeOutbox(path, { hardLimitBytes: 64 * 4096, groupCommitMax: 20 });
    await outbox.start();
    const committed: EventEnvelope[] = [];
    outbox.onCommitted((events) => committed.push(...events));
    // 400 × ~1.6 KB ≈ 640 KB into a 256 KB database: it fills, fails, and must wait.
    const appended = appendMany(outbox, 400);
    const doneCount = tracked(appended);
    await until(() => outbox.health().writeError !== undefined, 'writeError');
    const h = outbox.health();
    assert.match(h.writeError!, /SQLITE_FULL/);
    assert.ok(h.uncommitted > 0, 'the rest waits in memory');
    assert.ok(doneCount() < 400);
    assert.ok(logger.records.some((r) => r.msg === 'outbox commit failed; events kept in memory and retried'));
    // "Space returns" the way it does in service: the publisher drains, published rows may go.
    let cursor = 0;
    while (doneCount() < 400) {
      const pending = await outbox.readPending(cursor, 100);
      if (pending.length > 0) {
        await outbox.markPublished(pending.map((e) => e.seq));
        cursor = pending[pending.length - 1]!.seq;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(appended.map((a) => a.durable));
    assert.equal(outbox.health().writeError, undefined, 'writeError clears after a commit succeeds');
    assert.equal(outbox.health().uncommitted, 0);
    assert.deepEqual(committed.map((e) => e.seq), appended.map((a) => a.seq), 'every event committed once, in seq order');
    assert.ok(outbox.counters().commitFailures > 0);
    assert.ok(outbox.counters().deletedByCap > 0, 'published rows were removed to make room');
    await outbox.stop();
  });

  it('stop() on a failing disk gives up after its bounded wait and says so', async () => {
    const path = join(tmp.dir, 'stop', 'outbox.db');
    const { outbox, logger } = makeOutbox(path, { hardLimitBytes: 32 * 4096, groupCommitMax: 20, stopTimeoutMs: 300 });
    await outbox.start();
    appendMany(outbox, 200);
    await until(() => outbox.health().writeError !== undefined, 'writeError');
    await outbox.stop();
    const record = logger.records.find((r) => r.msg === 'outbox stop: accepted events could not be committed and are lost with this process');
    assert.ok(record, 'stop logs what it could not commit');
    assert.ok(Number(record.uncommitted) > 0);
  });

  const mountPoint = join(tmp.dir, 'tmpfs');
  mkdirSync(mountPoint, { recursive: true });
  let canMount = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    canMount = true;
  } catch {
    canMount = false;
  }

  it('survives a real full filesystem (tmpfs; skipped only where tmpfs cannot be mounted)', { skip: !canMount && 'cannot mount tmpfs here (needs root and mount rights)' }, async () => {
    try {
      const path = join(mountPoint, 'state', 'outbox.db');
      const { outbox } = makeOutbox(path, { groupCommitMax: 20 });
      await outbox.start();
      // Leave ~300 KB free, then ask for ~600 KB.
      const fillerPath = join(mountPoint, 'filler');
      const free = Number(execFileSync('df', ['--output=avail', '-B1', mountPoint]).toString().split('\n')[1]!.trim());
      writeFileSync(fillerPath, Buffer.alloc(Math.max(0, free - 300 * 1024)));
      const appended = appendMany(outbox, 400);
      const doneCount = tracked(appended);
      await until(() => outbox.health().writeError !== undefined, 'writeError');
      assert.match(outbox.health().writeError!, /SQLITE_FULL|SQLITE_IOERR|ENOSPC/);
      assert.ok(doneCount() < 400);
      rmSync(fillerPath);
      await Promise.all(appended.map((a) => a.durable));
      assert.equal(outbox.health().writeError, undefined);
      assert.equal(outbox.health().pending, 400);
      await outbox.stop();
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});
