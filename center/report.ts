// The monthly assessment facts (考核, seed 001 and domain.md §7), per staff member and per window,
// computed from the stored events only: events count in the month they happened (device ts in the
// hall's time zone), however late they arrived, so a re-run gives the same numbers.
import type { StoredEvent } from './envelope.ts';
import { ATTENDANCE_FLAGS, factsOf, isBadRating, isSatisfied, staffOf, type AttendanceFlag } from './facts.ts';
import type { CenterStore } from './store.ts';
import { addWorkingDays, localDate, localMidnight, type WorkingDays } from './working-days.ts';

export interface ReportOptions {
  /** YYYY-MM */
  month: string;
  hall?: string;
  utcOffsetMinutes: number;
  /** 差评 answer deadline in working days after the rating day (seed 002: complaints answered within 3 working days). */
  answerWorkingDays: number;
  calendar: WorkingDays;
}

export interface Tally {
  days_worked: number;
  flags: Record<AttendanceFlag, { count: number; minutes: number }>;
  away: { count: number; minutes: number; overdue: number; escalated: number };
  pauses: { count: number; approved: number };
  cases: { count: number; avg_handling_s: number | null; avg_waiting_s: number | null };
  ratings: { total: number; by_satisfaction: [number, number, number, number, number]; by_level: Record<string, number>; satisfaction_rate: number | null };
  bad: { count: number; in_time: number; late: number; unanswered: number };
  complaints: number;
  expired: number;
}

export interface BadRating {
  event_id: string; ts: string; hall: string; window: string; staff_id: string | null; satisfaction: number; level: string;
  deadline: string; answered_at: string | null; answered_by: string | null; status: 'in_time' | 'late' | 'unanswered';
}

export interface MonthReport {
  month: string; hall: string | null; from: string; to: string; events: number;
  staff: Array<{ staff_id: string; windows: string[]; tally: Tally }>;
  windows: Array<{ hall: string; window: string; tally: Tally }>;
  bad_ratings: BadRating[];
}

class Acc {
  days = new Set<string>();
  flags = Object.fromEntries(ATTENDANCE_FLAGS.map((f) => [f, { count: 0, minutes: 0 }])) as Tally['flags'];
  away = { count: 0, minutes: 0, overdue: 0, escalated: 0 };
  pauses = { count: 0, approved: 0 };
  cases = 0; handled = 0; handlingMs = 0; waited = 0; waitingMs = 0;
  bySat: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  byLevel: Record<string, number> = {};
  bad = { count: 0, in_time: 0, late: 0, unanswered: 0 };
  complaints = 0; expired = 0;
  windows = new Set<string>();

  tally(): Tally {
    const total = this.bySat.reduce((a, b) => a + b, 0);
    const satisfied = this.bySat[3] + this.bySat[4];
    const avg = (sum: number, n: number) => (n === 0 ? null : Math.round(sum / n / 100) / 10);
    return {
      days_worked: this.days.size, flags: this.flags, away: this.away, pauses: this.pauses,
      cases: { count: this.cases, avg_handling_s: avg(this.handlingMs, this.handled), avg_waiting_s: avg(this.waitingMs, this.waited) },
      ratings: { total, by_satisfaction: this.bySat, by_level: this.byLevel, satisfaction_rate: total === 0 ? null : Math.round((satisfied / total) * 1000) / 10 },
      bad: this.bad, complaints: this.complaints, expired: this.expired,
    };
  }
}

export function monthRange(month: string, offsetMinutes: number): { from: number; to: number } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new Error(`--month "${month}" is not a month YYYY-MM (e.g. 2026-11)`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return { from: localMidnight(`${month}-01`, offsetMinutes), to: localMidnight(`${next}-01`, offsetMinutes) };
}

export async function buildMonthReport(store: CenterStore, o: ReportOptions): Promise<MonthReport> {
  const { from, to } = monthRange(o.month, o.utcOffsetMinutes);
  const events = await store.eventsBetween(from, to, o.hall);
  return computeMonthReport(events, await store.complaintAnswers(), o);
}

/** Pure: the same events and answers give the same report. */
export function computeMonthReport(events: StoredEvent[], answers: Map<string, { answered_ms: number; by_user: string }>, o: ReportOptions): MonthReport {
  const { from, to } = monthRange(o.month, o.utcOffsetMinutes);
  const byStaff = new Map<string, Acc>();
  const byWindow = new Map<string, Acc>();
  const bad: BadRating[] = [];
  const acc = (m: Map<string, Acc>, key: string) => { let a = m.get(key); if (!a) m.set(key, (a = new Acc())); return a; };
  for (const e of events) {
    if (e.ts_ms < from || e.ts_ms >= to) continue;
    const staff = staffOf(e);
    const targets = [acc(byWindow, `${e.hall}/${e.window}`), ...(staff ? [acc(byStaff, staff)] : [])];
    if (staff) byStaff.get(staff)!.windows.add(e.window);
    const day = localDate(e.ts_ms, o.utcOffsetMinutes);
    for (const f of factsOf(e)) {
      let badRow: BadRating | undefined;
      if (f.kind === 'rating' && isBadRating(f.satisfaction)) {
        const deadline = addWorkingDays(day, o.answerWorkingDays, o.calendar);
        const answer = answers.get(e.event_id);
        // In time: answered before the end of the deadline day (hall time).
        const status = !answer ? 'unanswered' : answer.answered_ms < localMidnight(deadline, o.utcOffsetMinutes) + 86_400_000 ? 'in_time' : 'late';
        badRow = { event_id: e.event_id, ts: e.ts, hall: e.hall, window: e.window, staff_id: staff ?? null, satisfaction: f.satisfaction, level: f.level, deadline,
          answered_at: answer ? new Date(answer.answered_ms).toISOString() : null, answered_by: answer?.by_user ?? null, status };
        bad.push(badRow);
      }
      for (const a of targets) {
        switch (f.kind) {
          case 'clock_in': a.days.add(day); break;
          case 'attendance_flag': a.flags[f.flag].count++; a.flags[f.flag].minutes += f.minutes; break;
          case 'away_started': a.away.count++; break;
          case 'away_ended': a.away.minutes += f.minutes; break;
          case 'away_overdue': a.away.overdue++; break;
          case 'away_escalated': a.away.escalated++; break;
          case 'pause': a.pauses.count++; if (f.approved) a.pauses.approved++; break;
          case 'case_completed':
            a.cases++;
            if (f.handling_ms !== undefined) { a.handled++; a.handlingMs += f.handling_ms; }
            if (f.waiting_ms !== undefined) { a.waited++; a.waitingMs += f.waiting_ms; }
            break;
          case 'rating':
            a.bySat[f.satisfaction - 1]!++;
            a.byLevel[f.level] = (a.byLevel[f.level] ?? 0) + 1;
            if (badRow) { a.bad.count++; a.bad[badRow.status]++; }
            break;
          case 'complaint': a.complaints++; break;
          case 'rating_expired': a.expired++; break;
        }
      }
    }
  }
  const sortKeys = <T>(m: Map<string, T>) => [...m.keys()].sort();
  return {
    month: o.month, hall: o.hall ?? null, from: new Date(from).toISOString(), to: new Date(to).toISOString(), events: events.length,
    staff: sortKeys(byStaff).map((id) => ({ staff_id: id, windows: [...byStaff.get(id)!.windows].sort(), tally: byStaff.get(id)!.tally() })),
    windows: sortKeys(byWindow).map((k) => { const [hall, window] = k.split('/') as [string, string]; return { hall, window, tally: byWindow.get(k)!.tally() }; }),
    bad_ratings: bad,
  };
}
