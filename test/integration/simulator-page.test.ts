// The simulator page as a person uses it: a real Chromium (Debian's, when installed) drives the page
// of a running demo counter on an accelerated clock — press an evaluation button, enrol and touch a
// finger, cut the MQTT link and watch events wait, restore it and watch them go out, print a receipt
// and see the paper on the roll — and checks the page's text is drawn in the bundled CJK font.
// Screenshots are kept in out/simulator-page/ (gitignored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { freePort } from '../helpers/brokers.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const main = new URL('../../device/main.ts', import.meta.url).pathname;
const demoConfig = new URL('../../config/examples/demo.yaml', import.meta.url);
const SHOTS = new URL('../../out/simulator-page/', import.meta.url).pathname;

/** The publish state the page shows for the newest event of a type (pending / published / acknowledged). */
async function waitRow(page: Page, type: string, stateIs: string, hasText?: string): Promise<string> {
  const row = page.locator(`#log .ev[data-type="${type}"][data-state="${stateIs}"]`, hasText ? { hasText } : {}).first();
  await row.waitFor({ timeout: 15_000 });
  return row.innerText();
}

test('the simulator page drives the counter end to end', { skip: CHROMIUM ? false : 'no Chromium installed (apt-get install chromium)', timeout: 150_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'ce-page-'));
  mkdirSync(SHOTS, { recursive: true });
  const [brokerPort, apiPort] = [await freePort(), await freePort()];
  // What `npm start` runs (roster, hours 09:00–12:00, staff keys), on free ports and a temp state dir.
  const config = parse(readFileSync(demoConfig, 'utf8')) as Record<string, Record<string, unknown>>;
  Object.assign(config, { state_dir: join(dir, 'state') });
  Object.assign(config.mqtt!, { url: `mqtt://127.0.0.1:${brokerPort}` });
  Object.assign(config.api!, { port: apiPort });
  Object.assign(config.fingerprint!, { poll_ms: 50 });
  writeFileSync(join(dir, 'c.yaml'), stringify(config));
  // The demo clock: a minute of the counter's day per real second, from 08:55 today (the window opens at 09:00).
  const svc = spawn(process.execPath, ['--import', 'tsx', main, '--config', join(dir, 'c.yaml'), 'run', '--speed', '60', '--start', '08:55'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  svc.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const deadline = Date.now() + 30_000;
    while (!log.includes('simulator: http://')) {
      if (Date.now() > deadline) throw new Error(`service did not start: ${log.slice(-1000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The page's address is the last start-up line: nothing logged after it (the MQTT connect came first).
    await new Promise((r) => setTimeout(r, 500));
    assert.match(log.trimEnd().split('\n').at(-1)!, /simulator: http:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(log.indexOf('mqtt: connected') < log.indexOf('simulator: http://'), 'MQTT connected before the address');

    const page = await browser.newPage({ viewport: { width: 1500, height: 1050 } });
    await page.goto(`http://127.0.0.1:${apiPort}/`);
    // Chinese by default; the demo clock shows the simulated day at ×60.
    await page.locator('h2', { hasText: '服务评价器' }).waitFor();
    await page.locator('#simTime', { hasText: '×60' }).waitFor({ timeout: 5_000 });
    const simTime = await page.locator('#simTime').innerText();
    assert.match(simTime, /^\d{4}-\d\d-\d\d (08:5\d|09:\d\d):\d\d ×60$/, `demo time from 08:55: ${simTime}`);

    // The bundled font: loaded, and the page's text measures differently in it than in the fallback.
    const font = await page.evaluate(async () => {
      await document.fonts.ready;
      const sample = '窗口模拟器 counter-edge 0123';
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.font = '20px "CE Sans", sans-serif';
      const bundled = ctx.measureText(sample).width;
      ctx.font = '20px sans-serif';
      const fallback = ctx.measureText(sample).width;
      const body = getComputedStyle(document.body).fontFamily;
      return { loaded: document.fonts.check('20px "CE Sans"', '窗口'), bundled, fallback, body,
        faces: [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'CE Sans').map((f) => f.status) };
    });
    assert.ok(font.loaded, `CE Sans loaded: ${JSON.stringify(font)}`);
    assert.ok(font.faces.includes('loaded'), `a CE Sans face is loaded: ${JSON.stringify(font)}`);
    assert.match(font.body, /^"CE Sans"/);
    assert.notEqual(Math.round(font.bundled), Math.round(font.fallback), `glyph widths differ from the fallback: ${JSON.stringify(font)}`);

    // The window before opening time; a roster member touches the pad (enrolled on the way) and clocks in.
    await page.locator('#counter[data-state="not_open"]').waitFor({ timeout: 5_000 });
    assert.match(await page.locator('#counter').innerText(), /未开放/);
    await page.locator('#rosterPad button', { hasText: '王敏' }).click();
    await waitRow(page, 'attendance.clock', 'published', 'S0123');
    await page.locator('#counter', { hasText: '王敏 · 0123' }).waitFor({ timeout: 10_000 });
    // 09:00 comes within seconds at ×60: the window opens with 王敏 at it.
    await page.locator('#counter[data-state="in_service"]').waitFor({ timeout: 20_000 });

    // The center calls a case; at ×1 the invitation after "complete" lasts long enough to watch.
    await page.locator('#centerButtons button[data-cmd="case.call"]').click();
    await page.locator('#counter', { hasText: 'A001' }).waitFor({ timeout: 10_000 });
    await waitRow(page, 'service.started', 'published', 'A001');
    await page.selectOption('#speed', '1');
    await page.locator('#simTime', { hasText: /×1$/ }).waitFor({ timeout: 5_000 });
    await page.locator('#staffKeys button', { hasText: '完成' }).click();
    await waitRow(page, 'service.completed', 'published', 'A001');
    // The invitation: the lights blink and the countdown runs on the counter's clock.
    await page.locator('#invitation', { hasText: '评价邀请进行中' }).waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('.light.on').count(), 4);
    assert.match(await page.locator('#invitation').innerText(), /剩余 \d+:\d\d/);
    await page.screenshot({ path: join(SHOTS, 'invitation.png') });
    await page.locator('.evbtn', { hasText: /^满意$/ }).click();
    assert.match(await waitRow(page, 'evaluation.submitted', 'published'), /A001/);
    await page.locator('#invitation', { hasText: '无评价邀请' }).waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('.light.on').count(), 0);

    // Outside an invitation a press is unsolicited.
    await page.locator('.evbtn', { hasText: /^基本满意$/ }).click();
    assert.match(await waitRow(page, 'evaluation.unsolicited', 'published'), /basically_satisfied/);

    await page.fill('#staff', 'S0456');
    await page.getByRole('button', { name: '登记指纹' }).click();
    await page.locator('#fpMsg', { hasText: '已登记 S0456' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: '按指纹' }).click();
    await waitRow(page, 'attendance.clock', 'published', 'S0456');

    // Cut the link: the chip says so, a new event waits in the outbox.
    await page.getByRole('button', { name: '断开链路' }).click();
    await page.locator('#linkChip', { hasText: '链路已断开' }).waitFor({ timeout: 5_000 });
    await page.locator('.evbtn', { hasText: /^非常满意$/ }).click();
    await waitRow(page, 'evaluation.unsolicited', 'pending', 'very_satisfied');
    await page.waitForFunction(() => Number(document.querySelector('[data-fig="outboxPending"] b')?.textContent) >= 1, undefined, { timeout: 5_000 });
    await page.screenshot({ path: join(SHOTS, 'link-cut.png') });
    // Restore it: the waiting event goes out.
    await page.getByRole('button', { name: '恢复链路' }).click();
    await waitRow(page, 'evaluation.unsolicited', 'published', 'very_satisfied');
    await page.locator('#linkChip', { hasText: 'MQTT 已连接' }).waitFor({ timeout: 5_000 });

    // Print: the paper the sim printer decoded from the ESC/POS bytes appears on the roll.
    await page.getByRole('button', { name: '打印测试回执' }).click();
    await waitRow(page, 'print.done', 'published');
    const paper = page.locator('#roll .paper').first();
    await paper.waitFor({ timeout: 10_000 });
    assert.match(await paper.innerText(), /业务办理回执/);
    assert.match(await paper.innerText(), /切纸/);

    // The nameplate is the panel's PNG, with the refresh counts of the e-ink driver.
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('#plate')?.naturalWidth ?? 0) === 800, undefined, { timeout: 10_000 });
    assert.match(await page.locator('#plateCounts').innerText(), /全刷 [1-9]\d* · 局刷 \d+/);

    // The health is a panel of chips and figures, not JSON.
    const chips = await page.locator('#chips').innerText();
    assert.match(chips, /MQTT 已连接/);
    assert.doesNotMatch(await page.locator('#figs').innerText(), /[{}]/);

    // The demo clock's speed from the page.
    await page.selectOption('#speed', '300');
    await page.locator('#simTime', { hasText: '×300' }).waitFor({ timeout: 5_000 });

    // English on request.
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('h2', { hasText: 'Evaluation buttons' }).waitFor();
    assert.match(await page.locator('#log .ev').first().innerText(), /published|pending|acknowledged/);
    assert.match(await page.locator('#simTime').innerText(), /×300$/, 'the speed set from the page stays');
    await page.screenshot({ path: join(SHOTS, 'simulator.png') });
  } finally {
    await browser.close();
    svc.kill('SIGTERM');
    await new Promise((r) => svc.once('exit', r));
  }
});
