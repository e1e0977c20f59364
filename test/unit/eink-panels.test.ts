import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PanelEmulator } from '../../drivers/eink/emulator.ts';
import { blankFrame, setPixel, type Frame } from '../../drivers/eink/frame.ts';
import { BusyTimeoutError, runOptions, runSteps, SPI_CHUNK, waitIdle, type PanelIo } from '../../drivers/eink/panel-io.ts';
import { WAVESHARE_4IN2_V2, WAVESHARE_7IN5_V2, type Step } from '../../drivers/eink/panels.ts';

/** Command codes and small payloads (≤ 16 bytes) in order; frames summarised by length. */
const golden = (steps: Step[]): string[] => steps.map((s) => {
  if (s.op === 'cmd') {
    const d = s.data;
    if (!d) return hex(s.code);
    return d.length > 16 ? `${hex(s.code)}[${d.length}B]` : `${hex(s.code)} ${[...d].map(hex).join(' ')}`;
  }
  return s.op === 'reset' ? `reset ${s.ms.join('/')}` : s.op === 'delay' ? `delay ${s.ms}` : 'wait';
});
const hex = (n: number) => n.toString(16).padStart(2, '0');

const frameWith = (w: number, h: number, px: Array<[number, number]>): Frame => {
  const f = blankFrame(w, h);
  for (const [x, y] of px) setPixel(f, x, y, true);
  return f;
};

test('7.5" V2 full refresh: Waveshare EPD_7IN5_V2_Init + Display + Sleep', () => {
  const f = frameWith(800, 480, [[0, 0]]);
  assert.deepEqual(golden(WAVESHARE_7IN5_V2.full(f)), [
    'reset 20/2/20', '01 07 07 3f 3f', '06 17 17 28 17', '04', 'delay 100', 'wait', '00 1f', '61 03 20 01 e0', '15 00',
    '50 10 07', '60 22', '10[48000B]', '13[48000B]', '12', 'delay 100', 'wait', '50 f7', '02', 'wait', '07 a5',
  ]);
  const steps = WAVESHARE_7IN5_V2.full(f) as Array<Extract<Step, { op: 'cmd' }>>;
  // 0x13 is 1 = black (our polarity); 0x10 gets the inverse, as the reference sends.
  assert.equal(steps.find((s) => s.code === 0x13)!.data![0], 0x80);
  assert.equal(steps.find((s) => s.code === 0x10)!.data![0], 0x7f);
  assert.equal(WAVESHARE_7IN5_V2.busyLevel, 0);
});

test('7.5" V2 partial refresh: Init_Part + window 0x90 (end inclusive) + region data', () => {
  const f = frameWith(800, 480, [[20, 30]]);
  const g = golden(WAVESHARE_7IN5_V2.partial(f, blankFrame(800, 480), { x: 16, y: 30, width: 16, height: 2 }));
  assert.deepEqual(g, [
    'reset 20/2/20', '00 1f', '04', 'delay 100', 'wait', 'e0 02', 'e5 6e', '50 a9 07', '91',
    '90 00 10 00 1f 00 1e 00 1f 01', '13 08 00 00 00', '12', 'delay 100', 'wait', '50 f7', '02', 'wait', '07 a5',
  ]);
});

test('4.2" V2 full and partial: SSD1683 init, RAM 1 = white, 0x22 F7 full / FF partial, deep sleep 0x10 01', () => {
  const f = frameWith(400, 300, [[0, 0]]);
  const full = golden(WAVESHARE_4IN2_V2.full(f));
  assert.deepEqual(full, [
    'reset 100/2/100', 'wait', '12', 'wait', '21 40 00', '3c 05', '11 03', '44 00 31', '45 00 00 2b 01', '4e 00', '4f 00 00', 'wait',
    '24[15000B]', '4e 00', '4f 00 00', '26[15000B]', '22 f7', '20', 'wait', '10 01',
  ]);
  const ram = (WAVESHARE_4IN2_V2.full(f).find((s) => s.op === 'cmd' && s.code === 0x24) as Extract<Step, { op: 'cmd' }>).data!;
  assert.equal(ram[0], 0x7f);
  const part = golden(WAVESHARE_4IN2_V2.partial(f, blankFrame(400, 300), { x: 0, y: 0, width: 8, height: 1 }));
  assert.deepEqual(part.slice(12), ['3c 80', '21 00 00', '3c 80', '44 00 31', '45 00 00 2b 01', '4e 00', '4f 00 00', '26[15000B]', '4e 00', '4f 00 00', '24[15000B]', '22 ff', '20', 'wait', '10 01']);
  assert.equal(WAVESHARE_4IN2_V2.busyLevel, 1);
});

test('a frame of the wrong size is refused naming both sizes', () => {
  assert.throws(() => WAVESHARE_4IN2_V2.full(blankFrame(800, 480)), /800x480, panel is 400x300/);
});

class RecordingIo implements PanelIo {
  writes: number[] = [];
  busyReads = 0;
  constructor(private busyFor: number, private busyLevel: 0 | 1) {}
  async open() {}
  async close() {}
  async spiWrite(b: Uint8Array) { this.writes.push(b.length); }
  async setDc() {}
  async setRst() {}
  async setPwr() {}
  async readBusy(): Promise<0 | 1> { return (this.busyReads++ < this.busyFor ? this.busyLevel : 1 - this.busyLevel) as 0 | 1; }
  async delay() {}
  describe() { return 'recording'; }
}

test('frames go out in SPI chunks of at most 4096 bytes', async () => {
  const io = new RecordingIo(0, 0);
  await runSteps(io, WAVESHARE_7IN5_V2.full(blankFrame(800, 480)), runOptions(WAVESHARE_7IN5_V2, 1000, 10));
  assert.ok(io.writes.every((n) => n <= SPI_CHUNK));
  assert.equal(io.writes.filter((n) => n === SPI_CHUNK).length, 2 * Math.floor(48000 / 4096));
});

test('BUSY polarity is per panel and a stuck line times out naming where', async () => {
  const low = new RecordingIo(3, 0);
  await waitIdle(low, { busyLevel: 0, busyTimeoutMs: 100, busyPollMs: 10 });
  assert.equal(low.busyReads, 4);
  await assert.rejects(waitIdle(new RecordingIo(1e9, 1), { busyLevel: 1, busyTimeoutMs: 50, busyPollMs: 10 }),
    (e: unknown) => e instanceof BusyTimeoutError && /BUSY never released after 50 ms \(recording\)/.test(e.message));
});

for (const spec of [WAVESHARE_7IN5_V2, WAVESHARE_4IN2_V2]) {
  const opts = runOptions(spec, 30_000, 10);

  test(`${spec.id} emulator: full then partial refresh shows exactly the frames sent`, async () => {
    const emu = new PanelEmulator(spec.id);
    await emu.open();
    const a = frameWith(spec.width, spec.height, [[0, 0], [spec.width - 1, spec.height - 1]]);
    await runSteps(emu, spec.full(a), opts);
    assert.deepEqual(emu.displayed()!.data, a.data);
    const b = frameWith(spec.width, spec.height, [[0, 0], [spec.width - 1, spec.height - 1], [100, 50]]);
    await runSteps(emu, spec.partial(b, a, { x: 96, y: 50, width: 8, height: 1 }), opts);
    assert.deepEqual(emu.displayed()!.data, b.data);
    assert.deepEqual(emu.refreshes.map((r) => r.kind), ['full', 'partial']);
    assert.deepEqual(emu.violations, []);
  });

  test(`${spec.id} emulator: data before init, writes while BUSY and writes while asleep are errors`, async () => {
    const frame = blankFrame(spec.width, spec.height);
    const noInit = new PanelEmulator(spec.id);
    await noInit.open();
    const frameCmd = spec.full(frame).find((s) => s.op === 'cmd' && s.data && s.data.length > 100)!;
    await assert.rejects(runSteps(noInit, [{ op: 'reset', ms: [1, 1, 1] }, { op: 'wait' }, frameCmd], opts), /before init/);

    const noWait = new PanelEmulator(spec.id);
    await noWait.open();
    const steps = spec.full(frame);
    // Drop the wait after the refresh command: the next command then hits a BUSY panel.
    const refreshCode = spec.busyLevel === 0 ? 0x12 : 0x20;
    const refreshIdx = steps.findIndex((s) => s.op === 'cmd' && s.code === refreshCode);
    const waitIdx = steps.findIndex((s, i) => i > refreshIdx && s.op === 'wait');
    assert.ok(refreshIdx > 0 && waitIdx > refreshIdx);
    await assert.rejects(runSteps(noWait, steps.filter((_, i) => i !== waitIdx), opts), /while BUSY/);
    assert.match(noWait.violations.join(), /while BUSY/);

    const asleep = new PanelEmulator(spec.id);
    await asleep.open();
    await runSteps(asleep, steps, opts);
    await assert.rejects(runSteps(asleep, [{ op: 'cmd', code: 0x12 }], opts), /deep sleep/);
  });
}
