// The counter's commands from the center (cmd/<name>, design §6): payload schemas for the shell
// (without cmd_id / expires_at, which the command layer checks) and what each does to the state.
// A refused command returns a reason and changes nothing (counter.ts then emits only `reject`).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StaffEntrySchema } from '../../config/schema-counter.ts';
import type { CounterOutput } from './types.ts';
import { awayOf, openPunches, reasonEntry, rosterVersion, servingStaffId, staffEntry, type CounterEnv, type CounterState } from './state.ts';
import { approvePause, endAway, endPause, startAway, startPause } from './away.ts';
import { event } from './window.ts';
import { MINUTE_MS, wallAt } from './time.ts';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' });
const Day = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' });
const Hhmm = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });
const ReasonId = Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' });

export const RosterUpdateSchema = Type.Object({
  version: Type.Integer({ minimum: 1, description: 'Must be above the version in effect; an older one is refused.' }),
  staff: Type.Array(StaffEntrySchema, { maxItems: 200 }),
}, { additionalProperties: false });
export const StaffLeaveSchema = Type.Object({
  staff_id: Id, from: Day, to: Day,
  kind: Type.Optional(Type.String({ maxLength: 16, description: 'e.g. 事假, 病假, 年休假.' })),
  cancel: Type.Optional(Type.Boolean({ description: 'Withdraw this leave (销假).' })),
}, { additionalProperties: false });
export const StaffSubstituteSchema = Type.Object({
  substitute_id: Id, for_staff_id: Id, from: Day, to: Day,
  cancel: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export const WindowSetStateSchema = Type.Object({
  state: Type.Union([Type.Literal('in_service'), Type.Literal('paused'), Type.Literal('closed')]),
  reason: Type.Optional(ReasonId),
  redirect_window: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  approved_by: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'A pause already approved by this supervisor.' })),
}, { additionalProperties: false });
export const PauseApproveSchema = Type.Object({
  approved_by: Type.String({ minLength: 1, maxLength: 32 }),
}, { additionalProperties: false });
export const AwayStartSchema = Type.Object({
  staff_id: Type.Optional(Id),
  reason: ReasonId,
  contact: Type.Optional(Type.String({ maxLength: 40 })),
  return_at: Type.Optional(Hhmm),
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
  formal_notice: Type.Optional(Type.Boolean({ description: 'The 离岗告知手续 was done (002): no escalation after 30 minutes.' })),
}, { additionalProperties: false });
export const AwayEndSchema = Type.Object({ staff_id: Type.Optional(Id) }, { additionalProperties: false });
export const StateRepublishSchema = Type.Object({}, { additionalProperties: false });
export const NoticeShowSchema = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]*$', description: 'One line for citizens, e.g. 系统维护，请到A08号窗口办理.' }),
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 240, description: 'How long it stays (default 30).' })),
  by: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Who sent it (the center records it too).' })),
}, { additionalProperties: false });
export const NoticeClearSchema = Type.Object({}, { additionalProperties: false });

/** name → payload schema, for the shell to register with the command layer. */
export const COUNTER_COMMANDS = {
  'roster.update': RosterUpdateSchema,
  'staff.leave': StaffLeaveSchema,
  'staff.substitute': StaffSubstituteSchema,
  'window.set_state': WindowSetStateSchema,
  'pause.approve': PauseApproveSchema,
  'away.start': AwayStartSchema,
  'away.end': AwayEndSchema,
  'state.republish': StateRepublishSchema,
  'notice.show': NoticeShowSchema,
  'notice.clear': NoticeClearSchema,
} satisfies Record<string, TSchema>;
export type CounterCommandName = keyof typeof COUNTER_COMMANDS;

/** Applies a command to `s` (a copy); returns a refusal reason, or undefined when done. */
export function applyCommand(s: CounterState, env: CounterEnv, t: number, name: string, payload: Record<string, unknown>, out: CounterOutput[]): string | undefined {
  switch (name) {
    case 'roster.update': {
      const p = payload as Static<typeof RosterUpdateSchema>;
      if (p.version <= rosterVersion(s)) return `roster version ${p.version} is not newer than ${rosterVersion(s)}`;
      const ids = new Set(p.staff.map((e) => e.staff_id));
      if (ids.size !== p.staff.length) return 'roster lists a staff_id twice';
      s.roster = { version: p.version, staff: p.staff };
      out.push(event('roster.updated', { version: p.version, count: p.staff.length }));
      return undefined;
    }
    case 'staff.leave': {
      const p = payload as Static<typeof StaffLeaveSchema>;
      if (!staffEntry(s, env, p.staff_id)) return `staff ${p.staff_id} is not on the roster`;
      if (p.from > p.to) return `from ${p.from} is after to ${p.to}`;
      s.leaves = s.leaves.filter((l) => !(l.staff_id === p.staff_id && l.from === p.from && l.to === p.to));
      if (!p.cancel) s.leaves.push({ staff_id: p.staff_id, from: p.from, to: p.to, kind: p.kind ?? '' });
      pruneOld(s);
      out.push(event('staff.leave', { from: p.from, to: p.to, kind: p.kind ?? null, cancel: p.cancel ?? false }, p.staff_id));
      return undefined;
    }
    case 'staff.substitute': {
      const p = payload as Static<typeof StaffSubstituteSchema>;
      for (const id of [p.substitute_id, p.for_staff_id]) if (!staffEntry(s, env, id)) return `staff ${id} is not on the roster`;
      if (p.substitute_id === p.for_staff_id) return 'a person cannot substitute for themselves';
      if (p.from > p.to) return `from ${p.from} is after to ${p.to}`;
      s.substitutions = s.substitutions.filter((x) => !(x.substitute_id === p.substitute_id && x.for_staff_id === p.for_staff_id && x.from === p.from));
      if (!p.cancel) s.substitutions.push({ substitute_id: p.substitute_id, for_staff_id: p.for_staff_id, from: p.from, to: p.to });
      pruneOld(s);
      out.push(event('staff.substitute', { for_staff_id: p.for_staff_id, from: p.from, to: p.to, cancel: p.cancel ?? false }, p.substitute_id));
      return undefined;
    }
    case 'window.set_state': return setState(s, env, t, payload as Static<typeof WindowSetStateSchema>, out);
    case 'notice.show': {
      const p = payload as Static<typeof NoticeShowSchema>;
      const minutes = p.minutes ?? 30;
      s.notice = { text: p.text, until_ms: t + minutes * MINUTE_MS, ...(p.by ? { by: p.by } : {}) };
      out.push(event('notice.shown', { text: p.text, minutes, ...(p.by ? { by: p.by } : {}) }));
      return undefined;
    }
    case 'notice.clear': {
      if (!s.notice) return 'no notice is shown';
      delete s.notice;
      out.push(event('notice.cleared', { why: 'command' }));
      return undefined;
    }
    case 'pause.approve': {
      const p = payload as Static<typeof PauseApproveSchema>;
      if (!s.pause) return 'the window is not paused';
      if (s.pause.approval !== 'pending') return `the pause needs no approval (${s.pause.approval})`;
      approvePause(s, t, p.approved_by, out);
      return undefined;
    }
    case 'away.start': {
      const p = payload as Static<typeof AwayStartSchema>;
      const id = p.staff_id ?? servingStaffId(s);
      if (!id || !openPunches(s).some((x) => x.staff_id === id)) return `${id ?? 'nobody'} is not clocked in at this window`;
      if (awayOf(s, id)) return `${id} is already away`;
      if (!reasonEntry(env, p.reason, 'away')) return `"${p.reason}" is not an away reason (counter.away.reasons)`;
      const returnMs = p.return_at !== undefined ? wallAt(s.day!.date, p.return_at, env.window.utc_offset_minutes)
        : t + (p.minutes ?? env.counter.away.default_return_min) * MINUTE_MS;
      if (returnMs <= t) return `return_at ${p.return_at} is not after now`;
      startAway(s, env, t, { staffId: id, reason: p.reason, ...(p.contact ? { contact: p.contact } : {}), returnMs, formalNotice: p.formal_notice ?? false, by: 'command' }, out);
      return undefined;
    }
    case 'away.end': {
      const p = payload as Static<typeof AwayEndSchema>;
      const id = p.staff_id ?? s.aways[0]?.staff_id;
      if (!id || !awayOf(s, id)) return `${id ?? 'nobody'} is not away`;
      endAway(s, t, id, 'command', out);
      return undefined;
    }
    case 'state.republish': return undefined;
    default: return `unknown command ${name}`;
  }
}

function setState(s: CounterState, env: CounterEnv, t: number, p: Static<typeof WindowSetStateSchema>, out: CounterOutput[]): string | undefined {
  if (p.state === 'in_service') {
    if (openPunches(s).length === 0) return 'nobody is clocked in at this window';
    endPause(s, t, 'command', out);
    delete s.closure;
    return undefined;
  }
  if (p.state === 'paused') {
    if (s.pause) return 'the window is already paused';
    if (p.reason !== undefined && !reasonEntry(env, p.reason, 'pause')) return `"${p.reason}" is not a pause reason (counter.away.reasons)`;
    startPause(s, env, t, { ...(servingStaffId(s) ? { staffId: servingStaffId(s)! } : {}), ...(p.reason ? { reason: p.reason } : {}), ...(p.redirect_window ? { redirect: p.redirect_window } : {}), ...(p.approved_by ? { approved: p.approved_by } : {}), by: 'command' }, out);
    return undefined;
  }
  if (s.closure) return 'the window is already closed';
  const r = reasonEntry(env, p.reason, 'close');
  if (p.reason !== undefined && !r) return `"${p.reason}" is not a closing reason (counter.away.reasons)`;
  endPause(s, t, 'closed', out);
  s.closure = { at_ms: t, ...(r ? { reason: r.id, label: r.label } : {}) };
  return undefined;
}

/** Leave and substitutions that ended over a year ago are dropped: the state stays bounded. */
function pruneOld(s: CounterState): void {
  const today = s.day?.date;
  if (!today) return;
  const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
  s.leaves = s.leaves.filter((l) => l.to >= yearAgo).slice(-500);
  s.substitutions = s.substitutions.filter((x) => x.to >= yearAgo).slice(-500);
}
