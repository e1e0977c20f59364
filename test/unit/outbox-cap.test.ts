import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeOutbox, rows, tempDir, until } from './outbox-fixture.ts';

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const freshPath = () => join(tmp.dir, `cap-${++n}`, 'outbox.db');
const KB = 1024;
const filler = 'x'.repeat(1000); // ~1.4 KB a row on disk: three rows a 4 KB page

describe('SqliteOutbox disk cap', { timeout: 120_000 }, () => {
  it('drops pending telemetry oldest first, never critical or normal, and raises the alarm once', async () => {
    const path = freshPath();
    const { outbox } = makeOutbox(path, { maxBytes: 400 * KB, groupCommitMax: 20 });
    await outbox.start();
    const critical: number[] = [];
    const normal: number[] = [];
    const durables: Promise<void>[] = [];
    // 100 critical + 20 normal (~170 KB) fit; with 300 telemetry (~420 KB more) they do not.
    for (let i = 0; i < 420; i++) {
      const type = i % 7 === 0 ? 'evaluation.submitted' : i % 21 === 1 ? 'config.applied' : 'telemetry.cpu';
      const a = outbox.append({ type, data: { i, filler } });
      if (type === 'evaluation.submitted') critical.push(a.envelope.seq);
      if (type === 'config.applied') normal.push(a.envelope.seq);
      durables.push(a.durable);
      if (i % 20 === 19) await a.durable; // several commits, so the cap is crossed part-way
    }
    await Promise.all(durables);
    await until(() => outbox.health().capReached, 'capReached');
    const left = rows(path);
    const leftSeqs = new Set(left.map((r) => r.seq));
    for (const seq of [...critical, ...normal]) assert.ok(leftSeqs.has(seq), `seq ${seq} (critical/normal) must stay`);
    const telemetryLeft = left.filter((r) => r.class === 'telemetry').map((r) => r.seq);
    assert.ok(outbox.counters().droppedTelemetry > 0, 'some telemetry was dropped');
    assert.ok(telemetryLeft.length > 0 && telemetryLeft.length < 300 - critical.length, 'not all telemetry dropped');
    // Oldest first: every dropped telemetry seq is older than every kept one.
    const allTelemetry = Array.from({ length: 420 }, (_, i) => i + 1).filter((s) => !critical.includes(s) && !normal.includes(s) && s <= 420);
    const dropped = allTelemetry.filter((s) => !leftSeqs.has(s));
    assert.ok(Math.max(...dropped) < Math.min(...telemetryLeft), 'dropped the oldest telemetry');
    const alarms = left.filter((r) => r.type === 'outbox.cap_reached');
    assert.equal(alarms.length, 1, 'one cap_reached event');
    assert.equal(alarms[0]!.class, 'normal');
    assert.ok(outbox.health().bytes <= 400 * KB, `bytes ${outbox.health().bytes} back under the cap`);
    await outbox.stop();
  });

  it('keeps every critical event beyond the cap, alarms once, and clears when published rows go', async () => {
    const path = freshPath();
    const { outbox } = makeOutbox(path, { maxBytes: 200 * KB, groupCommitMax: 10 });
    await outbox.start();
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => outbox.append({ type: 'attendance.clock', data: { round, i, filler } }).durable));
    }
    await until(() => outbox.health().capReached, 'capReached');
    assert.ok(outbox.health().bytes > 200 * KB, 'over the cap: nothing it may drop');
    assert.equal(rows(path, "type = 'attendance.clock'").length, 200, 'no critical event dropped');
    assert.equal(rows(path, "type = 'outbox.cap_reached'").length, 1, 'alarm raised once, not per commit');
    // The center takes everything; the cap may now remove published rows (oldest first).
    const pending = await outbox.readPending(0, 1000);
    await outbox.markPublished(pending.map((e) => e.seq));
    await outbox.maintain();
    await until(() => !outbox.health().capReached, 'cap cleared');
    assert.ok(outbox.counters().deletedByCap > 0);
    await until(() => outbox.health().uncommitted === 0, 'cap_cleared committed');
    assert.equal(rows(path, "type = 'outbox.cap_cleared'").length, 1);
    assert.ok(outbox.health().bytes <= 200 * KB * 0.9);
    await outbox.stop();
  });

  it('removes old published rows before pending telemetry, without raising the alarm', async () => {
    const path = freshPath();
    const { outbox } = makeOutbox(path, { maxBytes: 200 * KB, groupCommitMax: 10 }); // 100 published + 100 telemetry ≈ 280 KB
    await outbox.start();
    const first = await Promise.all(Array.from({ length: 100 }, (_, i) => outbox.append({ type: 'service.completed', data: { i, filler } })).map(async (a) => { await a.durable; return a.envelope.seq; }));
    await outbox.markPublished(first);
    for (let i = 0; i < 10; i++) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => outbox.append({ type: 'telemetry.temp', data: { i, j, filler } }).durable));
    }
    assert.ok(outbox.counters().deletedByCap > 0, 'published rows made room');
    assert.equal(outbox.counters().droppedTelemetry, 0, 'no pending telemetry dropped');
    assert.equal(rows(path, 'state = 0').length, 100);
    assert.equal(rows(path, "type = 'outbox.cap_reached'").length, 0);
    assert.equal(outbox.health().capReached, false);
    await outbox.stop();
  });
});
