// The hall board in a real Chromium (Debian's, driven by playwright-core): a real counter process
// on Mosquitto shows online on its tile; killed with SIGKILL, its last will turns the tile offline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { HallBoard } from '../../center/board.ts';
import { CenterIngest } from '../../center/ingest.ts';
import { openSqlDb } from '../../center/sql.ts';
import { CenterStore } from '../../center/store.ts';
import { freePort, hasMosquitto, startMosquitto, type MosquittoBroker } from '../helpers/brokers.ts';
import { ingestOptions } from '../helpers/center-fixtures.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const main = new URL('../../device/main.ts', import.meta.url).pathname;
const skip = !CHROMIUM ? 'no Chromium installed (apt-get install chromium)' : !hasMosquitto() ? 'mosquitto not installed' : false;

let broker: MosquittoBroker;
let dir: string;
let store: CenterStore;
let ingest: CenterIngest;
let board: HallBoard;
before(async () => {
  if (skip) return;
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'ce-board-page-'));
  store = new CenterStore(await openSqlDb(join(dir, 'center.db')));
  await store.migrate();
  const logger = memoryLogger();
  ingest = new CenterIngest({ store, clock: systemClock(), scheduler: systemScheduler(), logger, options: ingestOptions(broker.url) });
  await ingest.start();
  board = new HallBoard({ store, ingest, clock: systemClock(), scheduler: systemScheduler(), logger,
    options: { host: '127.0.0.1', port: 0, utcOffsetMinutes: 480, answerWorkingDays: 3, calendar: { holidays: [], workdays: [] } } });
  await board.start();
});
after(async () => {
  if (skip) return;
  await board?.stop();
  await ingest?.stop();
  await store?.close();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a counter killed goes offline on its tile', { skip, timeout: 120_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const apiPort = await freePort();
  writeFileSync(join(dir, 'c.yaml'), [
    'window: { id: A07, name: 综合受理窗口 }', `state_dir: ${join(dir, 'state')}`,
    `mqtt: { url: "${broker.url}" }`, `api: { port: ${apiPort} }`, '',
  ].join('\n'));
  let counter: ChildProcess | undefined = spawn(process.execPath, ['--import', 'tsx', main, '--config', join(dir, 'c.yaml'), 'run'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  counter.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    await page.goto(`http://127.0.0.1:${board.port}/`);
    const tile = page.locator('.tile[data-window="A07"]');
    await tile.and(page.locator('[data-online="true"]')).waitFor({ timeout: 30_000 }).catch((e: Error) => { throw new Error(`${e.message}\ncounter log: ${log.slice(-1500)}`); });
    assert.match(await tile.locator('.badge').innerText(), /在线/);
    counter.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => counter!.once('exit', r));
    counter = undefined;
    await tile.and(page.locator('[data-online="false"]')).waitFor({ timeout: 5_000 });
    const took = Date.now() - killedAt;
    assert.match(await tile.locator('.badge').innerText(), /离线/);
    assert.ok(took < 2_000, `the tile turned offline ${took} ms after the kill`);
    await page.getByRole('button', { name: 'English' }).click();
    assert.match(await tile.locator('.badge').innerText(), /offline/);
    await page.screenshot({ path: join(dir, 'board.png') });
  } finally {
    await browser.close();
    if (counter) { counter.kill('SIGKILL'); await new Promise((r) => counter!.once('exit', r)); }
  }
});
