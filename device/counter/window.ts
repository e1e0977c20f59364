// The window's state (domain.md §2–§3): not open, in service (在岗服务), paused (暂停服务), away
// (离岗), closed (下班). It is derived, never set directly: from the published hours, who is
// clocked in, who is away, the pause and a closure. Each change is a `window.state` event
// (from, to, why, staff) and a retained `state/window`. Closing during published hours without an
// allowed reason breaks 对外服务准时满点 (002, 003) and is a `window.violation`.
import { isoWithOffset } from '../../core/clock.ts';
import type { CounterOutput } from './types.ts';
import { awayOf, openPunches, rosterVersion, servingStaffId, staffEntry, type CounterEnv, type CounterState, type WindowState } from './state.ts';
import { pausedNotice } from './phrases.ts';
import { ceilMinutes, localHhmm } from './time.ts';

export const event = (type: string, data: Record<string, unknown>, staffId?: string): CounterOutput =>
  ({ kind: 'event', event: { type, data, ...(staffId ? { staff_id: staffId } : {}) } });

/** The session open at t, if any (published hours). */
export const sessionAt = (s: CounterState, t: number) => s.day?.sessions.find((x) => x.openMs <= t && t < x.closeMs);

export function deriveWindowState(s: CounterState, t: number): WindowState {
  if (s.closure) return 'closed';
  const day = s.day;
  const session = sessionAt(s, t);
  if (!day || !session) return day?.sessions.some((x) => x.openMs > t) ? 'not_open' : 'closed';
  const here = openPunches(s);
  if (here.length === 0) {
    // Someone served this session and left: the window closed during published hours.
    const left = day.punches.some((p) => p.session === session.index && p.out_ms !== undefined);
    return left ? 'closed' : 'not_open';
  }
  if (here.every((p) => awayOf(s, p.staff_id))) return 'away';
  if (s.pause) return 'paused';
  return 'in_service';
}

/** Re-derives the state at t; on a change emits window.state (and a violation where one is due). */
export function syncWindow(s: CounterState, env: CounterEnv, t: number, why: string, out: CounterOutput[]): void {
  const from = s.window.state;
  const to = deriveWindowState(s, t);
  if (from === to) return;
  const staff = servingStaffId(s);
  s.window = { state: to, since_ms: t, why };
  const data: Record<string, unknown> = { from, to, why };
  if (to === 'paused' && s.pause) {
    data.redirect_window = s.pause.redirect_window || null;
    if (s.pause.reason) data.reason = s.pause.reason;
    data.approval = s.pause.approval;
  }
  if (to === 'away' && staff) {
    const a = awayOf(s, staff);
    if (a) Object.assign(data, { reason: a.reason, return_at: localHhmm(a.return_ms, env.window.utc_offset_minutes) });
  }
  if (to === 'closed' && s.closure?.reason) data.reason = s.closure.reason;
  out.push(event('window.state', data, staff));
  const session = sessionAt(s, t);
  const grace = env.counter.attendance.early_leave_grace_min * 60_000;
  if (to === 'closed' && session && !s.closure?.reason && t < session.closeMs - grace) {
    // 对外服务准时满点 (002 第18条, 003 第4条): no stopping midway or early without approval
    // (within the early-leave grace of closing, as for the person's own clock-out).
    out.push(event('window.violation', { rule: 'closed_during_hours', why, minutes_left: ceilMinutes(session.closeMs - t) }, staff));
  }
}

/** The retained state/window value. */
export function windowRetained(s: CounterState, env: CounterEnv): Record<string, unknown> {
  const off = env.window.utc_offset_minutes;
  const id = servingStaffId(s);
  const who = staffEntry(s, env, id);
  const v: Record<string, unknown> = {
    state: s.window.state,
    since: s.window.since_ms ? isoWithOffset(s.window.since_ms, off) : null,
    why: s.window.why,
    date: s.day?.date ?? null,
    staff_id: id ?? null,
    staff_name: who?.name ?? null,
    job_number: who?.job_number ?? null,
    present: openPunches(s).map((p) => p.staff_id),
    roster_version: rosterVersion(s),
  };
  if (s.window.state === 'paused' && s.pause) {
    Object.assign(v, { reason: s.pause.reason ?? null, redirect_window: s.pause.redirect_window || null, approval: s.pause.approval, notice: pausedNotice(s.pause.redirect_window) });
  }
  if (s.window.state === 'away' && id) {
    const a = awayOf(s, id);
    if (a) Object.assign(v, { reason: a.reason, contact: a.contact, return_at: localHhmm(a.return_ms, off) });
  }
  if (s.window.state === 'closed' && s.closure) v.reason = s.closure.reason ?? null;
  return v;
}
