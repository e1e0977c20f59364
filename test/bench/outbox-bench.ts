// Outbox benchmark: the worker-thread outbox against raw better-sqlite3 on the main thread, same
// machine, same run. Run alone with `npx tsx test/bench/outbox-bench.ts [--quick]`.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { isoWithOffset, systemClock } from '../../core/clock.ts';
import { eventClass } from '../../core/events.ts';
import { createLogger } from '../../core/logger.ts';
import { SqliteOutbox } from '../../sync/sqlite-outbox.ts';

export interface OutboxBenchFigures {
  [name: string]: number;
  append_eps: number;
  raw_append_eps: number;
  append_ratio: number;
  avg_batch: number;
  commit_p50_ms: number;
  commit_p99_ms: number;
  loop_delay_p99_ms: number;
  raw_loop_delay_p99_ms: number;
  rss_idle_mb: number;
  rss_after_mb: number;
  rss_events: number;
}

const GROUP = 1000;
const sampleData = (i: number) => ({ button: 'satisfied', score: 5, counter_case: `T${i}`, note: '办理顺利，态度很好' });

function newOutbox(dir: string, name: string): SqliteOutbox {
  return new SqliteOutbox({
    path: join(dir, name, 'outbox.db'), window: 'A07', hall: 'main', utcOffsetMinutes: 480, clock: systemClock(),
    logger: createLogger({ level: 'error' }), synchronous: 'FULL', maxBytes: 4 * 1024 * 1024 * 1024,
    retainPublishedHours: 24, requireAck: false, groupCommitMax: GROUP, maintenanceIntervalMs: 3_600_000,
  });
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

/** Appends as fast as the caller produces (GROUP per tick), until all are durable. */
async function outboxAppendRate(dir: string, total: number): Promise<{ eps: number; avgBatch: number }> {
  const outbox = newOutbox(dir, 'append');
  await outbox.start();
  const t0 = performance.now();
  let last: Promise<void> = Promise.resolve();
  for (let i = 0; i < total; i += GROUP) {
    for (let j = 0; j < GROUP && i + j < total; j++) last = outbox.append({ type: 'evaluation.submitted', staff_id: 'S0123', data: sampleData(i + j) }).durable;
    await tick();
  }
  await last;
  const seconds = (performance.now() - t0) / 1000;
  const c = outbox.counters();
  await outbox.stop();
  return { eps: total / seconds, avgBatch: c.committedEvents / c.transactions };
}

/** The same rows (envelope built and serialised, same table) in transactions of `batch`, main thread. */
function rawAppendRate(dir: string, total: number, batch: number): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, type TEXT NOT NULL, class TEXT NOT NULL,
    body TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL, published_at INTEGER)`);
  const insert = db.prepare('INSERT INTO events (seq, event_id, type, class, body, state, bytes) VALUES (?, ?, ?, ?, ?, 0, ?)');
  const clock = systemClock();
  const insertMany = db.transaction((from: number, to: number) => {
    for (let seq = from; seq < to; seq++) {
      const env = {
        event_id: `A07-1-${seq}`, seq, boot: 1, type: 'evaluation.submitted', ts: isoWithOffset(clock.now(), 480),
        mono_ms: Math.floor(clock.monoMs()), time_quality: clock.timeQuality(), window: 'A07', hall: 'main', staff_id: 'S0123', data: sampleData(seq),
      };
      const body = JSON.stringify(env);
      insert.run(seq, env.event_id, env.type, eventClass(env.type), body, Buffer.byteLength(body));
    }
  });
  const t0 = performance.now();
  for (let i = 1; i <= total; i += batch) insertMany(i, Math.min(total + 1, i + batch));
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return total / seconds;
}

/** append → durable latency at a steady 200 events/s. */
async function commitLatency(dir: string, seconds: number): Promise<number[]> {
  const outbox = newOutbox(dir, 'latency');
  await outbox.start();
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let next = performance.now();
  const inFlight: Promise<void>[] = [];
  while (performance.now() < end) {
    const t = performance.now();
    const { durable } = outbox.append({ type: 'evaluation.submitted', data: sampleData(latencies.length) });
    inFlight.push(durable.then(() => { latencies.push(performance.now() - t); }));
    next += 5;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(inFlight);
  await outbox.stop();
  return latencies.sort((a, b) => a - b);
}

/** Event-loop delay p99 while ingesting 1,000 events/s and draining them (read + mark published). */
async function loopDelayOutbox(dir: string, seconds: number): Promise<number> {
  const outbox = newOutbox(dir, 'loop');
  await outbox.start();
  let running = true;
  const drain = (async () => {
    let cursor = 0;
    while (running) {
      const batch = await outbox.readPending(cursor, 500);
      if (batch.length === 0) { await sleep(5); continue; }
      await outbox.markPublished(batch.map((e) => e.seq));
      cursor = batch[batch.length - 1]!.seq;
    }
  })();
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const end = performance.now() + seconds * 1000;
  let next = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 10; i++) outbox.append({ type: 'evaluation.submitted', data: sampleData(i) });
    next += 10;
    await sleep(Math.max(0, next - performance.now()));
  }
  h.disable();
  running = false;
  await drain;
  await outbox.stop();
  return h.percentile(99) / 1e6;
}

/** The same load with synchronous better-sqlite3 on the main thread: what the worker saves. */
async function loopDelayRaw(dir: string, seconds: number): Promise<number> {
  const db = new Database(join(dir, 'raw-loop.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0)');
  const insert = db.prepare('INSERT INTO events (seq, body) VALUES (?, ?)');
  const read = db.prepare('SELECT seq FROM events WHERE seq > ? AND state = 0 ORDER BY seq LIMIT 500').pluck();
  const mark = db.prepare('UPDATE events SET state = 1 WHERE seq = ?');
  let seq = 0;
  let cursor = 0;
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const end = performance.now() + seconds * 1000;
  let next = performance.now();
  while (performance.now() < end) {
    db.transaction(() => { for (let i = 0; i < 10; i++) insert.run(++seq, JSON.stringify(sampleData(seq))); })();
    const pending = read.all(cursor) as number[];
    db.transaction(() => { for (const s of pending) mark.run(s); })();
    if (pending.length) cursor = pending[pending.length - 1]!;
    next += 10;
    await sleep(Math.max(0, next - performance.now()));
  }
  h.disable();
  db.close();
  return h.percentile(99) / 1e6;
}

/** RSS idle, then after `total` events went through (appended in windows of 20,000). */
async function rss(dir: string, total: number): Promise<{ idle: number; after: number }> {
  const outbox = newOutbox(dir, 'rss');
  await outbox.start();
  await sleep(300);
  const idle = process.memoryUsage().rss;
  let last: Promise<void> = Promise.resolve();
  for (let i = 0; i < total; i += GROUP) {
    for (let j = 0; j < GROUP; j++) last = outbox.append({ type: 'evaluation.submitted', data: sampleData(i + j) }).durable;
    if (i % 20_000 === 0) await last;
    else await tick();
  }
  await last;
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(300);
  const after = process.memoryUsage().rss;
  await outbox.stop();
  return { idle, after };
}

export async function benchOutbox(opts: { quick: boolean }): Promise<OutboxBenchFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-bench-'));
  try {
    const appendTotal = opts.quick ? 50_000 : 200_000;
    const rssTotal = opts.quick ? 200_000 : 1_000_000;
    const rssFigures = await rss(dir, rssTotal); // first, so the idle figure is not inflated by earlier phases
    const { eps, avgBatch } = await outboxAppendRate(dir, appendTotal);
    const raw = rawAppendRate(dir, appendTotal, Math.max(1, Math.round(avgBatch)));
    const latencies = await commitLatency(dir, opts.quick ? 2 : 5);
    const loop = await loopDelayOutbox(dir, opts.quick ? 2 : 4);
    const rawLoop = await loopDelayRaw(dir, opts.quick ? 2 : 4);
    return {
      append_eps: Math.round(eps),
      raw_append_eps: Math.round(raw),
      append_ratio: round(eps / raw),
      avg_batch: Math.round(avgBatch),
      commit_p50_ms: round(percentile(latencies, 50)),
      commit_p99_ms: round(percentile(latencies, 99)),
      loop_delay_p99_ms: round(loop),
      raw_loop_delay_p99_ms: round(rawLoop),
      rss_idle_mb: mb(rssFigures.idle),
      rss_after_mb: mb(rssFigures.after),
      rss_events: rssTotal,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const t0 = performance.now();
  const figures = await benchOutbox({ quick });
  console.log(JSON.stringify({ quick, seconds: round((performance.now() - t0) / 1000, 1), ...figures }, null, 2));
}
