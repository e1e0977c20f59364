// Local API and the MQTT print command over the real HTTP server, queue and sim printer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ApiRouter } from '../../core/http-router.ts';
import { ApiServer } from '../../device/api-server.ts';
import { PrintQueue } from '../../device/print-queue.ts';
import { ManualClock } from '../../core/clock.ts';
import { ManualScheduler } from '../../core/scheduler.ts';
import { memoryLogger } from '../../core/logger.ts';
import { PrinterConfigSchema, type PrinterConfig } from '../../drivers/printer/config.ts';
import { createPrinter } from '../../drivers/printer/index.ts';
import { PreviewCache, printCommands, registerPrinterRoutes } from '../../drivers/printer/api.ts';
import { previewPng, previewText } from '../../drivers/printer/preview.ts';
import { CommandRegistry } from '../../sync/mqtt-commands.ts';
import { systemScheduler } from '../../core/scheduler.ts';

const dir = mkdtempSync(join(tmpdir(), 'printer-api-'));
const clock = new ManualClock();
const config = Value.Default(PrinterConfigSchema, { backend: 'sim', retry_min_ms: 20, retry_max_ms: 100 }) as PrinterConfig;
const { printer, sim } = createPrinter(config, { logger: memoryLogger(), clock, scheduler: systemScheduler() });
const events: Array<{ type: string; data: Record<string, unknown> }> = [];
const queue = new PrintQueue({ dir, printer, logger: memoryLogger(), clock, scheduler: new ManualScheduler(clock), emit: (type, data) => events.push({ type, data }), expireAfterMs: 60_000 });
const router = new ApiRouter();
const caches = { png: new PreviewCache(previewPng), text: new PreviewCache(previewText) };
const server = new ApiServer({ host: '127.0.0.1', port: 0, router, logger: memoryLogger() });
let base = '';
const waitFor = async (cond: () => boolean) => {
  const end = Date.now() + 15_000;
  while (!cond()) { if (Date.now() > end) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 10)); }
};
const post = (path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

before(async () => {
  await printer.start();
  await queue.start();
  registerPrinterRoutes(router, { queue, printer, config, sim: () => sim }, caches);
  base = `http://127.0.0.1:${await server.start()}`;
});
after(async () => {
  await server.stop();
  await queue.stop();
  await printer.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('last.png / last.txt are 404 before anything printed', async () => {
  assert.equal((await fetch(`${base}/api/printer/last.png`)).status, 404);
  assert.equal((await fetch(`${base}/api/printer/last.txt`)).status, 404);
});

test('POST /api/print queues, prints, and last.txt / last.png show it', async () => {
  const doc = { blocks: [{ type: 'title', text: '受理通知书' }, { type: 'text', text: '编号 SL-1' }] };
  const res = await post('/api/print', { doc_id: 'api-1', doc });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { accepted: true, duplicate: false, state: 'queued' });
  await waitFor(() => events.some((e) => e.type === 'print.done' && e.data.doc_id === 'api-1'));
  const txt = await (await fetch(`${base}/api/printer/last.txt`)).text();
  assert.match(txt, /受  理  通  知  书/);
  assert.match(txt, /^编号 SL-1$/m);
  const png = await fetch(`${base}/api/printer/last.png`);
  assert.equal(png.headers.get('content-type'), 'image/png');
  assert.equal(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString(), 'PNG');
  const again = await post('/api/print', { doc_id: 'api-1', doc });
  assert.deepEqual(await again.json(), { accepted: false, duplicate: true, state: 'done' });
});

test('POST /api/print with a bad document is 400 naming the path', async () => {
  const res = await post('/api/print', { doc_id: 'api-2', doc: { blocks: [{ type: 'qr', data: 'x', size: 99 }] } });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /POST \/api\/print\.doc: invalid print document: \/blocks\/0\/size/);
});

test('the simulator switch for paper out faults the printer; the job waits and prints after paper is back', async () => {
  let res = await post('/api/sim/printer', { paper_out: true });
  const body = await res.json() as { status: { state: string; reason: string } };
  assert.equal(body.status.state, 'fault');
  assert.match(body.status.reason, /paper out/);
  await post('/api/print', { doc_id: 'api-3', doc: { blocks: [{ type: 'text', text: '等纸' }] } });
  const waiting = await (await fetch(`${base}/api/printer`)).json() as { waiting: Array<{ doc_id: string }> };
  assert.deepEqual(waiting.waiting.map((w) => w.doc_id), ['api-3']);
  res = await post('/api/sim/printer', { paper_out: false });
  assert.equal(res.status, 200);
  await waitFor(() => events.some((e) => e.type === 'print.done' && e.data.doc_id === 'api-3'));
  assert.equal((await post('/api/sim/printer', { paper_out: 'yes' })).status, 400);
});

test('printCommands registers cmd/print with a schema the MQTT command registry accepts', async () => {
  const registry = new CommandRegistry();
  const [cmd] = printCommands(queue);
  registry.register(cmd!.name, cmd!.schema, cmd!.handler as never);
  const reg = registry.get('print')!;
  assert.equal(reg.check.Check({ doc_id: 'm-1', doc: { blocks: [{ type: 'text', text: 'x' }] } }), true);
  assert.equal(reg.check.Check({ doc_id: 'm-1', doc: { blocks: [] } }), false);
  assert.equal(reg.check.Check({ doc_id: 'has space', doc: { blocks: [{ type: 'text', text: 'x' }] } }), false);
  const result = await cmd!.handler({ doc_id: 'm-1', doc: { blocks: [{ type: 'text', text: 'MQTT 打印' }] } });
  assert.deepEqual(result, { accepted: true, duplicate: false, state: 'queued' });
  await waitFor(() => events.some((e) => e.type === 'print.done' && e.data.doc_id === 'm-1'));
});

test('200 concurrent last.png requests cost one render per printed paper, not one each (issue: rendering under request load)', async () => {
  const doc = { blocks: [{ type: 'title', text: '回执' }, { type: 'text', text: '编号 SL-200' }] };
  assert.equal((await post('/api/print', { doc_id: 'api-burst-1', doc })).status, 200);
  await waitFor(() => events.some((e) => e.type === 'print.done' && e.data.doc_id === 'api-burst-1'));
  const before = caches.png.renders;
  const answers = await Promise.all(Array.from({ length: 200 }, () => fetch(`${base}/api/printer/last.png`).then(async (r) => ({ status: r.status, bytes: (await r.arrayBuffer()).byteLength }))));
  assert.ok(answers.every((a) => a.status === 200 && a.bytes === answers[0]!.bytes && a.bytes > 100));
  assert.equal(caches.png.renders - before, 1);
  // A new paper is a change: rendered once more.
  assert.equal((await post('/api/print', { doc_id: 'api-burst-2', doc: { ...doc, blocks: [...doc.blocks, { type: 'text', text: '第二张' }] } })).status, 200);
  await waitFor(() => events.some((e) => e.type === 'print.done' && e.data.doc_id === 'api-burst-2'));
  await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/api/printer/last.png`).then((r) => r.arrayBuffer())));
  assert.equal(caches.png.renders - before, 2);
});
