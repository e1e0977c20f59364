// Timing helpers for sync/: every timer goes through the Scheduler and every reading of time through
// the Clock passed in (core/), so tests can drive both and nothing here reads the system directly.
import { systemClock, type Clock } from '../core/clock.ts';
import { systemScheduler, type Scheduler, type TimerHandle } from '../core/scheduler.ts';

/** For parts whose callers (tests, tools) may leave time out: the system's. The app passes its own. */
export const defaultClock = (clock: Clock | undefined): Clock => clock ?? systemClock();
export const defaultScheduler = (scheduler: Scheduler | undefined): Scheduler => scheduler ?? systemScheduler();

/** Resolves true when `register`'s callback runs, false after ms; the timer is cancelled either way. */
export function waitUntil(scheduler: Scheduler, register: (done: () => void) => void, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let settled = false;
    let timer: TimerHandle | undefined;
    const finish = (v: boolean) => { if (settled) return; settled = true; timer?.cancel(); resolve(v); };
    timer = scheduler.timeout(Math.max(0, ms), () => finish(false));
    if (settled) timer.cancel();
    register(() => finish(true));
  });
}
