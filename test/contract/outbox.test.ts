// The Outbox contract (sync/outbox.ts, design §4–§5), one suite run against every implementation:
// SqliteOutbox (the product) and the in-memory outbox the MQTT tests use. If the fake drifted from
// the real thing, the MQTT tests would prove nothing; this suite keeps them the same.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import type { EventEnvelope } from '../../core/events.ts';
import type { Outbox } from '../../sync/outbox.ts';
import { MemoryOutbox, MemoryOutboxStorage } from '../helpers/memory-outbox.ts';
import { makeOutbox, tempDir } from '../unit/outbox-fixture.ts';

interface Opts { requireAck?: boolean; retainHours?: number }
interface Handle {
  outbox: Outbox;
  clock: ManualClock;
  /** Runs retention now; resolves with how many rows it removed. */
  maintain(): Promise<number>;
  /** Stops this outbox and starts the next one over the same storage (a restart). */
  restart(): Promise<Handle>;
}
interface Subject { name: string; open(opts?: Opts): Promise<Handle> }

const tmp = tempDir('outbox-contract-');
after(() => tmp.cleanup());
let n = 0;

const subjects: Subject[] = [
  {
    name: 'SqliteOutbox',
    async open(opts = {}) {
      const path = join(tmp.dir, `c${++n}`, 'outbox.db');
      const clock = new ManualClock();
      const start = async (): Promise<Handle> => {
        const { outbox } = makeOutbox(path, { clock, requireAck: opts.requireAck ?? false, retainPublishedHours: opts.retainHours ?? 24, maintenanceIntervalMs: 3_600_000 });
        await outbox.start();
        return {
          outbox, clock,
          maintain: async () => (await outbox.maintain()).deletedByRetention,
          restart: async () => { await outbox.stop(); return start(); },
        };
      };
      return start();
    },
  },
  {
    name: 'MemoryOutbox',
    async open(opts = {}) {
      const storage = new MemoryOutboxStorage();
      const clock = new ManualClock();
      const start = async (): Promise<Handle> => {
        const outbox = new MemoryOutbox({ clock, storage, requireAck: opts.requireAck ?? false, retainPublishedMs: (opts.retainHours ?? 24) * 3_600_000 });
        await outbox.start();
        return {
          outbox, clock,
          maintain: async () => (await outbox.maintain()).deletedByRetention,
          restart: async () => { await outbox.stop(); return start(); },
        };
      };
      return start();
    },
  },
];

const types = (evs: EventEnvelope[]) => evs.map((e) => e.type);
const seqs = (evs: EventEnvelope[]) => evs.map((e) => e.seq);

for (const subject of subjects) {
  describe(`Outbox contract: ${subject.name}`, { timeout: 60_000 }, () => {
    it('append: seq, prev_seq, boot and event_id are assigned synchronously; durable resolves', async () => {
      const h = await subject.open();
      const a = h.outbox.append({ type: 'evaluation.submitted', staff_id: 'S0123', data: { score: 5 } });
      const b = h.outbox.append({ type: 'window.state' });
      assert.equal(a.envelope.seq, 1);
      assert.equal(a.envelope.prev_seq, 0, 'the very first event has no previous one');
      assert.equal(b.envelope.seq, 2);
      assert.equal(b.envelope.prev_seq, 1);
      assert.equal(a.envelope.event_id, `A07-${a.envelope.boot}-1`);
      assert.equal(a.envelope.staff_id, 'S0123');
      assert.deepEqual(a.envelope.data, { score: 5 });
      assert.equal(h.outbox.health().lastSeq, 2);
      await Promise.all([a.durable, b.durable]);
      assert.equal(h.outbox.health().uncommitted, 0);
      await h.outbox.stop();
    });

    it('prev_seq and seq continue across a restart; boot increments', async () => {
      let h = await subject.open();
      for (let i = 0; i < 3; i++) await h.outbox.append({ type: 'window.state' }).durable;
      const boot1 = h.outbox.append({ type: 'window.state' });
      await boot1.durable;
      h = await h.restart();
      const next = h.outbox.append({ type: 'device.started' });
      assert.equal(next.envelope.boot, boot1.envelope.boot + 1);
      assert.ok(next.envelope.seq > boot1.envelope.seq, 'seq never reused');
      assert.equal(next.envelope.prev_seq, boot1.envelope.seq, 'prev_seq points at the last event of the previous boot');
      await next.durable;
      await h.outbox.stop();
    });

    it('readPending: seq order after a cursor, bounded by limit', async () => {
      const h = await subject.open();
      const all = Array.from({ length: 10 }, (_, i) => h.outbox.append({ type: `t.e${i}` }));
      await Promise.all(all.map((a) => a.durable));
      assert.deepEqual(seqs(await h.outbox.readPending(0, 100)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(seqs(await h.outbox.readPending(4, 3)), [5, 6, 7]);
      assert.deepEqual(types(await h.outbox.readPending(9, 10)), ['t.e9']);
      assert.deepEqual(await h.outbox.readPending(10, 10), []);
      assert.deepEqual(await h.outbox.readPending(0, 100), all.map((a) => a.envelope), 'reads back exactly the envelopes appended');
      await h.outbox.stop();
    });

    it('markPublished: rows leave pending (in any order), health follows, a repeat is harmless', async () => {
      const h = await subject.open();
      const all = Array.from({ length: 5 }, () => h.outbox.append({ type: 'window.state' }));
      await Promise.all(all.map((a) => a.durable));
      assert.equal(h.outbox.health().pending, 5);
      assert.equal(h.outbox.health().firstPendingSeq, 1);
      await h.outbox.markPublished([2, 1]);
      await h.outbox.markPublished([4]);
      await h.outbox.markPublished([1]);
      assert.deepEqual(seqs(await h.outbox.readPending(0, 10)), [3, 5]);
      const health = h.outbox.health();
      assert.equal(health.pending, 2);
      assert.equal(health.firstPendingSeq, 3);
      assert.equal(health.lastPublishedSeq, 4);
      await h.outbox.markPublished([3, 5]);
      assert.equal(h.outbox.health().pending, 0);
      assert.equal(h.outbox.health().firstPendingSeq, null);
      await h.outbox.stop();
    });

    it('acknowledgeUpTo: the watermark moves forward only, never past the last seq', async () => {
      const h = await subject.open();
      for (let i = 0; i < 4; i++) h.outbox.append({ type: 'window.state' });
      await h.outbox.append({ type: 'window.state' }).durable;
      await h.outbox.markPublished([1, 2, 3, 4, 5]);
      await h.outbox.acknowledgeUpTo(3);
      assert.equal(h.outbox.health().lastAckedSeq, 3);
      await h.outbox.acknowledgeUpTo(2);
      assert.equal(h.outbox.health().lastAckedSeq, 3);
      await h.outbox.acknowledgeUpTo(1_000);
      assert.equal(h.outbox.health().lastAckedSeq, 5);
      await h.outbox.stop();
    });

    it('retention removes done rows older than the limit, never pending ones (acknowledged only, with require_ack)', async () => {
      for (const requireAck of [false, true]) {
        const h = await subject.open({ requireAck, retainHours: 1 });
        for (let i = 0; i < 5; i++) h.outbox.append({ type: 'window.state' });
        await h.outbox.append({ type: 'window.state' }).durable;
        await h.outbox.markPublished([1, 2, 3, 4]);
        await h.outbox.acknowledgeUpTo(2);
        assert.equal(await h.maintain(), 0, 'nothing is old yet');
        h.clock.advance(2 * 3_600_000);
        assert.equal(await h.maintain(), requireAck ? 2 : 4, `requireAck ${requireAck}`);
        assert.deepEqual(seqs(await h.outbox.readPending(0, 10)), [5, 6], 'pending rows stay');
        assert.equal(h.outbox.health().pending, 2);
        await h.outbox.stop();
      }
    });

    it('onCommitted: listeners get committed envelopes in seq order, once each, and can unsubscribe', async () => {
      const h = await subject.open();
      const got: number[] = [];
      const off = h.outbox.onCommitted((evs) => { for (const e of evs) got.push(e.seq); });
      const batch = Array.from({ length: 20 }, () => h.outbox.append({ type: 'window.state' }));
      await Promise.all(batch.map((a) => a.durable));
      assert.deepEqual(got, batch.map((a) => a.envelope.seq));
      off();
      await h.outbox.append({ type: 'window.state' }).durable;
      assert.equal(got.length, 20, 'no call after unsubscribing');
      await h.outbox.stop();
    });

    it('readUnacknowledged: published, unacknowledged rows older than a time; a re-publish restarts the wait', async () => {
      const h = await subject.open({ requireAck: true });
      for (let i = 0; i < 3; i++) h.outbox.append({ type: 'evaluation.submitted' });
      await h.outbox.append({ type: 'evaluation.submitted' }).durable;
      await h.outbox.markPublished([1, 2, 3]);
      await h.outbox.acknowledgeUpTo(1);
      assert.deepEqual(await h.outbox.readUnacknowledged(h.clock.now(), 10), [], 'nothing published before now');
      h.clock.advance(10_000);
      assert.deepEqual(seqs(await h.outbox.readUnacknowledged(h.clock.now() - 5_000, 10)), [2, 3], 'pending 4 and acknowledged 1 are not');
      assert.deepEqual(seqs(await h.outbox.readUnacknowledged(h.clock.now() - 5_000, 1)), [2]);
      await h.outbox.markPublished([2]);
      assert.deepEqual(seqs(await h.outbox.readUnacknowledged(h.clock.now() - 5_000, 10)), [3], 're-published 2 waits again');
      assert.equal(h.outbox.health().pending, 1, 'a re-publish does not change pending');
      await h.outbox.stop();
    });

    it('markPoisoned: the row leaves the drain but stays; retryPoisoned and a restart bring it back', async () => {
      let h = await subject.open({ retainHours: 1 });
      for (let i = 0; i < 2; i++) h.outbox.append({ type: 'evaluation.submitted' });
      await h.outbox.append({ type: 'evaluation.submitted' }).durable;
      await h.outbox.markPoisoned(2);
      assert.deepEqual(seqs(await h.outbox.readPending(0, 10)), [1, 3]);
      assert.equal(h.outbox.health().pending, 2);
      assert.equal(h.outbox.health().poisoned, 1);
      await h.outbox.markPublished([1, 3]);
      h.clock.advance(2 * 3_600_000);
      await h.maintain();
      assert.equal(await h.outbox.retryPoisoned(), 1, 'retention kept it');
      assert.deepEqual(seqs(await h.outbox.readPending(0, 10)), [2]);
      assert.equal(h.outbox.health().poisoned, 0);
      await h.outbox.markPoisoned(2);
      h = await h.restart();
      assert.deepEqual(seqs(await h.outbox.readPending(0, 10)), [2], 'pending again after a restart');
      assert.equal(h.outbox.health().pending, 1);
      await h.outbox.stop();
    });

    it('pending rows survive a restart and are read back in order', async () => {
      let h = await subject.open();
      const a = Array.from({ length: 3 }, () => h.outbox.append({ type: 'evaluation.submitted' }));
      await Promise.all(a.map((x) => x.durable));
      await h.outbox.markPublished([2]);
      h = await h.restart();
      assert.deepEqual(await h.outbox.readPending(0, 10), [a[0]!.envelope, a[2]!.envelope]);
      assert.equal(h.outbox.health().pending, 2);
      assert.equal(h.outbox.health().firstPendingSeq, 1);
      await h.outbox.stop();
    });
  });
}
