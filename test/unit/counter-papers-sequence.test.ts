// A scripted stretch of two days at window A07, at the pure level: inputs at times, run through
// stepService with a tick at every nextServiceDeadline that comes due (what the shell's one timer
// does), asserting the exact outputs. Cases called and completed, ratings inside and outside an
// invitation, an expired invitation, a burst flagged, a 差评 with its slip and dates across the
// National Day holiday, an acceptance notice whose promised date counts the 调休 Saturday, a reprint.
// Sources: 000_f893b926b189d24e.txt, 001_3340ef5167649bf2.txt, 002_79de1a0ec8043ff1.txt,
// 004_3f4545cb80211455.txt; 国办发〔2019〕51号; 行政许可法 §32; State Council 2026 holiday notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialServiceState, nextServiceDeadline, stepService } from '../../device/counter/service.ts';
import type { CounterInput, CounterOutput, EventOutput, PrintOutput } from '../../device/counter/types.ts';
import { command, defaultTemplates, key, makeEnv, printedLines, staffKey } from './counter-service-fixture.ts';

const env = makeEnv(await defaultTemplates());

/** Feed the script; before each input, tick at every deadline that falls due (as the shell does). */
function play(script: Array<[string, CounterInput]>): Array<[string, CounterOutput[]]> {
  let s = initialServiceState();
  const log: Array<[string, CounterOutput[]]> = [];
  for (const [label, input] of script) {
    for (let d = nextServiceDeadline(s); d !== undefined && d <= input.at.wallMs; d = nextServiceDeadline(s)) {
      const r = stepService(s, { kind: 'tick', at: { wallMs: d, monoMs: input.at.monoMs - (input.at.wallMs - d), quality: 'ntp' } }, env);
      s = r.state;
      log.push([`tick ${new Date(d + 8 * 3600_000).toISOString().slice(11, 19)}`, r.outputs]);
    }
    const r = stepService(s, input, env);
    s = r.state;
    log.push([label, r.outputs]);
  }
  return log;
}

const ev = (type: string, caseId: string | undefined, data: Record<string, unknown>, urgent?: true): EventOutput => ({
  kind: 'event', event: { type, ...(caseId ? { case_id: caseId, staff_id: 'S0123' } : {}), data }, ...(urgent ? { urgent } : {}),
});
const LIT = { kind: 'lights', pattern: { very_satisfied: 'on', satisfied: 'on', basically_satisfied: 'on', dissatisfied: 'on' } } as const;
const OFF = { kind: 'lights', pattern: {} } as const;
const thanks = (k: string) => ({ kind: 'lights', pattern: { [k]: { flash_ms: 3000 } } }) as const;
const who = { staff_id: 'S0123', staff_name: '王敏', window_id: 'A07', window_name: '综合受理窗口' };
const rated = (caseId: string, item: Record<string, string>, stage: 1 | 2, satisfaction: number, level: string, k: string, time: string, extra: Record<string, unknown> = {}) =>
  ev('evaluation.submitted', caseId, { case_id: caseId, ...item, ...who, stage, channel: 'window_evaluator', satisfaction, level, key: k, bad: satisfaction <= 2, reason_codes: [], reason_labels: [], rated_at: `${time}.000+08:00`, time_quality: 'ntp', ...extra });
const ANY_PRINT = 'print';

test('two days at window A07: the exact outputs', () => {
  const log = play([
    ['call A001', command('2026-09-30T09:00:00', 'case.call', { ticket: 'A001', case_id: 'C-1', item_code: 'HJ-01', item_name: '户籍证明', waiting_ms: 300_000 })],
    ['complete A001', command('2026-09-30T09:06:00', 'case.complete', { case_id: 'C-1' })],
    ['rate 非常满意', key('2026-09-30T09:06:05', 'very_satisfied')],
    ['press outside', key('2026-09-30T09:10:00', 'satisfied')],
    ['key 呼叫', staffKey('2026-09-30T09:20:00', 'call')],
    ['key 完成', staffKey('2026-09-30T09:25:00', 'complete')],
    ['call A002', command('2026-09-30T09:30:00', 'case.call', { ticket: 'A002', case_id: 'C-2', item_name: '户籍证明' })],
    ['complete A002', command('2026-09-30T09:35:00', 'case.complete', { ticket: 'A002' })],
    ['burst 1', key('2026-09-30T09:35:03', 'very_satisfied')],
    ['burst 2', key('2026-09-30T09:35:03.500', 'very_satisfied')],
    ['burst 3', key('2026-09-30T09:35:04', 'very_satisfied')],
    ['call A003', command('2026-09-30T10:00:00', 'case.call', { ticket: 'A003', case_id: 'C-3', item_name: '社保关系转移' })],
    ['complete A003', command('2026-09-30T10:12:00', 'case.complete', { case_id: 'C-3' })],
    ['rate 不满意', key('2026-09-30T10:12:06', 'dissatisfied')],
    ['call A031 (10/9)', command('2026-10-09T10:00:00', 'case.call', { ticket: 'A031', case_id: 'ZW2026100900031', item_code: '530100-ZZ-0007', item_name: '食品经营许可', promised: true })],
    ['acceptance notice', command('2026-10-09T10:04:00', 'paper.print', { kind: 'acceptance', doc_id: 'acc-0031', fields: { applicant: '李娜', promised_working_days: 2 } })],
    ['complete A031', command('2026-10-09T10:05:00', 'case.complete', { case_id: 'ZW2026100900031' })],
    ['rate 满意 (stage 1)', key('2026-10-09T10:05:04', 'satisfied')],
    ['key 补打', staffKey('2026-10-09T10:30:00', 'reprint')],
  ]);
  const c1 = { item_code: 'HJ-01', item_name: '户籍证明' };
  const local = 'A07-20260930-001';
  const slipFor = (o: CounterOutput[]) => o.find((x): x is PrintOutput => x.kind === 'print');
  const noPrint = (o: CounterOutput[]) => o.map((x) => (x.kind === 'print' ? ANY_PRINT : x));
  assert.deepEqual(log.map(([l, o]) => [l, noPrint(o)]), [
    ['call A001', [ev('service.started', 'C-1', { ticket: 'A001', ...c1, promised: false, stage: 1, source: 'queue', waiting_ms: 300_000, waiting_from: 'queue', time_quality: 'ntp' })]],
    ['complete A001', [ev('service.completed', 'C-1', { ticket: 'A001', ...c1, promised: false, stage: 1, source: 'queue', handling_ms: 360_000, waiting_ms: 300_000, waiting_from: 'queue', time_quality: 'ntp', recalls: 0, closed_by: 'command' }), LIT]],
    ['rate 非常满意', [rated('C-1', c1, 1, 5, '非常满意', 'very_satisfied', '2026-09-30T09:06:05'), thanks('very_satisfied')]],
    ['tick 09:06:08', [OFF]],
    ['press outside', [ev('evaluation.unsolicited', undefined, { key: 'satisfied', level: '满意', satisfaction: 4, window_id: 'A07', staff_on_duty: 'S0123', pressed_at: '2026-09-30T09:10:00.000+08:00', time_quality: 'ntp' })]],
    ['key 呼叫', [ev('service.started', local, { ticket: '001', promised: false, stage: 1, source: 'key' })]],
    ['key 完成', [ev('service.completed', local, { ticket: '001', promised: false, stage: 1, source: 'key', handling_ms: 300_000, time_quality: 'ntp', recalls: 0, closed_by: 'key' }), LIT]],
    ['tick 09:26:00', [ev('evaluation.expired', local, { case_id: local, ...who, stage: 1, invited_at: '2026-09-30T09:25:00.000+08:00', reason: 'timeout', open_ms: 60_000 }), OFF]],
    ['call A002', [ev('service.started', 'C-2', { ticket: 'A002', item_name: '户籍证明', promised: false, stage: 1, source: 'queue' })]],
    ['complete A002', [ev('service.completed', 'C-2', { ticket: 'A002', item_name: '户籍证明', promised: false, stage: 1, source: 'queue', handling_ms: 300_000, time_quality: 'ntp', recalls: 0, closed_by: 'command' }), LIT]],
    ['burst 1', [rated('C-2', { item_name: '户籍证明' }, 1, 5, '非常满意', 'very_satisfied', '2026-09-30T09:35:03'), thanks('very_satisfied')]],
    ['burst 2', [ev('evaluation.unsolicited', undefined, { key: 'very_satisfied', level: '非常满意', satisfaction: 5, window_id: 'A07', staff_on_duty: 'S0123', pressed_at: '2026-09-30T09:35:03.500+08:00', time_quality: 'ntp' })]],
    ['burst 3', [ev('evaluation.unsolicited', undefined, { key: 'very_satisfied', level: '非常满意', satisfaction: 5, window_id: 'A07', staff_on_duty: 'S0123', pressed_at: '2026-09-30T09:35:04.000+08:00', time_quality: 'ntp', flags: ['burst'] })]],
    ['tick 09:35:06', [OFF]],
    ['call A003', [ev('service.started', 'C-3', { ticket: 'A003', item_name: '社保关系转移', promised: false, stage: 1, source: 'queue' })]],
    ['complete A003', [ev('service.completed', 'C-3', { ticket: 'A003', item_name: '社保关系转移', promised: false, stage: 1, source: 'queue', handling_ms: 720_000, time_quality: 'ntp', recalls: 0, closed_by: 'command' }), LIT]],
    ['rate 不满意', [
      ev('evaluation.complaint', 'C-3', { case_id: 'C-3', item_name: '社保关系转移', ...who, stage: 1, satisfaction: 2, level: '不满意', rated_at: '2026-09-30T10:12:06.000+08:00', time_quality: 'ntp', answer_by: '2026-10-10', fix_by: '2026-10-27' }, true),
      rated('C-3', { item_name: '社保关系转移' }, 1, 2, '不满意', 'dissatisfied', '2026-09-30T10:12:06'),
      thanks('dissatisfied'),
      ev('paper.issued', 'C-3', { kind: 'complaint_slip', title: '服务评价回访单', doc_id: 'complaint_slip-C-3-1', issued_at: '2026-09-30T10:12:06.000+08:00', time_quality: 'ntp' }),
      ANY_PRINT,
    ]],
    ['tick 10:12:09', [OFF]],
    ['call A031 (10/9)', [ev('service.started', 'ZW2026100900031', { ticket: 'A031', item_code: '530100-ZZ-0007', item_name: '食品经营许可', promised: true, stage: 1, source: 'queue' })]],
    ['acceptance notice', [ev('paper.issued', 'ZW2026100900031', { kind: 'acceptance', title: '受理通知书', doc_id: 'acc-0031', number: '某市政务受字〔2026〕第0001号', issued_at: '2026-10-09T10:04:00.000+08:00', time_quality: 'ntp' }), ANY_PRINT]],
    ['complete A031', [ev('service.completed', 'ZW2026100900031', { ticket: 'A031', item_code: '530100-ZZ-0007', item_name: '食品经营许可', promised: true, stage: 1, source: 'queue', handling_ms: 300_000, time_quality: 'ntp', recalls: 0, closed_by: 'command' }), LIT]],
    ['rate 满意 (stage 1)', [rated('ZW2026100900031', { item_code: '530100-ZZ-0007', item_name: '食品经营许可' }, 1, 4, '满意', 'satisfied', '2026-10-09T10:05:04'), thanks('satisfied')]],
    ['tick 10:05:07', [OFF]],
    ['key 补打', [ev('paper.issued', 'ZW2026100900031', { kind: 'acceptance', title: '受理通知书', doc_id: 'acc-0031~r1', number: '某市政务受字〔2026〕第0001号', issued_at: '2026-10-09T10:04:00.000+08:00', time_quality: 'ntp', reprint_of: 'acc-0031', reprint: 1 }), ANY_PRINT]],
  ]);

  // The 差评 slip: answered by 10/10 (3 working days over the 10/1–7 holiday, 10/10 is a 调休 Saturday), fixed by 10/27 (15).
  const slip = printedLines(slipFor(log.find(([l]) => l === 'rate 不满意')![1])!.document);
  assert.deepEqual(slip, [
    '[B 2x2]  服务评价回访单',
    '--------------------------------',
    '感谢您的评价！我们将认真核实并改',
    '进。',
    '办件编号：C-3',
    '办理事项：社保关系转移',
    '窗口    ：A07 综合受理窗口',
    '评价日期：2026年9月30日',
    '答复期限：2026年10月10日前',
    '整改期限：2026年10月27日前',
    '投诉电话：12345',
    '[QR M/6] https://hall.example/cb?case=C-3',
    '',
    ' 扫码留下联系方式，我们将回访您',
    '       欢迎您监督和帮助！',
    '',
    '[CUT partial]',
  ]);
  // The acceptance notice: 10/9 (Fri) + 2 working days = 10/12, counting the 调休 Saturday 10/10 and not Sunday 10/11.
  const notice = printedLines(slipFor(log.find(([l]) => l === 'acceptance notice')![1])!.document);
  assert.ok(notice.includes('承诺办结：2026年10月12日'), notice.join('\n'));
  const reprint = printedLines(slipFor(log.find(([l]) => l === 'key 补打')![1])!.document);
  assert.deepEqual(reprint, [notice[0], '[B]             【补打】', ...notice.slice(1)]);
});
