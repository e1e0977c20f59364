// The plugin as the App uses it: routes and cmd/print registered before any driver exists, the
// printer attached through wireDriver, and a reload that swaps the printer driver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { printQueuePlugin } from '../../device/print-queue-plugin.ts';
import { ApiRouter } from '../../core/http-router.ts';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { ConfigSchema, type Config } from '../../config/schema.ts';
import { createPrinterDriver } from '../../drivers/printer/index.ts';
import type { AppContext, DriverKind } from '../../device/app.ts';
import type { Driver } from '../../drivers/driver.ts';
import type { EventInput } from '../../core/events.ts';
import { systemScheduler } from '../../core/scheduler.ts';

const waitFor = async (cond: () => boolean) => {
  const end = Date.now() + 15_000;
  while (!cond()) { if (Date.now() > end) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 10)); }
};

test('printQueuePlugin: cmd/print works once the printer is wired, keeps working after the driver is replaced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'print-plugin-'));
  const config = Value.Default(ConfigSchema, { window: { id: 'A07' }, printer: { backend: 'sim', retry_min_ms: 20, retry_max_ms: 100 } }) as Config;
  const clock = new ManualClock();
  const appended: EventInput[] = [];
  const wirers: Array<{ kind: DriverKind; wire: (d: Driver) => void }> = [];
  const commands = new Map<string, (p: any) => Promise<unknown>>();
  const router = new ApiRouter();
  const ctx = {
    config, logger: memoryLogger(), clock, outbox: {} as AppContext['outbox'], router, drivers: {},
    mqtt: Object.assign(new EventEmitter(), { commands: { register: (name: string, _s: unknown, h: (p: any) => Promise<unknown>) => commands.set(name, h) } }) as unknown as AppContext['mqtt'],
    append: (e: EventInput) => appended.push(e),
    wireDriver: (kind: DriverKind, wire: (d: Driver) => void) => wirers.push({ kind, wire }),
  } as AppContext;
  const stop = await printQueuePlugin(dir)(ctx);
  const drivers = [createPrinterDriver(config.printer, { logger: memoryLogger(), clock, scheduler: systemScheduler() }), createPrinterDriver(config.printer, { logger: memoryLogger(), clock, scheduler: systemScheduler() })];
  try {
    assert.ok(commands.has('print'));
    assert.ok(router.match('POST', '/api/print'));
    assert.ok(router.match('POST', '/api/sim/printer'));
    // Accepted before the printer runs: the job waits for it.
    assert.deepEqual(await commands.get('print')!({ doc_id: 'p-1', doc: { blocks: [{ type: 'text', text: '第一张' }] } }), { accepted: true, duplicate: false, state: 'queued' });
    for (const w of wirers) if (w.kind === 'printer') w.wire(drivers[0]!);
    await drivers[0]!.start();
    await waitFor(() => appended.some((e) => e.type === 'print.done'));
    assert.deepEqual(appended, [{ type: 'print.done', data: { doc_id: 'p-1' } }]);
    assert.deepEqual(drivers[0]!.sim!.emulator.lines().slice(0, 1), ['第一张']);

    // A reload replaces the driver: the queue follows the new one.
    await drivers[0]!.stop();
    for (const w of wirers) if (w.kind === 'printer') w.wire(drivers[1]!);
    await drivers[1]!.start();
    await commands.get('print')!({ doc_id: 'p-2', doc: { blocks: [{ type: 'text', text: '第二张' }] } });
    await waitFor(() => appended.length === 2);
    assert.deepEqual(appended[1], { type: 'print.done', data: { doc_id: 'p-2' } });
    assert.deepEqual(drivers[1]!.sim!.emulator.lines().slice(0, 1), ['第二张']);
  } finally {
    if (stop) await stop();
    for (const d of drivers) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
