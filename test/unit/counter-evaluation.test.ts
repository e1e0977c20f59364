// Evaluation (好差评) rule table. Sources: 001_3340ef5167649bf2.txt (服务质量评价器 at each window),
// 004_3f4545cb80211455.txt (满意度, 投诉处理), 002_79de1a0ec8043ff1.txt (complaints answered within
// 3 working days), 国办发〔2019〕51号 and GB/T 39734 (five levels 5…1, the two lowest 差评, one rating
// per case and stage, no invented ratings, 刷好评 forbidden) — domain.md §4, §6, §8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialServiceState, nextServiceDeadline, stepService, type ServiceState } from '../../device/counter/service.ts';
import { evaluationPrompt, resolveLevels } from '../../device/counter/evaluation.ts';
import type { CounterInput, CounterOutput } from '../../device/counter/types.ts';
import type { ServiceEnv } from '../../device/counter/service-env.ts';
import { at, command, defaultTemplates, events, key, makeEnv, serviceConfig, staffKey, tick, types } from './counter-service-fixture.ts';

const base = makeEnv(await defaultTemplates());
const withEval = (over: Record<string, unknown>): ServiceEnv => ({ ...base, config: { ...base.config, evaluation: { ...serviceConfig({ evaluation: over }).evaluation, complaint: { ...serviceConfig({ evaluation: over }).evaluation.complaint, phone: '12345', ...((over.complaint as object) ?? {}) } } } });

function run(inputs: CounterInput[], env: ServiceEnv = base, state: ServiceState = initialServiceState()) {
  const outputs: CounterOutput[] = [];
  let s = state;
  for (const i of inputs) { const r = stepService(s, i, env); s = r.state; outputs.push(...r.outputs); }
  return { state: s, outputs };
}
const served = (env: ServiceEnv = base, caseId = 'C-1001') => run([
  command('2026-11-23T09:00:00', 'case.call', { ticket: 'A001', case_id: caseId, item_code: 'IT-01', item_name: '居民身份证换领' }),
  command('2026-11-23T09:10:00', 'case.complete', { case_id: caseId }),
], env);

test('the level sets: the hall four and the national five, mapped to satisfaction 5…1 (国办发〔2019〕51号)', () => {
  assert.deepEqual(resolveLevels(serviceConfig().evaluation).map((l) => `${l.label}=${l.satisfaction}`), ['非常满意=5', '满意=4', '基本满意=3', '不满意=2']);
  assert.deepEqual(resolveLevels(serviceConfig({ evaluation: { scale: 'national5' } }).evaluation).map((l) => `${l.label}=${l.satisfaction}`), ['非常满意=5', '满意=4', '基本满意=3', '不满意=2', '非常不满意=1']);
});

test('a completed case invites a rating: all level keys lit, the plate prompt in state (001 评价器; §6 courtesy phrase)', () => {
  const { state, outputs } = served();
  assert.deepEqual(outputs.slice(-1), [{ kind: 'lights', pattern: { very_satisfied: 'on', satisfied: 'on', basically_satisfied: 'on', dissatisfied: 'on' } }]);
  assert.equal(evaluationPrompt(state.evaluation, base.config.evaluation), '您好，请对本次服务进行评价');
  assert.equal(nextServiceDeadline(state), at('2026-11-23T09:11:00').wallMs, 'the invitation expires after invite_timeout_ms (60 s)');
});

test('a rating is bound to case, item, staff and window, with channel, level, stage and time; then thanks (GB/T 39734)', () => {
  const s0 = served().state;
  const r = run([key('2026-11-23T09:10:08', 'satisfied')], base, s0);
  assert.deepEqual(r.outputs, [
    { kind: 'event', event: { type: 'evaluation.submitted', case_id: 'C-1001', staff_id: 'S0123', data: {
      case_id: 'C-1001', item_code: 'IT-01', item_name: '居民身份证换领', staff_id: 'S0123', staff_name: '王敏', window_id: 'A07', window_name: '综合受理窗口', stage: 1,
      channel: 'window_evaluator', satisfaction: 4, level: '满意', key: 'satisfied', bad: false, reason_codes: [], reason_labels: [],
      rated_at: '2026-11-23T09:10:08.000+08:00', time_quality: 'ntp',
    } } },
    { kind: 'lights', pattern: { satisfied: { flash_ms: 3000 } } },
  ]);
  assert.equal(evaluationPrompt(r.state.evaluation, base.config.evaluation), '感谢您的评价');
  const after = run([tick('2026-11-23T09:10:11')], base, r.state);
  assert.deepEqual(after.outputs, [{ kind: 'lights', pattern: {} }]);
  assert.equal(evaluationPrompt(after.state.evaluation, base.config.evaluation), undefined);
  assert.equal(nextServiceDeadline(after.state), undefined);
});

test('an unanswered invitation expires with NO level: the device never invents a rating (国办发〔2019〕51号)', () => {
  const s0 = served().state;
  assert.deepEqual(run([tick('2026-11-23T09:10:59')], base, s0).outputs, [], 'not before its time');
  const r = run([tick('2026-11-23T09:11:00')], base, s0);
  assert.deepEqual(r.outputs, [
    { kind: 'event', event: { type: 'evaluation.expired', case_id: 'C-1001', staff_id: 'S0123', data: {
      case_id: 'C-1001', item_code: 'IT-01', item_name: '居民身份证换领', staff_id: 'S0123', staff_name: '王敏', window_id: 'A07', window_name: '综合受理窗口', stage: 1,
      invited_at: '2026-11-23T09:10:00.000+08:00', reason: 'timeout', open_ms: 60_000,
    } } },
    { kind: 'lights', pattern: {} },
  ]);
  const late = run([key('2026-11-23T09:11:05', 'very_satisfied')], base, r.state);
  assert.deepEqual(types(late.outputs), ['evaluation.unsolicited'], 'a press after expiry is not a rating of that case');
});

test('presses outside an invitation are kept as unsolicited, bound to no case, and a second press does not rate twice (domain.md §4)', () => {
  const none = run([key('2026-11-23T08:59:00', 'dissatisfied')]);
  assert.deepEqual(events(none.outputs), [{ type: 'evaluation.unsolicited', data: { key: 'dissatisfied', level: '不满意', satisfaction: 2, window_id: 'A07', staff_on_duty: 'S0123', pressed_at: '2026-11-23T08:59:00.000+08:00', time_quality: 'ntp' } }]);
  const twice = run([key('2026-11-23T09:10:05', 'very_satisfied'), key('2026-11-23T09:10:09', 'satisfied')], base, served().state);
  assert.deepEqual(types(twice.outputs), ['evaluation.submitted', 'lights', 'evaluation.unsolicited']);
});

test('possible misuse is kept and flagged: a burst, a press right after a staff key, nobody clocked in (刷好评 forbidden, 国办发〔2019〕51号)', () => {
  const burst = run([key('2026-11-23T09:10:05', 'very_satisfied'), key('2026-11-23T09:10:05.600', 'very_satisfied'), key('2026-11-23T09:10:06.100', 'very_satisfied')], base, served().state);
  assert.deepEqual(events(burst.outputs).map((e) => [e.type, e.data?.flags]), [['evaluation.submitted', undefined], ['evaluation.unsolicited', undefined], ['evaluation.unsolicited', ['burst']]]);
  const selfRated = run([
    command('2026-11-23T09:00:00', 'case.call', { ticket: 'A002', case_id: 'C-1002' }),
    staffKey('2026-11-23T09:05:00', 'complete'),
    key('2026-11-23T09:05:00.800', 'very_satisfied'),
  ]);
  assert.deepEqual(events(selfRated.outputs).map((e) => [e.type, e.data?.flags]), [['service.started', undefined], ['service.completed', undefined], ['evaluation.submitted', ['after_staff_key']]]);
  const nobody = run([key('2026-11-23T07:00:00', 'satisfied')], { ...base, staff: undefined });
  assert.deepEqual(events(nobody.outputs)[0]?.data?.flags, ['no_staff']);
});

test('a 差评 publishes an urgent evaluation.complaint at once with the answer and fix dates on the calendar (002: 3 working days; 15 working days)', () => {
  const env = withEval({ scale: 'national5' });
  const s0 = run([
    command('2026-09-30T15:00:00', 'case.call', { ticket: 'A009', case_id: 'C-0930', item_name: '社保关系转移' }),
    command('2026-09-30T15:20:00', 'case.complete', { case_id: 'C-0930' }),
  ], env).state;
  const r = run([key('2026-09-30T15:20:10', 'very_dissatisfied')], env, s0);
  const complaint = r.outputs[0]!;
  assert.equal(complaint.kind === 'event' && complaint.urgent, true);
  assert.deepEqual(complaint.kind === 'event' && complaint.event, { type: 'evaluation.complaint', case_id: 'C-0930', staff_id: 'S0123', data: {
    case_id: 'C-0930', item_name: '社保关系转移', staff_id: 'S0123', staff_name: '王敏', window_id: 'A07', window_name: '综合受理窗口', stage: 1,
    satisfaction: 1, level: '非常不满意', rated_at: '2026-09-30T15:20:10.000+08:00', time_quality: 'ntp',
    // 10/1–7 National Day; 10/10 (Saturday) is a swapped working day (调休).
    answer_by: '2026-10-10', fix_by: '2026-10-27',
  } });
  assert.deepEqual(types(r.outputs), ['evaluation.complaint', 'evaluation.submitted', 'lights', 'paper.issued', 'print']);
  assert.equal(events(r.outputs)[1]?.data?.bad, true);
});

test('a 差评 may take a reason from the configured reason keys; without one the rating is submitted when the wait ends', () => {
  const reasons = [{ key: 'very_satisfied', code: 'R01', label: '态度不好' }, { key: 'satisfied', code: 'R02', label: '等候太久' }];
  const env = withEval({ complaint: { reasons, print_slip: false } });
  const s0 = served(env).state;
  const bad = run([key('2026-11-23T09:10:05', 'dissatisfied')], env, s0);
  assert.deepEqual(bad.outputs.slice(1), [{ kind: 'lights', pattern: { very_satisfied: { blink_ms: 500 }, satisfied: { blink_ms: 500 } } }]);
  assert.equal(evaluationPrompt(bad.state.evaluation, env.config.evaluation), '请选择不满意的原因');
  const withReason = run([key('2026-11-23T09:10:09', 'satisfied')], env, bad.state);
  assert.deepEqual(events(withReason.outputs).map((e) => [e.type, e.data?.satisfaction, e.data?.reason_codes, e.data?.reason_labels]), [['evaluation.submitted', 2, ['R02'], ['等候太久']]]);
  const timedOut = run([tick('2026-11-23T09:10:25')], env, bad.state);
  assert.deepEqual(events(timedOut.outputs).map((e) => [e.type, e.data?.reason_codes]), [['evaluation.submitted', []]]);
});

test('one rating per case and stage: a promised case is rated at acceptance (1) and at completion (2) (国办发〔2019〕51号)', () => {
  const r = run([
    command('2026-11-23T09:00:00', 'case.call', { ticket: 'A003', case_id: 'C-2001', promised: true }),
    command('2026-11-23T09:10:00', 'case.complete', { case_id: 'C-2001' }),
    key('2026-11-23T09:10:05', 'satisfied'),
    command('2026-11-30T14:00:00', 'case.call', { ticket: 'B007', case_id: 'C-2001', promised: true }),
    command('2026-11-30T14:05:00', 'case.complete', { case_id: 'C-2001' }),
    key('2026-11-30T14:05:04', 'very_satisfied'),
  ]);
  assert.deepEqual(events(r.outputs).filter((e) => e.type === 'evaluation.submitted').map((e) => [e.case_id, e.data?.stage, e.data?.satisfaction]), [['C-2001', 1, 4], ['C-2001', 2, 5]]);
});

test('calling the next case ends an open invitation (the citizen has left): expired with reason next_case', () => {
  const r = run([command('2026-11-23T09:10:20', 'case.call', { ticket: 'A004', case_id: 'C-1003' })], base, served().state);
  assert.deepEqual(events(r.outputs).map((e) => [e.type, e.case_id, e.data?.reason]), [['service.started', 'C-1003', undefined], ['evaluation.expired', 'C-1001', 'next_case']]);
  assert.equal(r.state.evaluation.invitation, undefined);
});

test('service config: defaults follow the seeds and the cross-checks name the key path', async () => {
  const { validateServiceConfig } = await import('../../config/schema-service.ts');
  const c = serviceConfig();
  assert.equal(c.evaluation.complaint.answer_working_days, 3, '002: complaints answered within 3 working days');
  assert.equal(c.evaluation.prompts.invite, '您好，请对本次服务进行评价');
  assert.deepEqual(validateServiceConfig(c, ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied']), []);
  assert.deepEqual(validateServiceConfig(serviceConfig({ evaluation: { scale: 'national5' } }), ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied']), [
    { path: 'service.evaluation.scale', message: 'level keys very_dissatisfied are not in buttons.keys (very_satisfied, satisfied, basically_satisfied, dissatisfied): citizens could not give those ratings' },
  ]);
  const own = serviceConfig({ evaluation: { levels: [{ key: 'a', label: '好', satisfaction: 3 }, { key: 'b', label: '差', satisfaction: 4 }], complaint: { reasons: [{ key: 'z', code: 'R1', label: 'x' }] } }, papers: { staff_keys: { reprint: 'call', supervision_card: 's', service_guide: 'g' } } });
  assert.deepEqual(validateServiceConfig(own, ['a', 'b']).map((i) => i.path), ['service.evaluation.levels', 'service.evaluation.complaint.reasons.0.key', 'service.papers.staff_keys']);
});

test('the evaluation state stays plain JSON through invite, rating, thanks and expiry (the shell persists it)', () => {
  const steps = [served().state, run([key('2026-11-23T09:10:08', 'satisfied')], base, served().state).state];
  steps.push(run([tick('2026-11-23T09:10:11')], base, steps[1]!).state, run([tick('2026-11-23T09:11:00')], base, served().state).state);
  for (const s of steps) assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  assert.equal('prompt' in steps[2]!.evaluation, false);
  assert.equal('prompt' in steps[3]!.evaluation, false);
});

test('a 差评 whose fix date falls in a year the calendar does not hold says calendar_incomplete (002_79de1a0ec8043ff1.txt)', () => {
  const s0 = run([
    command('2026-12-21T09:00:00', 'case.call', { ticket: 'A051', case_id: 'C-1222' }),
    command('2026-12-21T09:05:00', 'case.complete', { case_id: 'C-1222' }),
  ]).state;
  const r = run([key('2026-12-21T09:05:04', 'dissatisfied')], base, s0);
  const complaint = events(r.outputs)[0]!;
  assert.equal(complaint.type, 'evaluation.complaint');
  assert.equal(complaint.data?.calendar_incomplete, true);
  assert.equal(complaint.data?.answer_by, '2026-12-24');
});
