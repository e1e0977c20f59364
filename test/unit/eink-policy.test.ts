import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { blankFrame, setPixel, type Frame } from '../../drivers/eink/frame.ts';
import { afterRefresh, decideRefresh, initialPolicyState, lastDailyMark, nextDailyMark, type PolicyConfig } from '../../drivers/eink/policy.ts';

const cfg: PolicyConfig = { minIntervalMs: 5000, fullEveryPartials: 3, partialMaxArea: 0.5, dailyFullAt: '03:00', utcOffsetMinutes: 480 };
const frame = (...px: Array<[number, number]>): Frame => { const f = blankFrame(64, 32); px.forEach(([x, y]) => setPixel(f, x, y, true)); return f; };
const at = (c: ManualClock) => ({ wallMs: c.now(), monoMs: c.monoMs() });

test('first refresh is full, an unchanged frame is skipped, a small change is partial', () => {
  const clock = new ManualClock();
  let st = initialPolicyState();
  const a = frame([1, 1]);
  assert.deepEqual(decideRefresh(st, a, at(clock), cfg), { action: 'full', reason: 'first' });
  st = afterRefresh(st, a, 'full', at(clock));
  clock.advance(60_000);
  assert.deepEqual(decideRefresh(st, frame([1, 1]), at(clock), cfg), { action: 'none', reason: 'unchanged' });
  assert.deepEqual(decideRefresh(st, frame([1, 1], [20, 5]), at(clock), cfg), { action: 'partial', region: { x: 16, y: 5, width: 8, height: 1 } });
});

test('a change over partial_max_area is full; N partials force a full one (ghosting)', () => {
  const clock = new ManualClock();
  let st = afterRefresh(initialPolicyState(), frame(), 'full', at(clock));
  clock.advance(10_000);
  assert.deepEqual(decideRefresh(st, frame([0, 0], [63, 31]), at(clock), cfg), { action: 'full', reason: 'large-change' });
  for (let i = 0; i < 3; i++) {
    const next = frame([i, 0]);
    const d = decideRefresh(st, next, at(clock), cfg);
    assert.equal(d.action, 'partial');
    st = afterRefresh(st, next, 'partial', at(clock));
    clock.advance(10_000);
  }
  assert.deepEqual(decideRefresh(st, frame([9, 0]), at(clock), cfg), { action: 'full', reason: 'ghosting' });
  assert.deepEqual(decideRefresh(st, frame([9, 0]), at(clock), { ...cfg, fullEveryPartials: 0 }), { action: 'full', reason: 'partial-disabled' });
});

test('refreshes closer than min_interval wait for the rest of it', () => {
  const clock = new ManualClock();
  const st = afterRefresh(initialPolicyState(), frame(), 'full', at(clock));
  clock.advance(1500);
  assert.deepEqual(decideRefresh(st, frame([3, 3]), at(clock), cfg), { action: 'wait', waitMs: 3500 });
  clock.advance(3500);
  assert.equal(decideRefresh(st, frame([3, 3]), at(clock), cfg).action, 'partial');
});

test('after the daily mark (03:00 local) the next refresh is full, even of an unchanged frame', () => {
  const clock = new ManualClock(Date.parse('2026-11-23T02:50:00+08:00'));
  const a = frame([1, 1]);
  const st = afterRefresh(initialPolicyState(), a, 'full', at(clock));
  clock.advance(5 * 60_000);
  assert.equal(decideRefresh(st, a, at(clock), cfg).action, 'none');
  clock.advance(6 * 60_000); // 03:01
  assert.deepEqual(decideRefresh(st, a, at(clock), cfg), { action: 'full', reason: 'daily' });
  assert.equal(lastDailyMark(clock.now(), cfg), Date.parse('2026-11-23T03:00:00+08:00'));
  assert.equal(nextDailyMark(clock.now(), cfg), Date.parse('2026-11-24T03:00:00+08:00'));
  assert.throws(() => lastDailyMark(0, { ...cfg, dailyFullAt: '3am' }), /daily_full_refresh_at: "3am"/);
});
