// What every buttons backend shares: raw levels go through one KeyTracker (debounce, hold, stuck),
// one timer drives its deadlines, lights hang off the same driver, and faults use DriverBase's
// retry with capped backoff. Backends only open/close their device and call input()/deviceLost().
import { DriverBase } from '../driver.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Scheduler, TimerHandle } from '../../core/scheduler.ts';
import { SysfsLights } from '../leds/sysfs-leds.ts';
import { validateButtonsConfig, type ButtonsConfig } from './config.ts';
import { KeyTracker } from './key-tracker.ts';
import type { ButtonEvent, ButtonKey, ButtonsDriver, LedMode, RawButtonInput } from './types.ts';

export interface ButtonsDeps {
  logger: Logger;
  clock: Clock;
  /** Debounce/hold/stuck deadlines and LED patterns; tests pass a ManualScheduler on a ManualClock. */
  scheduler: Scheduler;
}

export abstract class ButtonsBase extends DriverBase implements ButtonsDriver {
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  protected readonly scheduler: Scheduler;
  private tracker: KeyTracker | undefined;
  private tickTimer: TimerHandle | undefined;
  private tickAt: number | undefined;
  private lights: SysfsLights | undefined;
  private ledProblems: Record<string, string> = {};
  private backendDetail: Record<string, unknown> = {};

  constructor(backend: string, protected readonly cfg: ButtonsConfig, deps: ButtonsDeps) {
    super('buttons', backend, deps, { minMs: cfg.retry_min_ms, maxMs: Math.max(cfg.retry_min_ms, cfg.retry_max_ms) });
    this.logger = deps.logger.child({ driver: 'buttons', backend });
    this.clock = deps.clock;
    this.scheduler = deps.scheduler;
  }

  override async start(): Promise<void> {
    this.tracker = new KeyTracker(
      { debounceMs: this.cfg.debounce_ms, holdMs: this.cfg.hold_ms, stuckMs: this.cfg.stuck_ms },
      (e) => this.onTrackerEvent(e),
    );
    await super.start();
    // Lights start after the device so their problems show in the ok/fault status, not 'stopped'.
    if (this.cfg.lights) {
      this.lights = new SysfsLights(
        { leds_root: this.cfg.lights.leds_root, leds: this.cfg.lights.leds, buzzer: this.cfg.lights.buzzer },
        { logger: this.logger, scheduler: this.scheduler, onProblems: (p) => { this.ledProblems = p; this.refreshDetail(); } },
      );
      this.lights.start();
    }
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.cancelTick();
    this.lights?.stop();
    this.tracker?.reset();
  }

  setLed(key: ButtonKey | '*', mode: LedMode): void {
    try { this.lights?.set(key, mode); } catch (err) { this.logger.warn('setLed failed', { key, error: err }); }
  }

  beep(ms: number): void {
    try { this.lights?.beep(ms); } catch (err) { this.logger.warn('beep failed', { error: err }); }
  }

  /** Throws one clear line per config problem of this backend; open() calls it first. */
  protected assertConfig(): void {
    const issues = validateButtonsConfig(this.cfg);
    if (issues.length) throw new Error(`buttons config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }

  /** A raw level of a configured key, as read from the device. */
  protected input(key: ButtonKey, down: boolean): void {
    if (this.stopped || !this.tracker) return;
    const now = this.monoNow();
    const raw: RawButtonInput = { key, down, mono_ms: now };
    this.safeEmit('raw', raw);
    this.tracker.input(key, down, now);
    this.schedule();
  }

  /** The device vanished or failed: forget levels, fault with the reason, let DriverBase reopen. */
  protected deviceLost(reason: string): void {
    if (this.stopped) return;
    this.logger.warn('buttons device lost', { reason });
    this.tracker?.reset();
    this.cancelTick();
    this.refreshDetail();
    this.fail(reason);
  }

  /** Backend facts for the status detail (device path, grab, chip base...). */
  protected setBackendDetail(detail: Record<string, unknown>): void {
    this.backendDetail = detail;
    this.refreshDetail();
  }

  private onTrackerEvent(e: ButtonEvent): void {
    if (e.kind === 'stuck') this.logger.warn('button stuck', { key: e.key, held_ms: e.held_ms });
    this.safeEmit('button', e);
    if (e.kind === 'stuck' || e.kind === 'release') this.refreshDetail();
  }

  private safeEmit(event: 'button' | 'raw', payload: ButtonEvent | RawButtonInput): void {
    try {
      this.emit(event, payload);
    } catch (err) {
      // A listener's bug must not break the reading of the keys.
      this.logger.error('buttons listener threw', { event, error: err });
    }
  }

  private schedule(): void {
    const due = this.tracker?.nextDeadline();
    if (due === this.tickAt) return;
    this.cancelTick();
    if (due === undefined) return;
    this.tickAt = due;
    this.tickTimer = this.scheduler.timeout(due - this.clock.monoMs(), () => {
      this.tickTimer = undefined;
      this.tickAt = undefined;
      if (this.stopped || !this.tracker) return;
      this.tracker.tick(this.monoNow());
      this.schedule();
    });
  }

  /** Whole milliseconds keep event times and held_ms readable; floor keeps them monotonic. */
  private monoNow(): number { return Math.floor(this.clock.monoMs()); }

  private cancelTick(): void {
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    this.tickAt = undefined;
  }

  private refreshDetail(): void {
    const cur = this.status();
    const detail: Record<string, unknown> = { keys: this.cfg.keys, ...this.backendDetail, stuck: this.tracker?.stuckKeys() ?? [] };
    if (Object.keys(this.ledProblems).length) detail.leds = this.ledProblems;
    this.setStatus(cur.state, cur.reason, detail);
  }
}
