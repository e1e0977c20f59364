// Away (离岗) and pause (暂停服务), domain.md §2:
// the 暂停服务 sign and telling where one goes — 000_f893b926b189d24e.txt, 002_79de1a0ec8043ff1.txt, 003_8e9808dc834fcbc6.txt;
// the away sign with reason and contact, the formal notice beyond 30 min, 未按时归岗, one-person windows
// need a substitute — 002_79de1a0ec8043ff1.txt; pausing for internal work needs a leader's consent —
// 003_8e9808dc834fcbc6.txt; guiding citizens to another window — 002, 003.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterPlayer, makeEnv, finger, key, cmd, tick, eventsOf, plateOf, at } from './counter-fixture.ts';

const D = '2026-11-23';
const ONE = [{ staff_id: 'S01', name: '王芳', job_number: 'GZ0101', phone: '13800000001', regular: true }];
const TWO = [...ONE, { staff_id: 'S02', name: '李强', job_number: 'GZ0102', phone: '', regular: true }];

function open(roster = ONE, counter: Record<string, unknown> = {}) {
  const p = new CounterPlayer(makeEnv({ roster, ...counter }));
  p.send(tick(`${D} 08:30`));
  for (const s of roster) if (s.regular) p.send(finger(`${D} 08:40`, s.staff_id));
  p.runUntil(at(`${D} 09:00`).wallMs);
  return p;
}
const evs = (p: CounterPlayer, from = 0) => p.log.slice(from).flatMap((l) => eventsOf(l.outputs).map((e) => [l.time.slice(0, 5), e[0], e[1], e[2]] as [string, string, string | undefined, Record<string, unknown>]));
const types = (p: CounterPlayer, from = 0) => evs(p, from).map((e) => `${e[0]} ${e[1]}`);

test('pause key: 暂停服务 with the window to go to; pressed again resumes (002_79de1a0ec8043ff1.txt, 003_8e9808dc834fcbc6.txt)', () => {
  const p = open(ONE, { away: { redirect_window: 'A08' } });
  const out = p.send(key(`${D} 10:00`, 'pause'));
  assert.deepEqual(eventsOf(out), [['window.state', 'S01', { from: 'in_service', to: 'paused', why: 'pause', redirect_window: 'A08', reason: 'temporary', approval: 'not_needed' }]]);
  assert.deepEqual(plateOf(out)!.banner, { title: '暂停服务', lines: ['请到A08号窗口办理'], style: 'inverted' });
  const back = p.send(key(`${D} 10:05`, 'pause'));
  assert.deepEqual(eventsOf(back), [['window.state', 'S01', { from: 'paused', to: 'in_service', why: 'resume' }]]);
});

test('pause without a redirect window sends citizens to 其它窗口 (002_79de1a0ec8043ff1.txt 引导服务对象到其它窗口办理)', () => {
  const p = open();
  assert.deepEqual(plateOf(p.send(key(`${D} 10:00`, 'pause')))!.banner.lines, ['请到其它窗口办理']);
});

test('pause for internal work: flagged until approved; ending unapproved is a violation (003_8e9808dc834fcbc6.txt)', () => {
  const p = open();
  p.send(cmd(`${D} 10:00`, 'window.set_state', { state: 'paused', reason: 'internal_work' }));
  const out = p.send(cmd(`${D} 10:30`, 'window.set_state', { state: 'in_service' }));
  assert.deepEqual(eventsOf(out), [
    ['window.violation', 'S01', { rule: 'pause_unapproved', reason: 'internal_work', minutes: 30, why: 'command' }],
    ['window.state', 'S01', { from: 'paused', to: 'in_service', why: 'command:window.set_state' }],
  ]);
});

test('pause with approval given in the command is not flagged (003_8e9808dc834fcbc6.txt 征得领导同意)', () => {
  const p = open();
  const out = p.send(cmd(`${D} 10:00`, 'window.set_state', { state: 'paused', reason: 'internal_work', approved_by: '张主任' }));
  assert.equal(eventsOf(out)[0]![2].approval, 'approved');
  assert.deepEqual(eventsOf(p.send(key(`${D} 10:30`, 'pause'))).map((e) => e[0]), ['window.state']);
});

test('pause during published hours without a reason is a violation (002_79de1a0ec8043ff1.txt 第18条 对外服务，准时满点)', () => {
  const p = open();
  const out = p.send(cmd(`${D} 10:00`, 'window.set_state', { state: 'paused' }));
  assert.deepEqual(eventsOf(out).map((e) => [e[0], e[2].rule ?? e[2].to]), [['window.violation', 'pause_without_reason'], ['window.state', 'paused']]);
});

test('a pause still open at closing ends there; an unapproved one is a violation (003_8e9808dc834fcbc6.txt)', () => {
  const p = open();
  p.send(cmd(`${D} 11:40`, 'window.set_state', { state: 'paused', reason: 'internal_work' }));
  p.runUntil(at(`${D} 12:00`).wallMs);
  assert.deepEqual(types(p, p.log.length - 1), ['12:00 window.violation', '12:00 window.state']);
  assert.equal(p.state.pause, undefined);
});

test('away key: 离岗 sign with reason, contact (the staff phone) and return; key again ends it with the duration (002_79de1a0ec8043ff1.txt)', () => {
  const p = open();
  const out = p.send(key(`${D} 10:00`, 'away'));
  assert.deepEqual(plateOf(out)!.banner, { title: '离岗', lines: ['事由：临时离开', '联系电话：13800000001', '预计返回：10:15'], style: 'inverted' });
  const back = p.send(key(`${D} 10:12`, 'away'));
  assert.deepEqual(eventsOf(back), [
    ['away.ended', 'S01', { duration_min: 12, by: 'key', overdue_min: 0 }],
    ['window.state', 'S01', { from: 'away', to: 'in_service', why: 'return' }],
  ]);
});

test('away overdue: at the announced time, then every 10 min; a late tick gives one event, not a burst (002_79de1a0ec8043ff1.txt 未按时归岗)', () => {
  const p = open(ONE, { away: { escalate_after_min: 600 } });
  p.send(cmd(`${D} 10:00`, 'away.start', { reason: 'business_out', return_at: '10:20', contact: '分机 8021', formal_notice: true }));
  p.runUntil(at(`${D} 10:40`).wallMs);
  assert.deepEqual(evs(p).filter((e) => e[1] === 'away.overdue').map((e) => [e[0], e[3]]), [
    ['10:20', { minutes_over: 0, count: 1, return_at: '10:20' }],
    ['10:30', { minutes_over: 10, count: 2, return_at: '10:20' }],
    ['10:40', { minutes_over: 20, count: 3, return_at: '10:20' }],
  ]);
  // The shell's timer fired 25 minutes late (due 10:50): one overdue event, and the next one on the 10-minute grid.
  const out = p.deliver(tick(`${D} 11:15`));
  assert.deepEqual(eventsOf(out).map((e) => e[2]), [{ minutes_over: 55, count: 4, return_at: '10:20' }]);
  assert.equal(p.state.aways[0]!.next_overdue_ms, at(`${D} 11:20`).wallMs);
});

test('away > 30 min without the formal notice escalates; alone at the window with no substitute: violation (002_79de1a0ec8043ff1.txt)', () => {
  const p = open();
  p.send(cmd(`${D} 10:00`, 'away.start', { reason: 'meeting', minutes: 45 }));
  // Announced 45 min alone, no substitute: the violation comes at once; escalation at 30 min.
  assert.deepEqual(types(p, p.log.length - 1), ['10:00 away.started', '10:00 window.violation', '10:00 window.state']);
  p.runUntil(at(`${D} 10:30`).wallMs);
  assert.deepEqual(evs(p, p.log.length - 1), [['10:30', 'away.escalated', 'S01', { minutes: 30, reason: 'meeting', formal_notice: false }]]);
});

test('with the formal notice there is no escalation; with a colleague at the window, no violation (002_79de1a0ec8043ff1.txt)', () => {
  const p = open(TWO);
  const from = p.log.length;
  p.send(cmd(`${D} 10:00`, 'away.start', { staff_id: 'S01', reason: 'meeting', minutes: 60, formal_notice: true }));
  p.runUntil(at(`${D} 10:59`).wallMs);
  assert.deepEqual(types(p, from), ['10:00 away.started']);
  // The window stays in service by S02 and shows S02.
  assert.equal(p.state.window.state, 'in_service');
  assert.equal(plateOf(p.log.at(-1)!.outputs)?.person?.name ?? plateOf(p.log[from]!.outputs)?.person?.name, '李强');
});

test('a substitute arranged for the person going away: no single-staff violation (002_79de1a0ec8043ff1.txt 安排好替岗人员后，方可离岗)', () => {
  const p = open([...ONE, { staff_id: 'S03', name: '赵敏', job_number: 'GZ0103', phone: '', regular: false }]);
  p.send(cmd(`${D} 09:50`, 'staff.substitute', { substitute_id: 'S03', for_staff_id: 'S01', from: D, to: D }));
  const out = p.send(cmd(`${D} 10:00`, 'away.start', { reason: 'meeting', minutes: 60, formal_notice: true }));
  assert.deepEqual(eventsOf(out).map((e) => e[0]), ['away.started', 'window.state']);
});

test('fingerprint return ends the away; the away of someone who never returns ends at the day end (002_79de1a0ec8043ff1.txt)', () => {
  const p = open();
  p.send(key(`${D} 10:00`, 'away'));
  assert.deepEqual(eventsOf(p.send(finger(`${D} 10:10`, 'S01'))).map((e) => [e[0], e[2].by ?? e[2].to]), [['away.ended', 'finger'], ['window.state', 'in_service']]);
  p.send(key(`${D} 16:00`, 'away'));
  p.runUntil(at(`${D} 19:00`).wallMs);
  const end = evs(p, p.log.length - 1);
  assert.deepEqual(end.map((e) => [e[1], e[3].by ?? e[3].flag]), [['away.ended', 'day_end'], ['attendance.flag', 'missing_punch']]);
});

test('away commands are refused when nobody is there, twice, with an unknown reason or a past return (002_79de1a0ec8043ff1.txt)', () => {
  const p = open();
  const rej = (name: string, payload: Record<string, unknown>) => p.send(cmd(`${D} 10:00`, name, payload)).filter((o) => o.kind === 'reject').map((o) => (o as { reason: string }).reason);
  assert.deepEqual(rej('away.start', { staff_id: 'S02', reason: 'meeting' }), ['S02 is not clocked in at this window']);
  assert.deepEqual(rej('away.start', { reason: 'shopping' }), ['"shopping" is not an away reason (counter.away.reasons)']);
  assert.deepEqual(rej('away.start', { reason: 'meeting', return_at: '09:30' }), ['return_at 09:30 is not after now']);
  assert.deepEqual(rej('away.end', {}), ['nobody is not away']);
  assert.deepEqual(rej('pause.approve', { approved_by: 'x' }), ['the window is not paused']);
});

test('a long away over the lunch break is no single-staff violation: the window is not open (002_79de1a0ec8043ff1.txt)', () => {
  const p = open();
  const out = p.send(cmd(`${D} 12:05`, 'away.start', { reason: 'meeting', minutes: 60, formal_notice: true }));
  assert.deepEqual(eventsOf(out).map((e) => e[0]), ['away.started']);
});
