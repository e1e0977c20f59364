import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyTracker } from '../../drivers/buttons/key-tracker.ts';
import type { ButtonEvent } from '../../drivers/buttons/types.ts';

function tracker(debounceMs = 30, holdMs = 1500, stuckMs = 30_000) {
  const events: ButtonEvent[] = [];
  const t = new KeyTracker({ debounceMs, holdMs, stuckMs }, (e) => events.push(e));
  return { t, events, kinds: () => events.map((e) => `${e.kind}:${e.key}`) };
}

test('a clean press and release are emitted after the debounce time, stamped at the edge', () => {
  const { t, events } = tracker(30);
  t.input('satisfied', true, 1000);
  t.tick(1029);
  assert.equal(events.length, 0, 'not stable yet');
  assert.equal(t.nextDeadline(), 1030);
  t.tick(1030);
  assert.deepEqual(events, [{ kind: 'press', key: 'satisfied', mono_ms: 1000 }]);
  t.input('satisfied', false, 1200);
  t.tick(1230);
  assert.deepEqual(events[1], { kind: 'release', key: 'satisfied', mono_ms: 1200, held_ms: 200 });
});

test('contact chatter inside the debounce window collapses to one press and one release', () => {
  const { t, kinds } = tracker(30);
  for (const [down, at] of [[true, 0], [false, 4], [true, 9], [false, 12], [true, 20]] as const) t.input('k', down, at);
  t.tick(49);
  assert.deepEqual(kinds(), [], 'last edge at 20 is not stable until 50');
  t.tick(50);
  assert.deepEqual(kinds(), ['press:k']);
  for (const [down, at] of [[false, 300], [true, 305], [false, 310]] as const) t.input('k', down, at);
  t.tick(340);
  assert.deepEqual(kinds(), ['press:k', 'release:k']);
});

test('a glitch shorter than the debounce time is no press at all', () => {
  const { t, events } = tracker(30);
  t.input('k', true, 0);
  t.input('k', false, 10);
  t.tick(1000);
  assert.equal(events.length, 0);
  assert.equal(t.nextDeadline(), undefined);
});

test('debounce 0 (kernel-debounced gpio-keys) emits at once; auto-repeat levels change nothing', () => {
  const { t, kinds } = tracker(0);
  t.input('k', true, 5);
  t.input('k', true, 300);
  t.input('k', true, 350);
  assert.deepEqual(kinds(), ['press:k']);
  t.input('k', false, 400);
  assert.deepEqual(kinds(), ['press:k', 'release:k']);
});

test('hold fires once at hold_ms, stuck once at stuck_ms, release carries held_ms', () => {
  const { t, events } = tracker(30, 1500, 30_000);
  t.input('dissatisfied', true, 100);
  t.tick(130);
  assert.equal(t.nextDeadline(), 1600);
  t.tick(1600);
  t.tick(5000);
  assert.equal(t.nextDeadline(), 30_100);
  assert.deepEqual(t.stuckKeys(), []);
  t.tick(30_100);
  t.tick(60_000);
  assert.deepEqual(events.map((e) => [e.kind, e.mono_ms, e.held_ms]), [
    ['press', 100, undefined], ['hold', 1600, 1500], ['stuck', 30_100, 30_000],
  ]);
  assert.deepEqual(t.stuckKeys(), ['dissatisfied']);
  t.input('dissatisfied', false, 70_000);
  t.tick(70_030);
  assert.deepEqual(events.at(-1), { kind: 'release', key: 'dissatisfied', mono_ms: 70_000, held_ms: 69_900 });
  assert.deepEqual(t.stuckKeys(), []);
});

test('a late tick still emits press, hold and stuck in order with their own times', () => {
  const { t, events } = tracker(30, 1500, 2000);
  t.input('k', true, 0);
  t.tick(10_000);
  assert.deepEqual(events.map((e) => [e.kind, e.mono_ms]), [['press', 0], ['hold', 1500], ['stuck', 2000]]);
});

test('an edge arriving after a missed timer first commits the stable level it interrupts', () => {
  const { t, kinds } = tracker(30);
  t.input('k', true, 0);
  t.input('k', false, 500); // timer for 30 never ran
  t.tick(530);
  assert.deepEqual(kinds(), ['press:k', 'release:k']);
});

test('keys are independent, and reset forgets levels without inventing releases', () => {
  const { t, kinds } = tracker(0);
  t.input('a', true, 0);
  t.input('b', true, 1);
  t.input('a', false, 2);
  assert.deepEqual(kinds(), ['press:a', 'press:b', 'release:a']);
  assert.equal(t.isDown('b'), true);
  t.reset();
  assert.equal(t.isDown('b'), false);
  assert.equal(t.nextDeadline(), undefined);
  assert.deepEqual(kinds(), ['press:a', 'press:b', 'release:a']);
});
