import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { ManualClock } from '../../core/clock.ts';
import { ManualScheduler } from '../../core/scheduler.ts';
import { memoryLogger } from '../../core/logger.ts';
import { ButtonsConfigSchema, validateButtonsConfig, type ButtonsConfig } from '../../drivers/buttons/config.ts';
import { createButtonsDriver } from '../../drivers/buttons/index.ts';

const withDefaults = (raw: unknown) => Value.Default(ButtonsConfigSchema, structuredClone(raw)) as ButtonsConfig;

test('defaults give a working sim evaluator with four keys', () => {
  const cfg = withDefaults({});
  assert.ok(Value.Check(ButtonsConfigSchema, cfg));
  assert.equal(cfg.backend, 'sim');
  assert.equal(cfg.keys.length, 4);
  assert.deepEqual(validateButtonsConfig(cfg), []);
});

test('cross references are checked with key paths', () => {
  const cfg = withDefaults({
    backend: 'evdev', keys: ['good', 'bad'],
    evdev: { device: '/dev/input/event0', codes: { good: 'KEY_1', typo: 'KEY_2' } },
    hid: { vendor_id: 1, product_id: 2, keys: { good: { byte: 2, value: 1, mask: 1 }, bad: { byte: 3, to_byte: 2, value: 4 } } },
    onoff: { pins: { good: 17, bad: 17 } },
  });
  assert.ok(Value.Check(ButtonsConfigSchema, cfg));
  const issues = validateButtonsConfig(cfg).map((i) => `${i.path}: ${i.message}`);
  assert.deepEqual(issues, [
    "buttons.evdev.codes.typo: 'typo' is not one of buttons.keys (good, bad)",
    "buttons.evdev.codes: no mapping for key 'bad'",
    'buttons.onoff.pins: two keys share one pin',
    'buttons.hid.keys.good: set exactly one of value or mask',
    'buttons.hid.keys.bad.to_byte: must be >= byte',
  ]);
});

test('a backend without its section is reported, and the driver faults with that reason instead of throwing', async () => {
  const cfg = withDefaults({ backend: 'firmata' });
  assert.deepEqual(validateButtonsConfig(cfg), [{ path: 'buttons.firmata', message: "backend 'firmata' needs a buttons.firmata section" }]);
  const d = createButtonsDriver(cfg, { logger: memoryLogger(), clock: new ManualClock(), scheduler: new ManualScheduler(new ManualClock()) });
  await d.start();
  assert.equal(d.status().state, 'fault');
  assert.match(d.status().reason ?? '', /buttons\.firmata: backend 'firmata' needs a buttons\.firmata section/);
  await d.stop();
});

test('the schema rejects typos and out-of-range values', () => {
  assert.equal(Value.Check(ButtonsConfigSchema, withDefaults({ debounce: 5 })), false);
  assert.equal(Value.Check(ButtonsConfigSchema, withDefaults({ keys: ['Good', 'bad'] })), false);
  assert.equal(Value.Check(ButtonsConfigSchema, withDefaults({ keys: Array.from({ length: 17 }, (_, i) => `k${i}`) })), false, 'at most 16 keys');
  assert.equal(Value.Check(ButtonsConfigSchema, withDefaults({ keys: ['very_satisfied', 'satisfied', 'call', 'complete', 'pause', 'away'] })), true, 'levels and staff keys on one keypad');
  assert.equal(Value.Check(ButtonsConfigSchema, withDefaults({ backend: 'gpiod' })), false);
});

test('the sim backend: presses go through debounce, unknown keys are rejected by name', async () => {
  const clock = new ManualClock();
  const timers = new ManualScheduler(clock);
  const { SimButtons, isSimulatedButtons } = await import('../../drivers/buttons/index.ts');
  const d = new SimButtons(withDefaults({ debounce_ms: 30 }), { logger: memoryLogger(), clock, scheduler: timers });
  assert.ok(isSimulatedButtons(d));
  const seen: string[] = [];
  d.on('button', (e) => seen.push(`${e.kind}:${e.key}:${e.held_ms ?? ''}`));
  await d.start();
  d.simulatePress('satisfied', 300);
  timers.advance(400);
  assert.deepEqual(seen, ['press:satisfied:', 'release:satisfied:300']);
  assert.throws(() => d.simulatePress('great'), /unknown evaluation key 'great' \(configured: very_satisfied, satisfied, basically_satisfied, dissatisfied\)/);
  const throwing = () => { throw new Error('listener bug'); };
  d.on('button', throwing);
  d.simulatePress('dissatisfied', 100);
  assert.doesNotThrow(() => timers.advance(200));
  assert.deepEqual(seen.slice(2), ['press:dissatisfied:', 'release:dissatisfied:100']);
  await d.stop();
});
