// The evaluation-button interface (服务质量评价器). Every backend implements ButtonsDriver.
import type { Driver, DriverStatus } from '../driver.ts';

/** A configured evaluation key, e.g. very_satisfied | satisfied | basically_satisfied | dissatisfied | very_dissatisfied. */
export type ButtonKey = string;

export interface ButtonEvent {
  kind: 'press' | 'release' | 'hold' | 'stuck';
  key: ButtonKey;
  /**
   * Monotonic ms (Clock.monoMs) of the fact: for press/release the first edge of the debounced
   * level (so it is up to debounce_ms earlier than the moment the event is emitted); for
   * hold/stuck the moment the threshold was crossed.
   */
  mono_ms: number;
  /** For release/hold/stuck: how long the key has been down. */
  held_ms?: number;
}

/** An undebounced level as read from the hardware (for `counter-edge hw buttons`, not for counting). */
export interface RawButtonInput {
  key: ButtonKey;
  down: boolean;
  mono_ms: number;
}

export type LedMode = 'on' | 'off' | { blink_ms: number } | { flash_ms: number };

export interface ButtonsDriver extends Driver {
  /** 'button' events for every press/release/hold/stuck. */
  on(event: 'button', listener: (e: ButtonEvent) => void): this;
  on(event: 'raw', listener: (e: RawButtonInput) => void): this;
  on(event: 'status', listener: (s: DriverStatus) => void): this;
  off(event: 'button', listener: (e: ButtonEvent) => void): this;
  off(event: 'raw', listener: (e: RawButtonInput) => void): this;
  off(event: 'status', listener: (s: DriverStatus) => void): this;
  /** Per-key LED (or all keys with key '*'). Never throws for a missing LED: it reports it in status detail instead. */
  setLed(key: ButtonKey | '*', mode: LedMode): void;
  /** Optional buzzer; a no-op when none is configured. */
  beep(ms: number): void;
}

/** Simulated backends also accept presses from the local API and tests. */
export interface SimulatedButtons extends ButtonsDriver {
  /** Down now, up after holdMs (default 120 ms), through the same debounce/hold logic as hardware. */
  simulatePress(key: ButtonKey, holdMs?: number): void;
  /** Raw levels, for chatter and stuck keys. */
  simulateLevel(key: ButtonKey, down: boolean): void;
  /** The device disappears (fault with a reason) / comes back (reopened by the retry). */
  simulateUnplug(): void;
  simulateReplug(): void;
}
