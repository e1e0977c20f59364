// Working days for answer deadlines, counted on the same calendar as the counters (core/calendar.ts:
// China's holidays and swapped working days 调休 from chinese-days) plus the center's own extra days
// (--holidays, --workdays) for a local closure (domain.md §8). Dates are the hall's local dates.
import { chinaCalendar, type WorkingCalendar } from '../core/calendar.ts';

/** The center's own additions to the national calendar. */
export interface WorkingDays { holidays: readonly string[]; workdays: readonly string[] }

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function checkDates(list: readonly string[], what: string): void {
  for (const d of list) if (!DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) throw new Error(`${what}: "${d}" is not a date YYYY-MM-DD`);
}

/** China's national calendar (core/calendar.ts, the counters' own) with the center's overrides. */
const calendars = new WeakMap<WorkingDays, WorkingCalendar>();
function calendarOf(cal: WorkingDays): WorkingCalendar {
  let c = calendars.get(cal);
  if (!c) { c = chinaCalendar({ holidays: [...cal.holidays], workdays: [...cal.workdays] }); calendars.set(cal, c); }
  return c;
}

export const isWorkingDay = (date: string, cal: WorkingDays): boolean => calendarOf(cal).isWorkingDay(date);

/** The n-th working day after `date` (the day itself never counts). */
export const addWorkingDays = (date: string, n: number, cal: WorkingDays): string => calendarOf(cal).addWorkingDays(date, n);

/** The hall's local date of an instant. */
export const localDate = (epochMs: number, offsetMinutes: number): string => new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 10);

/** Epoch ms of local midnight at the start of `date`. */
export const localMidnight = (date: string, offsetMinutes: number): number => Date.parse(`${date}T00:00:00Z`) - offsetMinutes * 60_000;
