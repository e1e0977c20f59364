// The simulator page as a person uses it: a real Chromium (Debian's, when installed) drives the page
// of a running demo counter — press an evaluation button, enrol and touch a finger, print a receipt —
// and sees each event reach the broker (✓ = PUBACK) and the paper appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/brokers.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const main = new URL('../../device/main.ts', import.meta.url).pathname;

test('the simulator page drives the counter end to end', { skip: CHROMIUM ? false : 'no Chromium installed (apt-get install chromium)', timeout: 120_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'ce-page-'));
  const [brokerPort, apiPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'c.yaml'), [
    'window: { id: A07, name: 综合受理窗口 }', `state_dir: ${join(dir, 'state')}`,
    `mqtt: { url: "mqtt://127.0.0.1:${brokerPort}", embedded_broker: true }`,
    `api: { port: ${apiPort}, simulator: true }`, 'fingerprint: { poll_ms: 50 }',
    // The counter's rules clock in only staff of the roster (an unknown id is attendance.unrecognized).
    'counter: { roster: [{ staff_id: S0456, name: 李强, job_number: "0456" }] }', '',
  ].join('\n'));
  const svc = spawn(process.execPath, ['--import', 'tsx', main, '--config', join(dir, 'c.yaml'), 'run'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  svc.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const deadline = Date.now() + 30_000;
    while (!log.includes('simulator: http://')) {
      if (Date.now() > deadline) throw new Error(`service did not start: ${log.slice(-1000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`http://127.0.0.1:${apiPort}/`);
    await page.getByRole('button', { name: '满意', exact: true }).click();
    const press = page.locator('#log div', { hasText: 'evaluation.unsolicited' }).first();
    await press.waitFor({ timeout: 10_000 });
    assert.match(await press.innerText(), /"key":"satisfied"/);
    await page.locator('#log div', { hasText: 'evaluation.unsolicited' }).filter({ hasText: '✓' }).first().waitFor({ timeout: 10_000 });

    await page.fill('#staff', 'S0456');
    await page.getByRole('button', { name: '登记指纹' }).click();
    await page.locator('#fpMsg', { hasText: 'enrolled S0456' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: '按指纹' }).click();
    // attendance.clock in hours, attendance.too_early long before opening: the rules decide by the wall time of the run.
    await page.locator('#log div', { hasText: /attendance\.(clock|too_early)/ }).first().waitFor({ timeout: 10_000 });
    const recent = await (await fetch(`http://127.0.0.1:${apiPort}/api/events/recent`)).json() as { events: Array<{ type: string; staff_id?: string }> };
    assert.ok(recent.events.some((e) => /^attendance\.(clock|too_early)$/.test(e.type) && e.staff_id === 'S0456'), 'the touch is S0456\'s');

    await page.getByRole('button', { name: '打印测试回执' }).click();
    await page.locator('#log div', { hasText: 'print.done' }).first().waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#paper');
      return !!img && img.complete && img.naturalWidth > 300;
    }, undefined, { timeout: 10_000 });
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('#plate')?.naturalWidth ?? 0) === 800, undefined, { timeout: 10_000 });
    const chips = await page.locator('#chips').innerText();
    assert.match(chips, /mqtt connected/);
    await page.screenshot({ path: join(dir, 'simulator.png') });
  } finally {
    await browser.close();
    svc.kill('SIGTERM');
    await new Promise((r) => svc.once('exit', r));
  }
});
