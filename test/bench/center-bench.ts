// The center's ingest rate into SQLite and PostgreSQL, each next to raw batched inserts of the same
// rows into the same database in the same run. Two figures per database: the store's commit path
// (dedupe by event_id + prev_seq watermark + gap bookkeeping, batches of 500) and the whole ingest
// (a publisher process → Mosquitto → CenterIngest → commit → ack of the last seq of every window). Run alone with
// `npx tsx test/bench/center-bench.ts [--quick]`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectAsync } from 'mqtt';
import { systemClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { CenterIngest } from '../../center/ingest.ts';
import { openSqlDb, type SqlDb } from '../../center/sql.ts';
import { CenterStore } from '../../center/store.ts';
import { hasMosquitto, startMosquitto } from '../helpers/brokers.ts';
import { hasPostgres, startPostgres } from '../helpers/postgres.ts';
import { ingestOptions, stored } from '../helpers/center-fixtures.ts';

const BATCH = 500;
const WINDOWS = 20;

export interface CenterBenchFigures {
  /** A bare mqtt.js subscriber (QoS 1, persistent session) fed by the same publisher process: the ceiling for ingest_eps. */
  raw_mqtt_eps: number | null;
  [db: string]: { commit_eps: number; raw_eps: number; commit_ratio: number; ingest_eps: number | null; ingest_ratio: number | null; events: number } | number | null;
}

function startPublisher(url: string, hall: string, perWindow: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./center-publisher-child.ts', import.meta.url)), url, hall, String(WINDOWS), String(perWindow)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve, reject) => { child.stdout!.once('data', () => resolve()); child.once('exit', (code) => reject(new Error(`publisher exited (${code})`))); });
  return { child, ready };
}

async function rawSubscriber(n: number): Promise<number | null> {
  if (!hasMosquitto()) return null;
  const broker = await startMosquitto({ extra: ['max_inflight_messages 1000'] });
  const sub = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'bench-raw', clean: false, properties: { sessionExpiryInterval: 60 } });
  try {
    const perWindow = Math.ceil(n / WINDOWS);
    let got = 0;
    const all = new Promise<void>((resolve) => sub.on('message', () => { if (++got === perWindow * WINDOWS) resolve(); }));
    await sub.subscribeAsync('zwfw/v1/raw/+/evt/#', { qos: 1 });
    const { ready } = startPublisher(broker.url, 'raw', perWindow);
    await ready;
    const started = performance.now();
    await all;
    return Math.round((perWindow * WINDOWS) / ((performance.now() - started) / 1000));
  } finally {
    await sub.endAsync();
    await broker.stop();
  }
}

/** Same columns, no keys beyond a rowid: what a plain batched insert costs on this database. */
async function rawInserts(db: SqlDb, n: number): Promise<number> {
  await db.query('CREATE TABLE raw_events (event_id TEXT, hall TEXT, window_id TEXT, seq BIGINT, prev_seq BIGINT, boot BIGINT, type TEXT, ts TEXT, ts_ms BIGINT, time_quality TEXT, staff_id TEXT, case_id TEXT, data TEXT, historical SMALLINT, received_ms BIGINT)');
  const rows = events(n, 'R');
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    await db.tx(async (q) => {
      for (let j = 0; j < chunk.length; j += 200) {
        const part = chunk.slice(j, j + 200);
        await q(`INSERT INTO raw_events VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          part.flatMap((e) => [e.event_id, e.hall, e.window, e.seq, e.prev_seq, e.boot, e.type, e.ts, e.ts_ms, e.time_quality, e.staff_id, e.case_id, JSON.stringify(e.data), 0, e.received_ms]));
      }
    });
  }
  return Math.round(n / ((performance.now() - started) / 1000));
}

function events(n: number, prefix: string) {
  const perWindow = Math.ceil(n / WINDOWS);
  const out = [];
  for (let seq = 1; seq <= perWindow; seq++) for (let w = 0; w < WINDOWS; w++) out.push(stored({ window: `${prefix}${w}`, seq, staff_id: 'S0123' }));
  return out.slice(0, n);
}

async function commitPath(store: CenterStore, n: number): Promise<number> {
  const rows = events(n, 'C');
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) await store.commit({ events: rows.slice(i, i + BATCH), retained: [], births: [], answers: [] }, 1);
  return Math.round(n / ((performance.now() - started) / 1000));
}

async function wholeIngest(store: CenterStore, n: number): Promise<number | null> {
  if (!hasMosquitto()) return null;
  // The same broker settings as the raw baseline (rawSubscriber).
  const broker = await startMosquitto({ extra: ['max_inflight_messages 1000'] });
  const ingest = new CenterIngest({ store, clock: systemClock(), scheduler: systemScheduler(), logger: createLogger({ level: 'error' }), options: ingestOptions(broker.url, { hall: 'bench' }) });
  const pub = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'bench-counters' });
  try {
    await ingest.start();
    const perWindow = Math.ceil(n / WINDOWS);
    const done = new Set<string>();
    const allAcked = new Promise<void>((resolve) => pub.on('message', (topic, payload) => {
      if ((JSON.parse(payload.toString()) as { upto_seq: number }).upto_seq === perWindow) done.add(topic);
      if (done.size === WINDOWS) resolve();
    }));
    await pub.subscribeAsync('zwfw/v1/bench/+/ack', { qos: 1 });
    // The counters publish from another process, so the center's event loop is measured alone.
    const { ready } = startPublisher(broker.url, 'bench', perWindow);
    await ready;
    const started = performance.now();
    await allAcked;
    return Math.round((perWindow * WINDOWS) / ((performance.now() - started) / 1000));
  } finally {
    await pub.endAsync();
    await ingest.stop();
    await broker.stop();
  }
}

export async function benchCenter(opts: { quick: boolean }): Promise<CenterBenchFigures> {
  const n = opts.quick ? 20_000 : 100_000;
  const ingestN = opts.quick ? 10_000 : 40_000;
  const figures: CenterBenchFigures = { raw_mqtt_eps: await rawSubscriber(ingestN) };
  const dir = mkdtempSync(join(tmpdir(), 'ce-center-bench-'));
  const pg = hasPostgres() ? await startPostgres({ fsync: true }) : undefined;
  try {
    const targets: Array<[string, string]> = [['sqlite', join(dir, 'center.db')], ...(pg ? [['postgres', pg.url] as [string, string]] : [])];
    for (const [name, where] of targets) {
      const store = new CenterStore(await openSqlDb(where));
      await store.migrate();
      const raw_eps = await rawInserts(store.db, n);
      const commit_eps = await commitPath(store, n);
      const ingest_eps = await wholeIngest(store, ingestN);
      await store.close();
      const raw = figures.raw_mqtt_eps;
      figures[name] = { commit_eps, raw_eps, commit_ratio: Math.round((commit_eps / raw_eps) * 100) / 100, ingest_eps,
        ingest_ratio: ingest_eps !== null && raw ? Math.round((ingest_eps / raw) * 100) / 100 : null, events: n };
    }
  } finally {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (/center-bench\.ts$/.test(process.argv[1] ?? '')) {
  benchCenter({ quick: process.argv.includes('--quick') }).then((f) => process.stdout.write(JSON.stringify(f, null, 2) + '\n'), (e) => { process.stderr.write(`${(e as Error).stack}\n`); process.exitCode = 1; });
}
