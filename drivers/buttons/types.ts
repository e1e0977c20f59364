// The evaluation-button interface (服务质量评价器). Every backend implements ButtonsDriver.
import type { Driver } from '../driver.ts';

/** A configured evaluation key, e.g. very_satisfied | satisfied | basically_satisfied | dissatisfied | very_dissatisfied. */
export type ButtonKey = string;

export interface ButtonEvent {
  kind: 'press' | 'release' | 'hold' | 'stuck';
  key: ButtonKey;
  /** Monotonic ms (Clock.monoMs) when observed. */
  mono_ms: number;
  /** For release/hold/stuck: how long the key has been down. */
  held_ms?: number;
}

export type LedMode = 'on' | 'off' | { blink_ms: number } | { flash_ms: number };

export interface ButtonsDriver extends Driver {
  /** 'button' events for every press/release/hold/stuck. */
  on(event: 'button', listener: (e: ButtonEvent) => void): this;
  on(event: 'status', listener: (s: import('../driver.ts').DriverStatus) => void): this;
  /** Per-key LED (or all keys with key '*'). Never throws for a missing LED: it reports a fault instead. */
  setLed(key: ButtonKey | '*', mode: LedMode): void;
  /** Optional buzzer; a no-op when none is configured. */
  beep(ms: number): void;
}

/** Simulated backends also accept presses from the local API and tests. */
export interface SimulatedButtons extends ButtonsDriver {
  simulatePress(key: ButtonKey, holdMs?: number): void;
}
