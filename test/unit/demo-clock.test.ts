import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoClock, demoScheduler } from '../../core/demo-clock.ts';
import { ManualClock } from '../../core/clock.ts';
import { ManualScheduler } from '../../core/scheduler.ts';

const START = Date.parse('2026-09-27T08:30:00+08:00');

test('demo clock runs speed× real time, re-anchors on speed change and jumps', () => {
  let real = 1000;
  const c = demoClock(START, 60, 'ntp', () => real);
  real += 1000; // one real second = one simulated minute
  assert.equal(c.now(), START + 60_000);
  c.setSpeed(1);
  real += 1000;
  assert.equal(c.now(), START + 61_000);
  const mono = c.monoMs();
  c.jumpTo(START);
  assert.equal(c.now(), START);
  assert.ok(c.monoMs() >= mono, 'monotonic time never goes back');
  assert.throws(() => c.setSpeed(0), /demo speed must be > 0/);
  assert.throws(() => c.setSpeed(1e9), /≤ 3600/);
});

test('demo scheduler fires in simulated time and re-arms on a speed change', () => {
  // The real side is itself a manual scheduler, so the test is exact.
  const realClock = new ManualClock(0, 0);
  const real = new ManualScheduler(realClock);
  const c = demoClock(START, 60, 'ntp', () => realClock.monoMs());
  const s = demoScheduler(c, real);
  const fired: number[] = [];
  s.timeout(30 * 60_000, () => fired.push(c.now()));    // 30 simulated minutes = 30 real s at 60×
  real.advance(15_000);                                  // 15 simulated minutes gone
  c.setSpeed(600);
  s.speedChanged();                                      // 15 simulated minutes left = 1.5 real s
  real.advance(1_499);
  assert.deepEqual(fired, []);
  real.advance(1);
  assert.deepEqual(fired, [START + 30 * 60_000]);
});
