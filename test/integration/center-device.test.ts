// The center and a real counter process (device/main.ts) on Mosquitto, MQTT 5: the counter's events
// (with prev_seq, on dot-free topics) are stored once and acknowledged, and with outbox.require_ack
// the counter's own outbox reaches the center's watermark. The center is stopped for a while and
// started again: the broker keeps its session, nothing is lost, and the acks catch up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { CenterIngest } from '../../center/ingest.ts';
import { openSqlDb } from '../../center/sql.ts';
import { CenterStore } from '../../center/store.ts';
import { freePort, hasMosquitto, startMosquitto, type MosquittoBroker } from '../helpers/brokers.ts';
import { ingestOptions } from '../helpers/center-fixtures.ts';

const main = new URL('../../device/main.ts', import.meta.url).pathname;
const skip = hasMosquitto() ? false : 'mosquitto not installed';

const waitFor = async <T>(what: string, get: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

let broker: MosquittoBroker;
let dir: string;
let counter: ChildProcess | undefined;
let log = '';
let apiPort = 0;
before(async () => {
  if (skip) return;
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'ce-center-device-'));
  apiPort = await freePort();
  writeFileSync(join(dir, 'c.yaml'), [
    'window: { id: A07, hall: main, name: 综合受理窗口 }', `state_dir: ${join(dir, 'state')}`,
    `mqtt: { url: "${broker.url}", reconnect_min_ms: 100, reconnect_max_ms: 500 }`,
    'outbox: { require_ack: true, ack_timeout_ms: 1000 }',
    `api: { port: ${apiPort}, simulator: true }`, 'buttons: { backend: sim, keys: [very_satisfied, satisfied, basically_satisfied, dissatisfied] }', '',
  ].join('\n'));
});
after(async () => {
  if (counter) { counter.kill('SIGTERM'); await new Promise((r) => counter!.once('exit', r)); }
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a real counter: stored once, acked to its last seq, its outbox acknowledged; a center restart loses nothing', { skip, timeout: 100_000 }, async () => {
  const db = join(dir, 'center.db');
  const open = async () => {
    const store = new CenterStore(await openSqlDb(db));
    await store.migrate();
    const ingest = new CenterIngest({ store, clock: systemClock(), scheduler: systemScheduler(), logger: memoryLogger(), options: ingestOptions(broker.url, { clientId: 'center-main' }) });
    await ingest.start();
    return { store, ingest };
  };
  let { store, ingest } = await open();
  try {
    counter = spawn(process.execPath, ['--import', 'tsx', main, '--config', join(dir, 'c.yaml'), 'run'], { stdio: ['ignore', 'ignore', 'pipe'] });
    counter.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    const api = `http://127.0.0.1:${apiPort}`;
    const health = async () => {
      try { return (await (await fetch(`${api}/api/health`)).json()) as { outbox: Record<string, unknown> }; } catch { return undefined; }
    };
    await waitFor('the counter up', async () => (await health()) !== undefined, 40_000).catch((e: Error) => { throw new Error(`${e.message}\n${log.slice(-1500)}`); });
    const press = (button: string) => fetch(`${api}/api/sim/press`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ button }) });
    for (const b of ['satisfied', 'very_satisfied', 'dissatisfied']) assert.equal((await press(b)).status, 200);

    const lastSeq = async () => Number((await health())?.outbox.last_seq);
    // The counter's own acknowledged seq, as it reports it on its retained state/outbox (every 5 s).
    const deviceAcked = async () => {
      const part = (await store.retained('main')).find((r) => r.part === 'state/outbox');
      return part ? Number((JSON.parse(part.payload) as { lastAckedSeq?: number }).lastAckedSeq) : undefined;
    };
    const acked = async () => (await store.windows('main'))[0]?.acked_seq;
    // device.started and the three presses, all acknowledged by the center.
    const settled = (atLeast: number) => async () => {
      const last = await lastSeq();
      return last >= atLeast && (await acked()) === last ? last : undefined;
    };
    let seq = await waitFor('the center watermark at the counter’s last seq', settled(4))
      .catch(async (e: Error) => { throw new Error(`${e.message}: acked ${await acked()}, held ${JSON.stringify((await store.eventsBetween(0, Number.MAX_SAFE_INTEGER)).map((x) => [x.seq, x.prev_seq, x.type]))}\n${log.slice(-1500)}`); });
    await waitFor('the counter’s outbox acknowledged', async () => (await deviceAcked()) === seq);
    const events = await store.eventsBetween(0, Number.MAX_SAFE_INTEGER, 'main');
    assert.ok(events.some((e) => e.type === 'evaluation.unsolicited'), 'the presses arrived');
    assert.ok(events.every((e) => typeof e.prev_seq === 'number'), 'the counter sends prev_seq');
    assert.equal(new Set(events.map((e) => e.event_id)).size, events.length);

    // The center goes away; the counter keeps working; the broker queues for the center's session.
    await ingest.stop();
    await store.close();
    for (const b of ['satisfied', 'basically_satisfied']) assert.equal((await press(b)).status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    ({ store, ingest } = await open());
    seq = await waitFor('the watermark after the restart', settled(seq + 2));
    await waitFor('the counter’s outbox acknowledged again', async () => (await deviceAcked()) === seq);
    assert.deepEqual((await store.gaps('main')).filter((g) => g.closed_ms === null), [], 'no gap left open');
    const all = await store.eventsBetween(0, Number.MAX_SAFE_INTEGER, 'main');
    assert.equal(new Set(all.map((e) => e.event_id)).size, all.length, 'nothing stored twice (re-sent rows are duplicates)');
  } finally {
    await ingest.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
  }
});
