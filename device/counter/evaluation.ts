// Evaluation (好差评) at the window: a rating is invited when a case is completed, belongs to that
// case, its item, the staff member who handled it and the window, and is given once per case and
// stage. The device never invents a rating: an unanswered invitation expires without a level.
// Sources: 001 (服务质量评价器 at each window), 004; 国办发〔2019〕51号 and GB/T 39734 (domain.md §8).
import { isoWithOffset } from '../../core/clock.ts';
import type { EvaluationConfig, EvaluationLevel } from '../../config/schema-service.ts';
import type { At, CounterInput, CounterOutput, EventOutput, LightsOutput, StepResult } from './types.ts';
import type { CaseEnded } from './cases.ts';
import type { CaseRecord, ServiceEnv } from './service-env.ts';
import { localDate } from './local-date.ts';

/** The hall's four levels mapped onto the national five (不满意 = 2, as in the five-level scale). */
const HALL4: EvaluationLevel[] = [
  { key: 'very_satisfied', label: '非常满意', satisfaction: 5 },
  { key: 'satisfied', label: '满意', satisfaction: 4 },
  { key: 'basically_satisfied', label: '基本满意', satisfaction: 3 },
  { key: 'dissatisfied', label: '不满意', satisfaction: 2 },
];
const NATIONAL5: EvaluationLevel[] = [...HALL4, { key: 'very_dissatisfied', label: '非常不满意', satisfaction: 1 }];

export const resolveLevels = (c: EvaluationConfig): EvaluationLevel[] => c.levels ?? (c.scale === 'national5' ? NATIONAL5 : HALL4);

/** 差评: the two lowest national levels (不满意 2, 非常不满意 1). */
export const isBadRating = (satisfaction: number): boolean => satisfaction <= 2;

export type MisuseFlag = 'burst' | 'after_staff_key' | 'no_staff';

interface Rating {
  case: CaseRecord;
  level: EvaluationLevel;
  at: At;
  flags: MisuseFlag[];
}

export interface EvaluationState {
  invitation?: { case: CaseRecord; invitedAt: At; expiresAt: number };
  /** A 差评 waiting for its reason key (submitted when a reason is pressed or the wait ends). */
  pendingReason?: { rating: Rating; deadline: number };
  /** What the nameplate shows now (see evaluationPrompt) and until when the thanks stay. */
  prompt?: 'invite' | 'reason' | 'thanks';
  thanksUntil?: number;
  /** `${case_id}#${stage}` already rated, newest last, bounded: one rating per case and stage. */
  rated: string[];
  /** Monotonic times of the latest presses, for burst detection. */
  presses: number[];
  lastStaffKeyMono?: number;
}

export const initialEvaluationState = (): EvaluationState => ({ rated: [], presses: [] });

/** Something for the paper rules to print: the follow-up slip of a 差评. */
export interface ComplaintSlipRequest {
  caseRecord: CaseRecord;
  at: At;
  fields: Record<string, string>;
}

export interface EvaluationStepResult extends StepResult<EvaluationState> {
  slip?: ComplaintSlipRequest;
}

/** The nameplate's prompt line while a rating is invited or just given (courtesy phrases, §6). */
export function evaluationPrompt(state: EvaluationState, c: EvaluationConfig): string | undefined {
  return state.prompt ? c.prompts[state.prompt] : undefined;
}

const RATED_KEEP = 1000;

/** Drop the prompt if it is `which` (the key goes, so the persisted JSON equals the state). */
function clearPrompt(s: EvaluationState, which: EvaluationState['prompt']): EvaluationState {
  if (s.prompt !== which) return s;
  const { prompt: _p, ...rest } = s;
  return rest;
}
const rateKey = (r: CaseRecord) => `${r.caseId}#${r.stage}`;
const lightsOff = (): LightsOutput => ({ kind: 'lights', pattern: {} });
const allOn = (keys: string[], mode: LightsOutput['pattern'][string]): LightsOutput => ({ kind: 'lights', pattern: Object.fromEntries(keys.map((k) => [k, mode])) });

function caseFields(r: CaseRecord, env: ServiceEnv): Record<string, unknown> {
  return {
    case_id: r.caseId,
    ...(r.itemCode !== undefined ? { item_code: r.itemCode } : {}),
    ...(r.itemName !== undefined ? { item_name: r.itemName } : {}),
    ...(r.staffId !== undefined ? { staff_id: r.staffId } : {}),
    ...(r.staffName !== undefined ? { staff_name: r.staffName } : {}),
    window_id: env.window.id,
    window_name: env.window.name,
    stage: r.stage,
  };
}

const event = (type: string, r: CaseRecord | undefined, data: Record<string, unknown>): EventOutput => ({
  kind: 'event',
  event: { type, ...(r ? { case_id: r.caseId } : {}), ...(r?.staffId !== undefined ? { staff_id: r.staffId } : {}), data },
});

function expire(state: EvaluationState, env: ServiceEnv, at: At, reason: 'timeout' | 'next_case' | 'superseded'): { state: EvaluationState; outputs: CounterOutput[] } {
  const inv = state.invitation!;
  const { invitation: _gone, ...rest } = state;
  return {
    state: clearPrompt(rest, 'invite'),
    outputs: [
      // No level: the platform applies its own default later; the device never invents a rating.
      event('evaluation.expired', inv.case, { ...caseFields(inv.case, env), invited_at: isoWithOffset(inv.invitedAt.wallMs, env.window.utcOffsetMinutes), reason, open_ms: Math.max(0, at.monoMs - inv.invitedAt.monoMs) }),
      lightsOff(),
    ],
  };
}

function invite(state: EvaluationState, r: CaseRecord, at: At, env: ServiceEnv): { state: EvaluationState; outputs: CounterOutput[] } {
  if (state.rated.includes(rateKey(r))) return { state, outputs: [] };
  const c = env.config.evaluation;
  const { thanksUntil: _t, ...rest } = state;
  return {
    state: { ...rest, invitation: { case: r, invitedAt: at, expiresAt: at.wallMs + c.invite_timeout_ms }, prompt: 'invite' },
    outputs: [allOn(resolveLevels(c).map((l) => l.key), 'on')],
  };
}

function submitted(rating: Rating, env: ServiceEnv, reasons: Array<{ code: string; label: string }>): EventOutput {
  const { case: r, level, at, flags } = rating;
  return event('evaluation.submitted', r, {
    ...caseFields(r, env),
    channel: 'window_evaluator',
    satisfaction: level.satisfaction,
    level: level.label,
    key: level.key,
    bad: isBadRating(level.satisfaction),
    reason_codes: reasons.map((x) => x.code),
    reason_labels: reasons.map((x) => x.label),
    rated_at: isoWithOffset(at.wallMs, env.window.utcOffsetMinutes),
    time_quality: at.quality,
    ...(flags.length ? { flags } : {}),
  });
}

function thank(state: EvaluationState, key: string, at: At, env: ServiceEnv): { state: EvaluationState; outputs: CounterOutput[] } {
  const ms = env.config.evaluation.thanks_ms;
  return { state: { ...state, prompt: 'thanks', thanksUntil: at.wallMs + ms }, outputs: [allOn([key], { flash_ms: ms })] };
}

function rate(state: EvaluationState, level: EvaluationLevel, at: At, env: ServiceEnv, flags: MisuseFlag[]): EvaluationStepResult {
  const inv = state.invitation!;
  const c = env.config.evaluation;
  const rating: Rating = { case: inv.case, level, at, flags };
  const { invitation: _done, ...rest } = state;
  const s: EvaluationState = { ...rest, rated: [...state.rated, rateKey(inv.case)].slice(-RATED_KEEP) };
  if (!isBadRating(level.satisfaction)) {
    const t = thank(s, level.key, at, env);
    return { state: t.state, outputs: [submitted(rating, env, []), ...t.outputs] };
  }
  // 差评: the center hears at once (urgent); the citizen gets the dates on paper (002: 3 working days).
  const today = localDate(at.wallMs, env.window.utcOffsetMinutes);
  const answerBy = env.calendar.addWorkingDays(today, c.complaint.answer_working_days);
  const fixBy = env.calendar.addWorkingDays(today, c.complaint.fix_working_days);
  const complaint: EventOutput = {
    ...event('evaluation.complaint', inv.case, {
      ...caseFields(inv.case, env), satisfaction: level.satisfaction, level: level.label,
      rated_at: isoWithOffset(at.wallMs, env.window.utcOffsetMinutes), time_quality: at.quality,
      answer_by: answerBy, fix_by: fixBy, ...(flags.length ? { flags } : {}),
      ...([today, fixBy].some((d) => !env.calendar.hasYear(Number(d.slice(0, 4)))) ? { calendar_incomplete: true } : {}),
    }),
    urgent: true,
  };
  const outputs: CounterOutput[] = [complaint];
  const slip: ComplaintSlipRequest | undefined = c.complaint.print_slip
    ? { caseRecord: inv.case, at, fields: { answer_by: answerBy, fix_by: fixBy, complaint_phone: c.complaint.phone, callback_url: fillUrl(c.complaint.callback_url, inv.case, env) } }
    : undefined;
  if (c.complaint.reasons.length) {
    outputs.push(allOn(c.complaint.reasons.map((x) => x.key), { blink_ms: 500 }));
    return { state: { ...s, prompt: 'reason', pendingReason: { rating, deadline: at.wallMs + c.complaint.reason_timeout_ms } }, outputs, ...(slip ? { slip } : {}) };
  }
  const t = thank(s, level.key, at, env);
  return { state: t.state, outputs: [...outputs, submitted(rating, env, []), ...t.outputs], ...(slip ? { slip } : {}) };
}

const fillUrl = (template: string, r: CaseRecord, env: ServiceEnv) =>
  template.replaceAll('{case_id}', encodeURIComponent(r.caseId)).replaceAll('{window_id}', encodeURIComponent(env.window.id));

function flagsFor(state: EvaluationState, at: At, env: ServiceEnv): { flags: MisuseFlag[]; presses: number[] } {
  const c = env.config.evaluation;
  const presses = [...state.presses.filter((t) => at.monoMs - t < c.burst_window_ms), at.monoMs].slice(-c.burst_presses);
  const flags: MisuseFlag[] = [];
  if (presses.length >= c.burst_presses) flags.push('burst');
  if (state.lastStaffKeyMono !== undefined && at.monoMs - state.lastStaffKeyMono < c.after_staff_key_ms) flags.push('after_staff_key');
  if (!env.staff) flags.push('no_staff');
  return { flags, presses };
}

function onEvalKey(state0: EvaluationState, key: string, at: At, env: ServiceEnv): EvaluationStepResult {
  const c = env.config.evaluation;
  const { flags, presses } = flagsFor(state0, at, env);
  const state = { ...state0, presses };
  const pending = state.pendingReason;
  const reason = c.complaint.reasons.find((x) => x.key === key);
  if (pending && reason) {
    const { pendingReason: _p, ...rest } = state;
    const t = thank(rest, key, at, env);
    return { state: t.state, outputs: [submitted(pending.rating, env, [reason]), ...t.outputs] };
  }
  const level = resolveLevels(c).find((l) => l.key === key);
  if (!level) return { state, outputs: [] };
  if (state.invitation && !pending) return rate(state, level, at, env, flags);
  // Kept, never counted as a rating of the last service (domain.md §4).
  return {
    state,
    outputs: [event('evaluation.unsolicited', undefined, {
      key, level: level.label, satisfaction: level.satisfaction, window_id: env.window.id,
      ...(env.staff ? { staff_on_duty: env.staff.id } : {}),
      pressed_at: isoWithOffset(at.wallMs, env.window.utcOffsetMinutes), time_quality: at.quality,
      ...(flags.length ? { flags } : {}),
    })],
  };
}

function onTick(state: EvaluationState, at: At, env: ServiceEnv): EvaluationStepResult {
  let s = state;
  const outputs: CounterOutput[] = [];
  if (s.pendingReason && at.wallMs >= s.pendingReason.deadline) {
    const { pendingReason: p, ...rest } = s;
    const t = thank(rest, p.rating.level.key, at, env);
    s = t.state;
    outputs.push(submitted(p.rating, env, []), ...t.outputs);
  }
  if (s.invitation && at.wallMs >= s.invitation.expiresAt) {
    const e = expire(s, env, at, 'timeout');
    s = e.state;
    outputs.push(...e.outputs);
  }
  if (s.thanksUntil !== undefined && at.wallMs >= s.thanksUntil) {
    const { thanksUntil: _t, ...rest } = s;
    s = clearPrompt(rest, 'thanks');
    if (!s.invitation && !s.pendingReason) outputs.push(lightsOff());
  }
  return { state: s, outputs };
}

/**
 * Cases first (counter order): a started case ends an open invitation (the citizen has left), a
 * completed case invites its rating; then the input itself (keys, tick).
 */
export function stepEvaluation(state: EvaluationState, input: CounterInput, env: ServiceEnv, cases: { started?: CaseRecord; ended?: CaseEnded } = {}): EvaluationStepResult {
  let s = state;
  const outputs: CounterOutput[] = [];
  const at = input.at;
  if (s.invitation && (cases.started || (cases.ended && cases.ended.closedBy !== 'next_call'))) {
    const e = expire(s, env, at, cases.started ? 'next_case' : 'superseded');
    s = e.state;
    outputs.push(...e.outputs);
  }
  if (cases.ended && cases.ended.outcome === 'completed' && cases.ended.closedBy !== 'next_call') {
    const i = invite(s, cases.ended.record, at, env);
    s = i.state;
    outputs.push(...i.outputs);
  }
  if (input.kind === 'staffKey') s = { ...s, lastStaffKeyMono: at.monoMs };
  let slip: ComplaintSlipRequest | undefined;
  if (input.kind === 'evalKey') {
    const r = onEvalKey(s, input.key, at, env);
    s = r.state;
    outputs.push(...r.outputs);
    slip = r.slip;
  } else if (input.kind === 'tick') {
    const r = onTick(s, at, env);
    s = r.state;
    outputs.push(...r.outputs);
  }
  return { state: s, outputs, ...(slip ? { slip } : {}) };
}

export function nextEvaluationDeadline(state: EvaluationState): number | undefined {
  const times = [state.invitation?.expiresAt, state.pendingReason?.deadline, state.thanksUntil].filter((t): t is number => t !== undefined);
  return times.length ? Math.min(...times) : undefined;
}
