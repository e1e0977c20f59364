// Local dates and times of the hall from an input's wall time (pure arithmetic, no current time).
import type { LocalDate } from './types.ts';

const shifted = (wallMs: number, offsetMinutes: number) => new Date(wallMs + offsetMinutes * 60_000);

/** 'YYYY-MM-DD' in the hall's time zone. */
export const localDate = (wallMs: number, offsetMinutes: number): LocalDate => shifted(wallMs, offsetMinutes).toISOString().slice(0, 10);

/** 'HH:MM' in the hall's time zone. */
export const localTime = (wallMs: number, offsetMinutes: number): string => shifted(wallMs, offsetMinutes).toISOString().slice(11, 16);

/** '2026年10月9日' — how dates are written on papers ("请您X月X日来领取证书", 001). */
export function cnDate(date: LocalDate): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
}

export const isLocalDate = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
