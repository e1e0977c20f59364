// The working-day calendar (domain.md §5: 限时办结 counted in working days — 001_3340ef5167649bf2.txt,
// 002_79de1a0ec8043ff1.txt): weekends, public holidays and swapped working days (调休) from the
// State Council's yearly notice (国务院办公厅关于2026年部分节假日安排的通知) as the chinese-days
// package holds it, plus the hall's own days; an alarm when the coming year is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chinaCalendar, createWorkingCalendar } from '../../core/calendar.ts';
import { initialCounterState, step } from '../../device/counter/counter.ts';
import { makeEnv, tick, eventsOf } from './counter-fixture.ts';

test('2026 National Day: 10-01…10-07 off, Sunday 09-20 and Saturday 10-10 worked (调休)', () => {
  const c = chinaCalendar();
  for (let d = 1; d <= 7; d++) assert.equal(c.isWorkingDay(`2026-10-0${d}`), false, `2026-10-0${d}`);
  assert.equal(c.isWorkingDay('2026-09-20'), true);
  assert.equal(c.isWorkingDay('2026-10-10'), true);
  assert.equal(c.isWorkingDay('2026-10-11'), false, 'an ordinary Sunday');
  assert.equal(c.isWorkingDay('2026-10-09'), true, 'an ordinary Friday');
});

test('addWorkingDays skips the holiday and counts the swapped Saturday; the day itself never counts', () => {
  const c = chinaCalendar();
  assert.equal(c.addWorkingDays('2026-09-30', 1), '2026-10-08');
  assert.equal(c.addWorkingDays('2026-09-30', 3), '2026-10-10');
  assert.equal(c.addWorkingDays('2026-09-18', 1), '2026-09-20', 'Friday → the working Sunday');
  // 002: a complaint answered within 3 working days, raised on Friday 2026-11-20.
  assert.equal(c.addWorkingDays('2026-11-20', 3), '2026-11-25');
});

test('local overrides win over the national data; complete_years count as having data', () => {
  const c = chinaCalendar({ holidays: ['2026-11-23'], workdays: ['2026-10-11'], completeYears: [2027] });
  assert.equal(c.isWorkingDay('2026-11-23'), false);
  assert.equal(c.isWorkingDay('2026-10-11'), true);
  assert.equal(c.hasYear(2027), true);
  assert.equal(chinaCalendar().hasYear(2026), true);
  assert.equal(chinaCalendar().hasYear(2027), false, 'the package (1.5.7) has no 2027 yet');
});

test('bad input is refused with what and where', () => {
  const c = createWorkingCalendar({ holidays: [], workdays: [] });
  assert.throws(() => c.isWorkingDay('2026-13-01'), /isWorkingDay: not a YYYY-MM-DD date: "2026-13-01"/);
  assert.throws(() => c.addWorkingDays('2026-11-20', 0), /n must be an integer 1…3660 \(got 0\)/);
  assert.throws(() => c.addWorkingDays('20261120', 1), /addWorkingDays: not a YYYY-MM-DD date/);
});

test('calendar.missing_year: from 12-01 when next year is missing, once a day; never before; none with data', () => {
  const env = makeEnv();
  const first = step(initialCounterState(), tick('2026-12-01 08:00'), env);
  assert.deepEqual(eventsOf(first.outputs), [['calendar.missing_year', undefined, { year: 2027, today: '2026-12-01' }]]);
  const again = step(first.state, tick('2026-12-01 09:00'), env);
  assert.deepEqual(eventsOf(again.outputs).filter((e) => e[0] === 'calendar.missing_year'), []);
  const nextDay = step(again.state, tick('2026-12-02 08:00'), env);
  assert.deepEqual(eventsOf(nextDay.outputs).filter((e) => e[0] === 'calendar.missing_year').map((e) => e[2].today), ['2026-12-02']);
  assert.deepEqual(eventsOf(step(initialCounterState(), tick('2026-11-30 08:00'), env).outputs), []);
  const entered = makeEnv({ calendar: { complete_years: [2027] } });
  assert.deepEqual(eventsOf(step(initialCounterState(), tick('2026-12-01 08:00'), entered).outputs), []);
  // The current year itself missing is an alarm at once.
  assert.deepEqual(eventsOf(step(initialCounterState(), tick('2027-03-01 08:00'), env).outputs).map((e) => [e[0], e[2].year]), [['calendar.missing_year', 2027]]);
});
