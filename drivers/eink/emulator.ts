// A panel emulator behind PanelIo: it decodes the command/data bytes the way the controller
// would, holds BUSY while it "refreshes" (virtual time, advanced by delay()), refuses what a
// real panel would not take (data before init, writes while BUSY, commands while asleep or in
// reset) and turns each refreshed frame back into a Frame the simulator page shows as PNG.
import { blankFrame, invertBytes, strideOf, type Frame } from './frame.ts';
import type { PanelIo } from './panel-io.ts';
import { PANELS, type PanelId } from './panels.ts';

export class PanelProtocolError extends Error {}

export interface EmulatedRefresh { kind: 'full' | 'partial'; frame: Frame; atMs: number }

/** How long the controller holds BUSY, in virtual ms (datasheet-like orders of magnitude). */
const BUSY_MS = { powerOn: 80, powerOff: 40, swReset: 10, full: 4000, partial: 600 };

export class PanelEmulator implements PanelIo {
  readonly spec;
  /** Every protocol violation seen, in order (also thrown to the caller). */
  readonly violations: string[] = [];
  readonly refreshes: EmulatedRefresh[] = [];
  /** Command bytes in the order received, for tests. */
  readonly commands: number[] = [];
  /** Switches for fault tests. */
  stuckBusy = false;
  openError: string | undefined;

  private nowMs = 0;
  private busyUntil = 0;
  private opened = false;
  private dc: 0 | 1 = 0;
  private rst: 0 | 1 = 1;
  private asleep = true; // a panel comes up needing a reset
  private cmd: number | undefined;
  private data: number[] = [];
  private initialised = false; // 7.5: power on seen; 4.2: software reset seen
  private partialMode = false;
  private window = { x0: 0, x1: 0, y0: 0, y1: 0 };
  private cursor = { x: 0, y: 0 };
  private updateControl: number | undefined;
  private readonly ramNew: Frame;
  private readonly ramOld: Frame;
  private shown: Frame | undefined;

  constructor(panel: PanelId) {
    this.spec = PANELS[panel];
    this.ramNew = blankFrame(this.spec.width, this.spec.height);
    this.ramOld = blankFrame(this.spec.width, this.spec.height);
  }

  /** What the glass shows now (1 = black), undefined before the first refresh. */
  displayed(): Frame | undefined {
    return this.shown && { ...this.shown, data: this.shown.data.slice() };
  }

  async open(): Promise<void> {
    if (this.openError) throw new Error(this.openError);
    this.opened = true;
  }
  async close(): Promise<void> { this.opened = false; }
  describe(): string { return `emulated ${this.spec.id}`; }
  async setPwr(): Promise<void> { /* the emulated HAT is always powered */ }
  async setDc(level: 0 | 1): Promise<void> { this.dc = level; }
  async delay(ms: number): Promise<void> { this.nowMs += ms; }
  async readBusy(): Promise<0 | 1> {
    const busy = this.stuckBusy || this.nowMs < this.busyUntil;
    return (busy ? this.spec.busyLevel : 1 - this.spec.busyLevel) as 0 | 1;
  }

  async setRst(level: 0 | 1): Promise<void> {
    if (this.rst === 0 && level === 1) {
      // Rising edge: controller restarts, registers and modes back to defaults (RAM kept).
      this.asleep = false;
      this.initialised = false;
      this.partialMode = false;
      this.cmd = undefined;
      this.data = [];
      this.busyUntil = Math.max(this.busyUntil, this.nowMs + (this.spec.busyLevel === 1 ? BUSY_MS.swReset : 0));
    }
    this.rst = level;
  }

  async spiWrite(bytes: Uint8Array): Promise<void> {
    if (!this.opened) this.violate('SPI write before open');
    if (bytes.length > 4096) this.violate(`SPI transfer of ${bytes.length} bytes (> 4096)`);
    if (this.rst === 0) this.violate('SPI write while RST is held low');
    // A stuck line (stuckBusy) models broken wiring, not a busy controller: only real busy time counts.
    if (this.nowMs < this.busyUntil) this.violate(`SPI write while BUSY (command 0x${hex(this.dc === 0 ? bytes[0]! : this.cmd ?? 0)})`);
    if (this.asleep) this.violate('SPI write while in deep sleep (reset first)');
    if (this.dc === 0) {
      for (const b of bytes) { this.finish(); this.begin(b); }
    } else {
      if (this.cmd === undefined) this.violate('data byte before any command');
      const frameCmds = this.spec.id === 'waveshare_7in5_v2' ? [0x10, 0x13] : [0x24, 0x26];
      if (frameCmds.includes(this.cmd) && !this.initialised) {
        this.violate(`frame data (0x${hex(this.cmd)}) before init (${this.spec.id === 'waveshare_7in5_v2' ? 'power on 0x04' : 'software reset 0x12'})`);
      }
      for (const b of bytes) this.data.push(b);
      // Deep sleep takes effect at once: no command follows it until the next reset.
      const sleepCmd = this.spec.id === 'waveshare_7in5_v2' ? [0x07, 0xa5] : [0x10, 0x01];
      if (this.cmd === sleepCmd[0] && this.data[0] === sleepCmd[1]) { this.asleep = true; this.cmd = undefined; }
    }
  }

  private violate(msg: string): never {
    this.violations.push(msg);
    throw new PanelProtocolError(`${this.spec.id} emulator: ${msg}`);
  }

  private busyFor(ms: number): void { this.busyUntil = this.nowMs + ms; }

  /** A command byte arrives; commands without data act now. */
  private begin(code: number): void {
    this.commands.push(code);
    this.cmd = code;
    this.data = [];
    if (this.spec.id === 'waveshare_7in5_v2') {
      if (code === 0x04) { this.initialised = true; this.busyFor(BUSY_MS.powerOn); }
      if (code === 0x02) this.busyFor(BUSY_MS.powerOff);
      if (code === 0x91) this.partialMode = true;
      if (code === 0x12) this.refresh(this.partialMode ? 'partial' : 'full');
    } else {
      if (code === 0x12) { this.initialised = true; this.busyFor(BUSY_MS.swReset); }
      if (code === 0x20) {
        if (this.updateControl === undefined) this.violate('0x20 (activate) without 0x22 update control');
        this.refresh(this.updateControl === 0xff ? 'partial' : 'full');
      }
    }
  }

  /** The previous command's data is complete. */
  private finish(): void {
    const c = this.cmd, d = this.data;
    if (c === undefined) return;
    this.cmd = undefined;
    if (this.spec.id === 'waveshare_7in5_v2') this.finish75(c, d);
    else this.finish42(c, d);
  }

  private finish75(c: number, d: number[]): void {
    if (c === 0x90) {
      if (d.length !== 9) this.violate(`0x90 partial window needs 9 bytes, got ${d.length}`);
      this.window = { x0: (d[0]! << 8) | d[1]!, x1: (d[2]! << 8) | d[3]!, y0: (d[4]! << 8) | d[5]!, y1: (d[6]! << 8) | d[7]! };
    }
    if (c === 0x10 || c === 0x13) {
      if (!this.initialised) this.violate(`frame data (0x${hex(c)}) before init (power on 0x04)`);
      if (c === 0x10) return this.fill(this.ramOld, d, false);
      if (!this.partialMode) return this.fill(this.ramNew, d, false);
      const { x0, x1, y0, y1 } = this.window;
      if (x0 % 8 || (x1 + 1) % 8) this.violate(`partial window x ${x0}..${x1} not byte aligned`);
      const rowBytes = (x1 + 1 - x0) / 8, rows = y1 + 1 - y0;
      if (d.length !== rowBytes * rows) this.violate(`partial data ${d.length} bytes, window needs ${rowBytes * rows}`);
      const stride = strideOf(this.spec.width);
      for (let y = 0; y < rows; y++) for (let b = 0; b < rowBytes; b++) this.ramNew.data[(y0 + y) * stride + x0 / 8 + b] = d[y * rowBytes + b]!;
    }
  }

  private finish42(c: number, d: number[]): void {
    if (c === 0x22) this.updateControl = d[0];
    if (c === 0x44) this.window = { ...this.window, x0: d[0]!, x1: d[1]! };
    if (c === 0x45) this.window = { ...this.window, y0: d[0]! | (d[1]! << 8), y1: d[2]! | (d[3]! << 8) };
    if (c === 0x4e) this.cursor.x = d[0]!;
    if (c === 0x4f) this.cursor.y = d[0]! | (d[1]! << 8);
    if (c === 0x24 || c === 0x26) {
      if (!this.initialised) this.violate(`frame data (0x${hex(c)}) before init (software reset 0x12)`);
      // RAM bit 1 = white: store inverted so both RAMs hold 1 = black like our frames.
      const ram = c === 0x24 ? this.ramNew : this.ramOld;
      const stride = strideOf(this.spec.width);
      let { x, y } = this.cursor;
      for (const b of d) {
        if (y > this.window.y1) this.violate(`0x${hex(c)} data past the RAM window`);
        ram.data[y * stride + x] = ~b & 0xff;
        if (++x > this.window.x1) { x = this.window.x0; y++; }
      }
      this.cursor = { x, y };
    }
  }

  private fill(ram: Frame, d: number[], invert: boolean): void {
    if (d.length !== ram.data.length) this.violate(`frame of ${d.length} bytes, panel needs ${ram.data.length}`);
    ram.data.set(invert ? invertBytes(Uint8Array.from(d)) : d);
  }

  private refresh(kind: 'full' | 'partial'): void {
    this.finish();
    if (!this.initialised) this.violate('refresh before init');
    this.busyFor(kind === 'full' ? BUSY_MS.full : BUSY_MS.partial);
    this.shown = { ...this.ramNew, data: this.ramNew.data.slice() };
    this.refreshes.push({ kind, frame: this.shown, atMs: this.nowMs });
  }
}

const hex = (n: number): string => n.toString(16).padStart(2, '0');
