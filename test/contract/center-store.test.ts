// One contract for the center's store, run against SQLite (a temp file) and PostgreSQL (a throwaway
// server started by the test: Debian's binaries, initdb into a temp dir, run as the unprivileged
// `postgres` user when the tests run as root — test/helpers/postgres.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlDb } from '../../center/sql.ts';
import { CenterStore } from '../../center/store.ts';
import { hasPostgres, startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { batchOf, stored } from '../helpers/center-fixtures.ts';

interface Backend { name: string; skip?: string; setup(): Promise<string>; teardown(): Promise<void> }

let tmp: string | undefined;
let pg: TestPostgres | undefined;
let pgDb = 0;
const backends: Backend[] = [
  {
    name: 'sqlite',
    async setup() { tmp ??= mkdtempSync(join(tmpdir(), 'ce-center-store-')); return join(tmp, `center-${Math.random().toString(36).slice(2)}.db`); },
    async teardown() { if (tmp) rmSync(tmp, { recursive: true, force: true }); tmp = undefined; },
  },
  {
    name: 'postgres',
    ...(hasPostgres() ? {} : { skip: 'PostgreSQL binaries not installed (apt-get install postgresql); .ci/run installs them' }),
    async setup() {
      pg ??= await startPostgres({ fsync: false });
      // A fresh database per test keeps tests independent on one server.
      const admin = await openSqlDb(pg.url);
      const name = `t${++pgDb}`;
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.close();
      return pg.url.replace(/\/postgres$/, `/${name}`);
    },
    async teardown() { await pg?.stop(); pg = undefined; },
  },
];

for (const backend of backends) {
  describe(`center store contract: ${backend.name}`, { skip: backend.skip }, () => {
    const open: CenterStore[] = [];
    const fresh = async (target?: string) => {
      const where = target ?? await backend.setup();
      const store = new CenterStore(await openSqlDb(where));
      await store.migrate();
      open.push(store);
      return { store, where };
    };
    after(async () => {
      for (const s of open) await s.close().catch(() => undefined);
      await backend.teardown();
    });

    test('stores every event once: a redelivered or republished event_id is a duplicate', async () => {
      const { store } = await fresh();
      const first = await store.commit(batchOf([stored({ seq: 1 }), stored({ seq: 2 })]), 1000);
      assert.equal(first.inserted.length, 2);
      const again = await store.commit(batchOf([stored({ seq: 2, historical: true }), stored({ seq: 3 }), stored({ seq: 3 })]), 2000);
      assert.deepEqual(again.inserted.map((e) => e.seq), [3]);
      assert.equal(again.duplicates, 2);
      assert.equal(await store.eventCount(), 3);
      const back = await store.eventsBetween(0, Date.parse('2027-01-01T00:00:00Z'));
      assert.deepEqual(back.map((e) => [e.event_id, e.prev_seq, e.historical]), [['A07-1-1', 0, false], ['A07-1-2', 1, false], ['A07-1-3', 2, false]]);
      assert.deepEqual(back[0]!.data, { satisfaction: 5, level: 'very_satisfied' });
    });

    test('the watermark stops below a lost event, the gap is recorded, and the republished event closes it', async () => {
      const { store } = await fresh();
      const r1 = await store.commit(batchOf([stored({ seq: 1 }), stored({ seq: 2 }), stored({ seq: 4 }), stored({ seq: 5 })]), 1000);
      assert.deepEqual(r1.windows, [{ hall: 'main', window: 'A07', acked_seq: 2, gap: { from: 3, to: 3, since_ms: 1000 } }]);
      assert.deepEqual(r1.opened.map((g) => g.gap), [{ from: 3, to: 3 }]);
      const r2 = await store.commit(batchOf([stored({ seq: 6 })]), 2000);
      assert.equal(r2.windows[0]!.acked_seq, 2, 'later events do not move the watermark past the hole');
      assert.equal(r2.windows[0]!.gap?.since_ms, 1000, 'the gap keeps the time it opened');
      const r3 = await store.commit(batchOf([stored({ seq: 3, historical: true })]), 3000);
      assert.deepEqual(r3.windows, [{ hall: 'main', window: 'A07', acked_seq: 6 }]);
      assert.deepEqual(r3.closed, [{ hall: 'main', window: 'A07', from: 3, to: 3 }]);
      assert.deepEqual(await store.gaps(), [{ hall: 'main', window: 'A07', from: 3, to: 3, opened_ms: 1000, closed_ms: 3000, accepted_by: null }]);
    });

    test('a seq range the device skipped after a crash is no gap: prev_seq links across it', async () => {
      const { store } = await fresh();
      const r = await store.commit(batchOf([stored({ seq: 1 }), stored({ seq: 2 }), stored({ seq: 1001, boot: 2, prev_seq: 2 }), stored({ seq: 1002, boot: 2 })]), 1000);
      assert.deepEqual(r.windows, [{ hall: 'main', window: 'A07', acked_seq: 1002 }]);
      assert.deepEqual(await store.gaps(), []);
    });

    test('a gap narrows when the missing event arrives with its own prev_seq further down', async () => {
      const { store } = await fresh();
      // The device made 1, 2, (skipped 3 in a crash), 4 (prev 2), 5; the center got 1 and 5 first.
      await store.commit(batchOf([stored({ seq: 1 }), stored({ seq: 5, prev_seq: 4 })]), 1000);
      assert.deepEqual((await store.windows())[0]!.gap, { from: 2, to: 4, since_ms: 1000 });
      await store.commit(batchOf([stored({ seq: 4, prev_seq: 2 })]), 2000);
      assert.deepEqual((await store.windows())[0]!.gap, { from: 2, to: 2, since_ms: 1000 });
      const r = await store.commit(batchOf([stored({ seq: 2 })]), 3000);
      assert.equal(r.windows[0]!.acked_seq, 5);
      assert.equal((await store.gaps())[0]!.closed_ms, 3000);
    });

    test('first contact: the birth first_seq (or the earliest event) sets where the watermark starts', async () => {
      const { store } = await fresh();
      const b = await store.commit(batchOf([], { births: [{ hall: 'main', window: 'B01', first_seq: 100, last_seq: 120 }] }), 1000);
      assert.deepEqual(b.windows, [{ hall: 'main', window: 'B01', acked_seq: 99 }]);
      const e = await store.commit(batchOf([stored({ window: 'B01', seq: 100, prev_seq: 99 }), stored({ window: 'C02', seq: 51, prev_seq: 50 })]), 2000);
      assert.deepEqual(e.windows.map((w) => [w.window, w.acked_seq, w.gap]), [['B01', 100, undefined], ['C02', 51, undefined]]);
      // A later birth of a known window does not move its watermark (only first contact does).
      const later = await store.commit(batchOf([], { births: [{ hall: 'main', window: 'C02', first_seq: 80, last_seq: 90 }] }), 3000);
      assert.equal(later.windows[0]!.acked_seq, 51);
    });

    test('a gap nobody can fill (the counter lost its database) is accepted by an operator: acks resume past it', async () => {
      const { store } = await fresh();
      await store.commit(batchOf([stored({ seq: 1 }), stored({ seq: 2 }), stored({ seq: 40, prev_seq: 30 }), stored({ seq: 41 })]), 1000);
      assert.equal(await store.acceptGap('main', 'B99', 'supervisor-li', 1500), undefined, 'no gap there');
      const r = await store.acceptGap('main', 'A07', 'supervisor-li', 2000);
      assert.deepEqual(r?.windows, [{ hall: 'main', window: 'A07', acked_seq: 41 }]);
      assert.deepEqual(await store.gaps(), [{ hall: 'main', window: 'A07', from: 3, to: 30, opened_ms: 1000, closed_ms: 2000, accepted_by: 'supervisor-li' }]);
    });

    test('retained status keeps the newest message per window and part', async () => {
      const { store } = await fresh();
      const msg = (payload: string, received_ms: number) => ({ hall: 'main', window: 'A07', part: 'status', payload, received_ms });
      await store.commit(batchOf([], { retained: [msg('{"state":"online"}', 10), { ...msg('{"state":"in_service"}', 10), part: 'state/window' }] }), 10);
      await store.commit(batchOf([], { retained: [msg('{"state":"offline","reason":"lwt"}', 20)] }), 20);
      await store.commit(batchOf([], { retained: [msg('{"state":"stale"}', 15)] }), 25);
      assert.deepEqual((await store.retained('main')).map((r) => [r.part, r.payload]), [['state/window', '{"state":"in_service"}'], ['status', '{"state":"offline","reason":"lwt"}']]);
    });

    test('events are read back by when they happened (device ts), not by when they arrived', async () => {
      const { store } = await fresh();
      await store.commit(batchOf([
        stored({ seq: 1, ts: '2026-10-31T23:59:59.000+08:00' }),
        stored({ seq: 2, ts: '2026-11-01T00:00:00.000+08:00' }),
        stored({ seq: 3, ts: '2026-11-30T23:59:59.999+08:00', historical: true }, 5_000_000_000_000),
        stored({ seq: 4, ts: '2026-12-01T00:00:00.000+08:00' }),
      ]), 1);
      const nov = await store.eventsBetween(Date.parse('2026-11-01T00:00:00+08:00'), Date.parse('2026-12-01T00:00:00+08:00'));
      assert.deepEqual(nov.map((e) => e.seq), [2, 3]);
    });

    test('commands are recorded with who sent them and answered once; a 差评 keeps its first answer', async () => {
      const { store } = await fresh();
      await store.recordCommand({ cmd_id: 'c1', hall: 'main', window: 'A07', name: 'pause.approve', payload: '{"minutes":10}', by_user: 'supervisor-li', sent_ms: 100 });
      await assert.rejects(store.recordCommand({ cmd_id: 'c1', hall: 'main', window: 'A07', name: 'x', payload: '{}', by_user: 'y', sent_ms: 1 }));
      await store.commit(batchOf([], { answers: [{ cmd_id: 'c1', status: 'ok', body: '{"cmd_id":"c1","status":"ok"}', received_ms: 150 }] }), 150);
      await store.commit(batchOf([], { answers: [{ cmd_id: 'c1', status: 'error', body: '{}', received_ms: 160 }] }), 160);
      const [c] = await store.commands();
      assert.deepEqual([c!.by_user, c!.status, c!.answered_ms], ['supervisor-li', 'ok', 150]);
      assert.equal(await store.answerComplaint('A07-1-9', 500, 'supervisor-li', '已回访'), true);
      assert.equal(await store.answerComplaint('A07-1-9', 600, 'other', 'again'), false);
      assert.deepEqual((await store.complaintAnswers()).get('A07-1-9'), { answered_ms: 500, by_user: 'supervisor-li', note: '已回访' });
    });

    test('two store connections committing one window at once store nothing twice and agree on the watermark', async () => {
      const { store: a, where } = await fresh();
      const { store: b } = await fresh(where);
      const events = Array.from({ length: 400 }, (_, i) => stored({ seq: i + 1 }));
      // Interleaved halves, with an overlap both deliver (a redelivery to both instances).
      const evens = events.filter((e) => e.seq % 2 === 0 || e.seq > 380);
      const odds = events.filter((e) => e.seq % 2 === 1 || e.seq > 380);
      const chunks = (xs: typeof events) => Array.from({ length: Math.ceil(xs.length / 25) }, (_, i) => xs.slice(i * 25, i * 25 + 25));
      const run = async (s: CenterStore, xs: typeof events) => { let n = 0; for (const c of chunks(xs)) n += (await s.commit(batchOf(c), 1)).inserted.length; return n; };
      const [na, nb] = await Promise.all([run(a, evens), run(b, odds)]);
      assert.equal(na + nb, 400);
      assert.equal(await a.eventCount(), 400);
      const final = await b.commit(batchOf([]), 2);
      assert.deepEqual(final.windows, [], 'an empty commit touches no window');
      assert.deepEqual((await a.windows()).map((w) => [w.acked_seq, w.gap]), [[400, undefined]]);
    });
  });
}
