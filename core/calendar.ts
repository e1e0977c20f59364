// China's working days (domain.md §5; design §11), one calendar for the counter and the center: weekends, public holidays and swapped working
// days (调休) from the maintained `chinese-days` data (MIT, pure JSON, 2004 → its latest year),
// plus the hall's own days from config. The State Council publishes each year's days in November,
// so `hasYear` tells the rules when the coming year is missing (calendar.missing_year alarm).
import chineseDays from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

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

const DAY_MS = 86_400_000;
const addDays = (date: LocalDate, n: number): LocalDate => new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
/** 1 = Monday … 7 = Sunday. */
const isoWeekday = (date: LocalDate): number => {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
};

/** Dates of the national calendar: days off (holidays) and weekend days that are worked (调休). */
export interface CalendarData {
  holidays: Iterable<LocalDate>;
  workdays: Iterable<LocalDate>;
}

export interface CalendarOverrides {
  holidays?: LocalDate[];
  workdays?: LocalDate[];
  /** Years entered by hand in full; they count as having data. */
  completeYears?: number[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A bound on addWorkingDays: no real deadline is years of working days away. */
const MAX_WORKING_DAYS = 3660;

export function createWorkingCalendar(data: CalendarData, overrides: CalendarOverrides = {}): WorkingCalendar {
  const off = new Set(data.holidays);
  const on = new Set(data.workdays);
  const years = new Set<number>(overrides.completeYears ?? []);
  for (const d of off) years.add(Number(d.slice(0, 4)));
  for (const d of on) years.add(Number(d.slice(0, 4)));
  // The hall's own days win over the national data.
  for (const d of overrides.workdays ?? []) { on.add(d); off.delete(d); }
  for (const d of overrides.holidays ?? []) { off.add(d); on.delete(d); }

  const check = (date: LocalDate, what: string) => {
    if (typeof date !== 'string' || !DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
      throw new Error(`${what}: not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
    }
  };
  const isWorkingDay = (date: LocalDate): boolean => {
    check(date, 'isWorkingDay');
    if (on.has(date)) return true;
    if (off.has(date)) return false;
    return isoWeekday(date) <= 5;
  };
  return {
    isWorkingDay,
    addWorkingDays(date: LocalDate, n: number): LocalDate {
      check(date, 'addWorkingDays');
      if (!Number.isInteger(n) || n < 1 || n > MAX_WORKING_DAYS) throw new Error(`addWorkingDays: n must be an integer 1…${MAX_WORKING_DAYS} (got ${n})`);
      let d = date;
      for (let left = n; left > 0;) {
        d = addDays(d, 1);
        if (isWorkingDay(d)) left--;
      }
      return d;
    },
    hasYear: (year: number) => years.has(year),
  };
}

/** The national calendar from the `chinese-days` package with the hall's overrides. */
export function chinaCalendar(overrides: CalendarOverrides = {}): WorkingCalendar {
  return createWorkingCalendar({ holidays: Object.keys(chineseDays.holidays), workdays: Object.keys(chineseDays.workdays) }, overrides);
}
