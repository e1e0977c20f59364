import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { ManualScheduler, systemScheduler } from '../../core/scheduler.ts';

test('manual scheduler fires timers in due order with the clock at each due time', () => {
  const clock = new ManualClock(Date.parse('2026-11-23T08:30:00+08:00'), 0);
  const s = new ManualScheduler(clock);
  const seen: string[] = [];
  s.timeout(3 * 3_600_000, () => seen.push(`c@${clock.monoMs()}`));
  s.timeout(1_000, () => {
    seen.push(`a@${clock.monoMs()}`);
    s.timeout(500, () => seen.push(`b@${clock.monoMs()}`));
  });
  const iv = s.interval(3_600_000, () => seen.push(`i@${clock.monoMs()}`));
  s.advance(10 * 3_600_000);
  iv.cancel();
  assert.deepEqual(seen, ['a@1000', 'b@1500', 'i@3600000', 'i@7200000', 'c@10800000', 'i@10800000',
    'i@14400000', 'i@18000000', 'i@21600000', 'i@25200000', 'i@28800000', 'i@32400000', 'i@36000000']);
  assert.equal(clock.monoMs(), 36_000_000);
  assert.equal(clock.now(), Date.parse('2026-11-23T18:30:00+08:00'));
  assert.equal(s.pending(), 0);
});

test('a cancelled manual timer never fires', () => {
  const clock = new ManualClock();
  const s = new ManualScheduler(clock);
  let fired = false;
  s.timeout(10, () => { fired = true; }).cancel();
  s.advance(100);
  assert.equal(fired, false);
});

test('manual sleep resolves when time is advanced', async () => {
  const clock = new ManualClock();
  const s = new ManualScheduler(clock);
  let done = false;
  void s.sleep(5_000).then(() => { done = true; });
  await s.advanceAsync(4_999);
  assert.equal(done, false);
  await s.advanceAsync(1);
  assert.equal(done, true);
});

test('system scheduler: a delay beyond 2^31 ms does not fire early', async () => {
  const s = systemScheduler();
  let fired = false;
  const h = s.timeout(2 ** 31 + 10, () => { fired = true; });
  await s.sleep(30);
  assert.equal(fired, false);
  h.cancel();
});
