// The one source of time for the service. Injected everywhere so tests can drive time.
import { performance } from 'node:perf_hooks';

export type TimeQuality = 'ntp' | 'rtc' | 'unsynced';

export interface Clock {
  /** Wall clock, epoch milliseconds. */
  now(): number;
  /** Monotonic milliseconds since process start; never goes backwards. */
  monoMs(): number;
  /** How far the wall clock can be trusted (NTP synced, RTC only, or neither). */
  timeQuality(): TimeQuality;
}

export const systemClock = (quality: () => TimeQuality = () => 'ntp'): Clock => ({
  now: () => Date.now(),
  monoMs: () => performance.now(),
  timeQuality: quality,
});

/** A clock for tests: time moves only when told. */
export class ManualClock implements Clock {
  constructor(private wall = Date.parse('2026-11-23T09:00:00+08:00'), private mono = 0, public quality: TimeQuality = 'ntp') {}
  now(): number { return this.wall; }
  monoMs(): number { return this.mono; }
  timeQuality(): TimeQuality { return this.quality; }
  advance(ms: number): void { this.wall += ms; this.mono += ms; }
}

/** ISO-8601 with a fixed offset (the hall's local time, +08:00 by default), e.g. 2026-11-22T09:15:02.113+08:00. */
export function isoWithOffset(epochMs: number, offsetMinutes = 480): string {
  const local = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}
