// The demo's clock: a simulated counter's day played faster than real time, from a chosen start,
// so a person watches a late clock-in, an overdue away or an expired invitation within minutes.
// Only `run --demo` composes it; production always runs on the system clock.
import { performance } from 'node:perf_hooks';
import type { Clock, TimeQuality } from './clock.ts';
import type { Scheduler, TimerHandle } from './scheduler.ts';

export interface DemoClock extends Clock {
  /** How many simulated milliseconds pass per real millisecond. */
  speed(): number;
  /** Change the speed from now on (time so far is kept). */
  setSpeed(speed: number): void;
  /** Jump to a wall time (e.g. "08:30 today"); monotonic time keeps going forward. */
  jumpTo(wallMs: number): void;
}

export const MAX_DEMO_SPEED = 3600;

function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0 || speed > MAX_DEMO_SPEED) {
    throw new RangeError(`demo speed must be > 0 and ≤ ${MAX_DEMO_SPEED}, got ${speed}`);
  }
  return speed;
}

/**
 * Simulated time = anchor + (real elapsed since the anchor) × speed. Re-anchored on every change,
 * so speed changes and jumps never make time run backwards (monotonic) or skip (wall, except jumps).
 */
export function demoClock(startWallMs: number, initialSpeed: number, quality: TimeQuality = 'ntp',
                          realMs: () => number = () => performance.now()): DemoClock {
  let speed = checkSpeed(initialSpeed);
  let anchorReal = realMs();
  let anchorWall = startWallMs;
  let anchorMono = 0;
  const elapsed = () => (realMs() - anchorReal) * speed;
  const reanchor = () => {
    const e = elapsed();
    anchorWall += e;
    anchorMono += e;
    anchorReal = realMs();
  };
  return {
    now: () => Math.floor(anchorWall + elapsed()),
    monoMs: () => anchorMono + elapsed(),
    timeQuality: () => quality,
    speed: () => speed,
    setSpeed(s) { reanchor(); speed = checkSpeed(s); },
    jumpTo(wallMs) { reanchor(); anchorWall = wallMs; },
  };
}

/**
 * Timers in simulated time on top of a real scheduler. A speed change re-arms pending timers for
 * their remaining simulated time, so a 30-minute away deadline still comes at simulated 30 minutes.
 */
export function demoScheduler(clock: DemoClock, real: Scheduler): Scheduler & { speedChanged(): void } {
  interface Pending { dueMono: number; fn: () => void; every: number | undefined; handle: TimerHandle | undefined }
  const pending = new Set<Pending>();
  const arm = (p: Pending) => {
    const left = Math.max(0, (p.dueMono - clock.monoMs()) / clock.speed());
    p.handle = real.timeout(left, () => {
      if (!pending.has(p)) return;
      if (p.every === undefined) pending.delete(p);
      else { p.dueMono += p.every; arm(p); }
      p.fn();
    });
  };
  const add = (ms: number, every: number | undefined, fn: () => void): TimerHandle => {
    const p: Pending = { dueMono: clock.monoMs() + Math.max(0, ms), fn, every, handle: undefined };
    pending.add(p);
    arm(p);
    return { cancel: () => { pending.delete(p); p.handle?.cancel(); } };
  };
  return {
    timeout: (ms, fn) => add(ms, undefined, fn),
    interval: (ms, fn) => add(ms, Math.max(1, ms), fn),
    sleep: (ms) => new Promise<void>((resolve) => { add(ms, undefined, resolve); }),
    speedChanged() {
      for (const p of pending) { p.handle?.cancel(); arm(p); }
    },
  };
}
