// A whole simulated day at the pure level (design §11): 08:30 → 17:45 on Sunday 2026-09-20, a
// swapped working day (调休) for National Day 2026 in the State Council's notice (国务院办公厅关于
// 2026年部分节假日安排的通知) as the chinese-days data holds it. Inputs at their times; between them a
// tick exactly at every nextDeadline(), as the shell's one timer would. The exact event sequence
// and the nameplate at each step are asserted. Rules: 000_f893b926b189d24e.txt,
// 001_3340ef5167649bf2.txt, 002_79de1a0ec8043ff1.txt, 003_8e9808dc834fcbc6.txt, 004_3f4545cb80211455.txt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterPlayer, makeEnv, finger, key, cmd, tick, eventsOf, plateOf, retainedOf, at } from './counter-fixture.ts';
import { isoWeekday } from '../../device/counter/time.ts';
import { nextDeadline } from '../../device/counter/counter.ts';

const D = '2026-09-20';

function playDay() {
  const p = new CounterPlayer(makeEnv());
  p.send(tick(`${D} 08:30`));
  p.send(finger(`${D} 08:45`, 'S01')); // on time (by 08:50)
  p.send(finger(`${D} 08:55`, 'S02')); // short of the 10-minute preparation (002/003/004)
  p.send(cmd(`${D} 10:00`, 'window.set_state', { state: 'paused', reason: 'internal_work', redirect_window: 'A08' }));
  p.send(cmd(`${D} 10:05`, 'pause.approve', { approved_by: '张主任' }));
  p.send(key(`${D} 10:20`, 'pause'));
  p.send(finger(`${D} 12:00:30`, 'S01'));
  p.send(finger(`${D} 12:01`, 'S02'));
  p.send(finger(`${D} 13:15`, 'S01'));
  p.send(finger(`${D} 13:38`, 'S02')); // late
  p.send(finger(`${D} 14:00`, 'S02')); // early leave
  p.send(key(`${D} 14:10`, 'away')); // S01 alone: away, 15 minutes by default
  p.send(cmd(`${D} 14:50`, 'staff.substitute', { substitute_id: 'S03', for_staff_id: 'S01', from: D, to: D }));
  p.send(finger(`${D} 14:52`, 'S03')); // the substitute takes over window and nameplate (顶岗, 002/004)
  p.send(finger(`${D} 15:00`, 'S01')); // S01 back: away ends
  p.send(finger(`${D} 17:02`, 'S01'));
  p.send(finger(`${D} 17:05`, 'S03'));
  p.send(tick(`${D} 17:45`));
  return p;
}

type Row = [time: string, input: string, events: Array<[string, string | undefined, Record<string, unknown>]>, plate?: [title: string, person: string | null, lines: string[]]];

const WAIT = ['09:00 开始服务', '对不起，请您稍等'];
const LUNCH = ['午间休息', '13:30 开始服务'];
const HELLO = ['您好，请问您办理什么业务？'];
const EXPECTED: Row[] = [
  ['08:30:00', 'tick', [], ['未开始服务', null, WAIT]],
  ['08:45:00', 'finger S01', [['attendance.clock', 'S01', { direction: 'in', session: 0 }]], ['未开始服务', '王芳', WAIT]],
  ['08:55:00', 'finger S02', [
    ['attendance.clock', 'S02', { direction: 'in', session: 0 }],
    ['attendance.flag', 'S02', { flag: 'prep_short', session: 0, minutes: 5 }],
  ], ['未开始服务', '李强', WAIT]],
  ['09:00:00', 'tick', [['window.state', 'S02', { from: 'not_open', to: 'in_service', why: 'opening' }]], ['在岗服务', '李强', HELLO]],
  ['10:00:00', 'cmd window.set_state', [
    ['window.state', 'S02', { from: 'in_service', to: 'paused', why: 'command:window.set_state', redirect_window: 'A08', reason: 'internal_work', approval: 'pending' }],
  ], ['暂停服务', '李强', ['请到A08号窗口办理']]],
  ['10:05:00', 'cmd pause.approve', [['pause.approved', 'S02', { reason: 'internal_work', approved_by: '张主任', waited_min: 5 }]]],
  ['10:20:00', 'key pause', [['window.state', 'S02', { from: 'paused', to: 'in_service', why: 'resume' }]], ['在岗服务', '李强', HELLO]],
  ['12:00:00', 'tick', [
    ['window.state', 'S02', { from: 'in_service', to: 'not_open', why: 'closing' }],
    ['attendance.flag', 'S04', { flag: 'absent', session: 0, minutes: 180 }],
  ], ['未开始服务', '李强', LUNCH]],
  ['12:00:30', 'finger S01', [['attendance.clock', 'S01', { direction: 'out', session: 0 }]]],
  ['12:01:00', 'finger S02', [['attendance.clock', 'S02', { direction: 'out', session: 0 }]], ['未开始服务', null, LUNCH]],
  ['13:15:00', 'finger S01', [['attendance.clock', 'S01', { direction: 'in', session: 1 }]], ['未开始服务', '王芳', LUNCH]],
  ['13:30:00', 'tick', [['window.state', 'S01', { from: 'not_open', to: 'in_service', why: 'opening' }]], ['在岗服务', '王芳', HELLO]],
  ['13:38:00', 'finger S02', [
    ['attendance.clock', 'S02', { direction: 'in', session: 1 }],
    ['attendance.flag', 'S02', { flag: 'late', session: 1, minutes: 8 }],
  ], ['在岗服务', '李强', HELLO]],
  ['14:00:00', 'finger S02', [
    ['attendance.clock', 'S02', { direction: 'out', session: 1 }],
    ['attendance.flag', 'S02', { flag: 'early_leave', session: 1, minutes: 180 }],
  ], ['在岗服务', '王芳', HELLO]],
  ['14:10:00', 'key away', [
    ['away.started', 'S01', { reason: 'temporary', contact: '13800000001', return_at: '14:25', planned_min: 15, formal_notice: false, by: 'key' }],
    ['window.state', 'S01', { from: 'in_service', to: 'away', why: 'away', reason: 'temporary', return_at: '14:25' }],
  ], ['离岗', '王芳', ['事由：临时离开', '联系电话：13800000001', '预计返回：14:25']]],
  ['14:25:00', 'tick', [['away.overdue', 'S01', { minutes_over: 0, count: 1, return_at: '14:25' }]]],
  ['14:35:00', 'tick', [['away.overdue', 'S01', { minutes_over: 10, count: 2, return_at: '14:25' }]]],
  ['14:40:00', 'tick', [
    ['away.escalated', 'S01', { minutes: 30, reason: 'temporary', formal_notice: false }],
    ['window.violation', 'S01', { rule: 'single_staff_long_away', reason: 'temporary' }],
  ]],
  ['14:45:00', 'tick', [['away.overdue', 'S01', { minutes_over: 20, count: 3, return_at: '14:25' }]]],
  ['14:50:00', 'cmd staff.substitute', [['staff.substitute', 'S03', { for_staff_id: 'S01', from: D, to: D, cancel: false }]]],
  ['14:52:00', 'finger S03', [
    ['attendance.clock', 'S03', { direction: 'in', session: 1, substitute_for: 'S01' }],
    ['window.state', 'S03', { from: 'away', to: 'in_service', why: 'clock_in' }],
  ], ['在岗服务', '赵敏', HELLO]],
  ['14:55:00', 'tick', [['away.overdue', 'S01', { minutes_over: 30, count: 4, return_at: '14:25' }]]],
  ['15:00:00', 'finger S01', [['away.ended', 'S01', { duration_min: 50, by: 'finger', overdue_min: 35 }]]],
  ['17:00:00', 'tick', [
    ['window.state', 'S03', { from: 'in_service', to: 'closed', why: 'closing' }],
    ['attendance.flag', 'S04', { flag: 'absent', session: 1, minutes: 210 }],
  ], ['下班', null, ['欢迎您监督和帮助']]],
  ['17:02:00', 'finger S01', [['attendance.clock', 'S01', { direction: 'out', session: 1 }]]],
  ['17:05:00', 'finger S03', [['attendance.clock', 'S03', { direction: 'out', session: 1 }]]],
  ['17:45:00', 'tick', []],
];

test('2026-09-20 is a Sunday and a working day (调休) in the calendar data', () => {
  const env = makeEnv();
  assert.equal(isoWeekday(D), 7);
  assert.equal(env.calendar.isWorkingDay(D), true);
  assert.equal(env.calendar.isWorkingDay('2026-09-13'), false, 'an ordinary Sunday is not');
});

test('whole day: exact events and nameplate at every step, ticks exactly at each deadline', () => {
  const p = playDay();
  const got: Row[] = p.log.map((l) => {
    const plate = plateOf(l.outputs);
    const row: Row = [l.time, l.input, eventsOf(l.outputs)];
    if (plate) row.push([plate.banner.title, plate.person?.name ?? null, plate.banner.lines]);
    return row;
  });
  assert.deepEqual(got, EXPECTED);
  // No command of the day was refused.
  assert.equal(p.log.flatMap((l) => l.outputs).filter((o) => o.kind === 'reject').length, 0);
});

test('whole day: the nameplate in full at the pause, the away and the substitute (四亮, 001_3340ef5167649bf2.txt, 004_3f4545cb80211455.txt)', () => {
  const p = playDay();
  const plateAt = (time: string) => plateOf(p.log.find((l) => l.time === time)!.outputs)!;
  const foot = [
    { label: '监督电话', value: '020-12345678' },
    { label: '投诉电话', value: '12345' },
    { label: '营业时间', value: '周一至周五 9:00-12:00 13:30-17:00' },
    { label: '服务承诺', value: '一次告知 限时办结 热情服务 欢迎监督' },
  ];
  assert.deepEqual(plateAt('10:00:00'), {
    header: { number: 'A07', name: '综合受理窗口' },
    banner: { title: '暂停服务', lines: ['请到A08号窗口办理'], style: 'inverted' },
    foot,
    person: { name: '李强', fields: [{ label: '工号', value: 'GZ0102' }, { label: '职务', value: '综合受理员' }, { label: '职责', value: '企业开办业务受理' }] },
  });
  assert.deepEqual(plateAt('14:10:00'), {
    header: { number: 'A07', name: '综合受理窗口' },
    banner: { title: '离岗', lines: ['事由：临时离开', '联系电话：13800000001', '预计返回：14:25'], style: 'inverted' },
    foot,
    person: { name: '王芳', fields: [{ label: '工号', value: 'GZ0101' }, { label: '职务', value: '综合受理员' }, { label: '职责', value: '社保医保业务受理' }] },
  });
  assert.deepEqual(plateAt('14:52:00'), {
    header: { number: 'A07', name: '综合受理窗口' },
    banner: { title: '在岗服务', lines: ['您好，请问您办理什么业务？'], style: 'outlined' },
    foot,
    person: { name: '赵敏', fields: [{ label: '工号', value: 'GZ0103' }, { label: '职务', value: '后台审核员' }, { label: '职责', value: '顶岗补位' }] },
  });
});

test('whole day: the retained state/window follows each change', () => {
  const p = playDay();
  const r = retainedOf(p.log.find((l) => l.time === '10:00:00')!.outputs)!;
  assert.deepEqual(r, {
    state: 'paused', since: '2026-09-20T10:00:00.000+08:00', why: 'command:window.set_state', date: D,
    staff_id: 'S02', staff_name: '李强', job_number: 'GZ0102', present: ['S01', 'S02'], roster_version: 0,
    reason: 'internal_work', redirect_window: 'A08', approval: 'pending', notice: '暂停服务，请到A08号窗口办理',
  });
  const approved = retainedOf(p.log.find((l) => l.time === '10:05:00')!.outputs)!;
  assert.equal(approved.approval, 'approved');
  const end = retainedOf(p.log.find((l) => l.time === '17:05:00')!.outputs)!;
  assert.deepEqual([end.state, end.present], ['closed', []]);
});

test('whole day: after 17:45 the next deadline is the day end (19:00), where nobody is left clocked in', () => {
  const p = playDay();
  assert.equal(nextDeadline(p.state, p.env), at(`${D} 19:00`).wallMs);
  p.runUntil(at(`${D} 19:00`).wallMs);
  assert.deepEqual(eventsOf(p.log.at(-1)!.outputs), []);
});
