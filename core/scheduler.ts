// The one home of timers. Every part gets a Scheduler passed in, so a test can run hours of the
// counter's life in microseconds on a ManualScheduler, with timers firing in time order.
import type { ManualClock } from './clock.ts';

export interface TimerHandle {
  cancel(): void;
}

export interface TimerOptions {
  keepAlive?: boolean;
}

export interface Scheduler {
  /**
   * Run fn once after ms (monotonic). By default the timer does not keep the process alive;
   * `keepAlive` is for work already accepted that waits on it (a retry of pending writes).
   */
  timeout(ms: number, fn: () => void, opts?: TimerOptions): TimerHandle;
  /** Run fn every ms (monotonic) until cancelled. */
  interval(ms: number, fn: () => void): TimerHandle;
  /** A promise that resolves after ms (for retry back-offs inside async code). */
  sleep(ms: number): Promise<void>;
}

// setTimeout clamps anything ≥ 2^31 ms to 1 ms; long waits are chained instead.
const MAX_NODE_DELAY = 2 ** 31 - 1;

/** Node's timers, unref'd unless asked: a forgotten timer never holds a stopping process open. */
export function systemScheduler(): Scheduler {
  const timeout = (ms: number, fn: () => void, opts?: TimerOptions): TimerHandle => {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = (left: number) => {
      const step = Math.min(Math.max(0, left), MAX_NODE_DELAY);
      handle = setTimeout(() => {
        if (cancelled) return;
        if (left > step) arm(left - step);
        else fn();
      }, step);
      if (opts?.keepAlive !== true) handle.unref();
    };
    arm(ms);
    return { cancel: () => { cancelled = true; if (handle) clearTimeout(handle); } };
  };
  return {
    timeout,
    interval(ms, fn) {
      const handle = setInterval(fn, Math.min(Math.max(1, ms), MAX_NODE_DELAY));
      handle.unref();
      return { cancel: () => clearInterval(handle) };
    },
    sleep: (ms) => new Promise<void>((resolve) => {
      // A sleep is awaited by live work (retries), so it keeps the loop alive while it waits.
      setTimeout(resolve, Math.min(Math.max(0, ms), MAX_NODE_DELAY));
    }),
  };
}

interface ManualTimer {
  id: number;
  due: number;
  every: number | undefined;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A scheduler on a ManualClock: nothing fires until `advance`/`runUntil` moves time, then due
 * timers fire in (due time, creation) order with the clock set to each timer's due time, so a
 * timer that schedules another within the advanced span fires too.
 */
export class ManualScheduler implements Scheduler {
  private timers: ManualTimer[] = [];
  private nextId = 1;
  constructor(readonly clock: ManualClock) {}

  timeout(ms: number, fn: () => void): TimerHandle {
    return this.add(ms, undefined, fn);
  }

  interval(ms: number, fn: () => void): TimerHandle {
    return this.add(ms, Math.max(1, ms), fn);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timeout(ms, resolve));
  }

  /** Timers not yet fired or cancelled. */
  pending(): number {
    return this.timers.length;
  }

  /** Monotonic time of the earliest pending timer, if any. */
  nextDue(): number | undefined {
    return this.timers.reduce<number | undefined>((min, t) => (min === undefined || t.due < min ? t.due : min), undefined);
  }

  /** Move time forward by ms, firing every timer that comes due on the way, in order. */
  advance(ms: number): void {
    this.runUntil(this.clock.monoMs() + ms);
  }

  /** Like advance, and lets promise callbacks (e.g. after a sleep) run between timers. */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.clock.monoMs() + ms;
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      const t = this.earliest();
      if (!t || t.due > end) break;
      this.fire(t);
    }
    this.clock.advance(end - this.clock.monoMs());
    await new Promise<void>((r) => setImmediate(r));
  }

  runUntil(monoEnd: number): void {
    for (;;) {
      const t = this.earliest();
      if (!t || t.due > monoEnd) break;
      this.fire(t);
    }
    if (monoEnd > this.clock.monoMs()) this.clock.advance(monoEnd - this.clock.monoMs());
  }

  private add(ms: number, every: number | undefined, fn: () => void): TimerHandle {
    const t: ManualTimer = { id: this.nextId++, due: this.clock.monoMs() + Math.max(0, ms), every, fn, cancelled: false };
    this.timers.push(t);
    return { cancel: () => { t.cancelled = true; this.timers = this.timers.filter((x) => x !== t); } };
  }

  private earliest(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }

  private fire(t: ManualTimer): void {
    if (t.due > this.clock.monoMs()) this.clock.advance(t.due - this.clock.monoMs());
    if (t.every !== undefined) t.due += t.every;
    else this.timers = this.timers.filter((x) => x !== t);
    t.fn();
  }
}
