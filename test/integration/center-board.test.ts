// The hall board against a real broker: tiles from retained status and today's events, a change
// pushed over server-sent events within a second, a window's last will turning its tile offline,
// supervisor commands (cmd_id, answered on cmd_res, logged with who) and answering a 差评.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { isoWithOffset, systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { HallBoard } from '../../center/board.ts';
import type { Tile } from '../../center/board-state.ts';
import { CenterIngest } from '../../center/ingest.ts';
import { openSqlDb } from '../../center/sql.ts';
import { CenterStore } from '../../center/store.ts';
import { hasMosquitto, startMosquitto, type MosquittoBroker } from '../helpers/brokers.ts';
import { envelope, ingestOptions } from '../helpers/center-fixtures.ts';

const waitFor = async <T>(what: string, get: () => T | undefined | Promise<T | undefined>, ms = 5000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('hall board (Mosquitto)', { skip: hasMosquitto() ? undefined : 'mosquitto not installed' }, () => {
  let broker: MosquittoBroker;
  let dir: string;
  let store: CenterStore;
  let ingest: CenterIngest;
  let board: HallBoard;
  let base: string;
  const logger = memoryLogger();
  before(async () => {
    broker = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'ce-center-board-'));
    store = new CenterStore(await openSqlDb(join(dir, 'center.db')));
    await store.migrate();
    ingest = new CenterIngest({ store, clock: systemClock(), scheduler: systemScheduler(), logger, options: ingestOptions(broker.url) });
    await ingest.start();
    board = new HallBoard({ store, ingest, clock: systemClock(), scheduler: systemScheduler(), logger,
      options: { host: '127.0.0.1', port: 0, utcOffsetMinutes: 480, answerWorkingDays: 3, calendar: { holidays: [], workdays: [] } } });
    await board.start();
    base = `http://127.0.0.1:${board.port}`;
  });
  after(async () => {
    await board?.stop();
    await ingest?.stop();
    await store?.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const tiles = async (): Promise<Tile[]> => ((await (await fetch(`${base}/api/board`)).json()) as { tiles: Tile[] }).tiles;
  const tile = async (w: string) => (await tiles()).find((t) => t.window === w);
  const now = () => isoWithOffset(Date.now());

  test('a counter online with today’s cases and ratings; its last will turns the tile offline; changes stream within a second', async () => {
    const counter: MqttClient = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'counter-A07', reconnectPeriod: 0,
      will: { topic: 'zwfw/v1/main/A07/status', payload: Buffer.from(JSON.stringify({ state: 'offline', boot: 1, reason: 'lwt' })), qos: 1, retain: true } });
    await counter.publishAsync('zwfw/v1/main/A07/status', JSON.stringify({ state: 'online', boot: 1 }), { qos: 1, retain: true });
    await counter.publishAsync('zwfw/v1/main/A07/state/window', JSON.stringify({ state: 'in_service', staff: { id: 'S0123', name: '李明' }, since: now() }), { qos: 1, retain: true });
    const events = [
      envelope({ window: 'A07', seq: 1, type: 'service.completed', ts: now(), staff_id: 'S0123', data: { handling_ms: 240_000 } }),
      envelope({ window: 'A07', seq: 2, type: 'evaluation.submitted', ts: now(), staff_id: 'S0123', data: { satisfaction: 5, level: 'very_satisfied' } }),
      envelope({ window: 'A07', seq: 3, type: 'evaluation.submitted', ts: now(), staff_id: 'S0123', data: { satisfaction: 1, level: 'very_dissatisfied' } }),
      envelope({ window: 'A07', seq: 4, type: 'away.started', ts: now(), staff_id: 'S0123', data: {} }),
      envelope({ window: 'A07', seq: 5, type: 'away.overdue', ts: now(), staff_id: 'S0123', data: { minutes: 30 } }),
    ];
    for (const e of events) await counter.publishAsync(`zwfw/v1/main/A07/evt/${String(e.type).split('.').join('/')}`, JSON.stringify(e), { qos: 1 });
    const t = await waitFor('tile with today’s figures', async () => { const x = await tile('A07'); return x?.ratings_today === 2 && x.away_overdue ? x : undefined; });
    assert.deepEqual([t.online, t.state, t.staff, t.cases_today, t.avg_handling_s, t.satisfaction_rate, t.bad_today, t.acked_seq],
      [true, 'in_service', '李明', 1, 240, 50, 1, 5]);
    const snapshot = (await (await fetch(`${base}/api/board`)).json()) as { bad: Array<{ event_id: string }> };
    assert.deepEqual(snapshot.bad.map((b) => b.event_id), ['A07-1-3'], 'the 差评 waits for an answer');

    // Stream: the counter dies without a goodbye; the broker publishes its last will.
    const ctrl = new AbortController();
    const res = await fetch(`${base}/api/stream`, { signal: ctrl.signal });
    const reader = res.body!.getReader();
    let text = '';
    const started = Date.now();
    (counter as unknown as { stream: { destroy(): void } }).stream.destroy();
    await waitFor('a change on the stream', async () => {
      const { value } = await reader.read();
      text += Buffer.from(value ?? new Uint8Array()).toString();
      return text.includes('event: changed') ? true : undefined;
    }, 10_000);
    const off = await waitFor('tile offline', async () => { const x = await tile('A07'); return x?.online === false ? x : undefined; });
    assert.equal(off.offline_reason, 'lwt');
    // The broker sees the socket close at once, so the tile turns within the board's one-second promise.
    const took = Date.now() - started;
    assert.ok(took < 1000, `offline shown ${took} ms after the counter died`);
    ctrl.abort();
    counter.end(true);
  });

  test('supervisor actions: a pause approval goes out with a cmd_id, is answered, and is logged with who; a 差评 answer closes it', async () => {
    const counter = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'counter-A08' });
    try {
      counter.on('message', (topic, payload) => {
        if (!topic.includes('/cmd/')) return;
        const body = JSON.parse(payload.toString()) as { cmd_id: string };
        void counter.publishAsync(topic.replace('/cmd/', '/cmd_res/'), JSON.stringify({ cmd_id: body.cmd_id, status: 'ok' }), { qos: 1 });
      });
      const received: Array<{ topic: string; body: Record<string, unknown> }> = [];
      counter.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
      await counter.subscribeAsync('zwfw/v1/main/A08/cmd/#', { qos: 1 });
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

      const bad = await post('/api/command', { hall: 'main', window: 'A08', name: 'rm.rf', args: {}, by: '王主任' });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: string }).error, /name must be one of pause\.approve, notice\.show/);
      assert.equal((await post('/api/command', { hall: 'main', window: 'A08', name: 'pause.approve', args: {} })).status, 400, 'nobody said who');
      const form = await fetch(`${base}/api/command`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
      assert.equal(form.status, 415);

      const ok = await post('/api/command', { hall: 'main', window: 'A08', name: 'pause.approve', args: {} }, { 'x-forwarded-user': 'wang.zhuren' });
      const { cmd_id } = (await ok.json()) as { cmd_id: string };
      const msg = await waitFor('the command at the counter', () => received.find((m) => m.body.cmd_id === cmd_id));
      assert.equal(msg.topic, 'zwfw/v1/main/A08/cmd/pause/approve');
      assert.equal(msg.body.approved_by, 'wang.zhuren', 'the payload the counter’s pause.approve schema takes, naming who approved');
      assert.match(String(msg.body.expires_at), /^\d{4}-\d{2}-\d{2}T.*\+08:00$/);
      const row = await waitFor('the answer recorded', async () => (await store.commands()).find((c) => c.cmd_id === cmd_id && c.status === 'ok'));
      assert.equal(row.by_user, 'wang.zhuren', 'the single-sign-on proxy’s user wins over the typed name');
      assert.ok(logger.records.some((r) => r.msg === 'center: command sent' && r.by === 'wang.zhuren' && r.cmd_id === cmd_id));

      // A counter whose database was replaced: its prev_seq points at events nobody holds. Accepted as lost.
      const acks: number[] = [];
      counter.on('message', (topic, payload) => { if (topic === 'zwfw/v1/main/A09/ack') acks.push((JSON.parse(payload.toString()) as { upto_seq: number }).upto_seq); });
      await counter.subscribeAsync('zwfw/v1/main/A09/ack', { qos: 1 });
      for (const e of [envelope({ window: 'A09', seq: 1, prev_seq: 0 }), envelope({ window: 'A09', seq: 10, prev_seq: 9 })]) {
        await counter.publishAsync('zwfw/v1/main/A09/evt/evaluation/submitted', JSON.stringify(e), { qos: 1 });
      }
      await waitFor('the gap at A09', async () => (await store.windows('main')).find((w) => w.window === 'A09' && w.gap?.to === 9));
      const accepted = await post('/api/gap/accept', { hall: 'main', window: 'A09', by: '王主任' });
      assert.deepEqual(await accepted.json(), { accepted: true });
      await waitFor('an ack past the accepted gap', () => acks.includes(10));
      assert.equal((await store.gaps('main')).find((g) => g.window === 'A09')?.accepted_by, '王主任');
      assert.ok(logger.records.some((r) => r.msg === 'center: gap at main/A09 accepted as lost by 王主任 (seq 2..9)'));

      const answered = await post('/api/bad/A07-1-3/answer', { by: '王主任', note: '已电话回访' });
      assert.deepEqual(await answered.json(), { answered: true });
      const snapshot = (await (await fetch(`${base}/api/board`)).json()) as { bad: unknown[] };
      assert.deepEqual(snapshot.bad, []);
    } finally {
      await counter.endAsync();
    }
  });

  test('the page is served and speaks both languages', async () => {
    const html = await (await fetch(`${base}/`)).text();
    assert.match(html, /政务服务大厅 · 窗口看板/);
    assert.match(html, /Service hall · window board/);
    assert.match(html, /new EventSource\('\/api\/stream'\)/);
  });
});
