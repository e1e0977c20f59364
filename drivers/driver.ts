// What every driver shares: a status the health API, MQTT state/<part> and fault events read.
// No hardware library is imported here.
import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';

export type DriverState = 'starting' | 'ok' | 'fault' | 'stopped' | 'disabled';

export interface DriverStatus {
  /** buttons | fingerprint | printer | eink */
  kind: string;
  /** sim | evdev | onoff | hid | firmata | serial | tcp | device | waveshare75v2 | ... */
  backend: string;
  state: DriverState;
  /** Why it is in fault (one clear line naming what and where), absent when ok. */
  reason?: string;
  /** Epoch ms of the last state change. */
  since: number;
  /** Kind-specific details (paper low, cover open, capacity, ...). Never secrets or biometric data. */
  detail?: Record<string, unknown>;
}

export interface Driver {
  readonly kind: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): DriverStatus;
  /** 'status' (DriverStatus) whenever state/reason/detail changes. */
  on(event: 'status', listener: (s: DriverStatus) => void): this;
  off(event: 'status', listener: (s: DriverStatus) => void): this;
}

/** Capped exponential backoff with full jitter, for driver reopen and MQTT reconnect. */
export function backoffMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(minMs + random() * (cap - minMs));
}

/** The time every driver runs on: passed in, so tests drive it with ManualClock + ManualScheduler. */
export interface DriverTime {
  clock: Clock;
  scheduler: Scheduler;
}

/**
 * Base for drivers: keeps the status, emits 'status' on change, and runs an open() with
 * retry and capped backoff so a missing or unplugged device degrades alone.
 */
export abstract class DriverBase extends EventEmitter implements Driver {
  private current: DriverStatus;
  private retryTimer: TimerHandle | undefined;
  private attempt = 0;
  protected stopped = true;

  constructor(readonly kind: string, protected readonly backend: string, protected readonly time: DriverTime,
              private readonly retry = { minMs: 1000, maxMs: 60_000 }) {
    super();
    this.current = { kind, backend, state: 'stopped', since: time.clock.now() };
  }

  protected now(): number { return this.time.clock.now(); }

  status(): DriverStatus { return { ...this.current }; }

  protected setStatus(state: DriverState, reason?: string, detail?: Record<string, unknown>): void {
    const prev = this.current;
    const next: DriverStatus = { kind: this.kind, backend: this.backend, state, since: prev.state === state ? prev.since : this.now() };
    if (reason) next.reason = reason;
    const d = detail ?? prev.detail;
    if (d) next.detail = d;
    if (prev.state === next.state && prev.reason === next.reason && JSON.stringify(prev.detail) === JSON.stringify(next.detail)) return;
    this.current = next;
    this.emit('status', this.status());
  }

  /** Open the device; throw with a clear message naming the device path on failure. */
  protected abstract open(): Promise<void>;
  /** Release the device; must not throw. */
  protected abstract close(): Promise<void>;

  async start(): Promise<void> {
    this.stopped = false;
    this.setStatus('starting');
    await this.tryOpen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    try { await this.close(); } catch { /* closing a broken device must not stop the service */ }
    this.setStatus('stopped');
  }

  /** Backends call this when the device disappears (unplug, read error): fault now, reopen later. */
  protected fail(reason: string): void {
    if (this.stopped) return;
    this.setStatus('fault', reason);
    void this.close().catch(() => undefined);
    this.scheduleRetry();
  }

  private async tryOpen(): Promise<void> {
    try {
      await this.open();
      // stop() may have run while open() was waiting: release what was just opened.
      if (this.stopped) { await this.close().catch(() => undefined); return; }
      this.attempt = 0;
      this.setStatus('ok');
    } catch (err) {
      if (this.stopped) return;
      this.setStatus('fault', err instanceof Error ? err.message : String(err));
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = backoffMs(this.attempt++, this.retry.minMs, this.retry.maxMs);
    this.retryTimer = this.time.scheduler.timeout(delay, () => { this.retryTimer = undefined; if (!this.stopped) void this.tryOpen(); });
  }
}
