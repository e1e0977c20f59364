import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { ButtonsConfigSchema, type ButtonsConfig } from '../../drivers/buttons/config.ts';
import { EvdevButtons, findInputDeviceByName } from '../../drivers/buttons/evdev.ts';
import { resolveKeyCode } from '../../drivers/buttons/evdev-codes.ts';
import { EV_KEY, EV_SYN, InputEventDecoder, decodeInputEvent, encodeInputEvent, layoutForArch } from '../../drivers/buttons/evdev-decoder.ts';
import { EVIOCGRAB, grabEvdev } from '../../drivers/buttons/evdev-grab.ts';
import { ManualScheduler } from '../../core/scheduler.ts';

// KEY_1 press at 1700000000.123456 s, as the kernel writes it.
const GOLDEN_64 = Buffer.from('00f1536500000000' + '40e2010000000000' + '0100' + '0200' + '01000000', 'hex');
const GOLDEN_32 = Buffer.from('00f15365' + '40e20100' + '0100' + '0200' + '01000000', 'hex');
const KEY_1_PRESS = { sec: 1_700_000_000, usec: 123_456, type: EV_KEY, code: 2, value: 1 };

test('golden input_event bytes decode in the 64-bit (24 B) and 32-bit (16 B) layouts', () => {
  assert.equal(GOLDEN_64.length, 24);
  assert.equal(GOLDEN_32.length, 16);
  assert.deepEqual(decodeInputEvent(GOLDEN_64, 0, 24), KEY_1_PRESS);
  assert.deepEqual(decodeInputEvent(GOLDEN_32, 0, 16), KEY_1_PRESS);
  assert.deepEqual(encodeInputEvent(KEY_1_PRESS, 24), GOLDEN_64);
  assert.deepEqual(encodeInputEvent(KEY_1_PRESS, 16), GOLDEN_32);
});

test('the layout follows the process pointer width (armhf userspace reads 16-byte records)', () => {
  assert.equal(layoutForArch('arm'), 16);
  assert.equal(layoutForArch('arm64'), 24);
  assert.equal(layoutForArch('x64'), 24);
});

test('the stream decoder keeps records split across reads and decodes several per read', () => {
  const syn = encodeInputEvent({ sec: 1_700_000_000, usec: 123_456, type: EV_SYN, code: 0, value: 0 }, 24);
  const release = encodeInputEvent({ ...KEY_1_PRESS, value: 0 }, 24);
  const all = Buffer.concat([GOLDEN_64, syn, release]);
  const d = new InputEventDecoder(24);
  assert.deepEqual(d.push(all.subarray(0, 10)), []);
  assert.equal(d.pending, 10);
  const got = [...d.push(all.subarray(10, 50)), ...d.push(all.subarray(50))];
  assert.deepEqual(got.map((e) => [e.type, e.code, e.value]), [[EV_KEY, 2, 1], [EV_SYN, 0, 0], [EV_KEY, 2, 0]]);
  assert.equal(d.pending, 0);
});

test('reading 32-bit records with the 64-bit layout is caught as a wrong layout, not silently misread', () => {
  const d = new InputEventDecoder(24);
  const junk = Buffer.concat([GOLDEN_32, GOLDEN_32, GOLDEN_32]);
  junk.writeUInt16LE(0x4000, 16); // what the 64-bit decoder reads as type
  assert.throws(() => d.push(junk), /wrong record layout \(24 bytes\)/);
});

test('key code names resolve; an unknown name names the config path', () => {
  assert.equal(resolveKeyCode('KEY_F1', 'x'), 59);
  assert.equal(resolveKeyCode('KEY_KP1', 'x'), 79);
  assert.equal(resolveKeyCode('BTN_0', 'x'), 0x100);
  assert.equal(resolveKeyCode(30, 'x'), 30);
  assert.throws(() => resolveKeyCode('KEY_NOPE', 'buttons.evdev.codes.satisfied'), /buttons\.evdev\.codes\.satisfied: unknown key code name 'KEY_NOPE'/);
});

test('an input device is found by its sysfs name', () => {
  const root = mkdtempSync(join(tmpdir(), 'evdev-sys-'));
  try {
    for (const [ev, name] of [['event0', 'vc4-hdmi'], ['event3', 'gpio_keys'], ['event10', 'USB Evaluator Keypad']]) {
      mkdirSync(join(root, 'class', 'input', ev as string, 'device'), { recursive: true });
      writeFileSync(join(root, 'class', 'input', ev as string, 'device', 'name'), `${name}\n`);
    }
    assert.equal(findInputDeviceByName(root, 'gpio_keys'), '/dev/input/event3');
    assert.equal(findInputDeviceByName(root, 'USB Evaluator Keypad', '/x'), '/x/event10');
    assert.throws(() => findInputDeviceByName(root, 'nope'), /no input device named 'nope'.*found: vc4-hdmi, gpio_keys, USB Evaluator Keypad/);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('EVIOCGRAB goes through libc ioctl via koffi: a FIFO answers ENOTTY, proving the call is made', async (t) => {
  assert.equal(EVIOCGRAB, 0x40044590);
  const dir = mkdtempSync(join(tmpdir(), 'evdev-grab-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('mkfifo', [join(dir, 'f')]);
  const fd = openSync(join(dir, 'f'), constants.O_RDWR);
  try {
    await assert.rejects(grabEvdev(fd, true), (err: NodeJS.ErrnoException) => err.code === 'ENOTTY' && /not an input device/.test(err.message));
  } finally { closeSync(fd); }
});

function cfg(dev: string, extra: Record<string, unknown> = {}): ButtonsConfig {
  return Value.Default(ButtonsConfigSchema, {
    backend: 'evdev', keys: ['good', 'bad'], debounce_ms: 0, retry_min_ms: 20, retry_max_ms: 50,
    evdev: { device: dev, codes: { good: 'KEY_1', bad: 'KEY_2' }, ...extra },
  }) as ButtonsConfig;
}

test('grab on, released on stop; EBUSY (someone else grabbed) is a fault; unmapped codes are logged once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'evdev-drv-'));
  const fifo = join(dir, 'event0');
  execFileSync('mkfifo', [fifo]);
  const writer = openSync(fifo, constants.O_RDWR);
  t.after(() => { closeSync(writer); rmSync(dir, { recursive: true, force: true }); });
  const calls: string[] = [];
  const clock = new ManualClock();
  const logger = memoryLogger();
  const d = new EvdevButtons(cfg(fifo), { logger, clock, scheduler: new ManualScheduler(clock) },
    { layout: 24, grab: async (fd, on) => { calls.push(`${typeof fd}:${on}`); } });
  const seen: string[] = [];
  d.on('button', (e) => seen.push(`${e.kind}:${e.key}`));
  await d.start();
  assert.equal(d.status().state, 'ok');
  assert.equal(d.status().detail?.grab, 'on');
  const press = (code: number, value: number) => writeSync(writer, encodeInputEvent({ sec: 1, usec: 0, type: EV_KEY, code, value }, 24));
  press(30, 1); press(30, 0); press(30, 1); press(3, 1);
  await new Promise<void>((resolve) => d.on('button', () => resolve()));
  assert.deepEqual(seen, ['press:bad']);
  assert.equal(logger.records.filter((r) => r.msg?.toString().startsWith('unmapped key code')).length, 1);
  await d.stop();
  assert.deepEqual(calls, ['number:true', 'number:false']);

  const busy = new EvdevButtons(cfg(fifo), { logger, clock, scheduler: new ManualScheduler(clock) }, {
    layout: 24, grab: async () => { throw Object.assign(new Error('EVIOCGRAB grab failed: EBUSY (another process holds the grab)'), { code: 'EBUSY' }); },
  });
  await busy.start();
  assert.equal(busy.status().state, 'fault');
  assert.match(busy.status().reason ?? '', /event0: EVIOCGRAB grab failed: EBUSY/);
  await busy.stop();
});

test('a missing device is a fault naming the path, not a throw from start()', async () => {
  const clock = new ManualClock();
  const d = new EvdevButtons(cfg('/nonexistent/input/event7'), { logger: memoryLogger(), clock, scheduler: new ManualScheduler(clock) }, { layout: 24 });
  await d.start();
  assert.equal(d.status().state, 'fault');
  assert.match(d.status().reason ?? '', /cannot open \/nonexistent\/input\/event7: ENOENT \(device not present\)/);
  await d.stop();
  assert.equal(d.status().state, 'stopped');
});
