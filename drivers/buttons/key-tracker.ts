// Pure button logic shared by every backend: debounce, press/release, long hold and stuck detection.
// Time is passed in (monotonic ms) so it runs the same under a ManualClock and on a Pi.
import type { ButtonEvent, ButtonKey } from './types.ts';

export interface TrackerTiming {
  /** A new level counts only after it has been stable this long (0 = at once). */
  debounceMs: number;
  holdMs: number;
  stuckMs: number;
}

interface KeyState {
  /** Debounced level. */
  down: boolean;
  /** Last raw level reported by the hardware, and since when. */
  raw: boolean;
  rawSince: number;
  /** When the debounced press started (the first edge of the stable run). */
  pressedAt: number;
  holdFired: boolean;
  stuckFired: boolean;
}

export class KeyTracker {
  private readonly states = new Map<ButtonKey, KeyState>();

  constructor(private readonly timing: TrackerTiming, private readonly emit: (e: ButtonEvent) => void) {}

  /** A raw level from the hardware. Repeats of the same level (key auto-repeat) change nothing. */
  input(key: ButtonKey, down: boolean, monoMs: number): void {
    // Commit what became stable before this edge, so a late timer cannot reorder events.
    this.tick(monoMs);
    const s = this.state(key, monoMs);
    if (s.raw === down) return;
    s.raw = down;
    s.rawSince = monoMs;
    if (this.timing.debounceMs === 0) this.commit(key, s);
  }

  /** Emits whatever became due by monoMs: debounced edges, then hold, then stuck. */
  tick(monoMs: number): void {
    for (const [key, s] of this.states) {
      if (s.raw !== s.down && monoMs - s.rawSince >= this.timing.debounceMs) this.commit(key, s);
      if (!s.down) continue;
      const held = monoMs - s.pressedAt;
      if (!s.holdFired && held >= this.timing.holdMs) {
        s.holdFired = true;
        this.emit({ kind: 'hold', key, mono_ms: s.pressedAt + this.timing.holdMs, held_ms: this.timing.holdMs });
      }
      if (!s.stuckFired && held >= this.timing.stuckMs) {
        s.stuckFired = true;
        this.emit({ kind: 'stuck', key, mono_ms: s.pressedAt + this.timing.stuckMs, held_ms: this.timing.stuckMs });
      }
    }
  }

  /** The earliest time at which tick() has something to do, for scheduling one timer. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    const consider = (t: number) => { if (next === undefined || t < next) next = t; };
    for (const s of this.states.values()) {
      if (s.raw !== s.down) consider(s.rawSince + this.timing.debounceMs);
      if (s.down && !s.holdFired) consider(s.pressedAt + this.timing.holdMs);
      else if (s.down && !s.stuckFired) consider(s.pressedAt + this.timing.stuckMs);
    }
    return next;
  }

  /** Keys held past stuck_ms and not yet released. */
  stuckKeys(): ButtonKey[] {
    return [...this.states].filter(([, s]) => s.down && s.stuckFired).map(([k]) => k);
  }

  isDown(key: ButtonKey): boolean { return this.states.get(key)?.down ?? false; }

  /** Forget all levels (device gone): no release is invented for a key we can no longer see. */
  reset(): void { this.states.clear(); }

  private state(key: ButtonKey, monoMs: number): KeyState {
    let s = this.states.get(key);
    if (!s) {
      s = { down: false, raw: false, rawSince: monoMs, pressedAt: 0, holdFired: false, stuckFired: false };
      this.states.set(key, s);
    }
    return s;
  }

  private commit(key: ButtonKey, s: KeyState): void {
    s.down = s.raw;
    if (s.down) {
      s.pressedAt = s.rawSince;
      s.holdFired = false;
      s.stuckFired = false;
      this.emit({ kind: 'press', key, mono_ms: s.rawSince });
    } else {
      this.emit({ kind: 'release', key, mono_ms: s.rawSince, held_ms: s.rawSince - s.pressedAt });
    }
  }
}
