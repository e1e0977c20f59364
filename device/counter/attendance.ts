// Attendance (考勤, domain.md §1): fingerprint clock-in is mandatory (001). Per published session:
//   on time   by opening − prep_lead (002/003/004: 10 min; 000: 15)
//   prep_short after that, up to opening + late_grace
//   late      after opening + late_grace
//   early_leave a clock-out before closing − early_leave_grace
//   absent    no clock-in by the session's close (or opening + absent_after_min where set)
//   missing_punch a clock-in without a clock-out (decided at day end, or when the next session's clock-in comes)
// In or out is decided by state and time: a touch by someone not clocked in is a clock-in; by
// someone clocked in it is the clock-out, except that after their session closed, a touch nearer
// the next session's opening than that closing (past the midpoint of the break) is the next
// session's clock-in, and the missed clock-out becomes missing_punch. A touch by someone away is
// their return; a repeat within repeat_touch_s is ignored (a double touch is not a clock-out).
import type { CounterOutput, LocalDate } from './types.ts';
import { awayOf, expectedStaff, onLeave, openPunches, staffEntry, substitutionsOn, rosterOf, type CounterEnv, type CounterState, type DayState, type SessionTimes } from './state.ts';
import { event } from './window.ts';
import { ceilMinutes, isoWeekday, localHhmm, MINUTE_MS, wallAt } from './time.ts';

export function dayFor(date: LocalDate, env: CounterEnv): DayState {
  const working = env.calendar.isWorkingDay(date);
  const hours = env.counter.hours;
  const list = working ? (hours.by_weekday[String(isoWeekday(date))] ?? hours.sessions) : [];
  const off = env.window.utc_offset_minutes;
  const sessions: SessionTimes[] = list.map((x, index) => ({ index, open: x.open, close: x.close, openMs: wallAt(date, x.open, off), closeMs: wallAt(date, x.close, off) }));
  return { date, working, sessions, punches: [], done: [] };
}

const flag = (staffId: string, flagName: string, session: number, extra: Record<string, unknown>): CounterOutput =>
  event('attendance.flag', { flag: flagName, session, ...extra }, staffId);

/** Who this person stands in for today, if anyone (顶岗, 002/004). */
function substituteFor(s: CounterState, env: CounterEnv, staffId: string, date: LocalDate): string | undefined {
  const assigned = substitutionsOn(s, date).find((x) => x.substitute_id === staffId);
  if (assigned) return assigned.for_staff_id;
  if (staffEntry(s, env, staffId)?.regular) return undefined;
  return rosterOf(s, env).find((e) => e.regular && onLeave(s, e.staff_id, date))?.staff_id;
}

export type FingerOutcome = 'unrecognized' | 'repeat' | 'too_early' | 'return' | 'in' | 'out';

/** A matched (or unknown) finger. Returns what it was, so away.ts can end an away on 'return'. */
export function onFinger(s: CounterState, env: CounterEnv, t: number, staffId: string | undefined, out: CounterOutput[]): FingerOutcome {
  const who = staffEntry(s, env, staffId);
  if (!staffId || !who) {
    out.push(event('attendance.unrecognized', staffId ? { staff_id: staffId, why: 'not_on_roster' } : { why: 'no_match' }));
    return 'unrecognized';
  }
  const last = s.last_touch[staffId];
  if (last !== undefined && t - last < env.counter.attendance.repeat_touch_s * 1000) return 'repeat';
  if (awayOf(s, staffId)) { s.last_touch[staffId] = t; return 'return'; }
  const day = s.day!;
  const a = env.counter.attendance;
  const open = openPunches(s).find((p) => p.staff_id === staffId);
  const inWindow = (x: SessionTimes) => t >= x.openMs - a.earliest_clock_in_min * MINUTE_MS && t < x.closeMs;
  if (open) {
    const mine = day.sessions[open.session];
    // After their session closed, a touch nearer the next opening than that closing is the next clock-in.
    const next = mine && t >= mine.closeMs
      ? day.sessions.find((x) => x.index > open.session && inWindow(x) && t >= (mine.closeMs + x.openMs) / 2) : undefined;
    if (!next) {
      open.out_ms = t;
      s.last_touch[staffId] = t;
      out.push(event('attendance.clock', { direction: 'out', session: open.session }, staffId));
      if (mine && t < mine.closeMs - a.early_leave_grace_min * MINUTE_MS) out.push(flag(staffId, 'early_leave', mine.index, { minutes: ceilMinutes(mine.closeMs - t) }));
      return 'out';
    }
    open.missing = true;
    out.push(flag(staffId, 'missing_punch', open.session, { clock_in: localHhmm(open.in_ms, env.window.utc_offset_minutes) }));
  }
  const session = day.sessions.find((x) => t < x.closeMs);
  if (session && !inWindow(session)) {
    out.push(event('attendance.too_early', { earliest: localHhmm(session.openMs - a.earliest_clock_in_min * MINUTE_MS, env.window.utc_offset_minutes), session: session.index }, staffId));
    return 'too_early';
  }
  const again = session !== undefined && day.punches.some((p) => p.staff_id === staffId && p.session === session.index);
  day.punches.push({ staff_id: staffId, session: session?.index ?? -1, in_ms: t });
  s.last_touch[staffId] = t;
  const instead = substituteFor(s, env, staffId, day.date);
  out.push(event('attendance.clock', { direction: 'in', session: session?.index ?? -1, ...(instead ? { substitute_for: instead } : {}) }, staffId));
  // Back in the same session after a clock-out: the first clock-in already had its verdict. A
  // substitute called in (顶岗补位) is not late for a session they were not expected at.
  if (session && !again && !instead) {
    const prepBy = session.openMs - a.prep_lead_min * MINUTE_MS;
    if (t > session.openMs + a.late_grace_min * MINUTE_MS) out.push(flag(staffId, 'late', session.index, { minutes: ceilMinutes(t - session.openMs) }));
    else if (t > prepBy) out.push(flag(staffId, 'prep_short', session.index, { minutes: ceilMinutes(t - prepBy) }));
  }
  return 'in';
}

/** When the absent verdict of a session is due. */
export const absentDueMs = (x: SessionTimes, env: CounterEnv): number =>
  env.counter.attendance.absent_after_min !== undefined ? Math.min(x.closeMs, x.openMs + env.counter.attendance.absent_after_min * MINUTE_MS) : x.closeMs;

/** Absent: expected today, not on leave (staff on leave are never flagged), no clock-in in the session. */
export function decideAbsent(s: CounterState, env: CounterEnv, session: SessionTimes, out: CounterOutput[]): void {
  const day = s.day!;
  for (const id of expectedStaff(s, env, day.date)) {
    if (day.punches.some((p) => p.staff_id === id && p.session === session.index)) continue;
    out.push(flag(id, 'absent', session.index, { minutes: ceilMinutes(session.closeMs - session.openMs) }));
  }
}

/** When the day ends: the last closing + day_end_after_min (clock-outs still count until then). */
export const dayEndMs = (day: DayState, env: CounterEnv): number | undefined => {
  const last = day.sessions[day.sessions.length - 1];
  return last ? last.closeMs + env.counter.attendance.day_end_after_min * MINUTE_MS : undefined;
};

/** Day end: every clock-in without a clock-out is a missing punch; nobody stays clocked in overnight. */
export function closeDay(s: CounterState, env: CounterEnv, out: CounterOutput[]): void {
  for (const p of openPunches(s)) {
    p.missing = true;
    if (p.session >= 0) out.push(flag(p.staff_id, 'missing_punch', p.session, { clock_in: localHhmm(p.in_ms, env.window.utc_offset_minutes) }));
  }
}
