// Routes for the simulator page: press simulated buttons, stream committed events, serve the page.
import { readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { AppContext } from '../app.ts';
import { HttpError } from '../../core/http-router.ts';
import { isSimulatedButtons } from '../../drivers/buttons/sim.ts';
import type { EventEnvelope } from '../../core/events.ts';
import type { TimerHandle } from '../../core/scheduler.ts';
import { isoWithOffset } from '../../core/clock.ts';
import { MAX_DEMO_SPEED } from '../../core/demo-clock.ts';
import type { DemoTime } from './demo-time.ts';
import type { CounterViewFeed } from '../counter-view.ts';

export const EVALUATION_LABELS: Record<string, string> = {
  very_satisfied: '非常满意', satisfied: '满意', basically_satisfied: '基本满意',
  dissatisfied: '不满意', very_dissatisfied: '非常不满意',
};

const RECENT_MAX = 200;
/** How often an open simulator page gets the health (driver states, MQTT link, published marks). */
const HEALTH_EVERY_MS = 1000;

/** The page's fonts: the CJK font npm installs (the e-ink driver draws with it too), so the page renders without system CJK fonts. */
const PAGE_FONTS: Record<string, string> = { 'regular.otf': 'NotoSansHans-Regular.otf', 'bold.otf': 'NotoSansHans-Bold.otf' };

function fontDir(): string {
  return join(dirname(dirname(createRequire(import.meta.url).resolve('@embedpdf/fonts-sc'))), 'fonts');
}

/** Registers /api/sim/* and /api/events always (they refuse when the backend is not sim); the page only when api.simulator is on. */
export function registerSimRoutes(ctx: AppContext, health: () => Record<string, unknown>, counter?: CounterViewFeed, demo?: DemoTime): () => Promise<void> {
  const { router } = ctx;
  const refuseUnlessSimulator = (what: string) => {
    if (!ctx.config.api.simulator) throw new HttpError(403, `${what} is for the simulator only (api.simulator is off)`);
  };
  // The counter's time as the page shows it: the demo clock's when there is one.
  const clockInfo = () => {
    const now = (demo?.clock ?? ctx.clock).now();
    return { demo: demo !== undefined, speed: demo?.clock.speed() ?? 1, now: isoWithOffset(now, ctx.config.window.utc_offset_minutes), max_speed: MAX_DEMO_SPEED };
  };

  // Cut and restore the MQTT link, to watch the outbox fill and drain (demo only).
  router.route('POST', '/api/sim/link', (req) => {
    refuseUnlessSimulator('cutting the MQTT link');
    const online = (req.body as { online?: unknown } | undefined)?.online;
    if (typeof online !== 'boolean') throw new HttpError(400, 'body must be {"online": true|false}');
    if (!ctx.mqtt.setLinkOnline) throw new HttpError(409, 'this MQTT side has no link switch');
    ctx.mqtt.setLinkOnline(online);
    return { online };
  });

  router.route('GET', '/api/sim/clock', () => clockInfo());
  router.route('POST', '/api/sim/clock', (req) => {
    refuseUnlessSimulator('the demo clock');
    if (!demo) throw new HttpError(409, 'the counter runs on the system clock; start the demo with --speed N to get a demo clock');
    const speed = (req.body as { speed?: unknown } | undefined)?.speed;
    if (typeof speed !== 'number' || !(speed > 0) || speed > MAX_DEMO_SPEED) throw new HttpError(400, `body must be {"speed": N} with 0 < N ≤ ${MAX_DEMO_SPEED}`);
    demo.clock.setSpeed(speed);
    // Timers already set (an away's deadline) keep their simulated time left at the new speed.
    demo.scheduler.speedChanged();
    return clockInfo();
  });
  router.route('POST', '/api/sim/press', (req) => {
    const config = ctx.config;
    const body = req.body as { button?: unknown; hold_ms?: unknown } | undefined;
    const key = body?.button;
    if (typeof key !== 'string') throw new HttpError(400, 'body must be {"button":"<key>"} with one of: ' + config.buttons.keys.join(', '));
    if (!config.buttons.keys.includes(key)) throw new HttpError(400, `unknown button "${key}"; configured keys: ${config.buttons.keys.join(', ')}`);
    const buttons = ctx.drivers.buttons.current();
    if (!buttons || !isSimulatedButtons(buttons)) throw new HttpError(409, `buttons backend is "${config.buttons.backend}", not sim: presses come from the hardware`);
    const holdMs = typeof body?.hold_ms === 'number' && body.hold_ms >= 0 && body.hold_ms <= 120_000 ? body.hold_ms : undefined;
    buttons.simulatePress(key, holdMs);
    return { ok: true, button: key };
  });

  // Recent committed events and a server-sent-event stream of new ones, plus the health every
  // HEALTH_EVERY_MS while a page listens (the page runs no timers of its own).
  const recent: EventEnvelope[] = [];
  const clients = new Set<ServerResponse>();
  let healthTimer: TimerHandle | undefined;
  const send = (chunk: string) => {
    for (const c of clients) {
      // A page that stopped reading is dropped rather than buffered without bound.
      if (c.writableLength > 1_000_000) { c.destroy(); clients.delete(c); continue; }
      c.write(chunk);
    }
  };
  const healthChunk = () => `event: health\ndata: ${JSON.stringify({ ...health(), sim_clock: clockInfo() })}\n\n`;
  const off = ctx.outbox.onCommitted((events) => {
    for (const e of events) {
      recent.push(e);
      if (recent.length > RECENT_MAX) recent.shift();
    }
    if (clients.size === 0) return;
    send(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''));
  });
  // The counter's view as a named frame (`event: counter`) whenever it changes; unnamed frames stay committed events.
  const counterChunk = (v: unknown) => `event: counter\ndata: ${JSON.stringify(v)}\n\n`;
  const offCounter = counter?.on((v) => { if (clients.size) send(counterChunk(v)); });
  router.route('GET', '/api/events/recent', () => ({ events: recent }));
  router.raw('GET', '/api/events', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': counter-edge events\n\n');
    res.write(healthChunk());
    const view = counter?.current();
    if (view) res.write(counterChunk(view));
    clients.add(res);
    healthTimer ??= ctx.scheduler.interval(HEALTH_EVERY_MS, () => send(healthChunk()));
    req.on('close', () => {
      clients.delete(res);
      if (clients.size === 0) { healthTimer?.cancel(); healthTimer = undefined; }
    });
  });
  router.route('GET', '/api/sim/config', () => {
    const config = ctx.config;
    return { window: config.window, keys: config.buttons.keys.map((k) => ({ key: k, label: EVALUATION_LABELS[k] ?? k })),
      buttons_backend: config.buttons.backend, hall_board_url: config.api.hall_board_url ?? null, health: { ...health(), sim_clock: clockInfo() } };
  });

  // A sample document for the page's "print" button (the printer's own example files).
  router.route('GET', '/api/sim/print-sample', async () => {
    const file = new URL('../../drivers/printer/examples/business-receipt.json', import.meta.url);
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  });

  if (ctx.config.api.simulator) {
    const page = new URL('./page.html', import.meta.url);
    const script = new URL('./page.js', import.meta.url);
    router.raw('GET', '/', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(await readFile(page));
    });
    router.raw('GET', '/sim/page.js', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(await readFile(script));
    });
    router.raw('GET', '/sim/fonts/:name', (_req, res, params) => {
      const file = Object.hasOwn(PAGE_FONTS, params.name ?? '') ? PAGE_FONTS[params.name!] : undefined;
      if (!file) { res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`no font "${params.name}"; fonts: ${Object.keys(PAGE_FONTS).join(', ')}\n`); return; }
      const stream = createReadStream(join(fontDir(), file));
      stream.once('error', (err) => { if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }); res.end(`font not readable (is @embedpdf/fonts-sc installed?): ${err.message}\n`); });
      stream.once('open', () => { res.writeHead(200, { 'content-type': 'font/otf', 'cache-control': 'max-age=86400' }); stream.pipe(res); });
    });
  }
  return async () => {
    off();
    offCounter?.();
    healthTimer?.cancel();
    healthTimer = undefined;
    for (const c of clients) c.end();
    clients.clear();
  };
}
