// Attendance rules (domain.md §1), one row per rule, each citing its seed:
// fingerprint clock-in/out mandatory — 001_3340ef5167649bf2.txt (上下班严格执行指纹考勤制度);
// preparation lead 10 min — 002_79de1a0ec8043ff1.txt, 003_8e9808dc834fcbc6.txt, 004_3f4545cb80211455.txt;
// 15 min — 000_f893b926b189d24e.txt; no lateness, early leave or absence — all seeds;
// leave and substitutes (请销假, 替岗/顶岗) — 002_79de1a0ec8043ff1.txt, 004_3f4545cb80211455.txt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterPlayer, makeEnv, finger, cmd, tick, eventsOf, at, type Ev } from './counter-fixture.ts';
import type { CounterInput } from '../../device/counter/types.ts';

const D = '2026-11-23'; // a Monday, an ordinary working day

/** Plays inputs (with ticks at deadlines) and returns the attendance-related events, with local times. */
function play(inputs: CounterInput[], counter: Record<string, unknown> = {}, until?: string): Array<[string, ...Ev]> {
  const p = new CounterPlayer(makeEnv(counter));
  p.send(tick(`${D} 07:00`));
  for (const i of inputs) p.send(i);
  if (until) p.runUntil(at(until).wallMs);
  return p.log.flatMap((l) => eventsOf(l.outputs).filter(([type]) => /^attendance\./.test(type)).map((e) => [l.time.slice(0, 5), ...e] as [string, ...Ev]));
}
const flags = (rows: Array<[string, ...Ev]>) => rows.filter((r) => r[1] === 'attendance.flag').map(([time, , staff, data]) => [time, staff, data.flag, data.minutes]);

const TABLE: Array<{ seed: string; rule: string; inputs: CounterInput[]; counter?: Record<string, unknown>; until?: string; flags: unknown[][] }> = [
  { seed: '002_79de1a0ec8043ff1.txt', rule: 'on time: by opening − 10 min', inputs: [finger(`${D} 08:50`, 'S01')], flags: [] },
  { seed: '002_79de1a0ec8043ff1.txt', rule: 'prep_short: after 08:50, before opening', inputs: [finger(`${D} 08:51:10`, 'S01')], flags: [['08:51', 'S01', 'prep_short', 2]] },
  { seed: '000_f893b926b189d24e.txt', rule: 'prep lead 15 min (提前15分钟到达)', counter: { attendance: { prep_lead_min: 15 } }, inputs: [finger(`${D} 08:50`, 'S01')], flags: [['08:50', 'S01', 'prep_short', 5]] },
  { seed: '003_8e9808dc834fcbc6.txt', rule: 'at opening exactly: still prep_short, not late', inputs: [finger(`${D} 09:00`, 'S01')], flags: [['09:00', 'S01', 'prep_short', 10]] },
  { seed: '004_3f4545cb80211455.txt', rule: 'late: after opening (no grace)', inputs: [finger(`${D} 09:00:20`, 'S01')], flags: [['09:00', 'S01', 'late', 1]] },
  { seed: '004_3f4545cb80211455.txt', rule: 'grace: within 5 min is prep_short', counter: { attendance: { late_grace_min: 5 } }, inputs: [finger(`${D} 09:04`, 'S01')], flags: [['09:04', 'S01', 'prep_short', 14]] },
  { seed: '002_79de1a0ec8043ff1.txt', rule: 'early_leave: clock-out before closing', inputs: [finger(`${D} 13:20`, 'S01'), finger(`${D} 16:45`, 'S01')], flags: [['16:45', 'S01', 'early_leave', 15]] },
  { seed: '002_79de1a0ec8043ff1.txt', rule: 'clock-out at closing is not early', inputs: [finger(`${D} 13:20`, 'S01'), finger(`${D} 17:00`, 'S01')], flags: [] },
  { seed: '001_3340ef5167649bf2.txt', rule: 'missing_punch: no clock-out by the day end (19:00)', inputs: [finger(`${D} 13:20`, 'S01')], until: `${D} 19:00`, flags: [['19:00', 'S01', 'missing_punch', undefined]] },
  { seed: '001_3340ef5167649bf2.txt', rule: 'missing_punch: the afternoon clock-in past the middle of the break closes the morning', inputs: [finger(`${D} 08:40`, 'S01'), finger(`${D} 13:00`, 'S01')], flags: [['13:00', 'S01', 'missing_punch', undefined]] },
  { seed: '001_3340ef5167649bf2.txt', rule: 'a touch soon after closing is the clock-out', inputs: [finger(`${D} 08:40`, 'S01'), finger(`${D} 12:30`, 'S01')], flags: [] },
];

for (const row of TABLE) {
  test(`attendance: ${row.rule} (${row.seed})`, () => {
    const rows = play(row.inputs, { roster: [ROSTER_ONE], ...row.counter }, row.until);
    assert.deepEqual(flags(rows).filter((f) => f[2] !== 'absent'), row.flags);
  });
}

const ROSTER_ONE = { staff_id: 'S01', name: '王芳', job_number: 'GZ0101', regular: true };

test('absent: decided at each session close for expected staff without a clock-in (000_f893b926b189d24e.txt … 004_3f4545cb80211455.txt: 不得旷工)', () => {
  const rows = play([finger(`${D} 13:20`, 'S01'), finger(`${D} 17:00`, 'S01')], {}, `${D} 17:00`);
  // S02 and S04 (regular) never came; S03 is a substitute-pool member, not expected; S01 missed the morning.
  assert.deepEqual(flags(rows).filter((f) => f[2] === 'absent'), [
    ['12:00', 'S01', 'absent', 180], ['12:00', 'S02', 'absent', 180], ['12:00', 'S04', 'absent', 180],
    ['17:00', 'S02', 'absent', 210], ['17:00', 'S04', 'absent', 210],
  ]);
});

test('absent: with absent_after_min the verdict comes that long after opening (domain.md §8 attendance practice: late beyond 30 min as 旷工)', () => {
  const rows = play([], { roster: [ROSTER_ONE], attendance: { absent_after_min: 30 } }, `${D} 10:00`);
  assert.deepEqual(flags(rows), [['09:30', 'S01', 'absent', 180]]);
});

test('leave (请假, 002_79de1a0ec8043ff1.txt): staff on leave are never flagged absent; a cancelled leave counts again', () => {
  const onLeave = play([cmd(`${D} 08:00`, 'staff.leave', { staff_id: 'S02', from: D, to: D, kind: '事假' })], {}, `${D} 17:00`);
  assert.deepEqual(flags(onLeave).filter((f) => f[1] === 'S02'), []);
  const cancelled = play([
    cmd(`${D} 08:00`, 'staff.leave', { staff_id: 'S02', from: D, to: D }),
    cmd(`${D} 08:10`, 'staff.leave', { staff_id: 'S02', from: D, to: D, cancel: true }),
  ], {}, `${D} 12:00`);
  assert.deepEqual(flags(cancelled).filter((f) => f[1] === 'S02'), [['12:00', 'S02', 'absent', 180]]);
});

test('substitute (顶岗, 004_3f4545cb80211455.txt): a substitute sent for someone is expected, the replaced person is not', () => {
  const rows = play([cmd(`${D} 08:00`, 'staff.substitute', { substitute_id: 'S03', for_staff_id: 'S02', from: D, to: D })], {}, `${D} 12:00`);
  assert.deepEqual(flags(rows).map((f) => f[1]), ['S01', 'S04', 'S03']);
});

test('a clock-in by someone standing in for a colleague on leave names whom they replace (002_79de1a0ec8043ff1.txt 替岗)', () => {
  const rows = play([
    cmd(`${D} 08:00`, 'staff.leave', { staff_id: 'S02', from: D, to: D }),
    finger(`${D} 08:40`, 'S03'),
  ]);
  assert.deepEqual(rows.filter((r) => r[1] === 'attendance.clock'), [['08:40', 'attendance.clock', 'S03', { direction: 'in', session: 0, substitute_for: 'S02' }]]);
});

test('unrecognized: an unknown finger, or a staff id not on the roster (001_3340ef5167649bf2.txt 指纹考勤)', () => {
  const rows = play([finger(`${D} 08:40`, undefined), finger(`${D} 08:41`, 'S99')]);
  assert.deepEqual(rows, [
    ['08:40', 'attendance.unrecognized', undefined, { why: 'no_match' }],
    ['08:41', 'attendance.unrecognized', undefined, { staff_id: 'S99', why: 'not_on_roster' }],
  ]);
});

test('earliest clock-in: more than 90 min before opening is refused; a repeat touch is ignored (001_3340ef5167649bf2.txt)', () => {
  const rows = play([finger(`${D} 07:29`, 'S01'), finger(`${D} 07:31`, 'S01'), finger(`${D} 07:31:30`, 'S01')], { roster: [ROSTER_ONE] });
  assert.deepEqual(rows, [
    ['07:29', 'attendance.too_early', 'S01', { earliest: '07:30', session: 0 }],
    ['07:31', 'attendance.clock', 'S01', { direction: 'in', session: 0 }],
  ]);
});

test('a clock-in again after an early clock-out in the same session is not late a second time (002_79de1a0ec8043ff1.txt)', () => {
  const rows = play([finger(`${D} 08:40`, 'S01'), finger(`${D} 10:00`, 'S01'), finger(`${D} 10:30`, 'S01')], { roster: [ROSTER_ONE] });
  assert.deepEqual(flags(rows), [['10:00', 'S01', 'early_leave', 120]]);
});

test('a day off (国庆节 2026-10-01, 国务院办公厅 2026 holiday notice): clock-ins are recorded, nobody is flagged', () => {
  const p = new CounterPlayer(makeEnv({ roster: [ROSTER_ONE] }));
  p.send(tick('2026-10-01 08:00'));
  const out = p.send(finger('2026-10-01 09:30', 'S01'));
  p.runUntil(at('2026-10-01 23:00').wallMs);
  assert.deepEqual(eventsOf(out), [['attendance.clock', 'S01', { direction: 'in', session: -1 }]]);
  assert.deepEqual(p.log.flatMap((l) => eventsOf(l.outputs)).filter((e) => e[0] === 'attendance.flag'), []);
});
