import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { EventEnvelope } from '../../core/events.ts';
import { makeOutbox, rows, tempDir } from './outbox-fixture.ts';

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const freshPath = () => join(tmp.dir, `case-${++n}`, 'state', 'outbox.db');

describe('SqliteOutbox basics', { timeout: 120_000 }, () => {
  it('does nothing before start() and creates a missing state directory on start', async () => {
    const path = freshPath();
    const { outbox } = makeOutbox(path);
    assert.throws(() => outbox.append({ type: 'window.state' }), /while new/);
    const info = await outbox.start();
    assert.equal(info.boot, 1);
    assert.equal(info.lastSeq, 0);
    assert.equal(info.recovered, undefined);
    await outbox.stop();
  });

  it('fails start with a message naming the directory it cannot create', async () => {
    const blocker = join(tmp.dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const { outbox } = makeOutbox(join(blocker, 'state', 'outbox.db'));
    await assert.rejects(outbox.start(), (err: Error) => err.message.includes(join(blocker, 'state')) && /cannot create state directory/.test(err.message));
  });

  it('refuses invalid settings at start, naming the setting', async () => {
    const { outbox } = makeOutbox(freshPath(), { groupCommitMax: 0 });
    await assert.rejects(outbox.start(), /invalid setting groupCommitMax: 0/);
    const bad = makeOutbox(freshPath(), { synchronous: 'OFF' as never });
    await assert.rejects(bad.outbox.start(), /invalid setting synchronous: "OFF"/);
  });

  it('assigns the envelope synchronously and commits it', async () => {
    const path = freshPath();
    const { outbox, clock } = makeOutbox(path);
    await outbox.start();
    clock.advance(1234);
    const { envelope, durable } = outbox.append({ type: 'evaluation.submitted', staff_id: 'S0123', case_id: 'T0457', data: { score: 5 } });
    assert.deepEqual(envelope, {
      event_id: 'A07-1-1', seq: 1, prev_seq: 0, boot: 1, type: 'evaluation.submitted', ts: '2026-11-23T09:00:01.234+08:00',
      mono_ms: 1234, time_quality: 'ntp', window: 'A07', hall: 'main', staff_id: 'S0123', case_id: 'T0457', data: { score: 5 },
    });
    assert.equal(outbox.health().uncommitted, 1);
    await durable;
    assert.equal(outbox.health().uncommitted, 0);
    assert.deepEqual(rows(path).map((r) => [r.seq, r.type, r.class, r.state]), [[1, 'evaluation.submitted', 'critical', 0]]);
    assert.deepEqual(await outbox.readPending(0, 10), [envelope]);
    await outbox.stop();
  });

  it('rejects a bad event type or unserialisable data with a clear error and uses no seq for it', async () => {
    const { outbox } = makeOutbox(freshPath());
    await outbox.start();
    assert.throws(() => outbox.append({ type: 'bad\ntype' }), /event type must match/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.throws(() => outbox.append({ type: 'print.done', data: circular }), /print\.done is not JSON-serialisable/);
    assert.equal(outbox.append({ type: 'print.done' }).envelope.seq, 1);
    await outbox.stop();
  });

  it('keeps seq strictly increasing across stop/start and increments boot', async () => {
    const path = freshPath();
    const seen: number[] = [];
    for (let boot = 1; boot <= 3; boot++) {
      const { outbox } = makeOutbox(path);
      const info = await outbox.start();
      assert.equal(info.boot, boot);
      assert.equal(info.lastSeq, seen.length ? seen[seen.length - 1] : 0);
      const appended = Array.from({ length: 5 }, () => outbox.append({ type: 'window.state' }));
      for (const a of appended) assert.equal(a.envelope.event_id, `A07-${boot}-${a.envelope.seq}`);
      seen.push(...appended.map((a) => a.envelope.seq));
      await outbox.stop();
    }
    assert.deepEqual(seen, Array.from({ length: 15 }, (_, i) => i + 1));
    assert.deepEqual(rows(path).map((r) => r.seq), seen);
  });

  it('commits appends of one tick in one transaction, capped at groupCommitMax', async () => {
    const { outbox } = makeOutbox(freshPath(), { groupCommitMax: 10 });
    await outbox.start();
    const batches: EventEnvelope[][] = [];
    outbox.onCommitted((events) => batches.push(events));
    const before = outbox.counters().transactions;
    const appended = Array.from({ length: 25 }, (_, i) => outbox.append({ type: 'telemetry.tick', data: { i } }));
    await Promise.all(appended.map((a) => a.durable));
    assert.equal(outbox.counters().transactions - before, 3);
    assert.deepEqual(batches.map((b) => b.length), [10, 10, 5]);
    assert.deepEqual(batches.flat().map((e) => e.seq), appended.map((a) => a.envelope.seq));
    // Appends of one tick share a promise object: one allocation per transaction, not per event.
    assert.equal(appended[0]!.durable, appended[9]!.durable);
    assert.notEqual(appended[9]!.durable, appended[10]!.durable);
    await outbox.stop();
  });

  it('reads pending in seq order after a cursor, marks published, acknowledges up to a watermark', async () => {
    const path = freshPath();
    const { outbox } = makeOutbox(path);
    await outbox.start();
    const appended = Array.from({ length: 10 }, (_, i) => outbox.append({ type: i % 2 ? 'evaluation.submitted' : 'telemetry.cpu', data: { i } }));
    await Promise.all(appended.map((a) => a.durable));
    assert.deepEqual((await outbox.readPending(0, 4)).map((e) => e.seq), [1, 2, 3, 4]);
    assert.deepEqual((await outbox.readPending(4, 100)).map((e) => e.seq), [5, 6, 7, 8, 9, 10]);
    await outbox.markPublished([1, 2, 3, 5]);
    let h = outbox.health();
    assert.equal(h.pending, 6);
    assert.equal(h.firstPendingSeq, 4);
    assert.equal(h.lastPublishedSeq, 5);
    assert.deepEqual((await outbox.readPending(0, 100)).map((e) => e.seq), [4, 6, 7, 8, 9, 10]);
    await outbox.acknowledgeUpTo(4);
    h = outbox.health();
    assert.equal(h.lastAckedSeq, 4);
    assert.deepEqual(rows(path).map((r) => r.state), [2, 2, 2, 0, 1, 0, 0, 0, 0, 0]);
    // Published after the center already acknowledged that range: straight to acknowledged.
    await outbox.markPublished([4]);
    assert.equal(rows(path, 'seq = 4')[0]!.state, 2);
    await assert.rejects(outbox.acknowledgeUpTo(-1), /seq ≥ 0/);
    await outbox.stop();
  });

  it('reports pending, first pending seq and published watermark again after a restart', async () => {
    const path = freshPath();
    let { outbox } = makeOutbox(path);
    await outbox.start();
    await Promise.all(Array.from({ length: 6 }, () => outbox.append({ type: 'service.started' }).durable));
    await outbox.markPublished([1, 2]);
    await outbox.stop();
    ({ outbox } = makeOutbox(path));
    await outbox.start();
    const h = outbox.health();
    assert.deepEqual([h.pending, h.firstPendingSeq, h.lastPublishedSeq, h.lastSeq], [4, 3, 2, 6]);
    await outbox.stop();
  });

  it('retention removes only done rows older than the limit (acknowledged ones when acks are required)', async () => {
    for (const requireAck of [false, true]) {
      const path = freshPath();
      const { outbox, clock } = makeOutbox(path, { retainPublishedHours: 2, requireAck, maintenanceIntervalMs: 3_600_000 });
      await outbox.start();
      await Promise.all(Array.from({ length: 6 }, () => outbox.append({ type: 'attendance.clock' }).durable));
      await outbox.markPublished([1, 2, 3]);
      clock.advance(60 * 60_000);
      await outbox.markPublished([4]);
      await outbox.acknowledgeUpTo(2);
      clock.advance(61 * 60_000); // seqs 1-3 published 2h01m ago, seq 4 1h01m ago
      const result = await outbox.maintain();
      const left = rows(path).map((r) => r.seq);
      if (requireAck) {
        assert.deepEqual(left, [3, 4, 5, 6], 'only acknowledged and old rows go');
        assert.equal(result.deletedByRetention, 2);
      } else {
        assert.deepEqual(left, [4, 5, 6], 'published and old rows go, pending rows stay');
        assert.equal(result.deletedByRetention, 3);
      }
      await outbox.stop();
    }
  });

  it('runs retention from its own timer, not per event', async () => {
    const path = freshPath();
    const { outbox, clock } = makeOutbox(path, { retainPublishedHours: 1, maintenanceIntervalMs: 50 });
    await outbox.start();
    await Promise.all(Array.from({ length: 3 }, () => outbox.append({ type: 'print.done' }).durable));
    await outbox.markPublished([1, 2, 3]);
    clock.advance(2 * 3_600_000);
    const deadline = Date.now() + 15_000;
    while (rows(path).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(rows(path).length, 0);
    assert.equal(outbox.counters().deletedByRetention, 3);
    await outbox.stop();
  });

  it('commits what was appended before stop(), refuses appends after it, and stops once', async () => {
    const path = freshPath();
    const { outbox } = makeOutbox(path);
    await outbox.start();
    const appended = Array.from({ length: 30 }, () => outbox.append({ type: 'window.state' }));
    await Promise.all([outbox.stop(), outbox.stop()]);
    await Promise.all(appended.map((a) => a.durable));
    assert.equal(rows(path).length, 30);
    assert.throws(() => outbox.append({ type: 'window.state' }), /while stopped/);
    await outbox.stop();
  });

  it('notifies onCommitted listeners and lets them unsubscribe; a throwing listener is logged, not fatal', async () => {
    const { outbox, logger } = makeOutbox(freshPath());
    await outbox.start();
    const got: number[] = [];
    const off = outbox.onCommitted((events) => got.push(...events.map((e) => e.seq)));
    outbox.onCommitted(() => { throw new Error('listener bug'); });
    await outbox.append({ type: 'window.state' }).durable;
    off();
    await outbox.append({ type: 'window.state' }).durable;
    assert.deepEqual(got, [1]);
    assert.ok(logger.records.some((r) => r.msg === 'outbox onCommitted listener threw'));
    await outbox.stop();
  });
});
