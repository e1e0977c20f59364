// The ESC/POS printer driver: one class for every transport. Asks DLE EOT status when opening,
// before each job and periodically; a printer that is gone, out of paper, open or offline is a
// fault with the reason, and DriverBase reopens it with capped backoff until it is fine again.
import { DriverBase, type DriverState } from '../driver.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Scheduler, TimerHandle } from '../../core/scheduler.ts';
import { paperGeometry, type PrinterConfig } from './config.ts';
import type { PrintDocument } from './document.ts';
import { cmd, encodeDocument, type EncoderOptions } from './escpos.ts';
import { chooseFont, renderLineBitmap, type FontChoice } from './raster-text.ts';
import { decodeStatus, healthDetail, notReadyReason, type PrinterHealth } from './status.ts';
import type { PrinterTransport } from './transport.ts';
import type { EscPosEmulator } from './emulator-core.ts';
import { PrinterNotReadyError, PrintInterruptedError, type PrinterDriver } from './types.ts';

export interface EscPosPrinterDeps {
  config: PrinterConfig;
  logger: Logger;
  clock: Clock;
  scheduler: Scheduler;
  /** Makes a fresh transport for each (re)open. */
  transport: () => PrinterTransport;
  /** Extra font files to try for raster lines. */
  fontCandidates?: string[];
  /** Set for the sim backend: the emulator behind it, for the simulator page and tests. */
  sim?: SimPrinter;
}

export interface SimPrinter {
  emulator: EscPosEmulator;
  /** Pull the plug (plugged = false) or make the printer stop answering status (mute = true). */
  link: { plugged: boolean; mute?: boolean };
}

export class EscPosPrinter extends DriverBase implements PrinterDriver {
  readonly geometry: { cols: number; dots: number };
  readonly sim: SimPrinter | undefined;
  private transport: PrinterTransport | undefined;
  private health: PrinterHealth | undefined;
  private checkedAt: number | undefined;
  private pollTimer: TimerHandle | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private last: { doc: PrintDocument; at: number } | undefined;
  private font: FontChoice | undefined;

  constructor(private readonly deps: EscPosPrinterDeps) {
    super('printer', deps.config.backend, deps, { minMs: deps.config.retry_min_ms, maxMs: deps.config.retry_max_ms });
    this.geometry = paperGeometry(deps.config);
    this.sim = deps.sim;
  }

  lastPrinted(): { doc: PrintDocument; at: number } | undefined { return this.last; }

  /** Encode without printing (what print() would send), for tests and the CLI. */
  encode(doc: PrintDocument): Buffer {
    const c = this.deps.config;
    const opts: EncoderOptions = {
      cols: this.geometry.cols, dots: this.geometry.dots, cut: c.cut, feedBeforeCut: c.feed_before_cut,
      qrMode: c.qr_mode, rasterChars: c.raster_chars,
      renderLine: (op, _cols, dots) => renderLineBitmap(op, dots, this.rasterFont().family),
    };
    return encodeDocument(doc, opts);
  }

  async print(doc: PrintDocument): Promise<void> {
    const bytes = this.encode(doc);
    await this.exclusive(async () => {
      const t = this.transport;
      const s = this.status();
      if (s.state !== 'ok' || !t) throw new PrinterNotReadyError(s.reason ?? `printer is ${s.state}`);
      if (this.deps.config.status_query) {
        let why: string | undefined;
        try {
          why = notReadyReason(await this.readHealth(t));
        } catch (err) {
          why = (err as Error).message;
        }
        if (why) { this.fail(why); throw new PrinterNotReadyError(why); }
      }
      try {
        await t.write(bytes);
        // A status reply after the job means the printer took all of it (and is still there).
        if (this.deps.config.status_query) await t.query(cmd.status(1), this.deps.config.status_timeout_ms);
      } catch (err) {
        const msg = (err as Error).message;
        this.fail(msg);
        throw new PrintInterruptedError(`job sent to ${t.description} but not confirmed: ${msg}`);
      }
      this.last = { doc, at: this.deps.clock.now() };
      this.deps.logger.debug('printed', { bytes: bytes.length, via: t.description });
    });
  }

  async checkStatus(): Promise<PrinterHealth | undefined> {
    if (!this.deps.config.status_query) return undefined;
    return this.exclusive(async () => {
      const t = this.transport;
      if (!t || this.status().state !== 'ok') return this.health;
      try {
        const h = await this.readHealth(t);
        const why = notReadyReason(h);
        if (why) this.fail(`${why} (${t.description})`);
        else this.setStatus('ok');
        return h;
      } catch (err) {
        this.fail((err as Error).message);
        return undefined;
      }
    });
  }

  protected async open(): Promise<void> {
    await this.closeTransport();
    const t = this.deps.transport();
    t.onLost = (reason) => { if (this.transport === t) this.fail(reason); };
    this.transport = t;
    await t.open();
    if (this.deps.config.status_query) {
      const why = notReadyReason(await this.readHealth(t));
      if (why) throw new Error(`${why} (${t.description})`);
    }
    this.startPolling();
    this.deps.logger.info('printer ready', { via: t.description });
  }

  protected async close(): Promise<void> {
    this.pollTimer?.cancel();
    this.pollTimer = undefined;
    await this.closeTransport();
  }

  // Every status change carries the latest paper/cover/offline reading.
  protected override setStatus(state: DriverState, reason?: string, detail?: Record<string, unknown>): void {
    super.setStatus(state, reason, detail ?? healthDetail(this.health, this.checkedAt));
  }

  private async closeTransport(): Promise<void> {
    const t = this.transport;
    this.transport = undefined;
    if (t) { t.onLost = undefined; await t.close().catch(() => undefined); }
  }

  private startPolling(): void {
    if (this.pollTimer || !this.deps.config.status_query) return;
    this.pollTimer = this.deps.scheduler.interval(this.deps.config.status_interval_ms, () => { void this.checkStatus(); });
  }

  private async readHealth(t: PrinterTransport): Promise<PrinterHealth> {
    const ms = this.deps.config.status_timeout_ms;
    const r1 = await t.query(cmd.status(1), ms);
    const r2 = await t.query(cmd.status(2), ms);
    const r4 = await t.query(cmd.status(4), ms);
    // DLE EOT 3 only when n=2 reports an error: not every printer answers it.
    const r3 = (r2 & 0x40) !== 0 ? await t.query(cmd.status(3), ms) : undefined;
    let h: PrinterHealth;
    try {
      h = decodeStatus({ 1: r1, 2: r2, 4: r4, ...(r3 !== undefined ? { 3: r3 } : {}) });
    } catch (err) {
      throw new Error(`printer at ${t.description}: ${(err as Error).message}`);
    }
    this.health = h;
    this.checkedAt = this.deps.clock.now();
    return h;
  }

  private rasterFont(): FontChoice {
    if (!this.font) {
      this.font = chooseFont(this.deps.config.font_path, this.deps.fontCandidates);
      if (!this.font.cjk) this.deps.logger.warn('no CJK font found for printing rare characters as images; set printer.font_path');
    }
    return this.font;
  }

  /** Jobs and status checks take turns: a status reply must not be read in the middle of a job. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
