// Cases (办件) at the window: called, recalled, skipped, completed or transferred, by staff keys
// (呼叫/重呼/过号/完成) or by the hall's queue system (case.* commands). Each becomes a service.*
// event with its durations (domain.md §7, §8). Pure: step(state, input, env) → { state, outputs }.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { At, CounterInput, CounterOutput, EventOutput, StepResult } from './types.ts';
import { worstQuality, type CaseRecord, type ServiceEnv } from './service-env.ts';
import { localDate } from './local-date.ts';

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Ref = { ticket: Type.Optional(Text(32)), case_id: Type.Optional(Text(64)) };

export const CaseCommandSchemas = {
  'case.call': Type.Object({
    ticket: Text(32),
    case_id: Type.Optional(Text(64)),
    item_code: Type.Optional(Text(64)),
    item_name: Type.Optional(Text(100)),
    promised: Type.Optional(Type.Boolean({ description: 'The item has a promised completion deadline (承诺件).' })),
    stage: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)], { description: '1 = acceptance visit, 2 = completion visit of a promised case.' })),
    waiting_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86_400_000, description: 'Waiting time measured by the queue system.' })),
    ticket_issued_at: Type.Optional(Type.String({ maxLength: 40, description: 'When the ticket was taken (ISO 8601), if the queue system sends that instead.' })),
  }),
  'case.recall': Type.Object(Ref),
  'case.skip': Type.Object(Ref),
  'case.complete': Type.Object(Ref),
  'case.transfer': Type.Object({ ...Ref, to_window: Type.Optional(Text(32)) }),
} satisfies Record<string, TSchema>;

export type CaseCommand = keyof typeof CaseCommandSchemas;
export const isCaseCommand = (name: string): name is CaseCommand => Object.hasOwn(CaseCommandSchemas, name);

export type CaseOutcome = 'completed' | 'skipped' | 'transferred';

export interface CaseEnded {
  record: CaseRecord;
  outcome: CaseOutcome;
  at: At;
  /** 'next_call': a new call closed a case nobody completed (no rating is invited for it). */
  closedBy: 'key' | 'command' | 'next_call';
}

export interface CasesState {
  current?: CaseRecord;
  /** Serial of tickets called by the staff key (no queue system), per local day. */
  keySerial: { date: string; n: number };
  /** Promised cases accepted here (stage 1 done), newest last, bounded: their next visit is stage 2. */
  accepted: string[];
}

export const initialCasesState = (): CasesState => ({ keySerial: { date: '', n: 0 }, accepted: [] });

export interface CasesStepResult extends StepResult<CasesState> {
  started?: CaseRecord;
  ended?: CaseEnded;
}

const ACCEPTED_KEEP = 500;

const reject = (state: CasesState, reason: string): CasesStepResult => ({ state, outputs: [{ kind: 'reject', reason }] });

function caseData(r: CaseRecord): Record<string, unknown> {
  return {
    ticket: r.ticket,
    ...(r.itemCode !== undefined ? { item_code: r.itemCode } : {}),
    ...(r.itemName !== undefined ? { item_name: r.itemName } : {}),
    promised: r.promised,
    stage: r.stage,
    source: r.source,
  };
}

const event = (type: string, r: CaseRecord, data: Record<string, unknown>): EventOutput => ({
  kind: 'event',
  event: { type, case_id: r.caseId, ...(r.staffId !== undefined ? { staff_id: r.staffId } : {}), data: { ...caseData(r), ...data } },
});

/** Handling from the monotonic clock (immune to clock steps); wall time only across a restart. */
function durations(r: CaseRecord, at: At): Record<string, unknown> {
  const handling = at.monoMs >= r.calledAt.monoMs ? at.monoMs - r.calledAt.monoMs : Math.max(0, at.wallMs - r.calledAt.wallMs);
  return {
    handling_ms: Math.round(handling),
    ...(r.waitingMs !== undefined ? { waiting_ms: r.waitingMs, waiting_from: r.waitingFrom } : {}),
    // A duration whose ends were stamped by an unsynced clock says so (domain.md §8, queue systems).
    time_quality: worstQuality(r.calledAt.quality, at.quality),
  };
}

function end(state: CasesState, at: At, outcome: CaseOutcome, closedBy: CaseEnded['closedBy'], extra: Record<string, unknown> = {}): CasesStepResult {
  const r = state.current!;
  const type = outcome === 'completed' ? 'service.completed' : outcome === 'skipped' ? 'service.skipped' : 'service.transferred';
  const accepted = outcome === 'completed' && r.promised && r.stage === 1 && !state.accepted.includes(r.caseId)
    ? [...state.accepted, r.caseId].slice(-ACCEPTED_KEEP) : state.accepted;
  const { current: _ended, ...rest } = state;
  return {
    state: { ...rest, accepted },
    outputs: [event(type, r, { ...durations(r, at), recalls: r.recalls, closed_by: closedBy, ...extra })],
    ended: { record: r, outcome, at, closedBy },
  };
}

function start(state: CasesState, r: CaseRecord): CasesStepResult {
  const outputs: CounterOutput[] = [];
  let s = state;
  let ended: CaseEnded | undefined;
  if (state.current) {
    // Queue systems call the next ticket without completing the last one: close it as completed.
    const closed = end(state, r.calledAt, 'completed', 'next_call');
    outputs.push(...closed.outputs);
    s = closed.state;
    ended = closed.ended;
  }
  const waiting = r.waitingMs !== undefined ? { waiting_ms: r.waitingMs, waiting_from: r.waitingFrom, time_quality: r.calledAt.quality } : {};
  outputs.push(event('service.started', r, waiting));
  return { state: { ...s, current: r }, outputs, started: r, ...(ended ? { ended } : {}) };
}

function stageOf(state: CasesState, caseId: string, promised: boolean, given: 1 | 2 | undefined): 1 | 2 {
  if (given !== undefined) return given;
  return promised && state.accepted.includes(caseId) ? 2 : 1;
}

function recall(state: CasesState, env: ServiceEnv, at: At, viaCommand: boolean): CasesStepResult {
  const r = state.current!;
  const max = env.config.cases.max_recalls;
  if (r.recalls >= max) {
    return viaCommand ? reject(state, `case.recall: ticket ${r.ticket} was recalled ${r.recalls} times already (service.cases.max_recalls = ${max})`) : { state, outputs: [] };
  }
  const next = { ...r, recalls: r.recalls + 1 };
  return { state: { ...state, current: next }, outputs: [event('service.recalled', next, { recall: next.recalls, max_recalls: max, at_ms_since_call: at.monoMs - r.calledAt.monoMs })] };
}

function onKey(state: CasesState, key: string, at: At, env: ServiceEnv): CasesStepResult {
  const keys = env.config.cases.staff_keys;
  if (key === keys.call) {
    const date = localDate(at.wallMs, env.window.utcOffsetMinutes);
    const n = state.keySerial.date === date ? state.keySerial.n + 1 : 1;
    const ticket = String(n).padStart(3, '0');
    const caseId = `${env.window.id}-${date.replaceAll('-', '')}-${ticket}`;
    const r: CaseRecord = { caseId, ticket, promised: false, stage: 1, source: 'key', calledAt: at, recalls: 0, ...staffOf(env) };
    return start({ ...state, keySerial: { date, n } }, r);
  }
  if (!state.current) return { state, outputs: [] };
  if (key === keys.recall) return recall(state, env, at, false);
  if (key === keys.complete) return end(state, at, 'completed', 'key');
  if (key === keys.skip) return end(state, at, 'skipped', 'key');
  return { state, outputs: [] };
}

const staffOf = (env: ServiceEnv) => (env.staff ? { staffId: env.staff.id, staffName: env.staff.name, staffJobNumber: env.staff.jobNumber ?? env.staff.id } : {});

function onCommand(state: CasesState, name: CaseCommand, payload: Record<string, unknown>, at: At, env: ServiceEnv): CasesStepResult {
  const schema = CaseCommandSchemas[name];
  if (!Value.Check(schema, payload)) {
    const e = Value.Errors(schema, payload).First();
    return reject(state, `${name}: payload${e?.path || ''} ${e?.message ?? 'is invalid'}`);
  }
  if (name === 'case.call') {
    const p = payload as Static<(typeof CaseCommandSchemas)['case.call']>;
    const caseId = p.case_id ?? `${env.window.id}-${localDate(at.wallMs, env.window.utcOffsetMinutes).replaceAll('-', '')}-${p.ticket}`;
    const promised = p.promised ?? false;
    let waiting: Pick<CaseRecord, 'waitingMs' | 'waitingFrom'> = {};
    if (p.waiting_ms !== undefined) waiting = { waitingMs: p.waiting_ms, waitingFrom: 'queue' };
    else if (p.ticket_issued_at !== undefined) {
      const issued = Date.parse(p.ticket_issued_at);
      if (Number.isNaN(issued)) return reject(state, `case.call: payload/ticket_issued_at is not a date-time: ${JSON.stringify(p.ticket_issued_at)}`);
      waiting = { waitingMs: Math.max(0, at.wallMs - issued), waitingFrom: 'wall' };
    }
    const r: CaseRecord = {
      caseId, ticket: p.ticket, promised, stage: stageOf(state, caseId, promised, p.stage), source: 'queue', calledAt: at, recalls: 0,
      ...(p.item_code !== undefined ? { itemCode: p.item_code } : {}),
      ...(p.item_name !== undefined ? { itemName: p.item_name } : {}),
      ...waiting, ...staffOf(env),
    };
    return start(state, r);
  }
  const p = payload as { ticket?: string; case_id?: string; to_window?: string };
  const cur = state.current;
  if (!cur) return reject(state, `${name}: no case is open at window ${env.window.id}`);
  if (p.ticket === undefined && p.case_id === undefined) return reject(state, `${name}: payload needs ticket or case_id`);
  if ((p.ticket !== undefined && p.ticket !== cur.ticket) || (p.case_id !== undefined && p.case_id !== cur.caseId)) {
    return reject(state, `${name}: ${p.case_id !== undefined ? `case_id ${p.case_id}` : `ticket ${p.ticket}`} is not the open case at window ${env.window.id} (open: ticket ${cur.ticket}, case_id ${cur.caseId})`);
  }
  if (name === 'case.recall') return recall(state, env, at, true);
  if (name === 'case.skip') return end(state, at, 'skipped', 'command');
  if (name === 'case.complete') return end(state, at, 'completed', 'command');
  return end(state, at, 'transferred', 'command', p.to_window !== undefined ? { to_window: p.to_window } : {});
}

export function stepCases(state: CasesState, input: CounterInput, env: ServiceEnv): CasesStepResult {
  if (input.kind === 'staffKey') return onKey(state, input.key, input.at, env);
  if (input.kind === 'command' && isCaseCommand(input.name)) return onCommand(state, input.name, input.payload, input.at, env);
  return { state, outputs: [] };
}

/** Cases have no timers: a ticket stays open until a key or command ends it. */
export const nextCasesDeadline = (_state: CasesState): number | undefined => undefined;
