// Timers are injected next to the Clock so debounce/hold/stuck and LED patterns can be driven by a
// ManualClock in tests instead of waiting for real time.
import type { ManualClock } from '../../core/clock.ts';

export type TimerHandle = { readonly id: number } | NodeJS.Timeout;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Timers that fire only when advance() moves the paired ManualClock past their due time. */
export class ManualTimers implements Timers {
  private nextId = 1;
  private pending = new Map<number, { due: number; fn: () => void }>();

  constructor(private readonly clock: ManualClock) {}

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { due: this.clock.monoMs() + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    if ('id' in handle && typeof handle.id === 'number') this.pending.delete(handle.id);
  }

  /** Moves the clock forward by ms, firing each due timer at its own time, in order. */
  advance(ms: number): void {
    const end = this.clock.monoMs() + ms;
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].due <= end && (!next || entry[1].due < next[1].due)) next = entry;
      if (!next) break;
      this.pending.delete(next[0]);
      if (next[1].due > this.clock.monoMs()) this.clock.advance(next[1].due - this.clock.monoMs());
      next[1].fn();
    }
    if (end > this.clock.monoMs()) this.clock.advance(end - this.clock.monoMs());
  }

  get size(): number { return this.pending.size; }
}
