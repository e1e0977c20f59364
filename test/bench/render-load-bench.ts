// Rendering under request load: event-loop delay p99 while a burst of 300 nameplate shows and 200
// requests for the last printed paper's PNG arrive, one per turn of the loop as requests would,
// next to an idle-loop baseline measured in the same run. Target: burst p99 < 10 ms. Renders are
// counted too: one per change, not one per request.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { systemClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { nameplateContent } from '../../device/nameplate-content.ts';
import { EinkConfigSchema, type EinkConfig } from '../../drivers/eink/config.ts';
import { PanelEinkDriver } from '../../drivers/eink/driver.ts';
import { PreviewCache } from '../../drivers/printer/api.ts';
import { parseDocument } from '../../drivers/printer/document.ts';
import { previewPng } from '../../drivers/printer/preview.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const ms = (ns: number) => Math.round((ns / 1e6) * 10) / 10;

async function delaysDuring(run: () => Promise<void>): Promise<{ p99: number; max: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await run();
  h.disable();
  return { p99: ms(h.percentile(99)), max: ms(h.max) };
}

export interface RenderLoadFigures {
  idle_p99_ms: number; idle_max_ms: number; burst_p99_ms: number; burst_max_ms: number; burst_ms: number;
  nameplate_shows: number; nameplate_renders: number; png_requests: number; png_renders: number;
}

export async function benchRenderLoad(opts: { quick: boolean }): Promise<RenderLoadFigures> {
  const idleMs = opts.quick ? 500 : 1500;
  // The driver's timers are unref'd (in the service the server holds the process up); hold it here.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    return await measure(idleMs);
  } finally {
    clearInterval(keepAlive);
  }
}

async function measure(idleMs: number): Promise<RenderLoadFigures> {
  const idle = await delaysDuring(() => sleep(idleMs));

  // The shipped defaults (min_interval_ms 5000): the panel refreshes at most that often, and
  // contents arriving in between replace each other before anything is rendered.
  const config = Value.Default(EinkConfigSchema, {}) as EinkConfig;
  const eink = new PanelEinkDriver({ config, logger: createLogger({ level: 'error' }), clock: systemClock(), scheduler: systemScheduler() });
  await eink.start();
  const doc = parseDocument(JSON.parse(readFileSync(new URL('../../drivers/printer/examples/business-receipt.json', import.meta.url), 'utf8')), 'business-receipt.json');
  const png = new PreviewCache(previewPng);
  const previewOpts = { cols: 32, dots: 384, paperWidthMm: 58 as const, cut: 'partial' as const, feedBeforeCut: 4 };
  // A running counter has drawn its plate and loaded its fonts already: warm both paths first.
  await eink.show(nameplateContent({ window: { number: 'A07', name: '综合受理窗口' }, status: { state: 'not_open' } }));
  await previewPng(doc, previewOpts);
  const rendersBefore = eink.stats().renders;
  const shows: Array<Promise<unknown>> = [];
  const started = performance.now();
  const burst = await delaysDuring(async () => {
    for (let i = 0; i < 300; i++) {
      shows.push(eink.show(nameplateContent({
        window: { number: 'A07', name: '综合受理窗口' }, staff: { name: '张晓明', jobNumber: 'GZ0123' },
        status: i % 2 ? { state: 'paused', redirectWindow: `A${String(i).padStart(2, '0')}` } : { state: 'in_service' },
      })));
      if (i < 200) void png.get(doc, previewOpts);
      await turn();
    }
    await Promise.all(shows);
  });
  const burstMs = performance.now() - started;
  const stats = eink.stats();
  await eink.stop();
  return {
    idle_p99_ms: idle.p99,
    idle_max_ms: idle.max,
    burst_p99_ms: burst.p99,
    burst_max_ms: burst.max,
    burst_ms: Math.round(burstMs),
    nameplate_shows: 300,
    nameplate_renders: stats.renders - rendersBefore,
    png_requests: 200,
    png_renders: png.renders,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchRenderLoad({ quick: process.argv.includes('--quick') }), null, 2));
}
