// Away (离岗) and pause (暂停服务), domain.md §2. Leaving even briefly shows 暂停服务 with the
// window to go to (000, 002, 003); the away sign shows reason, contact and return (002). Away
// longer than escalate_after_min without the formal notice → away.escalated (002: 超过30分钟的，
// 必须履行离岗告知手续); not back by the announced time → away.overdue, repeating (002: 未按时归岗 →
// 迟到/脱岗); the return ends it with the duration. A window with one person entering a long away
// with no substitute is a violation (002: 只有一名工作人员的窗口…安排好替岗人员后，方可离岗).
// Pausing for internal work needs a supervisor (003: 扎账…特殊情况必须征得领导同意): such reasons
// are flagged until pause.approve, and a pause that ends unapproved is a violation.
import type { CounterOutput } from './types.ts';
import { openPunches, reasonEntry, staffEntry, substitutionsOn, type AwayRecord, type CounterEnv, type CounterState } from './state.ts';
import { event, sessionAt } from './window.ts';
import { ceilMinutes, localHhmm, MINUTE_MS } from './time.ts';

export interface AwayStart {
  staffId: string;
  reason: string;
  contact?: string;
  returnMs: number;
  formalNotice: boolean;
  by: AwayRecord['by'];
}

/** Starts an away; the caller has checked the staff member is clocked in and not away. */
export function startAway(s: CounterState, env: CounterEnv, t: number, a: AwayStart, out: CounterOutput[]): void {
  const r = reasonEntry(env, a.reason, 'away');
  const rec: AwayRecord = {
    staff_id: a.staffId, reason: a.reason, label: r?.label ?? a.reason,
    contact: a.contact ?? staffEntry(s, env, a.staffId)?.phone ?? '',
    start_ms: t, return_ms: a.returnMs, formal_notice: a.formalNotice, by: a.by,
    escalated: false, next_overdue_ms: a.returnMs, overdue_count: 0, violation: false,
  };
  s.aways.push(rec);
  out.push(event('away.started', {
    reason: rec.reason, contact: rec.contact, return_at: localHhmm(rec.return_ms, env.window.utc_offset_minutes),
    planned_min: ceilMinutes(rec.return_ms - t), formal_notice: rec.formal_notice, by: rec.by,
  }, a.staffId));
  if (a.returnMs - t > env.counter.away.escalate_after_min * MINUTE_MS) checkAlone(s, rec, t, out);
}

export function endAway(s: CounterState, t: number, staffId: string, by: 'finger' | 'key' | 'command' | 'day_end', out: CounterOutput[]): void {
  const rec = s.aways.find((a) => a.staff_id === staffId);
  if (!rec) return;
  s.aways = s.aways.filter((a) => a !== rec);
  out.push(event('away.ended', {
    duration_min: ceilMinutes(t - rec.start_ms), by, overdue_min: t > rec.return_ms ? ceilMinutes(t - rec.return_ms) : 0,
  }, staffId));
}

/** A long away with nobody else at the window and no substitute arranged (002). */
function checkAlone(s: CounterState, rec: AwayRecord, t: number, out: CounterOutput[]): void {
  if (rec.violation || !sessionAt(s, t)) return;
  const others = openPunches(s).some((p) => p.staff_id !== rec.staff_id && !s.aways.some((a) => a.staff_id === p.staff_id));
  const date = s.day?.date ?? '';
  const covered = substitutionsOn(s, date).some((x) => x.for_staff_id === rec.staff_id);
  if (others || covered) return;
  rec.violation = true;
  out.push(event('window.violation', { rule: 'single_staff_long_away', reason: rec.reason }, rec.staff_id));
}

/** Deadlines of open aways: escalation (once) and overdue (repeating). */
type AwayDue = { at: number; run: (t: number, out: CounterOutput[], now: number) => void };
export function awayDeadlines(s: CounterState, env: CounterEnv): AwayDue[] {
  const list: AwayDue[] = [];
  const escalateMs = env.counter.away.escalate_after_min * MINUTE_MS;
  const repeatMs = env.counter.away.overdue_repeat_min * MINUTE_MS;
  for (const rec of s.aways) {
    const id = rec.staff_id;
    if (!rec.formal_notice && !rec.escalated) {
      list.push({ at: rec.start_ms + escalateMs, run: (t, out) => {
        const r = s.aways.find((a) => a.staff_id === id);
        if (!r) return;
        r.escalated = true;
        out.push(event('away.escalated', { minutes: ceilMinutes(t - r.start_ms), reason: r.reason, formal_notice: false }, id));
        checkAlone(s, r, t, out);
      } });
    }
    list.push({ at: rec.next_overdue_ms, run: (_t, out, now) => {
      const r = s.aways.find((a) => a.staff_id === id);
      if (!r) return;
      r.overdue_count++;
      // Counted from now and the next reminder after now: a late tick gives one event, not a burst.
      const steps = Math.floor((now - r.return_ms) / repeatMs) + 1;
      r.next_overdue_ms = r.return_ms + steps * repeatMs;
      out.push(event('away.overdue', { minutes_over: Math.floor((now - r.return_ms) / MINUTE_MS), count: r.overdue_count, return_at: localHhmm(r.return_ms, env.window.utc_offset_minutes) }, id));
      if (now - r.start_ms > escalateMs) checkAlone(s, r, now, out);
    } });
  }
  return list;
}

// ---- pause ----

export interface PauseStart {
  staffId?: string;
  reason?: string;
  redirect?: string;
  approved?: string;
  by: 'key' | 'command';
}

export function startPause(s: CounterState, env: CounterEnv, t: number, p: PauseStart, out: CounterOutput[]): void {
  const r = reasonEntry(env, p.reason, 'pause');
  s.pause = {
    ...(p.staffId ? { staff_id: p.staffId } : {}),
    ...(r ? { reason: r.id, label: r.label } : {}),
    redirect_window: p.redirect ?? env.counter.away.redirect_window,
    start_ms: t,
    approval: p.approved ? 'approved' : r?.approval ? 'pending' : 'not_needed',
    ...(p.approved ? { approved_by: p.approved } : {}),
    by: p.by,
  };
  if (!r && sessionAt(s, t)) out.push(event('window.violation', { rule: 'pause_without_reason' }, p.staffId));
}

export function endPause(s: CounterState, t: number, why: string, out: CounterOutput[]): void {
  const p = s.pause;
  if (!p) return;
  delete s.pause;
  if (p.approval === 'pending') {
    out.push(event('window.violation', { rule: 'pause_unapproved', reason: p.reason, minutes: ceilMinutes(t - p.start_ms), why }, p.staff_id));
  }
}

export function approvePause(s: CounterState, t: number, by: string, out: CounterOutput[]): void {
  const p = s.pause!;
  p.approval = 'approved';
  p.approved_by = by;
  out.push(event('pause.approved', { reason: p.reason, approved_by: by, waited_min: ceilMinutes(t - p.start_ms) }, p.staff_id));
}
