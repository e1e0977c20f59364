// The counter's rules composed (design §11): step(state, input, env) → { state, outputs } and
// nextDeadline(state, env) → wall ms. Pure: inputs carry their time; no I/O, no clock, no timers.
// Order inside a step: first every deadline that came due up to the input's time, in time order
// (opening, closing, verdicts, away reminders, the day's end, midnight), then the input itself,
// then the window state is re-derived, then retained state and nameplate go out if they changed.
// Outputs: events first (the shell appends them to the outbox before anything else), then
// retained state/window, then the plate. A refused command gives only `reject` and the state as it was.
//
// rules.ts composes this presence family with the service families (cases, evaluation, papers),
// passing servingStaffId(state) as who serves.
import type { Config } from '../../config/schema.ts';
import type { CounterInput, CounterOutput, StepResult, WorkingCalendar } from './types.ts';
import { chinaCalendar } from './calendar.ts';
import { awayOf, openPunches, servingStaffId, type CounterEnv, type CounterState } from './state.ts';
import { absentDueMs, closeDay, dayEndMs, dayFor, decideAbsent, onFinger } from './attendance.ts';
import { awayDeadlines, endAway, endPause, startAway, startPause } from './away.ts';
import { applyCommand } from './commands.ts';
import { plateContent } from './nameplate.ts';
import { syncWindow, windowRetained, event } from './window.ts';
import { localDate, MINUTE_MS, nextLocalMidnight } from './time.ts';

export { initialCounterState, serializeCounterState, restoreCounterState, servingStaffId } from './state.ts';
export type { CounterEnv, CounterState, WindowState } from './state.ts';
export { COUNTER_COMMANDS } from './commands.ts';

/** The rules' env from the whole config: the calendar is China's with the hall's overrides. */
export function counterEnv(config: Pick<Config, 'window' | 'counter' | 'eink'>, calendar?: WorkingCalendar): CounterEnv {
  const c = config.counter.calendar;
  return {
    window: { id: config.window.id, name: config.window.name, utc_offset_minutes: config.window.utc_offset_minutes },
    counter: config.counter,
    board: config.eink.nameplate,
    calendar: calendar ?? chinaCalendar({ holidays: c.holidays, workdays: c.workdays, completeYears: c.complete_years }),
  };
}

interface Due {
  at: number;
  /** Order of things due at the same instant: closing before verdicts before the day's end. */
  order: number;
  why: string;
  /** t: when it was due; now: the input's time (later when the shell's timer fired late). */
  run: (t: number, out: CounterOutput[], now: number) => void;
}

function dueList(s: CounterState, env: CounterEnv): Due[] {
  const day = s.day;
  if (!day) return [];
  const done = (k: string) => day.done.includes(k);
  const mark = (k: string) => { day.done.push(k); };
  const list: Due[] = [];
  for (const x of day.sessions) {
    if (!done(`open:${x.index}`)) list.push({ at: x.openMs, order: 2, why: 'opening', run: () => mark(`open:${x.index}`) });
    if (!done(`close:${x.index}`)) list.push({ at: x.closeMs, order: 0, why: 'closing', run: (t, out) => { mark(`close:${x.index}`); endPause(s, t, 'closing', out); } });
    if (!done(`absent:${x.index}`)) list.push({ at: absentDueMs(x, env), order: 1, why: 'absent_verdict', run: (_t, out) => { mark(`absent:${x.index}`); decideAbsent(s, env, x, out); } });
  }
  const end = dayEndMs(day, env);
  if (end !== undefined && !done('day_end')) list.push({ at: end, order: 3, why: 'day_end', run: (t, out) => endDay(s, env, t, out) });
  for (const a of awayDeadlines(s, env)) list.push({ at: a.at, order: 4, why: 'away', run: a.run });
  if (s.notice) list.push({ at: s.notice.until_ms, order: 5, why: 'notice', run: (_t, out) => { delete s.notice; out.push(event('notice.cleared', { why: 'expired' })); } });
  if (!s.link.online && !s.link.marked && s.link.offline_since_ms !== undefined) {
    list.push({ at: s.link.offline_since_ms + env.counter.last_synced_after_min * MINUTE_MS, order: 5, why: 'link', run: () => { s.link.marked = true; } });
  }
  list.push({ at: nextLocalMidnight(Date.parse(`${day.date}T12:00:00Z`) - env.window.utc_offset_minutes * MINUTE_MS, env.window.utc_offset_minutes), order: 6, why: 'midnight', run: (t, out, now) => {
    if (!day.done.includes('day_end')) endDay(s, env, t, out);
    // Straight to today: days the counter did not run get no verdicts (it saw nothing; the center has its records).
    startDay(s, env, now, out);
  } });
  return list;
}

function endDay(s: CounterState, env: CounterEnv, t: number, out: CounterOutput[]): void {
  s.day!.done.push('day_end');
  for (const a of [...s.aways]) endAway(s, t, a.staff_id, 'day_end', out);
  endPause(s, t, 'day_end', out);
  closeDay(s, env, out);
  delete s.closure;
}

function startDay(s: CounterState, env: CounterEnv, t: number, out: CounterOutput[]): void {
  const date = localDate(t, env.window.utc_offset_minutes);
  s.day = dayFor(date, env);
  s.last_touch = {};
  if (s.calendar_checked === date) return;
  s.calendar_checked = date;
  // The State Council publishes next year's days in November: from alarm_from on, say if they are missing.
  const year = Number(date.slice(0, 4));
  if (!env.calendar.hasYear(year)) out.push(event('calendar.missing_year', { year, today: date }));
  else if (date.slice(5) >= env.counter.calendar.alarm_from && !env.calendar.hasYear(year + 1)) out.push(event('calendar.missing_year', { year: year + 1, today: date }));
}

/** Runs every deadline due up to t, in time order; each re-derives the window with its own why. */
function catchUp(s: CounterState, env: CounterEnv, t: number, out: CounterOutput[]): void {
  if (!s.day) startDay(s, env, t, out);
  // Bounded: a device off for weeks catches up day by day, at most this many deadlines per step.
  for (let i = 0; i < 2000; i++) {
    const next = dueList(s, env).filter((d) => d.at <= t).sort((a, b) => a.at - b.at || a.order - b.order)[0];
    if (!next) return;
    next.run(next.at, out, t);
    syncWindow(s, env, next.at, next.why, out);
  }
  startDay(s, env, t, out);
}

export function nextDeadline(s: CounterState, env: CounterEnv): number | undefined {
  const list = dueList(structuredClone(s), env);
  return list.length ? Math.min(...list.map((d) => d.at)) : undefined;
}

export function step(state: CounterState, input: CounterInput, env: CounterEnv): StepResult<CounterState> {
  const s = structuredClone(state);
  const out: CounterOutput[] = [];
  const t = input.at.wallMs;
  catchUp(s, env, t, out);
  let why = input.kind as string;
  let force = false;
  switch (input.kind) {
    case 'finger': {
      const r = onFinger(s, env, t, input.staffId, out);
      if (r === 'return' && input.staffId) endAway(s, t, input.staffId, 'finger', out);
      why = r === 'return' ? 'return' : r === 'in' ? 'clock_in' : r === 'out' ? 'clock_out' : 'finger';
      break;
    }
    case 'staffKey': why = staffKey(s, env, t, input.key, out); break;
    case 'command': {
      const refused = applyCommand(s, env, t, input.name, input.payload, out);
      if (refused !== undefined) return { state, outputs: [{ kind: 'reject', reason: refused }] };
      why = `command:${input.name}`;
      force = input.name === 'state.republish';
      break;
    }
    case 'link':
      if (input.online) s.link = { online: true, marked: false };
      else if (s.link.online) s.link = { online: false, offline_since_ms: t, marked: false };
      break;
    default: break;
  }
  syncWindow(s, env, t, why, out);
  publish(s, env, t, out, force);
  return { state: s, outputs: out };
}

/** The pause and away keys (configurable names) act for whoever the nameplate shows. */
function staffKey(s: CounterState, env: CounterEnv, t: number, key: string, out: CounterOutput[]): string {
  const k = env.counter.staff_keys;
  const who = servingStaffId(s);
  if (!who || (key !== k.pause && key !== k.away)) return 'key';
  if (key === k.pause) {
    if (s.pause) { endPause(s, t, 'resume', out); return 'resume'; }
    startPause(s, env, t, { staffId: who, reason: k.pause_reason, by: 'key' }, out);
    return 'pause';
  }
  if (awayOf(s, who)) { endAway(s, t, who, 'key', out); return 'return'; }
  if (!openPunches(s).some((p) => p.staff_id === who)) return 'key';
  startAway(s, env, t, { staffId: who, reason: k.away_reason, returnMs: t + env.counter.away.default_return_min * MINUTE_MS, formalNotice: false, by: 'key' }, out);
  return 'away';
}

/** Retained state/window and the plate, when they changed (or always, on state.republish). */
function publish(s: CounterState, env: CounterEnv, t: number, out: CounterOutput[], force: boolean): void {
  const retained = windowRetained(s, env);
  const rj = JSON.stringify(retained);
  if (force || rj !== s.shown.retained) { s.shown.retained = rj; out.push({ kind: 'retained', part: 'window', value: retained }); }
  const plate = plateContent(s, env, t);
  const pj = JSON.stringify(plate);
  if (force || pj !== s.shown.plate) { s.shown.plate = pj; out.push({ kind: 'plate', content: plate }); }
}
