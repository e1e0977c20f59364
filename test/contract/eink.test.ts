// One suite, every e-ink backend that can run here: the sim backend (panel emulator), and the SPI
// backend's code path (panel steps + runner) over the emulator's PanelIo. The SpiPanelIo's own
// SPI/GPIO calls need a Pi: here only its "device missing" fault is exercised.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { loadImage } from '@napi-rs/canvas';
import { ManualClock, systemClock, type Clock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import type { NameplateView } from '../../device/nameplate-view.ts';
import { nameplateContent } from '../../device/nameplate-content.ts';
import { ManualScheduler, systemScheduler } from '../../core/scheduler.ts';
import { EinkConfigSchema, type EinkConfig } from '../../drivers/eink/config.ts';
import { PanelEinkDriver as EinkDriver } from '../../drivers/eink/driver.ts';
import type { PlateContent } from '../../drivers/eink/plate-content.ts';
import { PanelEmulator } from '../../drivers/eink/emulator.ts';
import type { DriverStatus } from '../../drivers/driver.ts';

const config = (over: Partial<EinkConfig> = {}): EinkConfig =>
  ({ ...(Value.Default(EinkConfigSchema, {}) as EinkConfig), min_interval_ms: 0, retry_min_ms: 20, retry_max_ms: 40, busy_timeout_ms: 8000, ...over });

const view = (synced = '09:00', state: NameplateView['status']['state'] = 'in_service'): PlateContent => nameplateContent({
  window: { number: 'A07', name: '综合受理窗口' },
  staff: { name: '张晓明', jobNumber: 'GZ0123', position: '综合受理员' },
  complaintPhone: '12345',
  status: { state, redirectWindow: 'A08' },
  lastSynced: `11-23 ${synced}`,
});

// Timers are real (reopen backoff, min_interval); the panel's own time is the emulator's.
const keepAlive = setInterval(() => undefined, 60_000);
after(() => clearInterval(keepAlive));

const waitFor = async (what: string, cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

interface Backend { name: string; make(cfg: EinkConfig, clock: Clock): { driver: EinkDriver; emu: () => PanelEmulator } }

const backends: Backend[] = [
  ...(['waveshare_7in5_v2', 'waveshare_4in2_v2'] as const).map((panel) => ({
    name: `sim ${panel}`,
    make: (cfg: EinkConfig, clock: Clock) => {
      const driver = new EinkDriver({ config: { ...cfg, backend: 'sim', panel }, logger: memoryLogger(), clock, scheduler: systemScheduler() });
      return { driver, emu: () => driver.emulator()! };
    },
  })),
  ...(['waveshare_7in5_v2', 'waveshare_4in2_v2'] as const).map((panel) => ({
    name: `spi code path over emulated PanelIo ${panel}`,
    make: (cfg: EinkConfig, clock: Clock) => {
      const io = new PanelEmulator(panel);
      return { driver: new EinkDriver({ config: { ...cfg, backend: 'spi', panel }, logger: memoryLogger(), clock, scheduler: systemScheduler(), io }), emu: () => io };
    },
  })),
];

for (const b of backends) {
  test(`${b.name}: show → frame arrives, PNG has the panel size; unchanged → no refresh`, async () => {
    const { driver, emu } = b.make(config(), new ManualClock());
    await driver.start();
    try {
      assert.equal(driver.status().state, 'ok');
      assert.deepEqual(await driver.show(view()), { refreshed: 'full' }, driver.status().reason);
      const e = emu();
      assert.equal(e.refreshes.length, 1);
      const png = driver.lastPng()!;
      const img = await loadImage(png);
      assert.equal(img.width, e.spec.width);
      assert.equal(img.height, e.spec.height);
      assert.deepEqual(await driver.show(view()), { refreshed: 'none' });
      assert.equal(e.refreshes.length, 1);
      assert.deepEqual(e.violations, []);
    } finally { await driver.stop(); }
  });

  test(`${b.name}: small change → partial; after full_every_partials → full`, async () => {
    const { driver, emu } = b.make(config({ full_every_partials: 2 }), new ManualClock());
    await driver.start();
    try {
      await driver.show(view('09:00'));
      assert.equal((await driver.show(view('09:01'))).refreshed, 'partial');
      assert.equal((await driver.show(view('09:02'))).refreshed, 'partial');
      assert.equal((await driver.show(view('09:03'))).refreshed, 'full');
      assert.equal((await driver.show(view('09:03', 'paused'))).refreshed, 'partial');
      assert.deepEqual(emu().refreshes.map((r) => r.kind), ['full', 'partial', 'partial', 'full', 'partial']);
      assert.equal(driver.status().detail?.refreshes_partial, 3);
    } finally { await driver.stop(); }
  });

  test(`${b.name}: BUSY stuck → fault with reason, frame kept, recovery draws it`, async () => {
    const { driver, emu } = b.make(config(), new ManualClock());
    const states: DriverStatus[] = [];
    driver.on('status', (s) => states.push(s));
    await driver.start();
    try {
      await driver.show(view('09:00'));
      emu().stuckBusy = true;
      assert.deepEqual(await driver.show(view('09:05', 'away')), { refreshed: 'none', deferred: 'fault' });
      assert.equal(driver.status().state, 'fault');
      assert.match(driver.status().reason!, /BUSY never released/);
      emu().stuckBusy = false;
      await waitFor('recovery', () => driver.status().state === 'ok');
      await waitFor('the kept frame drawn', () => emu().refreshes.length === 2);
      assert.equal(emu().refreshes[1]!.kind, 'full', 'after a fault the panel state is unknown: full refresh');
      assert.ok(states.some((s) => s.state === 'fault') && states.at(-1)!.state === 'ok');
    } finally { await driver.stop(); }
  });
}

test('min_interval: frames in between are coalesced, the latest wins', async () => {
  const driver = new EinkDriver({ config: config({ min_interval_ms: 300 }), logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler() });
  await driver.start();
  try {
    await driver.show(view('09:00'));
    const second = driver.show(view('09:01'));
    const third = driver.show(view('09:02'));
    assert.deepEqual(await second, { refreshed: 'none', deferred: 'superseded' });
    assert.equal((await third).refreshed, 'partial');
    assert.equal(driver.emulator()!.refreshes.length, 2);
  } finally { await driver.stop(); }
});

test('spi backend without /dev/spidev: fault naming the device, the driver retries', async () => {
  const driver = new EinkDriver({ config: config({ backend: 'spi', spi_bus: 5, spi_device: 3 }), logger: memoryLogger(), clock: new ManualClock(), scheduler: systemScheduler() });
  await driver.start();
  try {
    assert.equal(driver.status().state, 'fault');
    assert.match(driver.status().reason!, /\/dev\/spidev5\.3 not found/);
    assert.deepEqual(await driver.show(view()), { refreshed: 'none', deferred: 'fault' });
  } finally { await driver.stop(); }
  // The shorthand backend names pick the panel too.
  const small = new EinkDriver({ config: config({ backend: 'waveshare42v2', spi_bus: 5 }), logger: memoryLogger(), clock: new ManualClock(), scheduler: systemScheduler() });
  await small.start();
  try {
    assert.equal(small.status().backend, 'waveshare_4in2_v2');
    assert.equal(small.status().state, 'fault');
    await assert.rejects(small.showFrame({ width: 800, height: 480, data: new Uint8Array(48000) }), /does not fit waveshare_4in2_v2 \(400x300\)/);
  } finally { await small.stop(); }
});

test('a burst of 300 shows renders once per turn, not 300 times; the latest content wins (issue: rendering under request load)', async () => {
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const driver = new EinkDriver({ config: config({ min_interval_ms: 5000 }), logger: memoryLogger(), clock, scheduler });
  await driver.start();
  try {
    assert.deepEqual(await driver.show(view('08:59')), { refreshed: 'full' });
    assert.equal(driver.stats().renders, 1);
    // 300 different contents arrive while the panel may not refresh yet (min_interval 5 s).
    const answers = Array.from({ length: 300 }, (_, i) => driver.show(view(`09:${String(i % 60).padStart(2, '0')}`, i === 299 ? 'paused' : 'in_service')));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(driver.stats().renders, 1, 'nothing rendered while waiting for the refresh interval');
    await scheduler.advanceAsync(5000);
    for (let i = 0; i < 100 && driver.stats().full + driver.stats().partial < 2; i++) await new Promise((r) => setImmediate(r));
    const results = await Promise.all(answers);
    assert.equal(results.filter((r) => r.deferred === 'superseded').length, 299);
    assert.notEqual(results[299]!.refreshed, 'none');
    assert.equal(driver.stats().renders, 2, 'one render for the whole burst');
    // An unchanged content reuses the rendered frame: no render, no refresh.
    assert.deepEqual(await driver.show(view('09:59', 'paused')), { refreshed: 'none' });
    assert.equal(driver.stats().renders, 2);
  } finally { await driver.stop(); }
});

test('an invalid content is refused at once, naming the field; nothing is drawn', async () => {
  const driver = new EinkDriver({ config: config(), logger: memoryLogger(), clock: new ManualClock(), scheduler: systemScheduler() });
  await driver.start();
  try {
    const bad = { ...view(), header: { number: '', name: 'x' }, banner: { title: '在岗', lines: Array(20).fill('x'), style: 'dotted' } } as unknown as PlateContent;
    await assert.rejects(driver.show(bad), /header\.number: required.*banner\.style: inverted or outlined.*banner\.lines: at most 6/);
    assert.equal(driver.stats().renders, 0);
  } finally { await driver.stop(); }
});
