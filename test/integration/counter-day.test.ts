// A whole simulated day at window A07, through the app (test/helpers/counter-harness.ts: real App,
// real counter shell and rules, simulated drivers, ManualClock) and a real MQTT broker (aedes
// in-process, the real MqttSync): 08:30 → 17:45 on Sunday 2026-09-20, a 调休 working day
// (chinese-days; 国务院办公厅关于2026年部分节假日安排的通知: 9月20日（周日）上班).
// Rules and seeds: 指纹考勤, 四亮 nameplate (001_3340ef5167649bf2.txt); 提前10分钟到岗 (002_79de1a0ec8043ff1.txt,
// 003_8e9808dc834fcbc6.txt, 004_3f4545cb80211455.txt); pause with a leader's consent (003: 扎账…征得领导同意);
// away > 30 min escalates, 替岗 (002); 顶岗补位 (004); 不得早退/旷工 (all); evaluation invitations, 差评 within
// 3 working days (002; 国办发〔2019〕51号); receipts and notices (000_f893b926b189d24e.txt; 行政许可法 §32); 补打 (000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCounter, waitFor, type CounterHarness } from '../helpers/counter-harness.ts';
import { startAedes, startCollector, mqttConfig, type TestBroker, type Collector } from '../helpers/brokers.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { EscPosPrinter } from '../../drivers/printer/driver.ts';
import type { EventEnvelope } from '../../core/events.ts';
import type { PlateContent } from '../../drivers/eink/plate-content.ts';

const MIN = 60_000;
const ROSTER = [
  { staff_id: 'S01', name: '王芳', job_number: 'GZ0101', position: '综合受理员', duties: '社保医保业务受理', phone: '13800000001' },
  { staff_id: 'S02', name: '李强', job_number: 'GZ0102', position: '综合受理员', duties: '不动产登记受理', phone: '13800000002' },
  { staff_id: 'S03', name: '张丽', job_number: 'GZ0103', position: '后台审核员', duties: '顶岗补位', regular: false },
  { staff_id: 'S04', name: '赵刚', job_number: 'GZ0104', position: '综合受理员' },
];
const at = (hhmm: string) => Date.parse(`2026-09-20T${hhmm}:00+08:00`);

const EXPECTED_DAY = [
  // 08:40 on time (by 08:50, 提前10分钟到岗); 08:55 prep_short; the window opens at 09:00 with the latest arrival.
  'attendance.clock S01 direction=in session=0',
  'attendance.clock S02 direction=in session=0',
  'attendance.flag S02 session=0 flag=prep_short',
  'window.state S02 from=not_open to=in_service why=opening',
  // A001: rated inside its invitation; a later press is unsolicited, never counted.
  'service.started S02 ticket=A001 stage=1',
  'service.completed S02 ticket=A001 stage=1',
  'evaluation.submitted S02 satisfaction=5 stage=1',
  'evaluation.unsolicited - satisfaction=4',
  // A002: nobody rates; the invitation expires without a level.
  'service.started S02 ticket=A002 stage=1',
  'service.completed S02 ticket=A002 stage=1',
  'evaluation.expired S02 reason=timeout stage=1',
  // Three presses in 1 s: the third is flagged as a burst.
  'evaluation.unsolicited - satisfaction=3',
  'evaluation.unsolicited - satisfaction=3',
  'evaluation.unsolicited - satisfaction=3 flags=burst',
  // A003: 差评 → urgent complaint, the rating, the follow-up slip.
  'service.started S02 ticket=A003 stage=1',
  'service.completed S02 ticket=A003 stage=1',
  'evaluation.complaint S02 satisfaction=2 stage=1',
  'evaluation.submitted S02 satisfaction=2 stage=1',
  'paper.issued S02 kind=complaint_slip doc_id=complaint_slip-C-003-1',
  // The acceptance notice and its reprint (补打 key): one number.
  'paper.issued S02 kind=acceptance number=示范政务受字〔2026〕第0001号 doc_id=acc-0001',
  'paper.issued S02 kind=acceptance number=示范政务受字〔2026〕第0001号 doc_id=acc-0001~r1',
  // A pause for internal work needs a leader's consent (003): pending, approved, back in service.
  'window.state S02 from=in_service to=paused why=command:window.set_state reason=internal_work approval=pending',
  'pause.approved S02 reason=internal_work',
  'window.state S02 from=paused to=in_service why=command:window.set_state',
  // During the outage: S01 away 20 min, overdue at 10:50, escalated at 11:00 (> 30 min, 002), back 11:05.
  'away.started S01 reason=meeting',
  'away.overdue S01',
  'away.escalated S01 reason=meeting',
  'away.overdue S01',
  'away.ended S01',
  // Lunch: the morning closes; S04 never came (absent); clock-outs.
  'window.state S02 from=in_service to=not_open why=closing',
  'attendance.flag S04 session=0 flag=absent',
  'attendance.clock S01 direction=out session=0',
  'attendance.clock S02 direction=out session=0',
  // S03 stands in for S02 in the afternoon (替岗 002, 顶岗补位 004) and opens the window.
  'staff.substitute S03 from=2026-09-20 to=2026-09-20',
  'attendance.clock S03 direction=in session=1',
  'window.state S03 from=not_open to=in_service why=opening',
  // S01: late at 13:40, leaves early at 16:30 (不得早退).
  'attendance.clock S01 direction=in session=1',
  'attendance.flag S01 session=1 flag=late',
  'attendance.clock S01 direction=out session=1',
  'attendance.flag S01 session=1 flag=early_leave',
  // 17:00: closed; S04 absent again; S03 clocks out on time. S02, replaced, is not absent.
  'window.state S03 from=in_service to=closed why=closing',
  'attendance.flag S04 session=1 flag=absent',
  'attendance.clock S03 direction=out session=1',
];

/** An event as the test pins it: type, staff, and the data keys that say what happened. */
function brief(e: { type: string; staff_id?: string; data: Record<string, unknown> }): string {
  const d = e.data;
  const keys = ['direction', 'session', 'flag', 'verdict', 'kind', 'from', 'to', 'why', 'reason', 'approval', 'overdue_count', 'ticket', 'outcome', 'satisfaction', 'flags', 'stage', 'number', 'doc_id', 'year'];
  const parts = keys.filter((k) => d[k] !== undefined).map((k) => `${k}=${Array.isArray(d[k]) ? (d[k] as unknown[]).join('+') : String(d[k])}`);
  return [e.type, e.staff_id ?? '-', ...parts].join(' ');
}

test('a whole 调休 Sunday at A07 through the app and an MQTT broker, with an outage in the middle', { timeout: 120_000 }, async () => {
  const broker: TestBroker = await startAedes();
  const center: Collector = await startCollector(broker.url, ['zwfw/v1/main/A07/evt/#']);
  const plates: PlateContent[] = [];
  let h!: CounterHarness;
  h = await startCounter({
    start: '2026-09-20T08:30:00+08:00',
    config: {
      counter: { roster: ROSTER, away: { redirect_window: 'A08' } },
      eink: { nameplate: { supervision_phone: '0871-12345678', complaint_phone: '12345' } },
      service: { papers: { agency: '示范政务受字' } },
    },
    // The device reconnects after the center's collector (100 ms), so nothing is published to a broker nobody listens on.
    createMqtt: ({ boot, outbox, clock, logger, config }) => new MqttSync({
      config: mqttConfig(broker.url, { reconnect_min_ms: 1500, reconnect_max_ms: 2000 }), window: config.window, logger, clock,
      scheduler: systemScheduler(), outbox, boot, version: 'test', configHash: 'day',
    }),
  });
  try {
    // What the panel is asked to draw (the PlateContent decided by the rules).
    const panel = h.app.context().drivers.eink.current()!;
    const draw = panel.show.bind(panel);
    panel.show = (c) => { plates.push(c); return draw(c); };
    const plate = () => plates.at(-1)!;
    await waitFor('the link to the broker', () => (h.app.health() as { mqtt?: { connected?: boolean } }).mqtt?.connected === true);
    const to = async (hhmm: string) => { await h.advance(at(hhmm) - h.clock.now()); await h.settle(); };
    const view = async () => (await h.api('GET', '/api/counter')).json as Record<string, any>;
    const key = async (k: string) => { const r = await h.api('POST', '/api/counter/key', { key: k }); assert.equal(r.status, 200, JSON.stringify(r.json)); };
    // Held 1 ms of real time and released before the counter's time moves (else the driver sees a stuck key).
    const press = async (k: string) => { await h.press(k, 1); await new Promise((r) => setTimeout(r, 30)); await h.settle(); };
    const cmd = async (name: string, payload: Record<string, unknown> = {}) => {
      const r = await h.command(name, payload);
      assert.equal(r.res.status, 'ok', `${name}: ${r.res.error}`);
      return r;
    };
    const dayStart = h.mark();
    for (const id of ['S01', 'S02', 'S03']) await h.enrol(id);

    await to('08:40'); await h.finger('S01');
    await to('08:55'); await h.finger('S02');
    await to('09:10');
    await cmd('case.call', { ticket: 'A001', item_name: '营业执照', promised: true, case_id: 'C-001' });
    await to('09:20'); await key('complete');
    const invited = await view();
    assert.deepEqual(invited.invitation, { case_id: 'C-001', stage: 1, expires_at: '2026-09-20T09:21:00.000+08:00' });
    await h.settle();
    assert.deepEqual(plate().banner.lines, ['您好，请对本次服务进行评价'], 'the invitation on the nameplate');
    await h.advance(30_000); await press('very_satisfied');
    assert.deepEqual(plate().banner.lines, ['感谢您的评价']);
    await to('09:25'); await press('satisfied');
    assert.deepEqual(plate().banner.lines, ['您好，请问您办理什么业务？'], 'after the thanks, the courtesy phrase again (002 §6)');

    await to('09:30'); await cmd('case.call', { ticket: 'A002', item_name: '社保转移' });
    await to('09:40'); await key('complete');
    await to('09:42');

    await to('09:50');
    // Three presses within burst_window_ms (2 s) of counter time; each released (1 ms hold, real time) before the next.
    for (let i = 0; i < 3; i++) { await press('basically_satisfied'); await h.advance(500); }

    await to('10:00'); await cmd('case.call', { ticket: 'A003', item_name: '不动产登记', case_id: 'C-003' });
    await to('10:05'); await key('complete');
    await h.advance(20_000); await press('dissatisfied');
    await to('10:08');
    await cmd('paper.print', { kind: 'acceptance', doc_id: 'acc-0001', case_id: 'C-001', fields: { applicant: '李娜', item_name: '营业执照', promised_working_days: 5 } });
    await to('10:09'); await key('reprint');

    await to('10:10'); await cmd('window.set_state', { state: 'paused', reason: 'internal_work' });
    assert.deepEqual([plate().banner.title, plate().banner.lines], ['暂停服务', ['请到A08号窗口办理']]);
    await to('10:12'); await cmd('pause.approve', { approved_by: 'L01' });
    await to('10:20'); await cmd('window.set_state', { state: 'in_service' });

    // The broker goes down; what happens meanwhile waits in the outbox.
    await broker.stop();
    const heardBeforeOutage = center.messages.length;
    const outageFrom = h.mark();
    await waitFor('the device to see the outage', () => (h.app.health() as { mqtt?: { connected?: boolean } }).mqtt?.connected === false);
    await to('10:30'); await cmd('away.start', { staff_id: 'S01', reason: 'meeting', minutes: 20 });
    await to('10:31');
    assert.equal(plate().person!.name, '李强', 'S02 still serves while S01 is away: the nameplate shows who is here');
    assert.deepEqual(plate().marks, ['最后同步 10:20'], 'the center unreachable for 5 min and more: the nameplate says since when');
    await to('11:05');
    await h.finger('S01');
    const outageEvents = h.since(outageFrom);
    assert.deepEqual(outageEvents.filter((e) => e.type !== 'command.received').map((e) => e.type), ['away.started', 'away.overdue', 'away.escalated', 'away.overdue', 'away.ended']);
    assert.equal(center.messages.length, heardBeforeOutage, 'nothing reached the center while the broker was down');
    await broker.restart();
    await waitFor('the device back on the broker', () => (h.app.health() as { mqtt?: { connected?: boolean } }).mqtt?.connected === true, 20_000);
    await h.settle();
    assert.equal(plate().marks, undefined, 'the mark goes when the link is back');

    await to('12:00'); await h.finger('S01'); await h.finger('S02');
    await to('12:30'); await cmd('staff.substitute', { substitute_id: 'S03', for_staff_id: 'S02', from: '2026-09-20', to: '2026-09-20' });
    await to('13:25'); await h.finger('S03');
    await to('13:31');
    assert.deepEqual([plate().banner.title, plate().person!.name, plate().person!.fields.map((f) => f.value)], ['在岗服务', '张丽', ['GZ0103', '后台审核员', '顶岗补位']], 'the substitute on the nameplate (四亮)');
    await to('13:40'); await h.finger('S01');
    await to('16:30'); await h.finger('S01');
    await to('17:00'); await h.finger('S03');
    await to('17:45');

    const day = h.since(dayStart).filter((e) => e.type !== 'command.received' && !e.type.startsWith('print.'));
    assert.deepEqual(day.map(brief), EXPECTED_DAY);

    // The center got every event of the day exactly once, in seq order — the outage's too, after the restart.
    const last = h.events().at(-1)!.seq;
    await waitFor('every event at the center', () => center.messages.some((m) => (m.json as EventEnvelope | undefined)?.seq === last), 20_000);
    const firstSeq = h.events()[dayStart]!.seq;
    const received = center.messages.map((m) => m.json as EventEnvelope).filter((e) => e && e.seq >= firstSeq);
    assert.deepEqual(received.map((e) => [e.seq, e.type, e.staff_id]), h.events().slice(dayStart).map((e) => [e.seq, e.type, e.staff_id]));
    assert.deepEqual(received.filter((e) => e.type !== 'command.received' && !e.type.startsWith('print.')).map(brief), EXPECTED_DAY, 'the broker got the day as the rules decided it');
    const outageSeqs = outageEvents.map((e) => e.seq);
    assert.ok(center.messages.findIndex((m) => (m.json as EventEnvelope | undefined)?.seq === outageSeqs[0]) >= heardBeforeOutage);

    // The papers as printed: decoded from the ESC/POS bytes the simulated printer received.
    const d = h.app.context().drivers.printer.current();
    assert.ok(d instanceof EscPosPrinter && d.sim);
    await waitFor('three papers printed', () => d.sim!.emulator.lines().filter((l) => l.startsWith('[CUT')).length === 3);
    const lines = d.sim.emulator.lines();
    const docs = lines.join('\n').split(/\[CUT[^\]]*\]\n?/).filter(Boolean);
    // 差评 slip (002: answer in 3 working days; fix in 15: past 中秋 and 国庆, counting the 调休 Saturday 10-10).
    assert.match(docs[0]!, /服务评价回访单/);
    assert.match(docs[0]!, /办件编号：C-003/);
    assert.match(docs[0]!, /答复期限：2026年9月23日前/);
    assert.match(docs[0]!, /整改期限：2026年10月16日前/);
    // 受理通知书: numbered, promised date 5 working days on — past the 中秋 holiday (Fri 9-25 … Sun 9-27).
    assert.match(docs[1]!, /受理通知书\n\s+示范政务受字〔2026〕第0001号/);
    assert.match(docs[1]!, /承诺办结：2026年9月28日/);
    assert.match(docs[1]!, /受理人  ：李强（工号GZ0102）/);
    assert.doesNotMatch(docs[1]!, /补打/);
    // 补打 (000): the same paper, same number, marked.
    assert.match(docs[2]!, /【补打】/);
    assert.equal(docs[2]!.replace(/\n\[B\]\s+【补打】/, ''), docs[1]);
  } finally {
    await h.stop();
    await center.stop();
    await broker.stop();
  }
});
