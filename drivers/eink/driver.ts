// The e-ink nameplate driver: renders a NameplateView, decides full/partial/none by the refresh
// policy, and drives the panel through a PanelIo (SPI + GPIO, or the emulator). A stuck BUSY
// or a missing SPI device faults this driver alone; the wanted frame is kept and drawn on recovery.
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { NameplateView } from '../../device/nameplate-view.ts';
import { DriverBase } from '../driver.ts';
import { resolveEinkBackend, type EinkConfig } from './config.ts';
import { PanelEmulator } from './emulator.ts';
import { loadNameplateFonts, type NameplateFonts } from './font.ts';
import { frameToPng, type Frame } from './frame.ts';
import { runOptions, runSteps, type PanelIo } from './panel-io.ts';
import { PANELS, panelSize, type PanelSpec } from './panels.ts';
import { afterRefresh, decideRefresh, initialPolicyState, nextDailyMark, type PolicyConfig, type PolicyState } from './policy.ts';
import { renderNameplate } from './render.ts';
import { SpiPanelIo } from './spi-io.ts';

export type RefreshKind = 'full' | 'partial' | 'none';

export interface ShowResult {
  refreshed: RefreshKind;
  /** Set when nothing was drawn because a newer frame replaced this one or the panel is in fault. */
  deferred?: 'superseded' | 'fault';
}

export interface EinkDriverDeps {
  config: EinkConfig;
  logger: Logger;
  clock: Clock;
  /** window.utc_offset_minutes, for the daily full refresh. */
  utcOffsetMinutes?: number;
  /** Lines to use instead of the configured backend (tests run the SPI code path over the emulator). */
  io?: PanelIo;
}

interface Pending { frame: Frame; waiters: Array<(r: ShowResult) => void> }

export class EinkDriver extends DriverBase {
  private io: PanelIo | undefined;
  private spec: PanelSpec;
  private fonts: NameplateFonts | undefined;
  private policy: PolicyState = initialPolicyState();
  private pending: Pending | undefined;
  private busy = false;
  private waitTimer: NodeJS.Timeout | undefined;
  private dailyTimer: NodeJS.Timeout | undefined;
  private png: Buffer | undefined;
  private counts = { full: 0, partial: 0, skipped: 0 };

  constructor(private readonly deps: EinkDriverDeps) {
    const { kind, panel } = resolveEinkBackend(deps.config);
    super('eink', deps.io ? 'custom' : kind === 'sim' ? 'sim' : panel, () => deps.clock.now(),
      { minMs: deps.config.retry_min_ms, maxMs: deps.config.retry_max_ms });
    this.spec = PANELS[panel];
  }

  /** The emulator, when the backend is sim (the simulator page and tests read it). */
  emulator(): PanelEmulator | undefined {
    return this.io instanceof PanelEmulator ? this.io : undefined;
  }

  /** PNG of the last frame the panel got (decoded back from the emulator when simulated). */
  lastPng(): Buffer | undefined { return this.png; }

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
      : new SpiPanelIo({ bus: this.cfg.spi_bus, device: this.cfg.spi_device, speedHz: this.cfg.spi_speed_hz, pins: this.cfg.pins, sysfsRoot: this.cfg.gpio_sysfs_root }));
    await this.io.open();
    // Reset and see BUSY release: a panel that never answers is a fault now, not at the first show().
    await runSteps(this.io, this.spec.probe(), runOptions(this.spec, this.cfg.busy_timeout_ms, this.cfg.busy_poll_ms));
    // After start or a fault the glass may show anything: the next refresh is full.
    this.policy = { ...initialPolicyState(), lastFullWall: this.policy.lastFullWall };
    this.scheduleDaily();
    if (this.pending) setImmediate(() => void this.pump());
  }

  protected async close(): Promise<void> {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    if (this.dailyTimer) clearTimeout(this.dailyTimer);
    this.waitTimer = this.dailyTimer = undefined;
    await this.io?.close();
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.resolvePending({ refreshed: 'none', deferred: 'fault' });
  }

  /** Renders and shows a view; resolves when the panel has it (or when it was skipped or deferred). */
  async show(view: NameplateView): Promise<ShowResult> {
    if (!this.fonts) this.fonts = loadNameplateFonts({ fontPath: this.cfg.font_path, boldPath: this.cfg.font_bold_path });
    const frame = await renderNameplate(view, panelSize(this.spec.id), { fonts: this.fonts, dither: this.cfg.dither });
    return this.showFrame(frame);
  }

  /** Shows a ready frame (must match the panel size). */
  showFrame(frame: Frame): Promise<ShowResult> {
    if (frame.width !== this.spec.width || frame.height !== this.spec.height) {
      return Promise.reject(new Error(`eink: frame ${frame.width}x${frame.height} does not fit ${this.spec.id} (${this.spec.width}x${this.spec.height})`));
    }
    return new Promise((resolve) => {
      // The latest frame wins: a frame still waiting for its turn is answered as superseded.
      this.resolvePending({ refreshed: 'none', deferred: 'superseded' });
      this.pending = { frame, waiters: [resolve] };
      void this.pump();
    });
  }

  private resolvePending(r: ShowResult): void {
    const p = this.pending;
    this.pending = undefined;
    p?.waiters.forEach((w) => w(r));
  }

  private async pump(): Promise<void> {
    if (this.busy || !this.pending) return;
    const st = this.status().state;
    if (st !== 'ok') {
      if (st === 'fault' || st === 'stopped') {
        // Kept for recovery; the callers hear now that it is not on the glass yet.
        const p = this.pending;
        p.waiters.splice(0).forEach((w) => w({ refreshed: 'none', deferred: 'fault' }));
      }
      return;
    }
    const now = { wallMs: this.deps.clock.now(), monoMs: this.deps.clock.monoMs() };
    const d = decideRefresh(this.policy, this.pending.frame, now, this.policyConfig());
    if (d.action === 'wait') {
      if (!this.waitTimer) this.waitTimer = setTimeout(() => { this.waitTimer = undefined; void this.pump(); }, d.waitMs);
      return;
    }
    const { frame, waiters } = this.pending;
    this.pending = undefined;
    if (d.action === 'none') {
      this.counts.skipped++;
      waiters.forEach((w) => w({ refreshed: 'none' }));
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
      waiters.forEach((w) => w({ refreshed: d.action }));
    } catch (err) {
      // Keep the frame as wanted unless a newer one arrived meanwhile.
      this.pending ??= { frame, waiters: [] };
      waiters.forEach((w) => w({ refreshed: 'none', deferred: 'fault' }));
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
    if (this.dailyTimer) clearTimeout(this.dailyTimer);
    const now = this.deps.clock.now();
    const wait = Math.min(nextDailyMark(now, this.policyConfig()) - now + 1000, 2 ** 31 - 1);
    this.dailyTimer = setTimeout(() => {
      this.dailyTimer = undefined;
      // Redraw what is shown; the policy sees the daily mark passed and makes it a full refresh.
      if (!this.pending && this.policy.shown) this.pending = { frame: this.policy.shown, waiters: [] };
      void this.pump();
      this.scheduleDaily();
    }, wait);
    this.dailyTimer.unref();
  }
}
