// The shape every rule family of the counter shares (design §11): inputs carry their time, a step
// returns the new state and outputs, and nextDeadline says when a rule must look again. No I/O,
// no Date.now, no timers in device/counter/: the shell in device/ does those.
import type { TimeQuality } from '../../core/clock.ts';
import type { EventInput } from '../../core/events.ts';

/** When an input happened: wall ms (epoch), monotonic ms and how far the wall clock is trusted. */
export interface At {
  wallMs: number;
  monoMs: number;
  quality: TimeQuality;
}

/** A local calendar date in the hall's time zone, 'YYYY-MM-DD'. */
export type LocalDate = string;

/** Working days for China (weekends, public holidays, swapped working days 调休) plus local overrides. */
export interface WorkingCalendar {
  isWorkingDay(date: LocalDate): boolean;
  /** The n-th working day after `date` (n ≥ 1; `date` itself is never counted). */
  addWorkingDays(date: LocalDate, n: number): LocalDate;
  /** Whether the calendar holds data for that year (an alarm is raised when the coming year is missing). */
  hasYear(year: number): boolean;
}

/** An output that becomes an outbox event (appended before anything else is applied). */
export interface EventOutput {
  kind: 'event';
  event: EventInput;
  /** A high-priority event (e.g. evaluation.complaint) the shell may publish ahead of telemetry. */
  urgent?: boolean;
}

export interface RetainedOutput {
  kind: 'retained';
  /** state/<part> on MQTT (retained). */
  part: string;
  value: Record<string, unknown>;
}

export interface RejectOutput {
  kind: 'reject';
  /** Why a command was refused; a command that is rejected changes no state and emits no event. */
  reason: string;
}
