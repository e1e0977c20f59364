// Printed papers rule table and golden text. Every golden below is the paper as the printer prints
// it: the filled template encoded to ESC/POS bytes and decoded back by the printer emulator.
// Sources: 000_f893b926b189d24e.txt (业务办理回执: business, time, phone), 001_3340ef5167649bf2.txt
// (受理通知书, "请您X月X日来领取证书", 限时办结), 002_79de1a0ec8043ff1.txt (一次性告知, 限时办结制),
// 004_3f4545cb80211455.txt (书面告知材料清单, 补正通知书 within 5 days, 不予受理, 延长期限, 办事指南 and
// 行风监督卡 "两个一"), 行政许可法 §32 (written, numbered, dated; reasons and the right to review/lawsuit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialServiceState, stepService, type ServiceState } from '../../device/counter/service.ts';
import { parseTemplate, parseTemplates, TemplateError } from '../../device/counter/paper-templates.ts';
import { issueNumber, initialNumberingState } from '../../device/counter/numbering.ts';
import type { CounterInput, CounterOutput, PrintOutput } from '../../device/counter/types.ts';
import { command, defaultTemplates, events, makeEnv, printedLines, staffKey, types } from './counter-service-fixture.ts';

const env = makeEnv(await defaultTemplates());
function run(inputs: CounterInput[], state: ServiceState = initialServiceState(), e = env) {
  const outputs: CounterOutput[] = [];
  let s = state;
  for (const i of inputs) { const r = stepService(s, i, e); s = r.state; outputs.push(...r.outputs); }
  return { state: s, outputs };
}
const prints = (o: CounterOutput[]) => o.filter((x): x is PrintOutput => x.kind === 'print');
const called = () => run([command('2026-10-09T10:00:00', 'case.call', { ticket: 'A031', case_id: 'ZW2026100900031', item_code: '530100-ZZ-0007', item_name: '食品经营许可', promised: true })]).state;

const FIELDS: Record<string, Record<string, unknown>> = {
  receipt: {},
  one_time_notice: { applicant: '李娜', materials: ['营业执照副本复印件', '法定代表人身份证复印件', '经营场所平面图'], next_steps: ['备齐材料后到A07窗口提交'], special_notes: ['复印件须加盖公章'] },
  acceptance: { applicant: '李娜', promised_working_days: 2 },
  correction: { applicant: '李娜', materials: ['经营场所平面图（须标明面积）'], correction_deadline: '2026年10月16日' },
  rejection: { applicant: '李娜', reasons: ['申请事项不属于本机关职权范围'], redirect: '请向市场监督管理局申请。', review_agency: '某市人民政府', court: '某市人民法院' },
  extension: { applicant: '李娜', reason: '需现场核查', original_date: '2026-10-12', extended_working_days: 10 },
  service_guide: { materials: ['申请书', '身份证'], steps: ['取号', '窗口受理', '领取结果'], time_limit: '20个工作日' },
  supervision_card: {},
};

const GOLDEN: Record<string, string[]> = {
  receipt: [
    "[B 2x2]   业务办理回执",
    "--------------------------------",
    "办件编号：ZW2026100900031",
    "排队号  ：A031",
    "办理事项：食品经营许可",
    "事项编码：530100-ZZ-0007",
    "办理窗口：A07 综合受理窗口",
    "经办人  ：王敏",
    "工号    ：0123",
    "办理时间：2026年10月9日 10:05",
    "联系电话：0871-6000000",
    "--------------------------------",
    " 请收好相关凭证，感谢您的配合！",
    "",
    "[CUT partial]",
  ],
  one_time_notice: [
    "[B 2x2]   一次性告知单",
    "  某市政务受字〔2026〕第0001号",
    "--------------------------------",
    "李娜：",
    "您申请办理的「食品经营许可」尚需",
    "补充以下材料，现一次性告知如下：",
    "[B] 需补充的材料：",
    "1. 营业执照副本复印件",
    "2. 法定代表人身份证复印件",
    "3. 经营场所平面图",
    "[B] 下一步：",
    "1. 备齐材料后到A07窗口提交",
    "[B] 特别提示：",
    "1. 复印件须加盖公章",
    "--------------------------------",
    "办理窗口：A07 综合受理窗口",
    "经办人  ：王敏（工号0123）",
    "告知日期：2026年10月9日",
    "咨询电话：0871-6000000",
    "",
    "[CUT partial]",
  ],
  acceptance: [
    "[B 2x2]    受理通知书",
    "  某市政务受字〔2026〕第0001号",
    "--------------------------------",
    "李娜：",
    "您于2026年10月9日提交的「食品经",
    "营许可」申请，材料齐全、符合法定",
    "形式，本机关决定予以受理。",
    "办件编号：ZW2026100900031",
    "事项编码：530100-ZZ-0007",
    "承诺办结：2026年10月12日",
    "[B] 请您于2026年10月12日后凭本通知书",
    "[B] 领取办理结果。",
    "--------------------------------",
    "受理窗口：A07 综合受理窗口",
    "受理人  ：王敏（工号0123）",
    "受理日期：2026年10月9日",
    "查询电话：0871-6000000",
    "",
    "[CUT partial]",
  ],
  correction: [
    "[B 2x2]    补正通知书",
    "  某市政务受字〔2026〕第0001号",
    "--------------------------------",
    "李娜：",
    "您于2026年10月9日提交的「食品经",
    "营许可」申请材料不齐全或不符合法",
    "定形式，请补正以下全部内容：",
    "1. 经营场所平面图（须标明面积）",
    "请于2026年10月16日前补正。",
    "补正材料提交后，本机关将依法受",
    "理。",
    "--------------------------------",
    "办件编号：ZW2026100900031",
    "经办窗口：A07 综合受理窗口",
    "经办人  ：王敏（工号0123）",
    "日期    ：2026年10月9日",
    "",
    "[CUT partial]",
  ],
  rejection: [
    "[B 2x2]  不予受理通知书",
    "  某市政务受字〔2026〕第0001号",
    "--------------------------------",
    "李娜：",
    "您于2026年10月9日提交的「食品经",
    "营许可」申请，经审查，决定不予受",
    "理。理由如下：",
    "1. 申请事项不属于本机关职权范围",
    "请向市场监督管理局申请。",
    "如不服本决定，可自收到本通知书之",
    "日起六十日内向某市人民政府申请行",
    "政复议，或者在六个月内向某市人民",
    "法院提起行政诉讼。",
    "--------------------------------",
    "办件编号：ZW2026100900031",
    "经办窗口：A07 综合受理窗口",
    "经办人  ：王敏（工号0123）",
    "日期    ：2026年10月9日",
    "",
    "[CUT partial]",
  ],
  extension: [
    "[B 2x2]  延长期限通知书",
    "  某市政务受字〔2026〕第0001号",
    "--------------------------------",
    "李娜：",
    "您申请的「食品经营许可」（办件编",
    "号ZW2026100900031），因需现场核",
    "查，不能在2026年10月12日前办结。",
    "经本机关负责人批准，办理期限延长",
    "至2026年10月26日。",
    "特此告知。",
    "--------------------------------",
    "经办窗口：A07 综合受理窗口",
    "经办人  ：王敏（工号0123）",
    "日期    ：2026年10月9日",
    "",
    "[CUT partial]",
  ],
  service_guide: [
    "[B 2x2]     办事指南",
    "[B]           食品经营许可",
    "--------------------------------",
    "[B] 所需材料：",
    "1. 申请书",
    "2. 身份证",
    "[B] 办理流程：",
    "1. 取号",
    "2. 窗口受理",
    "3. 领取结果",
    "办理时限：20个工作日",
    "--------------------------------",
    "窗口    ：A07 综合受理窗口",
    "咨询电话：0871-6000000",
    "",
    "[CUT partial]",
  ],
  supervision_card: [
    "[B 2x2]    行风监督卡",
    "--------------------------------",
    "窗口    ：A07 综合受理窗口",
    "工作人员：王敏",
    "工号    ：0123",
    "日期    ：2026年10月9日",
    "您对本窗口的服务：",
    "□非常满意  □满意",
    "□基本满意  □不满意",
    "意见和建议：___________________",
    "监督电话：0871-6000001",
    "投诉电话：12345",
    "       欢迎您监督和帮助！",
    "",
    "[CUT partial]",
  ],};

test('golden: each default template, filled from the case, staff, window and command, as printed (decoded from ESC/POS)', () => {
  let s = called();
  for (const [kind, fields] of Object.entries(FIELDS)) {
    const r = run([command('2026-10-09T10:05:00', 'paper.print', { kind, doc_id: `d-${kind}`, fields })], s);
    s = r.state;
    const [p] = prints(r.outputs);
    assert.ok(p, `${kind}: printed (${JSON.stringify(r.outputs)})`);
    assert.deepEqual(printedLines(p.document), GOLDEN[kind], kind);
  }
});

test('the acceptance notice promises a date counted in working days: 10/9 + 2 skips Sunday but counts the 调休 Saturday 10/10 (001 限时办结; State Council 2026 notice)', () => {
  const r = run([command('2026-10-09T10:05:00', 'paper.print', { kind: 'acceptance', doc_id: 'acc-1', fields: { applicant: '李娜', promised_working_days: 2 } })], called());
  assert.ok(printedLines(prints(r.outputs)[0]!.document).includes('承诺办结：2026年10月12日'));
});

test('notice numbers per kind and year are issued once and never reused; a repeated doc_id prints nothing and spends no number (行政许可法 §32)', () => {
  const ok = (doc: string, kind = 'rejection', when = '2026-10-09T10:05:00') => command(when, 'paper.print', { kind, doc_id: doc, fields: FIELDS[kind] });
  const r = run([ok('r1'), ok('r2'), ok('r1'), ok('c1', 'correction'), ok('r3', 'rejection', '2027-01-04T09:00:00')], called());
  assert.deepEqual(events(r.outputs).map((e) => [e.data?.doc_id, e.data?.number]), [
    ['r1', '某市政务受字〔2026〕第0001号'], ['r2', '某市政务受字〔2026〕第0002号'], ['c1', '某市政务受字〔2026〕第0001号'], ['r3', '某市政务受字〔2027〕第0001号'],
  ]);
  assert.deepEqual(r.state.papers.numbering.last, { 'rejection/2026': 2, 'correction/2026': 1, 'rejection/2027': 1 });
  assert.deepEqual(JSON.parse(JSON.stringify(r.state.papers.numbering)), r.state.papers.numbering, 'the numbering state is plain JSON the shell persists');
  const n = issueNumber({ last: { 'x/2026': 11 } }, 'x', 2026, '〔{year}〕第{serial}号', '', 4);
  assert.equal(n.number, '〔2026〕第0012号');
  assert.deepEqual(initialNumberingState(), { last: {} });
});

test('a paper refused for missing fields names them all and spends no number', () => {
  const s = called();
  const r = run([command('2026-10-09T10:05:00', 'paper.print', { kind: 'rejection', doc_id: 'bad-1', fields: { applicant: '李娜' } })], s);
  assert.deepEqual(r.outputs, [{ kind: 'reject', reason: 'paper.print: template rejection: missing fields reasons, review_agency, court' }]);
  assert.deepEqual(r.state.papers, s.papers);
  const unknown = run([command('2026-10-09T10:05:00', 'paper.print', { kind: 'permit', doc_id: 'bad-2' })], s);
  assert.match((unknown.outputs[0] as { reason: string }).reason, /^paper\.print: no paper template "permit" \(have: acceptance, complaint_slip, correction, /);
});

test('paper.issued says kind, number and ids only (no personal data), and the center cannot override the number or dates', () => {
  const r = run([command('2026-10-09T10:05:00', 'paper.print', { kind: 'acceptance', doc_id: 'acc-2', fields: { applicant: '李娜', promised_working_days: 2, number: 'FAKE-1', promised_date_cn: '明天', date_cn: '昨天' } })], called());
  assert.deepEqual(events(r.outputs), [{ type: 'paper.issued', case_id: 'ZW2026100900031', staff_id: 'S0123', data: { kind: 'acceptance', title: '受理通知书', doc_id: 'acc-2', number: '某市政务受字〔2026〕第0001号', issued_at: '2026-10-09T10:05:00.000+08:00', time_quality: 'ntp' } }]);
  const lines = printedLines(prints(r.outputs)[0]!.document);
  assert.ok(!lines.some((l) => /FAKE|明天|昨天/.test(l)), lines.join('\n'));
});

test('a reprint prints exactly the same paper marked 补打, same number, as paper.issued with reprint_of', () => {
  const first = run([command('2026-10-09T10:05:00', 'paper.print', { kind: 'acceptance', doc_id: 'acc-3', fields: FIELDS.acceptance })], called());
  const again = run([staffKey('2026-10-09T16:30:00', 'reprint')], first.state);
  const orig = printedLines(prints(first.outputs)[0]!.document);
  const copy = printedLines(prints(again.outputs)[0]!.document);
  assert.deepEqual(copy, [orig[0], '[B]             【补打】', ...orig.slice(1)]);
  assert.deepEqual(events(again.outputs)[0]?.data, { kind: 'acceptance', title: '受理通知书', doc_id: 'acc-3~r1', number: '某市政务受字〔2026〕第0001号', issued_at: '2026-10-09T10:05:00.000+08:00', time_quality: 'ntp', reprint_of: 'acc-3', reprint: 1 });
  assert.equal(prints(again.outputs)[0]!.docId, 'acc-3~r1');
  const byCommand = run([command('2026-10-10T09:00:00', 'paper.reprint', { doc_id: 'acc-3' })], again.state);
  assert.equal(prints(byCommand.outputs)[0]!.docId, 'acc-3~r2');
  assert.deepEqual(run([command('2026-10-10T09:00:00', 'paper.reprint', { doc_id: 'nope' })], again.state).outputs, [{ kind: 'reject', reason: 'paper.reprint: no issued paper nope is kept (the last 200 are)' }]);
  assert.deepEqual(run([staffKey('2026-10-10T09:00:00', 'reprint')]).outputs, [], 'nothing to reprint yet');
});

test('staff keys print the supervision card and the service guide (004 "两个一")', () => {
  const r = run([staffKey('2026-10-09T10:20:00', 'supervision_card'), staffKey('2026-10-09T10:21:00', 'service_guide')], called());
  assert.deepEqual(types(r.outputs), ['paper.issued', 'print', 'paper.issued', 'print']);
  assert.deepEqual(events(r.outputs).map((e) => e.data?.kind), ['supervision_card', 'service_guide']);
  assert.deepEqual(printedLines(prints(r.outputs)[1]!.document).slice(0, 3), ['[B 2x2]     办事指南', '[B]           食品经营许可', '-'.repeat(32)]);
});

test('templates are checked when loaded: schema errors with their path, placeholders that cannot be filled, kind ≠ file name', () => {
  assert.throws(() => parseTemplate('kind: x\ntitle: X\nblocks: []\n', 'x.yaml'), (e: unknown) => e instanceof TemplateError && /^x\.yaml: \/blocks Expected array length to be greater or equal to 1/.test(e.message));
  assert.throws(() => parseTemplate('kind: x\ntitle: X\nblocks:\n  - { type: text, text: "{applicant}" }\n', 'x.yaml'), /x\.yaml: placeholders neither always given, in required, nor guarded by when: \/blocks\/0 \{applicant\}/);
  assert.throws(() => parseTemplate('kind: x\ntitle: X\nblocks:\n  - { type: picture }\n', 'x.yaml'), /x\.yaml: \/blocks\/0/);
  assert.throws(() => parseTemplates([{ name: 'dir/y.yaml', text: 'kind: x\ntitle: X\nblocks: [{ type: separator }]\n' }]), /dir\/y\.yaml: kind x does not match the file name \(y\.yaml\)/);
  const t = parseTemplate('kind: x\ntitle: X\nblocks:\n  - { type: text, text: "{applicant}", when: applicant }\n', 'x.yaml');
  assert.equal(t.numbered, false, 'defaults applied');
});

test('the whole service state is plain JSON; a state restored after a restart continues the numbers (never reissued)', () => {
  const first = run([command('2026-10-09T10:05:00', 'paper.print', { kind: 'rejection', doc_id: 'rj-1', fields: FIELDS.rejection })], called());
  const restored = JSON.parse(JSON.stringify(first.state)) as ServiceState;
  assert.deepEqual(restored, first.state);
  const next = run([command('2026-10-09T10:06:00', 'paper.print', { kind: 'rejection', doc_id: 'rj-2', fields: FIELDS.rejection }), command('2026-10-09T10:07:00', 'paper.print', { kind: 'rejection', doc_id: 'rj-1', fields: FIELDS.rejection })], restored);
  assert.deepEqual(events(next.outputs).map((e) => e.data?.number), ['某市政务受字〔2026〕第0002号'], 'rj-1 was issued before the restart: not again');
});

test('a receipt printed after the case ended names the staff member who took it, even when another is clocked in (002_79de1a0ec8043ff1.txt 首问负责制)', () => {
  const done = run([command('2026-10-09T10:30:00', 'case.complete', { case_id: 'ZW2026100900031' })], called());
  const substitute = { ...env, staff: { id: 'S0456', name: '赵磊', jobNumber: '0456' } };
  const r = run([command('2026-10-09T10:31:00', 'paper.print', { kind: 'receipt', doc_id: 'rc-9' })], done.state, substitute);
  const lines = printedLines(prints(r.outputs)[0]!.document);
  assert.ok(lines.includes('经办人  ：王敏') && lines.includes('工号    ：0123'), lines.join('\n'));
  assert.ok(lines.includes('办件编号：ZW2026100900031'));
});

test('fields the printer must not get (control characters) are refused with where, not thrown, and spend no number', () => {
  const s = called();
  const ctl = run([command('2026-10-09T10:05:00', 'paper.print', { kind: 'acceptance', doc_id: 'x-1', fields: { applicant: '李\u001b@娜', promised_working_days: 2 } })], s);
  assert.deepEqual(ctl.outputs, [{ kind: 'reject', reason: 'paper.print: template acceptance: /blocks/3 (text) contains a control character ("\\u001b"); only text and \\n are allowed' }]);
  assert.deepEqual(ctl.state.papers, s.papers);
});

test('a paper a key or a 差评 asked for that cannot be made is a paper.refused event (no cmd_res would carry it)', () => {
  const noGuide = new Map(env.templates);
  noGuide.delete('service_guide');
  noGuide.delete('complaint_slip');
  const e = { ...env, templates: noGuide };
  const r = run([staffKey('2026-10-09T10:20:00', 'service_guide')], called(), e);
  assert.deepEqual(events(r.outputs), [{ type: 'paper.refused', data: { reason: 'service_guide key: no paper template "service_guide" (have: acceptance, correction, extension, one_time_notice, receipt, rejection, supervision_card)' } }]);
  const bad = run([command('2026-10-09T10:30:00', 'case.complete', { ticket: 'A031' }), { kind: 'evalKey', at: { ...command('2026-10-09T10:30:05', 'x', {}).at }, key: 'dissatisfied' }], called(), e);
  assert.deepEqual(types(bad.outputs), ['service.completed', 'lights', 'evaluation.complaint', 'evaluation.submitted', 'lights', 'paper.refused']);
});

test('the slip of a case whose id is not ASCII gets a doc_id the print queue takes (printable ASCII, ≤ 128)', () => {
  const r = run([
    command('2026-10-09T11:00:00', 'case.call', { ticket: 'A040', case_id: '昆明受字2026第0040号' }),
    command('2026-10-09T11:05:00', 'case.complete', { ticket: 'A040' }),
    { kind: 'evalKey', at: command('2026-10-09T11:05:05', 'x', {}).at, key: 'dissatisfied' },
  ]);
  const docId = prints(r.outputs)[0]!.docId;
  assert.match(docId, /^[\x21-\x7e]{1,128}$/);
  assert.equal(decodeURIComponent(docId), 'complaint_slip-昆明受字2026第0040号-1');
});

test('a working-day date counted into a year the calendar does not hold still prints, and paper.issued says calendar_incomplete (002_79de1a0ec8043ff1.txt 限时办结制)', () => {
  const r = run([
    command('2026-12-21T09:00:00', 'case.call', { ticket: 'A050', case_id: 'C-1221', item_name: '食品经营许可' }),
    command('2026-12-21T09:05:00', 'paper.print', { kind: 'acceptance', doc_id: 'acc-1221', fields: { applicant: '李娜', promised_working_days: 20 } }),
    command('2026-12-21T09:06:00', 'paper.print', { kind: 'acceptance', doc_id: 'acc-1221b', fields: { applicant: '李娜', promised_working_days: 3 } }),
  ]);
  assert.deepEqual(events(r.outputs).filter((e) => e.type === 'paper.issued').map((e) => e.data?.calendar_incomplete), [true, undefined]);
  assert.equal(prints(r.outputs).length, 2);
});
