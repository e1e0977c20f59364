// What the monthly assessment (考核, seed 001: 每月…考核; domain.md §7) reads from each stored event.
// This is the one place that knows event types and data fields, so aligning the report with what
// the counters really send means editing this file only. Unknown types and fields count for nothing.
import type { StoredEvent } from './envelope.ts';

export type AttendanceFlag = 'prep_short' | 'late' | 'early_leave' | 'absent' | 'missing_punch';
export const ATTENDANCE_FLAGS: readonly AttendanceFlag[] = ['prep_short', 'late', 'early_leave', 'absent', 'missing_punch'];

export type Fact =
  | { kind: 'clock_in' }
  | { kind: 'attendance_flag'; flag: AttendanceFlag; minutes: number }
  | { kind: 'away_started' }
  | { kind: 'away_ended'; minutes: number }
  | { kind: 'away_overdue' }
  | { kind: 'away_escalated' }
  | { kind: 'pause'; approved: boolean }
  | { kind: 'case_completed'; handling_ms: number | undefined; waiting_ms: number | undefined }
  | { kind: 'rating'; satisfaction: number; level: string }
  | { kind: 'complaint' }
  | { kind: 'rating_expired' };

const minutes = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0);
const ms = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** The facts one event contributes (most give one, many none). */
export function factsOf(e: StoredEvent): Fact[] {
  const d = e.data;
  switch (e.type) {
    // attendance.clock {direction: 'in'|'out'}: a day worked is a day with a clock-in.
    case 'attendance.clock': return d.direction === 'in' ? [{ kind: 'clock_in' }] : [];
    // attendance.flag {flag, minutes}: the counter's attendance verdicts (seed 001: 不得迟到、早退、旷工).
    case 'attendance.flag':
      return ATTENDANCE_FLAGS.includes(d.flag as AttendanceFlag) ? [{ kind: 'attendance_flag', flag: d.flag as AttendanceFlag, minutes: minutes(d.minutes) }] : [];
    case 'away.started': return [{ kind: 'away_started' }];
    // away.ended {minutes}: the time away is counted when the staff member is back.
    case 'away.ended': return [{ kind: 'away_ended', minutes: minutes(d.minutes) }];
    case 'away.overdue': return [{ kind: 'away_overdue' }];
    case 'away.escalated': return [{ kind: 'away_escalated' }];
    // window.state {from, to, why, approved?}: a pause is a change to 'paused'; approved when the
    // counter says so (approved: true or approved_by), e.g. after a supervisor's pause.approve (seed 003).
    case 'window.state':
      return d.to === 'paused' && d.from !== 'paused' ? [{ kind: 'pause', approved: d.approved === true || typeof d.approved_by === 'string' }] : [];
    // service.completed {handling_ms, waiting_ms}: one case handled.
    case 'service.completed': return [{ kind: 'case_completed', handling_ms: ms(d.handling_ms), waiting_ms: ms(d.waiting_ms) }];
    // evaluation.submitted {satisfaction 1–5, level, stage}: 5 = 非常满意 … 1 = 非常不满意 (好差评, 国办发〔2019〕51号).
    case 'evaluation.submitted': {
      const s = d.satisfaction;
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > 5) return [];
      return [{ kind: 'rating', satisfaction: s, level: typeof d.level === 'string' ? d.level.slice(0, 32) : String(s) }];
    }
    case 'evaluation.complaint': return [{ kind: 'complaint' }];
    case 'evaluation.expired': return [{ kind: 'rating_expired' }];
    default: return [];
  }
}

/** Satisfied: 满意 or better (4–5). 差评: the two lowest levels (1–2), 国办发〔2019〕51号. */
export const isSatisfied = (satisfaction: number): boolean => satisfaction >= 4;
export const isBadRating = (satisfaction: number): boolean => satisfaction <= 2;

/** Who an event belongs to: the envelope's staff_id, else data.staff_id. */
export function staffOf(e: StoredEvent): string | undefined {
  if (e.staff_id) return e.staff_id;
  return typeof e.data.staff_id === 'string' ? e.data.staff_id : undefined;
}
