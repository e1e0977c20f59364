// Working days for answer deadlines: weekends are off, except the swapped working days (调休) the
// State Council publishes each November; public holidays are off (domain.md §8). Dates are the hall's
// local dates, YYYY-MM-DD.
export interface WorkingDays { holidays: readonly string[]; workdays: readonly string[] }

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function checkDates(list: readonly string[], what: string): void {
  for (const d of list) if (!DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) throw new Error(`${what}: "${d}" is not a date YYYY-MM-DD`);
}

export function isWorkingDay(date: string, cal: WorkingDays): boolean {
  if (cal.workdays.includes(date)) return true;
  if (cal.holidays.includes(date)) return false;
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** The n-th working day after `date` (the day itself never counts). */
export function addWorkingDays(date: string, n: number, cal: WorkingDays): string {
  let t = Date.parse(`${date}T00:00:00Z`);
  let left = n;
  for (let guard = 0; left > 0 && guard < 400; guard++) {
    t += 86_400_000;
    if (isWorkingDay(new Date(t).toISOString().slice(0, 10), cal)) left--;
  }
  return new Date(t).toISOString().slice(0, 10);
}

/** The hall's local date of an instant. */
export const localDate = (epochMs: number, offsetMinutes: number): string => new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 10);

/** Epoch ms of local midnight at the start of `date`. */
export const localMidnight = (date: string, offsetMinutes: number): number => Date.parse(`${date}T00:00:00Z`) - offsetMinutes * 60_000;
