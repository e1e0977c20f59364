// The e-ink nameplate driver: renders a PlateContent, decides full/partial/none by the refresh
// policy, and drives the panel through a PanelIo (SPI + GPIO, or the emulator). A stuck BUSY
// or a missing SPI device faults this driver alone; the wanted frame is kept and drawn on recovery.
// Contents are coalesced before rendering: only the latest one waiting is ever rendered, and a
// content equal to the last rendered one reuses its frame.
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Scheduler, TimerHandle } from '../../core/scheduler.ts';
import { DriverBase } from '../driver.ts';
import { resolveEinkBackend, type EinkConfig } from './config.ts';
import { PanelEmulator } from './emulator.ts';
import { loadNameplateFonts, type NameplateFonts } from './font.ts';
import { frameToPng, type Frame } from './frame.ts';
import { runOptions, runSteps, type PanelIo } from './panel-io.ts';
import { PANELS, panelSize, type PanelSpec } from './panels.ts';
import { validatePlateContent } from './plate-check.ts';
import type { PlateContent } from './plate-content.ts';
import { afterRefresh, decideRefresh, initialPolicyState, nextDailyMark, type PolicyConfig, type PolicyState } from './policy.ts';
import { renderNameplate } from './render.ts';
import { SpiPanelIo } from './spi-io.ts';
import type { EinkDriver, ShowResult } from './types.ts';

export type { EinkDriver, RefreshKind, ShowResult } from './types.ts';

export interface EinkDriverDeps {
  config: EinkConfig;
  logger: Logger;
  clock: Clock;
  scheduler: Scheduler;
  /** window.utc_offset_minutes, for the daily full refresh. */
  utcOffsetMinutes?: number;
  /** Lines to use instead of the configured backend (tests run the SPI code path over the emulator). */
  io?: PanelIo;
}

interface Waiter { resolve: (r: ShowResult) => void; reject: (err: Error) => void }

/** What is wanted on the glass: a content still to render, or a frame ready to send. */
interface Pending { content?: PlateContent; key?: string; frame?: Frame; waiters: Waiter[] }

/** Counters for health, tests and the benchmark. */
export interface EinkStats { renders: number; full: number; partial: number; skipped: number }

/** A stable key of a content; photo bytes are hashed, not serialised. */
export function contentKey(c: PlateContent): string {
  return createHash('sha1').update(JSON.stringify(c, (_k, v: unknown) => (v instanceof Uint8Array ? `bytes:${createHash('sha1').update(v).digest('hex')}` : v))).digest('hex');
}

export class PanelEinkDriver extends DriverBase implements EinkDriver {
  private io: PanelIo | undefined;
  private spec: PanelSpec;
  private fonts: NameplateFonts | undefined;
  private policy: PolicyState = initialPolicyState();
  private pending: Pending | undefined;
  private busy = false;
  private pumpQueued = false;
  private waitTimer: TimerHandle | undefined;
  private dailyTimer: TimerHandle | undefined;
  private png: Buffer | undefined;
  private rendered: { key: string; frame: Frame } | undefined;
  private counts: EinkStats = { renders: 0, full: 0, partial: 0, skipped: 0 };

  constructor(private readonly deps: EinkDriverDeps) {
    const { kind, panel } = resolveEinkBackend(deps.config);
    super('eink', deps.io ? 'custom' : kind === 'sim' ? 'sim' : panel, deps,
      { minMs: deps.config.retry_min_ms, maxMs: deps.config.retry_max_ms });
    this.spec = PANELS[panel];
  }

  /** The emulator, when the backend is sim (the simulator page and tests read it). */
  emulator(): PanelEmulator | undefined {
    return this.io instanceof PanelEmulator ? this.io : undefined;
  }

  /** PNG of the last frame the panel got (decoded back from the emulator when simulated). */
  lastPng(): Buffer | undefined { return this.png; }

  stats(): EinkStats { return { ...this.counts }; }

  private get cfg(): EinkConfig { return this.deps.config; }

  private policyConfig(): PolicyConfig {
    return {
      minIntervalMs: this.cfg.min_interval_ms,
      fullEveryPartials: this.cfg.full_every_partials,
      partialMaxArea: this.cfg.partial_max_area,
      dailyFullAt: this.cfg.daily_full_refresh_at,
      utcOffsetMinutes: this.deps.utcOffsetMinutes ?? 480,
    };
  }

  protected async open(): Promise<void> {
    this.fonts ??= loadNameplateFonts({ fontPath: this.cfg.font_path, boldPath: this.cfg.font_bold_path });
    this.io ??= this.deps.io ?? (resolveEinkBackend(this.cfg).kind === 'sim'
      ? new PanelEmulator(this.spec.id)
      : new SpiPanelIo({ bus: this.cfg.spi_bus, device: this.cfg.spi_device, speedHz: this.cfg.spi_speed_hz, pins: this.cfg.pins, sysfsRoot: this.cfg.gpio_sysfs_root, scheduler: this.deps.scheduler }));
    await this.io.open();
    // Reset and see BUSY release: a panel that never answers is a fault now, not at the first show().
    await runSteps(this.io, this.spec.probe(), runOptions(this.spec, this.cfg.busy_timeout_ms, this.cfg.busy_poll_ms));
    // After start or a fault the glass may show anything: the next refresh is full.
    this.policy = { ...initialPolicyState(), lastFullWall: this.policy.lastFullWall };
    this.scheduleDaily();
    if (this.pending) this.queuePump();
  }

  protected async close(): Promise<void> {
    this.waitTimer?.cancel();
    this.dailyTimer?.cancel();
    this.waitTimer = this.dailyTimer = undefined;
    await this.io?.close();
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.resolvePending({ refreshed: 'none', deferred: 'fault' });
  }

  /** Shows a content; resolves when the panel has it (or when it was skipped, superseded or deferred). */
  show(content: PlateContent): Promise<ShowResult> {
    try {
      validatePlateContent(content);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.want({ content, key: contentKey(content) });
  }

  /** Shows a ready frame (must match the panel size). */
  showFrame(frame: Frame): Promise<ShowResult> {
    if (frame.width !== this.spec.width || frame.height !== this.spec.height) {
      return Promise.reject(new Error(`eink: frame ${frame.width}x${frame.height} does not fit ${this.spec.id} (${this.spec.width}x${this.spec.height})`));
    }
    return this.want({ frame });
  }

  private want(p: Omit<Pending, 'waiters'>): Promise<ShowResult> {
    return new Promise((resolve, reject) => {
      // The latest wins: whatever still waits for its turn is answered as superseded, never rendered.
      this.resolvePending({ refreshed: 'none', deferred: 'superseded' });
      this.pending = { ...p, waiters: [{ resolve, reject }] };
      this.queuePump();
    });
  }

  /** One pump per turn of the event loop, so a burst of shows in between costs one render. */
  private queuePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => { this.pumpQueued = false; void this.pump(); });
  }

  private resolvePending(r: ShowResult): void {
    const p = this.pending;
    this.pending = undefined;
    p?.waiters.forEach((w) => w.resolve(r));
  }

  /** The frame of the pending content: the cached one when it is the same content, else rendered now. */
  private async frameOf(p: Pending): Promise<Frame | undefined> {
    if (p.frame) return p.frame;
    if (this.rendered && this.rendered.key === p.key) return this.rendered.frame;
    this.fonts ??= loadNameplateFonts({ fontPath: this.cfg.font_path, boldPath: this.cfg.font_bold_path });
    this.counts.renders++;
    const frame = await renderNameplate(p.content!, panelSize(this.spec.id), { fonts: this.fonts, dither: this.cfg.dither });
    this.rendered = { key: p.key!, frame };
    return frame;
  }

  /** Time left before the panel may refresh again (0: now). */
  private intervalLeft(): number {
    const last = this.policy.lastRefreshMono;
    if (last === undefined) return 0;
    return Math.max(0, this.cfg.min_interval_ms - (this.deps.clock.monoMs() - last));
  }

  private async pump(): Promise<void> {
    if (this.busy || !this.pending) return;
    const st = this.status().state;
    if (st !== 'ok') {
      if (st === 'fault' || st === 'stopped') {
        // Kept for recovery; the callers hear now that it is not on the glass yet.
        this.pending.waiters.splice(0).forEach((w) => w.resolve({ refreshed: 'none', deferred: 'fault' }));
      }
      return;
    }
    const p = this.pending;
    // A new content must wait for its turn before it is rendered, so contents arriving in between
    // replace each other for free; an unchanged one (cached frame) is answered at once.
    if (!p.frame && !(this.rendered && this.rendered.key === p.key)) {
      const left = this.intervalLeft();
      if (left > 0) {
        this.waitTimer ??= this.deps.scheduler.timeout(left, () => { this.waitTimer = undefined; void this.pump(); });
        return;
      }
    }
    this.busy = true;
    let frame: Frame | undefined;
    try {
      frame = await this.frameOf(p);
    } catch (err) {
      if (this.pending === p) this.pending = undefined;
      p.waiters.forEach((w) => w.reject(err instanceof Error ? err : new Error(String(err))));
    } finally {
      this.busy = false;
    }
    if (!frame || this.pending !== p) { if (this.pending) void this.pump(); return; }
    p.frame = frame;
    const now = { wallMs: this.deps.clock.now(), monoMs: this.deps.clock.monoMs() };
    const d = decideRefresh(this.policy, frame, now, this.policyConfig());
    if (d.action === 'wait') {
      this.waitTimer ??= this.deps.scheduler.timeout(d.waitMs, () => { this.waitTimer = undefined; void this.pump(); });
      return;
    }
    const { waiters } = p;
    this.pending = undefined;
    if (d.action === 'none') {
      this.counts.skipped++;
      waiters.forEach((w) => w.resolve({ refreshed: 'none' }));
      return;
    }
    this.busy = true;
    const started = this.deps.clock.monoMs();
    try {
      const steps = d.action === 'full' ? this.spec.full(frame) : this.spec.partial(frame, this.policy.shown!, d.region);
      await runSteps(this.io!, steps, runOptions(this.spec, this.cfg.busy_timeout_ms, this.cfg.busy_poll_ms));
      this.policy = afterRefresh(this.policy, frame, d.action, { wallMs: this.deps.clock.now(), monoMs: this.deps.clock.monoMs() });
      this.counts[d.action]++;
      this.png = await frameToPng(this.emulator()?.displayed() ?? frame);
      this.deps.logger.debug('eink refreshed', { kind: d.action, reason: 'reason' in d ? d.reason : undefined, ms: Math.round(this.deps.clock.monoMs() - started) });
      this.setStatus('ok', undefined, this.detail());
      this.emit('refreshed', { kind: d.action });
      waiters.forEach((w) => w.resolve({ refreshed: d.action }));
    } catch (err) {
      // Keep the frame as wanted unless a newer one arrived meanwhile.
      this.pending ??= { frame, waiters: [] };
      waiters.forEach((w) => w.resolve({ refreshed: 'none', deferred: 'fault' }));
      const reason = `${this.spec.id}: ${(err as Error).message}`;
      this.deps.logger.warn('eink refresh failed', { reason });
      this.fail(reason);
    } finally {
      this.busy = false;
    }
    if (this.pending) void this.pump();
  }

  private detail(): Record<string, unknown> {
    return { panel: this.spec.id, refreshes_full: this.counts.full, refreshes_partial: this.counts.partial, partials_since_full: this.policy.partialsSinceFull };
  }

  private scheduleDaily(): void {
    this.dailyTimer?.cancel();
    const now = this.deps.clock.now();
    const wait = nextDailyMark(now, this.policyConfig()) - now + 1000;
    this.dailyTimer = this.deps.scheduler.timeout(wait, () => {
      this.dailyTimer = undefined;
      // Redraw what is shown; the policy sees the daily mark passed and makes it a full refresh.
      this.pending ??= this.policy.shown ? { frame: this.policy.shown, waiters: [] } : undefined;
      void this.pump();
      this.scheduleDaily();
    });
  }
}
