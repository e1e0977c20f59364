// The window's states, the roster and the nameplate (domain.md §2–§3):
// 四亮 — name, photo, 工号, 职务, 职责, 监督电话, 服务承诺: 001_3340ef5167649bf2.txt, 004_3f4545cb80211455.txt;
// service hours sign: 003_8e9808dc834fcbc6.txt; complaint phone: 002_79de1a0ec8043ff1.txt, 004;
// 对外服务准时满点 (no closing midway or early without approval): 002_79de1a0ec8043ff1.txt, 003_8e9808dc834fcbc6.txt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { CounterPlayer, makeEnv, finger, cmd, tick, eventsOf, plateOf, retainedOf, at } from './counter-fixture.ts';
import { COUNTER_COMMANDS, initialCounterState, nextDeadline, restoreCounterState, serializeCounterState, step } from '../../device/counter/counter.ts';
import { CounterConfigSchema, counterConfigProblems, type CounterConfig } from '../../config/schema-counter.ts';

const D = '2026-11-23';
const ONE = [{ staff_id: 'S01', name: '王芳', job_number: 'GZ0101', position: '综合受理员', duties: '社保医保业务受理', photo: 'photos/S01.png', phone: '', regular: true }];

function opened() {
  const p = new CounterPlayer(makeEnv({ roster: ONE }));
  p.send(tick(`${D} 08:30`));
  p.send(finger(`${D} 08:40`, 'S01'));
  p.runUntil(at(`${D} 09:00`).wallMs);
  return p;
}
const rejectOf = (outs: ReturnType<CounterPlayer['send']>) => outs.filter((o) => o.kind === 'reject').map((o) => (o as { reason: string }).reason);

test('in service: the nameplate shows the 四亮 of who serves, the window and the foot (001_3340ef5167649bf2.txt, 004_3f4545cb80211455.txt)', () => {
  const p = opened();
  assert.deepEqual(plateOf(p.log.at(-1)!.outputs), {
    header: { number: 'A07', name: '综合受理窗口' },
    person: { name: '王芳', fields: [{ label: '工号', value: 'GZ0101' }, { label: '职务', value: '综合受理员' }, { label: '职责', value: '社保医保业务受理' }], photo: 'photos/S01.png' },
    banner: { title: '在岗服务', lines: ['您好，请问您办理什么业务？'], style: 'outlined' },
    foot: [
      { label: '监督电话', value: '020-12345678' }, { label: '投诉电话', value: '12345' },
      { label: '营业时间', value: '周一至周五 9:00-12:00 13:30-17:00' }, { label: '服务承诺', value: '一次告知 限时办结 热情服务 欢迎监督' },
    ],
  });
});

test('service hours on the foot come from the sessions when eink.nameplate.service_hours is empty (003_8e9808dc834fcbc6.txt 营业时间)', () => {
  const env = makeEnv({ roster: ONE, hours: { sessions: [{ open: '08:30', close: '12:00' }, { open: '14:00', close: '17:30' }] } });
  env.board = { ...env.board, service_hours: '' };
  const r = step(initialCounterState(), tick(`${D} 08:00`), env);
  assert.deepEqual(plateOf(r.outputs)!.foot.find((f) => f.label === '营业时间'), { label: '营业时间', value: '8:30-12:00 14:00-17:30' });
});

test('a clock-out during published hours closes the window: violation (002_79de1a0ec8043ff1.txt 第18条, 003_8e9808dc834fcbc6.txt 准时满点)', () => {
  const p = opened();
  const out = p.send(finger(`${D} 11:00`, 'S01'));
  assert.deepEqual(eventsOf(out), [
    ['attendance.clock', 'S01', { direction: 'out', session: 0 }],
    ['attendance.flag', 'S01', { flag: 'early_leave', session: 0, minutes: 60 }],
    ['window.state', undefined, { from: 'in_service', to: 'closed', why: 'clock_out' }],
    ['window.violation', undefined, { rule: 'closed_during_hours', why: 'clock_out', minutes_left: 60 }],
  ]);
  assert.deepEqual(plateOf(out)!.banner, { title: '下班', lines: ['欢迎您监督和帮助'], style: 'inverted' });
  assert.equal(plateOf(out)!.person, undefined);
});

test('closing by command: with an allowed reason no violation; without one a violation (002_79de1a0ec8043ff1.txt, 003_8e9808dc834fcbc6.txt)', () => {
  const allowed = opened();
  const a = allowed.send(cmd(`${D} 10:00`, 'window.set_state', { state: 'closed', reason: 'system_fault' }));
  assert.deepEqual(eventsOf(a), [['window.state', 'S01', { from: 'in_service', to: 'closed', why: 'command:window.set_state', reason: 'system_fault' }]]);
  assert.deepEqual(plateOf(a)!.banner.lines, ['系统故障', '给您带来不便，敬请谅解']);
  const bare = opened();
  assert.deepEqual(eventsOf(bare.send(cmd(`${D} 10:00`, 'window.set_state', { state: 'closed' }))).map((e) => e[0]), ['window.state', 'window.violation']);
  assert.deepEqual(rejectOf(bare.send(cmd(`${D} 10:01`, 'window.set_state', { state: 'closed', reason: 'meeting' }))), ['the window is already closed']);
  // Back in service by command; the day's closing then follows the hours again.
  assert.deepEqual(eventsOf(bare.send(cmd(`${D} 10:05`, 'window.set_state', { state: 'in_service' }))).map((e) => e[2].to), ['in_service']);
});

test('states follow the hours: not open before, lunch break shows the afternoon opening, closed after (003_8e9808dc834fcbc6.txt 对外公示的时间)', () => {
  const p = opened();
  p.runUntil(at(`${D} 17:00`).wallMs);
  const states = p.log.flatMap((l) => eventsOf(l.outputs).filter((e) => e[0] === 'window.state').map((e) => `${l.time.slice(0, 5)} ${e[2].from}→${e[2].to} (${e[2].why})`));
  // S01 never clocked out at lunch: still here, so the window serves again at 13:30.
  assert.deepEqual(states, ['09:00 not_open→in_service (opening)', '12:00 in_service→not_open (closing)', '13:30 not_open→in_service (opening)', '17:00 in_service→closed (closing)']);
  const lunch = p.log.find((l) => l.time === '12:00:00')!;
  assert.deepEqual(plateOf(lunch.outputs)!.banner.lines, ['午间休息', '13:30 开始服务']);
});

test('per-weekday hours: a Saturday-only schedule applies on a swapped working Saturday (2026-10-10)', () => {
  const env = makeEnv({ roster: ONE, hours: { by_weekday: { 6: [{ open: '09:00', close: '12:00' }] } } });
  const r = step(initialCounterState(), tick('2026-10-10 08:00'), env);
  assert.deepEqual(r.state.day!.sessions.map((x) => `${x.open}-${x.close}`), ['09:00-12:00']);
  const monday = step(initialCounterState(), tick(`${D} 08:00`), env);
  assert.equal(monday.state.day!.sessions.length, 2);
  const holiday = step(initialCounterState(), tick('2026-10-03 08:00'), env);
  assert.deepEqual([holiday.state.day!.working, holiday.state.day!.sessions.length], [false, 0]);
});

test('roster.update: versioned, an older or equal version is refused and changes nothing', () => {
  const p = opened();
  const staff = [{ ...ONE[0]!, name: '王芳芳' }, { staff_id: 'S05', name: '周婷', job_number: 'GZ0105', position: '', duties: '', phone: '', regular: true }];
  const ok = p.send(cmd(`${D} 10:00`, 'roster.update', { version: 3, staff }));
  assert.deepEqual(eventsOf(ok), [['roster.updated', undefined, { version: 3, count: 2 }]]);
  assert.equal(plateOf(ok)!.person!.name, '王芳芳', 'the nameplate follows the new roster at once');
  assert.equal(retainedOf(ok)!.roster_version, 3);
  const before = p.state;
  for (const version of [3, 2]) {
    const r = step(before, cmd(`${D} 10:01`, 'roster.update', { version, staff: [] }), p.env);
    assert.deepEqual(r.outputs, [{ kind: 'reject', reason: `roster version ${version} is not newer than 3` }]);
    assert.equal(r.state, before, 'a refused command returns the state as it was');
  }
  const dup = step(before, cmd(`${D} 10:01`, 'roster.update', { version: 4, staff: [staff[1], staff[1]] }), p.env);
  assert.deepEqual(dup.outputs, [{ kind: 'reject', reason: 'roster lists a staff_id twice' }]);
});

test('staff.leave / staff.substitute refuse unknown staff, reversed dates and self-substitution', () => {
  const p = opened();
  const r = (name: string, payload: Record<string, unknown>) => rejectOf(p.send(cmd(`${D} 10:00`, name, payload)));
  assert.deepEqual(r('staff.leave', { staff_id: 'S99', from: D, to: D }), ['staff S99 is not on the roster']);
  assert.deepEqual(r('staff.leave', { staff_id: 'S01', from: '2026-11-25', to: D }), [`from 2026-11-25 is after to ${D}`]);
  assert.deepEqual(r('staff.substitute', { substitute_id: 'S01', for_staff_id: 'S01', from: D, to: D }), ['a person cannot substitute for themselves']);
  assert.deepEqual(r('staff.substitute', { substitute_id: 'S07', for_staff_id: 'S01', from: D, to: D }), ['staff S07 is not on the roster']);
  assert.deepEqual(r('window.set_state', { state: 'paused', reason: 'business_out' }), ['"business_out" is not a pause reason (counter.away.reasons)']);
  assert.deepEqual(r('nameplate.dance', {}), ['unknown command nameplate.dance']);
});

test('window.set_state in_service is refused when nobody is clocked in', () => {
  const r = step(initialCounterState(), cmd(`${D} 09:10`, 'window.set_state', { state: 'in_service' }), makeEnv({ roster: ONE }));
  assert.deepEqual(r.outputs, [{ kind: 'reject', reason: 'nobody is clocked in at this window' }]);
});

test('state.republish sends the retained state and the plate again, unchanged ones included', () => {
  const p = opened();
  assert.deepEqual(p.send(tick(`${D} 09:30`)), [], 'nothing changed: nothing sent');
  const out = p.send(cmd(`${D} 09:31`, 'state.republish', {}));
  assert.deepEqual(out.map((o) => o.kind), ['retained', 'plate']);
});

test('last synced: the mark appears exactly when the center has been unreachable 5 min, and goes with the link (domain.md §3)', () => {
  const p = opened();
  p.send({ kind: 'link', at: at(`${D} 10:00:10`), online: false });
  assert.equal(nextDeadline(p.state, p.env), at(`${D} 10:05:10`).wallMs);
  p.runUntil(at(`${D} 10:05:10`).wallMs);
  assert.deepEqual(plateOf(p.log.at(-1)!.outputs)!.marks, ['最后同步 10:00']);
  const back = p.send({ kind: 'link', at: at(`${D} 10:20`), online: true });
  assert.equal(plateOf(back)!.marks, undefined);
});

test('the state is JSON: serialised and restored, the day goes on the same', () => {
  const p = opened();
  p.send(cmd(`${D} 09:10`, 'staff.leave', { staff_id: 'S01', from: '2026-11-24', to: '2026-11-24' }));
  const restored = restoreCounterState(serializeCounterState(p.state));
  // Everything but what the old process had shown (a new process shows the plate and state again).
  assert.deepEqual(restored, { ...p.state, shown: {} });
  const a = step(p.state, finger(`${D} 17:01`, 'S01'), p.env);
  const b = step(restored, finger(`${D} 17:01`, 'S01'), p.env);
  assert.deepEqual(b.state, a.state);
  assert.deepEqual(eventsOf(b.outputs), eventsOf(a.outputs));
  assert.throws(() => restoreCounterState('{"v":2}'), /counter state: unknown version/);
  assert.throws(() => restoreCounterState('nope'), /counter state: not JSON/);
});

test('command schemas: every command has one; payloads are checked strictly', () => {
  assert.deepEqual(Object.keys(COUNTER_COMMANDS).sort(), ['away.end', 'away.start', 'notice.clear', 'notice.show', 'pause.approve', 'roster.update', 'staff.leave', 'staff.substitute', 'state.republish', 'window.set_state']);
  assert.equal(Value.Check(COUNTER_COMMANDS['staff.leave'], { staff_id: 'S01', from: D, to: D }), true);
  assert.equal(Value.Check(COUNTER_COMMANDS['staff.leave'], { staff_id: 'S01', from: '2026-13-01', to: D }), false);
  assert.equal(Value.Check(COUNTER_COMMANDS['window.set_state'], { state: 'away' }), false, 'away comes by away.start');
  assert.equal(Value.Check(COUNTER_COMMANDS['away.start'], { reason: 'meeting', return_at: '25:00' }), false);
  assert.equal(Value.Check(COUNTER_COMMANDS['roster.update'], { version: 0, staff: [] }), false);
});

test('config: defaults follow the seeds and cross-field problems are named by key path', () => {
  const c = Value.Default(CounterConfigSchema, {}) as CounterConfig;
  assert.equal(c.attendance.prep_lead_min, 10); // 002/003/004
  assert.equal(c.away.escalate_after_min, 30); // 002
  assert.deepEqual(counterConfigProblems(c), []);
  const bad = structuredClone(c);
  bad.hours.sessions = [{ open: '09:00', close: '08:00' }, { open: '07:00', close: '10:00' }];
  bad.staff_keys.pause_reason = 'business_out';
  assert.deepEqual(counterConfigProblems(bad).map((x) => `${x.path.join('.')}: ${x.message}`), [
    'counter.hours.sessions.0.close: must be after open (09:00)',
    'counter.hours.sessions.1.open: must not be before the previous session closes (08:00)',
    'counter.staff_keys.pause_reason: "business_out" is not a pause reason in counter.away.reasons',
  ]);
});

test('a counter off for days catches up to today: the old day is closed, missed days get no verdicts', () => {
  const p = opened();
  // Off from 10:00 Monday until Thursday 08:00: the next input catches up.
  const out = p.deliver(tick('2026-11-26 08:00'));
  const evs = eventsOf(out).map((e) => [e[0], e[1], e[2].flag ?? e[2].to]);
  assert.deepEqual(evs, [
    ['window.state', 'S01', 'not_open'], // Monday 12:00 closing
    ['window.state', 'S01', 'in_service'], // Monday 13:30
    ['window.state', 'S01', 'closed'], // Monday 17:00
    ['attendance.flag', 'S01', 'absent'], // Monday afternoon: no clock-in for it (a punch per session)
    ['attendance.flag', 'S01', 'missing_punch'], // Monday day end: the morning's clock-in has no clock-out
    ['window.state', undefined, 'not_open'], // Thursday
  ]);
  assert.equal(p.state.day!.date, '2026-11-26');
});

test('the early-leave grace applies to the window too: a clock-out 3 min before closing with 5 min grace is neither (002_79de1a0ec8043ff1.txt)', () => {
  const p = new CounterPlayer(makeEnv({ roster: ONE, attendance: { early_leave_grace_min: 5 } }));
  p.send(tick(`${D} 08:30`));
  p.send(finger(`${D} 08:40`, 'S01'));
  const out = p.send(finger(`${D} 11:57`, 'S01'));
  assert.deepEqual(eventsOf(out).map((e) => e[0]), ['attendance.clock', 'window.state']);
});

test('a substitute sent for someone takes the nameplate over at once, even if that person came later (顶岗, 004_3f4545cb80211455.txt)', () => {
  const roster = [...ONE, { staff_id: 'S03', name: '赵敏', job_number: 'GZ0103', position: '', duties: '', phone: '', regular: false }];
  const p = new CounterPlayer(makeEnv({ roster }));
  p.send(tick(`${D} 08:30`));
  p.send(finger(`${D} 08:35`, 'S03'));
  assert.equal(plateOf(p.send(finger(`${D} 08:40`, 'S01')))!.person!.name, '王芳', 'the latest arrival is shown');
  const out = p.send(cmd(`${D} 08:45`, 'staff.substitute', { substitute_id: 'S03', for_staff_id: 'S01', from: D, to: D }));
  assert.equal(plateOf(out)!.person!.name, '赵敏');
  assert.equal(retainedOf(out)!.staff_id, 'S03');
});

test('a link back before 5 min leaves no mark and no deadline for it (domain.md §3)', () => {
  const p = opened();
  p.send({ kind: 'link', at: at(`${D} 10:00`), online: false });
  const back = p.send({ kind: 'link', at: at(`${D} 10:03`), online: true });
  assert.deepEqual(back, []);
  assert.equal(nextDeadline(p.state, p.env), at(`${D} 12:00`).wallMs, 'the next deadline is the closing');
});

test('a closure by command lasts the day; the next day starts normally (002_79de1a0ec8043ff1.txt)', () => {
  const p = opened();
  p.send(cmd(`${D} 10:00`, 'window.set_state', { state: 'closed', reason: 'approved_closure' }));
  p.send(finger(`${D} 10:01`, 'S01'));
  p.runUntil(at('2026-11-24 08:00').wallMs);
  assert.equal(p.state.closure, undefined);
  p.send(finger('2026-11-24 08:40', 'S01'));
  p.runUntil(at('2026-11-24 09:00').wallMs);
  assert.equal(p.state.window.state, 'in_service');
});
