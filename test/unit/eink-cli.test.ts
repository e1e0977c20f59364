import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Value } from '@sinclair/typebox/value';
import { loadImage } from '@napi-rs/canvas';
import { ConfigSchema, type Config } from '../../config/schema.ts';
import type { CliContext } from '../../config/cli-context.ts';
import { ApiRouter } from '../../core/http-router.ts';
import { memoryLogger } from '../../core/logger.ts';
import { registerEinkRoutes } from '../../drivers/eink/api.ts';
import { runNameplateCli } from '../../device/nameplate-cli.ts';

function ctx(): CliContext & { lines: string[]; errs: string[] } {
  const config = Value.Default(ConfigSchema, { window: { id: 'A07', name: '综合受理窗口' } }) as Config;
  const lines: string[] = [], errs: string[] = [];
  return { config, configPath: 'test.yaml', logger: memoryLogger(), out: (l) => lines.push(l), err: (l) => errs.push(l), apiBase: 'http://127.0.0.1:0', interrupted: new Promise(() => {}), lines, errs };
}

test('nameplate preview writes a PNG of each state and size', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eink-cli-'));
  try {
    for (const [state, size] of [['paused', '800x480'], ['away', '400x300'], ['closed', '800x480'], ['in_service', '400x300'], ['not_open', '800x480']]) {
      const out = join(dir, `${state}.png`);
      const c = ctx();
      assert.equal(await runNameplateCli(['preview', '--state', state!, '--out', out, '--size', size!], c), 0, c.errs.join());
      const img = await loadImage(await readFile(out));
      assert.equal(`${img.width}x${img.height}`, size);
    }
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('nameplate preview refuses a bad state or size with a clear message; test draws on the sim panel', async () => {
  const c = ctx();
  assert.equal(await runNameplateCli(['preview', '--state', 'lunch', '--out', '/tmp/x.png'], c), 2);
  assert.match(c.errs.join(), /--state lunch: use one of not_open, in_service, paused, away, closed/);
  assert.equal(await runNameplateCli(['preview', '--state', 'paused', '--out', '/tmp/x.png', '--size', '640x384'], c), 2);
  assert.match(c.errs.join(), /--size 640x384/);
  assert.equal(await runNameplateCli(['bogus'], c), 2);
  const t = ctx();
  t.config.eink.min_interval_ms = 0;
  assert.equal(await runNameplateCli(['test', '--state', 'away'], t), 0, t.errs.join());
  assert.match(t.lines.join(), /full refresh on sim/);
});

test('GET /api/nameplate.png: 404 before the first frame, then the PNG', async () => {
  const router = new ApiRouter();
  let png: Buffer | undefined;
  registerEinkRoutes(router, { lastPng: () => png, status: () => ({ kind: 'eink', backend: 'sim', state: 'ok', since: 0 }) });
  const m = router.match('GET', '/api/nameplate.png');
  assert.ok(m && 'route' in m && m.route.raw);
  const call = async () => {
    const res = { code: 0, headers: {} as Record<string, unknown>, body: undefined as unknown,
      writeHead(c: number, h: Record<string, unknown>) { this.code = c; this.headers = h; return this; }, end(b: unknown) { this.body = b; } };
    await m.route.raw!({} as IncomingMessage, res as unknown as ServerResponse, {});
    return res;
  };
  assert.equal((await call()).code, 404);
  png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
  const ok = await call();
  assert.equal(ok.code, 200);
  assert.equal(ok.headers['content-type'], 'image/png');
  assert.equal(ok.body, png);
});
