// The durable print queue against the real driver on the sim backend (the in-process emulator).
// Rule: a business receipt is handed over after each completed business (seed 000_f893b926b189d24e.txt,
// "递上一份业务办理回执，上面注明业务名称、办理时间、联系电话") — so an accepted paper must not get lost,
// and must not come out twice.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Value } from '@sinclair/typebox/value';
import { PrintQueue } from '../../device/print-queue.ts';
import { ManualClock } from '../../core/clock.ts';
import { ManualScheduler } from '../../core/scheduler.ts';
import { memoryLogger } from '../../core/logger.ts';
import { PrinterConfigSchema, type PrinterConfig } from '../../drivers/printer/config.ts';
import { createPrinter, PrintInterruptedError, type EscPosPrinter, type SimPrinter } from '../../drivers/printer/index.ts';
import { DocumentError, type PrintDocument } from '../../drivers/printer/document.ts';
import type { DriverStatus } from '../../drivers/driver.ts';
import { systemScheduler } from '../../core/scheduler.ts';

const receipt = (n: string): PrintDocument => ({ blocks: [{ type: 'title', text: '业务办理回执' }, { type: 'kv', rows: [{ key: '受理编号', value: n }] }] });
const waitFor = async (what: string, cond: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

let dir: string;
let clock: ManualClock;
let printer: EscPosPrinter;
let sim: SimPrinter;
let events: Array<{ type: string; data: Record<string, unknown> }>;
const queues: PrintQueue[] = [];

function newQueue(expireAfterMs = 60_000): PrintQueue {
  const q = new PrintQueue({ dir, printer, logger: memoryLogger(), clock, scheduler: new ManualScheduler(clock), emit: (type, data) => events.push({ type, data }), expireAfterMs, checkIntervalMs: 60_000 });
  queues.push(q);
  return q;
}
const printedIds = () => sim.emulator.lines().filter((l) => l.startsWith('受理编号')).map((l) => l.replace(/^受理编号：/, ''));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'print-queue-'));
  clock = new ManualClock();
  events = [];
  const config = Value.Default(PrinterConfigSchema, { backend: 'sim', retry_min_ms: 20, retry_max_ms: 100, status_interval_ms: 60_000 }) as PrinterConfig;
  const made = createPrinter(config, { logger: memoryLogger(), clock, scheduler: systemScheduler() });
  printer = made.printer;
  sim = made.sim!;
  await printer.start();
});

afterEach(async () => {
  for (const q of queues.splice(0)) await q.stop();
  await printer.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a job prints and ends with print.done; the same doc_id again is a duplicate and never prints twice', async () => {
  const q = newQueue();
  await q.start();
  assert.deepEqual(q.submit('R-1', receipt('T1')), { accepted: true, duplicate: false, state: 'queued' });
  await waitFor('print.done', () => events.length === 1);
  assert.deepEqual(events, [{ type: 'print.done', data: { doc_id: 'R-1' } }]);
  assert.deepEqual(q.submit('R-1', receipt('T1')), { accepted: false, duplicate: true, state: 'done' });
  await q.pump();
  assert.deepEqual(printedIds(), ['T1']);
  assert.equal(events.length, 1);
});

test('a doc_id is remembered across a restart: resubmitting after restart does not print', async () => {
  const q1 = newQueue();
  await q1.start();
  q1.submit('R-2', receipt('T2'));
  await waitFor('done', () => events.length === 1);
  await q1.stop();
  const q2 = newQueue();
  await q2.start();
  assert.deepEqual(q2.submit('R-2', receipt('T2')), { accepted: false, duplicate: true, state: 'done' });
  await q2.pump();
  assert.deepEqual(printedIds(), ['T2']);
});

test('a job waiting for paper survives a restart and prints once when paper is back', async () => {
  sim.emulator.set({ paperOut: true });
  await printer.checkStatus();
  assert.equal(printer.status().state, 'fault');
  const q1 = newQueue();
  await q1.start();
  q1.submit('R-3', receipt('T3'));
  await q1.pump();
  assert.equal(q1.get('R-3')?.state, 'queued');
  await q1.stop();

  const q2 = newQueue();
  await q2.start();
  assert.deepEqual(q2.waiting().map((j) => j.doc_id), ['R-3']);
  assert.deepEqual(printedIds(), []);
  sim.emulator.set({ paperOut: false });
  // The driver recovers by itself (reopen with backoff); its 'ok' status makes the queue print.
  await waitFor('print.done after recovery', () => events.some((e) => e.type === 'print.done'));
  assert.deepEqual(events, [{ type: 'print.done', data: { doc_id: 'R-3' } }]);
  assert.deepEqual(printedIds(), ['T3']);
  assert.equal(q2.get('R-3')?.state, 'done');
});

test('jobs print in the order they were accepted', async () => {
  sim.emulator.set({ offline: true });
  await printer.checkStatus();
  const q = newQueue();
  await q.start();
  for (const n of ['a', 'b', 'c']) { q.submit(`R-${n}`, receipt(n)); clock.advance(10); }
  sim.emulator.set({ offline: false });
  await waitFor('three done', () => events.length === 3);
  assert.deepEqual(printedIds(), ['a', 'b', 'c']);
  assert.deepEqual(events.map((e) => e.data.doc_id), ['R-a', 'R-b', 'R-c']);
});

test('a job that cannot print in time ends with print.failed {reason: expired} and never prints later', async () => {
  sim.emulator.set({ paperOut: true });
  await printer.checkStatus();
  const q = newQueue(30_000);
  await q.start();
  q.submit('R-4', receipt('T4'));
  clock.advance(29_000);
  await q.pump();
  assert.equal(events.length, 0);
  clock.advance(1_000);
  await q.pump();
  assert.equal(events.length, 1);
  assert.equal(events[0]!.type, 'print.failed');
  assert.equal(events[0]!.data.doc_id, 'R-4');
  assert.equal(events[0]!.data.reason, 'expired');
  sim.emulator.set({ paperOut: false });
  await waitFor('printer ok', () => printer.status().state === 'ok');
  await q.pump();
  assert.deepEqual(printedIds(), []);
  assert.equal(q.get('R-4')?.state, 'failed');
});

test('a job that was being sent when the service died is ended as interrupted at start, not resent', async () => {
  const q1 = newQueue();
  await q1.start();
  sim.emulator.set({ offline: true });
  await printer.checkStatus();
  q1.submit('R-5', receipt('T5'));
  await q1.pump();
  await q1.stop();
  // What a crash between "marked printing" and "marked done" leaves behind.
  const db = new Database(join(dir, 'print-queue.db'));
  db.prepare(`UPDATE print_jobs SET state = 'printing' WHERE doc_id = 'R-5'`).run();
  db.close();
  sim.emulator.set({ offline: false });
  await waitFor('printer ok', () => printer.status().state === 'ok');
  const q2 = newQueue();
  await q2.start();
  await q2.pump();
  assert.equal(events.length, 1);
  assert.equal(events[0]!.type, 'print.failed');
  assert.equal(events[0]!.data.reason, 'interrupted');
  assert.deepEqual(printedIds(), []);
});

test('bad doc_id or document is refused at submit with what and where; nothing is queued', async () => {
  const q = newQueue();
  await q.start();
  assert.throws(() => q.submit('', receipt('x'), 'cmd/print'), (e: unknown) => e instanceof DocumentError && /cmd\/print\.doc_id/.test((e as Error).message));
  assert.throws(() => q.submit('has space', receipt('x')), /doc_id: must be 1–128 printable ASCII/);
  assert.throws(() => q.submit('R-6', { blocks: [{ type: 'bogus' }] }, 'POST /api/print'), /POST \/api\/print\.doc: invalid print document/);
  const tooWide = { blocks: [{ type: 'table', columns: [{ header: 'a', width: 30 }, { header: 'b', width: 30 }], rows: [] }] };
  assert.throws(() => q.submit('R-7', tooWide), /\/blocks\/0 \(table\): table needs 61 columns but the line has 32/);
  assert.deepEqual(q.waiting(), []);
  // A refused doc_id is not burnt: it can be submitted again with a good document.
  assert.equal(q.submit('R-6', receipt('T6')).accepted, true);
});

test('a job sent but not confirmed ends with print.failed {reason: interrupted} and is not resent', async () => {
  // A driver whose link breaks in the middle of the job.
  class BrokenMidJob extends EventEmitter {
    readonly kind = 'printer';
    readonly geometry = { cols: 32, dots: 384 };
    calls = 0;
    async start() {}
    async stop() {}
    status(): DriverStatus { return { kind: 'printer', backend: 'fake', state: 'ok', since: 0 }; }
    async print() { this.calls++; throw new PrintInterruptedError('job sent to tcp 10.0.0.5:9100 but not confirmed: EPIPE'); }
    async checkStatus() { return undefined; }
    lastPrinted() { return undefined; }
  }
  const broken = new BrokenMidJob();
  const q = new PrintQueue({ dbPath: join(dir, 'q2.db'), printer: broken, logger: memoryLogger(), clock, scheduler: new ManualScheduler(clock), emit: (type, data) => events.push({ type, data }), expireAfterMs: 60_000, checkIntervalMs: 60_000 });
  queues.push(q);
  await q.start();
  q.submit('R-8', receipt('T8'));
  await waitFor('failed', () => events.length === 1);
  assert.deepEqual(events[0], { type: 'print.failed', data: { doc_id: 'R-8', reason: 'interrupted', detail: 'job sent to tcp 10.0.0.5:9100 but not confirmed: EPIPE' } });
  await q.pump();
  assert.equal(broken.calls, 1);
});
