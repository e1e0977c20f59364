// LEDs and buzzer on a fake /sys/class/leds tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { ManualScheduler } from '../../core/scheduler.ts';
import { SysfsLights } from '../../drivers/leds/sysfs-leds.ts';

function fakeLeds(withTimer: boolean) {
  const root = mkdtempSync(join(tmpdir(), 'leds-'));
  for (const name of ['eval-green', 'eval-red', 'buzzer']) {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, 'max_brightness'), name === 'eval-green' ? '255\n' : '1\n');
    writeFileSync(join(root, name, 'brightness'), '0\n');
    writeFileSync(join(root, name, 'trigger'), withTimer ? '[none] timer heartbeat default-on\n' : '[none] default-on\n');
  }
  const read = (name: string, attr = 'brightness') => readFileSync(join(root, name, attr), 'utf8').trim();
  return { root, read };
}

function lights(root: string, leds: Record<string, string>, buzzer?: string) {
  const clock = new ManualClock();
  const timers = new ManualScheduler(clock);
  const problems: Array<Record<string, string>> = [];
  const l = new SysfsLights({ leds_root: root, leds, buzzer }, { logger: memoryLogger(), scheduler: timers, onProblems: (p) => problems.push(p) });
  return { l, timers, problems };
}

test('on/off write max_brightness and 0; blink uses the kernel timer trigger when offered', (t) => {
  const { root, read } = fakeLeds(true);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { l } = lights(root, { very_satisfied: 'eval-green', dissatisfied: 'eval-red' });
  l.start();
  l.set('very_satisfied', 'on');
  assert.equal(read('eval-green'), '255');
  l.set('dissatisfied', { blink_ms: 400 });
  assert.equal(read('eval-red', 'trigger'), 'timer');
  assert.equal(read('eval-red', 'delay_on'), '400');
  assert.equal(read('eval-red', 'delay_off'), '400');
  l.set('*', 'off');
  assert.equal(read('eval-green'), '0');
  assert.equal(read('eval-red', 'trigger'), 'none');
});

test('without a timer trigger, blink toggles from a JS timer; flash and beep turn off after their time', (t) => {
  const { root, read } = fakeLeds(false);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { l, timers } = lights(root, { satisfied: 'eval-red' }, 'buzzer');
  l.start();
  l.set('satisfied', { blink_ms: 500 });
  const seen = [read('eval-red')];
  for (let i = 0; i < 3; i++) { timers.advance(500); seen.push(read('eval-red')); }
  assert.deepEqual(seen, ['1', '0', '1', '0']);
  l.set('satisfied', { flash_ms: 200 });
  assert.equal(read('eval-red'), '1');
  timers.advance(199);
  assert.equal(read('eval-red'), '1');
  timers.advance(1);
  assert.equal(read('eval-red'), '0');
  timers.advance(5000);
  assert.equal(read('eval-red'), '0', 'the old blink timer was cancelled');
  l.beep(80);
  assert.equal(read('buzzer'), '1');
  timers.advance(80);
  assert.equal(read('buzzer'), '0');
});

test('when the timer trigger files are not writable, blink falls back to a JS timer', (t) => {
  const { root, read } = fakeLeds(true);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'eval-red', 'delay_on')); // writing a directory fails like a root-owned file
  const { l, timers, problems } = lights(root, { a: 'eval-red' });
  l.start();
  l.set('a', { blink_ms: 300 });
  assert.equal(read('eval-red', 'trigger'), 'none');
  const seen = [read('eval-red')];
  timers.advance(300);
  seen.push(read('eval-red'));
  assert.deepEqual(seen, ['1', '0']);
  assert.deepEqual(problems.at(-1), {});
});

test('a missing LED is a reported problem; the others still work and nothing throws', (t) => {
  const { root, read } = fakeLeds(true);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { l, problems } = lights(root, { a: 'eval-green', b: 'not-there' }, 'no-buzzer');
  l.start();
  const last = problems.at(-1) ?? {};
  assert.match(last.b ?? '', /LED 'not-there' not usable at .*not-there: ENOENT/);
  assert.match(last.__buzzer__ ?? '', /no-buzzer/);
  assert.doesNotThrow(() => { l.set('b', 'on'); l.beep(50); l.set('unknown-key', 'on'); });
  l.set('a', 'on');
  assert.equal(read('eval-green'), '255');
});

test('a write that fails later (LED removed, permissions) becomes a problem, and clears when it works again', (t) => {
  const { root } = fakeLeds(false);
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { l, problems } = lights(root, { a: 'eval-red' });
  l.start();
  rmSync(join(root, 'eval-red'), { recursive: true });
  assert.doesNotThrow(() => l.set('a', 'on'));
  assert.match(problems.at(-1)?.a ?? '', /LED 'eval-red' write failed .*ENOENT/);
  mkdirSync(join(root, 'eval-red'));
  chmodSync(join(root, 'eval-red'), 0o755);
  l.set('a', 'on');
  assert.deepEqual(problems.at(-1), {});
});
