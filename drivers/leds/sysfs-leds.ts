// Per-key LEDs and the buzzer through the kernel LED class (/sys/class/leds/<name>/), which the
// gpio-leds overlay creates for any GPIO. Blink uses the kernel 'timer' trigger when the LED offers
// it (no wakeups in Node), else a JS timer. A missing or unwritable LED is reported, never thrown:
// the counter logic calling setLed() must not fail because a lamp is broken.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import type { Scheduler, TimerHandle } from '../../core/scheduler.ts';

export type LightMode = 'on' | 'off' | { blink_ms: number } | { flash_ms: number };

export interface SysfsLightsConfig {
  leds_root: string;
  /** Logical name (an evaluation key) → LED-class name. */
  leds: Record<string, string>;
  buzzer?: string;
}

interface Led {
  name: string;
  dir: string;
  max: number;
  hasTimerTrigger: boolean;
  timer?: TimerHandle;
  lit: boolean;
}

export const BUZZER = '__buzzer__';

export class SysfsLights {
  private leds = new Map<string, Led>();
  private readonly problems = new Map<string, string>();

  constructor(private readonly cfg: SysfsLightsConfig, private readonly deps: {
    logger: Logger; scheduler: Scheduler;
    /** Called whenever the set of LED problems changes (shown in the driver's status detail). */
    onProblems: (problems: Record<string, string>) => void;
  }) {}

  /** Finds every configured LED; a missing one becomes a problem, the others keep working. */
  start(): void {
    this.leds.clear();
    this.problems.clear();
    const all: Array<[string, string]> = Object.entries(this.cfg.leds);
    if (this.cfg.buzzer) all.push([BUZZER, this.cfg.buzzer]);
    for (const [logical, name] of all) {
      const dir = join(this.cfg.leds_root, name);
      try {
        const max = Number.parseInt(readFileSync(join(dir, 'max_brightness'), 'utf8'), 10);
        const triggers = safeRead(join(dir, 'trigger'));
        this.leds.set(logical, { name, dir, max: Number.isFinite(max) && max > 0 ? max : 1, hasTimerTrigger: /(^|\s|\[)timer(\]|\s|$)/.test(triggers), lit: false });
      } catch (err) {
        this.problems.set(logical, `LED '${name}' not usable at ${dir}: ${errText(err)}`);
      }
    }
    this.report();
  }

  /** Turns everything off and cancels patterns. */
  stop(): void {
    for (const logical of this.leds.keys()) this.apply(logical, 'off');
  }

  set(logical: string, mode: LightMode): void {
    if (logical === '*') {
      for (const k of Object.keys(this.cfg.leds)) this.set(k, mode);
      return;
    }
    if (!this.leds.has(logical)) {
      if (!this.problems.has(logical) && !(logical in this.cfg.leds) && logical !== BUZZER) {
        this.deps.logger.debug('no LED configured for key', { key: logical });
      }
      return;
    }
    this.apply(logical, mode);
  }

  beep(ms: number): void {
    if (!this.cfg.buzzer) return;
    this.set(BUZZER, { flash_ms: Math.max(1, Math.round(ms)) });
  }

  currentProblems(): Record<string, string> { return Object.fromEntries(this.problems); }

  private apply(logical: string, mode: LightMode): void {
    const led = this.leds.get(logical);
    if (!led) return;
    led.timer?.cancel();
    led.timer = undefined;
    try {
      if (mode === 'on' || mode === 'off') {
        if (led.hasTimerTrigger) write(led, 'trigger', 'none');
        this.level(led, mode === 'on');
      } else if ('blink_ms' in mode) {
        const period = Math.max(10, Math.round(mode.blink_ms));
        if (!led.hasTimerTrigger || !this.kernelBlink(led, period)) this.jsBlink(logical, led, period, true);
      } else {
        if (led.hasTimerTrigger) write(led, 'trigger', 'none');
        this.level(led, true);
        led.timer = this.deps.scheduler.timeout(Math.max(1, mode.flash_ms), () => { led.timer = undefined; this.safeLevel(logical, led, false); });
      }
      if (this.problems.delete(logical)) this.report();
    } catch (err) {
      this.fault(logical, led, err);
    }
  }

  /** The kernel timer trigger; false when its files are not writable (they appear root-owned). */
  private kernelBlink(led: Led, period: number): boolean {
    try {
      write(led, 'trigger', 'timer');
      write(led, 'delay_on', String(period));
      write(led, 'delay_off', String(period));
      return true;
    } catch (err) {
      this.deps.logger.info('LED timer trigger not usable, blinking from a JS timer', { led: led.name, error: errText(err) });
      led.hasTimerTrigger = false;
      try { write(led, 'trigger', 'none'); } catch { /* brightness writes still work without it */ }
      return false;
    }
  }

  private jsBlink(logical: string, led: Led, period: number, on: boolean): void {
    if (!this.safeLevel(logical, led, on)) return;
    led.timer = this.deps.scheduler.timeout(period, () => this.jsBlink(logical, led, period, !on));
  }

  private level(led: Led, on: boolean): void {
    write(led, 'brightness', on ? String(led.max) : '0');
    led.lit = on;
  }

  private safeLevel(logical: string, led: Led, on: boolean): boolean {
    try { this.level(led, on); return true; } catch (err) { this.fault(logical, led, err); return false; }
  }

  private fault(logical: string, led: Led, err: unknown): void {
    const msg = `LED '${led.name}' write failed at ${led.dir}: ${errText(err)}`;
    if (this.problems.get(logical) !== msg) {
      this.problems.set(logical, msg);
      this.deps.logger.warn('LED write failed', { led: led.name, error: errText(err) });
      this.report();
    }
  }

  private report(): void { this.deps.onProblems(this.currentProblems()); }
}

// sysfs attribute writes are in-kernel and do not touch a disk, so a sync write is the cheap path.
function write(led: Led, attr: string, value: string): void { writeFileSync(join(led.dir, attr), value); }

function safeRead(path: string): string { try { return readFileSync(path, 'utf8'); } catch { return ''; } }

function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code} (${e.message})` : String(err);
}
