// The demo's time: `run --demo --speed 60 --start 08:30` plays the counter's day faster than real
// time from a chosen start. Only the demo composes this (compose.ts checks api.simulator); production
// always runs on the system clock.
//
// What runs on demo time and what stays on real time:
// - the counter's rules and services (the plugins: invitations, aways, attendance, print expiry) get
//   the demo clock and scheduler, so a 30-minute away deadline comes after 30 simulated minutes;
// - the outbox stamps events with the demo clock, so the log and the center see the simulated day;
// - MQTT gets the demo clock (its stamps and its "historical" test compare against event stamps)
//   but the real scheduler: keep-alive, reconnect backoff and PUBACK waits are about a real network,
//   and mqtt.js keeps its own keep-alive timers in real time anyway (its bounded waits on stop are
//   measured on the demo clock, so at ×60 they are 60 times shorter: enough on loopback);
// - drivers, the watchdog and the page's health feed stay on real time: debounce, panel refresh and
//   systemd's watchdog are physical durations, not parts of the counter's day.
import type { Clock } from '../../core/clock.ts';
import type { Scheduler } from '../../core/scheduler.ts';
import { demoClock, demoScheduler, MAX_DEMO_SPEED, type DemoClock } from '../../core/demo-clock.ts';
import type { AppContext, AppPlugin } from '../app.ts';

export interface DemoTimeOptions {
  /** Simulated ms per real ms (1 … MAX_DEMO_SPEED). */
  speed: number;
  /** "HH:MM" today in the hall's offset; absent = now. */
  start?: string;
}

export interface DemoTime {
  clock: DemoClock;
  scheduler: Scheduler & { speedChanged(): void };
}

/** Parses `--speed`; a clear message on anything else. */
export function parseDemoSpeed(text: string): number {
  const speed = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(speed > 0) || speed > MAX_DEMO_SPEED) {
    throw new Error(`--speed must be a number > 0 and ≤ ${MAX_DEMO_SPEED} (simulated seconds per real second), got "${text}"`);
  }
  return speed;
}

/** "HH:MM" today (the date of `nowMs` in the hall's offset) → epoch ms. */
export function startOfDemo(start: string, nowMs: number, utcOffsetMinutes: number): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(start);
  if (!m) throw new Error(`--start must be HH:MM (24-hour, hall time), got "${start}"`);
  const offsetMs = utcOffsetMinutes * 60_000;
  const localMidnight = Math.floor((nowMs + offsetMs) / 86_400_000) * 86_400_000;
  return localMidnight - offsetMs + (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

export function createDemoTime(real: { clock: Clock; scheduler: Scheduler }, opts: DemoTimeOptions, utcOffsetMinutes: number): DemoTime {
  const now = real.clock.now();
  const startMs = opts.start ? startOfDemo(opts.start, now, utcOffsetMinutes) : now;
  const clock = demoClock(startMs, opts.speed, real.clock.timeQuality());
  return { clock, scheduler: demoScheduler(clock, real.scheduler) };
}

/** The plugin sees the demo clock and scheduler; everything else of the context is the app's. */
export function onDemoTime(plugin: AppPlugin, time: DemoTime): AppPlugin {
  return (ctx) => plugin(Object.create(ctx, {
    clock: { value: time.clock, enumerable: true },
    scheduler: { value: time.scheduler, enumerable: true },
  }) as AppContext);
}
