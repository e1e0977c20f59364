// The monthly assessment facts (考核) from a scripted month of stored events. Sources: seed
// 001_3340ef5167649bf2.txt (指纹考勤, monthly assessment), seed 002_79de1a0ec8043ff1.txt (complaints
// answered within 3 working days; 替岗 substitutes), 国办发〔2019〕51号 (好差评: five levels, the two
// lowest are 差评).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlDb } from '../../center/sql.ts';
import { CenterStore } from '../../center/store.ts';
import { buildMonthReport, monthRange, type ReportOptions } from '../../center/report.ts';
import { reportCsv, reportHtml } from '../../center/report-format.ts';
import { addWorkingDays } from '../../center/working-days.ts';
import { batchOf, stored } from '../helpers/center-fixtures.ts';
import type { StoredEvent } from '../../center/envelope.ts';

const dir = mkdtempSync(join(tmpdir(), 'ce-center-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const seqs = new Map<string, number>();
const ev = (window: string, ts: string, type: string, staff: string | undefined, data: Record<string, unknown> = {}, historical = false): StoredEvent => {
  const seq = (seqs.get(window) ?? 0) + 1;
  seqs.set(window, seq);
  return stored({ window, seq, ts: `2026-${ts}+08:00`, type, ...(staff ? { staff_id: staff } : {}), data, historical });
};

const month: StoredEvent[] = [
  ev('A07', '10-31T23:59:59.000', 'attendance.clock', 'S0123', { direction: 'in' }), // October: not counted
  // S0123 at A07
  ev('A07', '11-02T08:52:00.000', 'attendance.clock', 'S0123', { direction: 'in' }),
  ev('A07', '11-02T08:52:00.000', 'attendance.flag', 'S0123', { flag: 'prep_short', minutes: 4 }),
  ev('A07', '11-02T12:00:00.000', 'attendance.clock', 'S0123', { direction: 'in' }), // a second clock-in the same day
  ev('A07', '11-02T17:31:00.000', 'attendance.clock', 'S0123', { direction: 'out' }),
  ev('A07', '11-03T09:12:00.000', 'attendance.clock', 'S0123', { direction: 'in' }),
  ev('A07', '11-03T09:12:00.000', 'attendance.flag', 'S0123', { flag: 'late', minutes: 12 }),
  ev('A07', '11-03T10:00:00.000', 'away.started', 'S0123', { reason: '取件', expected_minutes: 20 }),
  ev('A07', '11-03T10:25:00.000', 'away.ended', 'S0123', { minutes: 25 }),
  ev('A07', '11-03T11:00:00.000', 'window.state', 'S0123', { from: 'in_service', to: 'paused', why: '扎账', approved: true }),
  ev('A07', '11-03T11:10:00.000', 'window.state', 'S0123', { from: 'paused', to: 'in_service', why: 'resume' }),
  ev('A07', '11-04T08:45:00.000', 'attendance.clock', 'S0123', { direction: 'in' }),
  ev('A07', '11-04T09:30:00.000', 'away.started', 'S0123', { reason: '会议', expected_minutes: 30 }),
  ev('A07', '11-04T10:00:00.000', 'away.overdue', 'S0123', { minutes: 30 }),
  ev('A07', '11-04T10:10:00.000', 'away.escalated', 'S0123', { minutes: 40 }),
  ev('A07', '11-04T10:15:00.000', 'away.ended', 'S0123', { minutes: 45 }),
  ev('A07', '11-04T14:00:00.000', 'window.state', 'S0123', { from: 'in_service', to: 'paused', why: 'internal' }),
  ev('A07', '11-04T17:10:00.000', 'attendance.flag', 'S0123', { flag: 'early_leave', minutes: 20 }),
  ev('A07', '11-05T09:10:00.000', 'service.completed', 'S0123', { handling_ms: 300_000, waiting_ms: 60_000 }),
  ev('A07', '11-05T09:30:00.000', 'service.completed', 'S0123', { handling_ms: 600_000, waiting_ms: 120_000 }),
  ev('A07', '11-05T10:00:00.000', 'service.completed', 'S0123', { handling_ms: 900_000, waiting_ms: 180_000 }),
  ev('A07', '11-05T10:01:00.000', 'evaluation.submitted', 'S0123', { satisfaction: 5, level: 'very_satisfied', stage: 'completion' }),
  ev('A07', '11-06T10:01:00.000', 'evaluation.submitted', 'S0123', { satisfaction: 5, level: 'very_satisfied' }),
  ev('A07', '11-09T10:01:00.000', 'evaluation.submitted', 'S0123', { satisfaction: 4, level: 'satisfied' }),
  ev('A07', '11-20T15:00:00.000', 'evaluation.submitted', 'S0123', { satisfaction: 2, level: 'dissatisfied' }), // Fri: deadline Wed 11-25
  ev('A07', '11-21T10:00:00.000', 'evaluation.expired', 'S0123', {}),
  // Happened on the last evening of November, uploaded in December after an outage.
  ev('A07', '11-30T23:59:59.999', 'evaluation.submitted', 'S0123', { satisfaction: 5, level: 'very_satisfied' }, true),
  ev('A07', '12-01T00:00:00.000', 'evaluation.submitted', 'S0123', { satisfaction: 1, level: 'very_dissatisfied' }), // December
  // S0456 at A08, and substituting at A07 (替岗, seed 002) on 11-10
  ev('A08', '11-02T08:40:00.000', 'attendance.clock', 'S0456', { direction: 'in' }),
  ev('A08', '11-02T11:00:00.000', 'evaluation.submitted', 'S0456', { satisfaction: 1, level: 'very_dissatisfied' }), // Mon: deadline Thu 11-05
  ev('A08', '11-02T11:01:00.000', 'evaluation.complaint', 'S0456', {}),
  ev('A08', '11-05T12:00:00.000', 'attendance.flag', 'S0456', { flag: 'absent', minutes: 480 }),
  ev('A08', '11-06T18:00:00.000', 'attendance.flag', 'S0456', { flag: 'missing_punch' }),
  ev('A07', '11-10T08:50:00.000', 'attendance.clock', 'S0456', { direction: 'in' }),
  ev('A07', '11-10T09:20:00.000', 'service.completed', 'S0456', { handling_ms: 120_000 }),
  ev('A08', '11-27T16:00:00.000', 'evaluation.submitted', 'S0456', { satisfaction: 2, level: 'dissatisfied' }), // never answered
  ev('A08', '11-27T16:30:00.000', 'evaluation.expired', undefined, {}), // no staff: counts for the window only
  ev('A08', '11-27T16:31:00.000', 'mystery.type', 'S0456', { satisfaction: 1 }), // unknown types count for nothing
];

const options: ReportOptions = { month: '2026-11', utcOffsetMinutes: 480, answerWorkingDays: 3, calendar: { holidays: [], workdays: [] } };

test('working days: weekends, holidays and swapped working days (调休) move the 3-working-day deadline (seed 002_79de1a0ec8043ff1.txt)', () => {
  assert.equal(addWorkingDays('2026-11-20', 3, options.calendar), '2026-11-25');
  // National Day: 10-01..10-07 off (10-03/04 a weekend), Saturday 10-10 a swapped working day.
  assert.equal(addWorkingDays('2026-09-30', 3, { holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'], workdays: ['2026-10-10'] }), '2026-10-10');
  assert.deepEqual(monthRange('2026-12', 480), { from: Date.parse('2026-11-30T16:00:00Z'), to: Date.parse('2026-12-31T16:00:00Z') });
  assert.throws(() => monthRange('2026-13', 480), /--month "2026-13" is not a month YYYY-MM/);
});

test('a scripted month gives the exact facts per staff member and per window, the same on every run (seed 001_3340ef5167649bf2.txt)', async () => {
  const store = new CenterStore(await openSqlDb(join(dir, 'month.db')));
  await store.migrate();
  // Delivered in two batches, late December arrival included: the month is decided by ts.
  await store.commit(batchOf(month.slice(0, 20)), 1);
  await store.commit(batchOf(month.slice(20)), Date.parse('2026-12-03T09:00:00+08:00'));
  const rating = (window: string, ts: string) => month.find((e) => e.window === window && e.ts.startsWith(`2026-${ts}`))!.event_id;
  await store.answerComplaint(rating('A07', '11-20T15'), Date.parse('2026-11-25T17:00:00+08:00'), 'supervisor-li', '已回访');
  await store.answerComplaint(rating('A08', '11-02T11:00'), Date.parse('2026-11-06T09:00:00+08:00'), 'supervisor-li', '已回访，已整改');

  const report = await buildMonthReport(store, options);
  const again = await buildMonthReport(store, options);
  assert.deepEqual(again, report, 're-running gives the same numbers');
  assert.equal(month.length, 38);
  assert.equal(report.events, 36, 'October 31 and December 1 are outside the month');

  const s1 = report.staff.find((s) => s.staff_id === 'S0123')!;
  assert.deepEqual(s1.windows, ['A07']);
  assert.deepEqual(s1.tally, {
    days_worked: 3,
    flags: { prep_short: { count: 1, minutes: 4 }, late: { count: 1, minutes: 12 }, early_leave: { count: 1, minutes: 20 }, absent: { count: 0, minutes: 0 }, missing_punch: { count: 0, minutes: 0 } },
    away: { count: 2, minutes: 70, overdue: 1, escalated: 1 },
    pauses: { count: 2, approved: 1 },
    cases: { count: 3, avg_handling_s: 600, avg_waiting_s: 120 },
    ratings: { total: 5, by_satisfaction: [0, 1, 0, 1, 3], by_level: { very_satisfied: 3, satisfied: 1, dissatisfied: 1 }, satisfaction_rate: 80 },
    bad: { count: 1, in_time: 1, late: 0, unanswered: 0 },
    complaints: 0, expired: 1,
  });
  const s2 = report.staff.find((s) => s.staff_id === 'S0456')!;
  assert.deepEqual(s2.windows, ['A07', 'A08']);
  assert.equal(s2.tally.days_worked, 2);
  assert.deepEqual([s2.tally.flags.absent, s2.tally.flags.missing_punch], [{ count: 1, minutes: 480 }, { count: 1, minutes: 0 }]);
  assert.deepEqual(s2.tally.cases, { count: 1, avg_handling_s: 120, avg_waiting_s: null });
  assert.deepEqual([s2.tally.ratings.total, s2.tally.ratings.satisfaction_rate, s2.tally.bad], [2, 0, { count: 2, in_time: 0, late: 1, unanswered: 1 }]);
  assert.deepEqual([s2.tally.complaints, s2.tally.expired], [1, 0]);

  const a07 = report.windows.find((w) => w.window === 'A07')!.tally;
  assert.equal(a07.days_worked, 4, 'the substitute’s day counts for the window');
  assert.deepEqual(a07.cases, { count: 4, avg_handling_s: 480, avg_waiting_s: 120 });
  const a08 = report.windows.find((w) => w.window === 'A08')!.tally;
  assert.deepEqual([a08.days_worked, a08.ratings.total, a08.expired], [1, 2, 1]);

  assert.deepEqual(report.bad_ratings.map((b) => [b.window, b.staff_id, b.satisfaction, b.deadline, b.status]), [
    ['A08', 'S0456', 1, '2026-11-05', 'late'],
    ['A07', 'S0123', 2, '2026-11-25', 'in_time'],
    ['A08', 'S0456', 2, '2026-12-02', 'unanswered'],
  ]);

  const csv = reportCsv(report).split('\n');
  assert.match(csv[0]!, /^scope,id,windows,days_worked,prep_short_count,prep_short_minutes,late_count/);
  assert.equal(csv[1], 'staff,S0123,A07,3,1,4,1,12,1,20,0,0,0,0,2,70,1,1,2,1,3,600,120,5,3,1,0,1,0,80,1,1,0,0,0,1');
  assert.equal(csv.filter((l) => l.startsWith('window,')).length, 2);
  const html = reportHtml(report);
  assert.match(html, /@page \{ size: A4 landscape/);
  assert.match(html, /2026-11 窗口考核月报/);
  assert.match(html, /未回复 unanswered/);
  await store.close();
});
