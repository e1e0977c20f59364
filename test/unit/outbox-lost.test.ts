// prev_seq across a crash's seq jump, and committed events gone with a deleted or older database
// (issue items 2 and 9): the seq side file knows what a clean stop left; less at the next start is
// said loudly (one log line, health, an `outbox.lost` event) and seqs are never reused.
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeOutbox, tempDir } from './outbox-fixture.ts';
import type { SqliteOutbox } from '../../sync/sqlite-outbox.ts';

const tmp = tempDir('outbox-lost-');
after(() => tmp.cleanup());
let n = 0;
const freshPath = () => join(tmp.dir, `case-${++n}`, 'outbox.db');
const removeDb = (path: string) => { for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true }); };

async function appendDurable(outbox: SqliteOutbox, count: number, type = 'evaluation.submitted'): Promise<number[]> {
  const a = Array.from({ length: count }, () => outbox.append({ type }));
  await Promise.all(a.map((x) => x.durable));
  return a.map((x) => x.envelope.seq);
}

describe('prev_seq and lost events (SqliteOutbox)', { timeout: 60_000 }, () => {
  it('after a crash seqs jump past the reserved range; prev_seq says nothing was in between', async () => {
    const path = freshPath();
    const first = makeOutbox(path, { seqReserve: 100 });
    await first.outbox.start();
    const seqs = await appendDurable(first.outbox, 3);
    await first.outbox.crashForTest();
    const second = makeOutbox(path, { seqReserve: 100 });
    const info = await second.outbox.start();
    const next = second.outbox.append({ type: 'device.started' });
    assert.ok(next.envelope.seq > 100, `seq jumped past the reserve (got ${next.envelope.seq})`);
    assert.equal(next.envelope.prev_seq, seqs[2], 'prev_seq = the last committed seq before the crash');
    assert.equal(info.lost, undefined, 'a crash with the database intact loses nothing committed');
    await next.durable;
    await second.outbox.stop();
    // And after a clean restart, prev_seq points at the jumped seq.
    const third = makeOutbox(path, { seqReserve: 100 });
    await third.outbox.start();
    assert.equal(third.outbox.append({ type: 'x.y' }).envelope.prev_seq, next.envelope.seq);
    await third.outbox.stop();
  });

  it('the database deleted while stopped: unpublished events are named lost, in health and as outbox.lost; seqs go on', async () => {
    const path = freshPath();
    const first = makeOutbox(path);
    await first.outbox.start();
    const seqs = await appendDurable(first.outbox, 5);
    await first.outbox.markPublished([1, 2]);
    await first.outbox.stop();
    removeDb(path);
    const second = makeOutbox(path);
    const info = await second.outbox.start();
    assert.deepEqual(info.lost && { ...info.lost, reason: undefined }, { firstSeq: 3, lastSeq: 5, count: 3, exact: true, reason: undefined });
    assert.match(info.lost!.reason, /database is missing/);
    assert.deepEqual(second.outbox.health().lost, info.lost);
    const lines = second.logger.records.filter((r) => r.level === 'error');
    assert.equal(lines.length, 1, 'one log line');
    assert.match(String(lines[0]!.msg), /not published are gone \(seq 3\.\.5, 3 events\)/);
    const pending = await (async () => { await new Promise((r) => setTimeout(r, 50)); return second.outbox.readPending(0, 10); })();
    assert.equal(pending.length, 1);
    assert.equal(pending[0]!.type, 'outbox.lost');
    assert.deepEqual(pending[0]!.data, { first_seq: 3, last_seq: 5, count: 3, exact: true, reason: info.lost!.reason });
    assert.ok(pending[0]!.seq > seqs[4]!, 'seq not reused');
    assert.equal(pending[0]!.prev_seq, 5, 'prev_seq points into the hole');
    await second.outbox.stop();
  });

  it('everything published before the database went: no loss reported', async () => {
    const path = freshPath();
    const first = makeOutbox(path);
    await first.outbox.start();
    await first.outbox.markPublished(await appendDurable(first.outbox, 2));
    await first.outbox.stop();
    removeDb(path);
    const second = makeOutbox(path);
    assert.equal((await second.outbox.start()).lost, undefined);
    assert.equal(second.outbox.append({ type: 'x.y' }).envelope.seq, 3);
    await second.outbox.stop();
  });

  it('an older copy of the database restored: the events after it are named', async () => {
    const path = freshPath();
    const first = makeOutbox(path);
    await first.outbox.start();
    await appendDurable(first.outbox, 2);
    await first.outbox.stop();
    copyFileSync(path, `${path}.bak`);
    const second = makeOutbox(path);
    await second.outbox.start();
    await appendDurable(second.outbox, 3);
    await second.outbox.stop();
    removeDb(path);
    copyFileSync(`${path}.bak`, path);
    const third = makeOutbox(path);
    const info = await third.outbox.start();
    assert.deepEqual(info.lost && [info.lost.firstSeq, info.lost.lastSeq, info.lost.exact], [3, 5, false]);
    assert.match(info.lost!.reason, /holds events only up to seq 2/);
    await third.outbox.stop();
  });

  it('the database deleted after a crash: reported with the side file\'s upper bound', async () => {
    const path = freshPath();
    const first = makeOutbox(path, { seqReserve: 50 });
    await first.outbox.start();
    await appendDurable(first.outbox, 2);
    await first.outbox.crashForTest();
    removeDb(path);
    const second = makeOutbox(path, { seqReserve: 50 });
    const info = await second.outbox.start();
    assert.deepEqual(info.lost && [info.lost.firstSeq, info.lost.exact], [null, false]);
    assert.ok(info.lost!.lastSeq >= 2);
    assert.ok(second.outbox.append({ type: 'x.y' }).envelope.seq > info.lost!.lastSeq);
    await second.outbox.stop();
  });
});
