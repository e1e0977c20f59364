// Local time of the hall from an epoch and a fixed UTC offset (window.utc_offset_minutes; China has
// no daylight saving). Pure arithmetic on given instants: `new Date(ms)` here only formats a time
// it was handed, never reads the current one.
import type { LocalDate } from './types.ts';

const MIN = 60_000;
const DAY = 86_400_000;

/** The hall's local date of an instant. */
export function localDate(wallMs: number, offsetMin: number): LocalDate {
  return new Date(wallMs + offsetMin * MIN).toISOString().slice(0, 10);
}

/** "HH:MM" local. */
export function localHhmm(wallMs: number, offsetMin: number): string {
  return new Date(wallMs + offsetMin * MIN).toISOString().slice(11, 16);
}

/** ISO weekday of a local date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Epoch ms of a local date at "HH:MM". */
export function wallAt(date: LocalDate, hhmm: string, offsetMin: number): number {
  return Date.parse(`${date}T${hhmm}:00Z`) - offsetMin * MIN;
}

/** Epoch ms of the next local midnight after an instant. */
export function nextLocalMidnight(wallMs: number, offsetMin: number): number {
  const local = wallMs + offsetMin * MIN;
  return (Math.floor(local / DAY) + 1) * DAY - offsetMin * MIN;
}

/** The local date n days after `date` (n may be negative). */
export function addDays(date: LocalDate, n: number): LocalDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/** Whole minutes, rounded up: 20 s late is one minute late. */
export const ceilMinutes = (ms: number): number => Math.ceil(ms / MIN);

export const MINUTE_MS = MIN;
