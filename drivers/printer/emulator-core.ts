// A byte-level ESC/POS printer: decodes what our encoder (or any ESC/POS sender) writes back into
// printed items, answers DLE EOT real-time status, and has the switches of a real printer (paper
// out, cover open, offline). Like a real printer it keeps receiving while it cannot print and prints
// the held data once it can again; real-time status is answered at once either way.
import { EventEmitter } from 'node:events';
import { iconvLib } from './iconv-lib.ts';
import { encodeStatus } from './status.ts';
import type { Bitmap } from './raster.ts';

export type DecodedItem =
  | { kind: 'text'; text: string; bold: boolean; width: 1 | 2; height: 1 | 2; align: 'left' | 'center' | 'right' }
  | { kind: 'qr'; data: string; size: number; error: string }
  | { kind: 'raster'; bitmap: Bitmap }
  | { kind: 'feed'; lines: number }
  | { kind: 'cut'; mode: 'partial' | 'full' }
  | { kind: 'unknown'; bytes: string };

export interface EmulatorSwitches { paperOut: boolean; paperNearEnd: boolean; coverOpen: boolean; offline: boolean }

const ALIGN = ['left', 'center', 'right'] as const;
const QR_LEVEL: Record<number, string> = { 48: 'L', 49: 'M', 50: 'Q', 51: 'H' };

/** Marked text for one item: "[B 2x2] title", "[QR M/6] data", "[RASTER 384x24]", "[CUT partial]". */
export function itemText(it: DecodedItem): string[] {
  switch (it.kind) {
    case 'text': {
      const tags = [it.bold ? 'B' : '', it.width !== 1 || it.height !== 1 ? `${it.width}x${it.height}` : ''].filter(Boolean).join(' ');
      return [(tags ? `[${tags}] ` : '') + it.text];
    }
    case 'qr': return [`[QR ${it.error}/${it.size}] ${it.data}`];
    case 'raster': return [`[RASTER ${it.bitmap.width}x${it.bitmap.height}]`];
    case 'feed': return Array.from({ length: it.lines }, () => '');
    case 'cut': return [`[CUT ${it.mode}]`];
    case 'unknown': return [`[UNKNOWN ${it.bytes}]`];
  }
}

export class EscPosEmulator extends EventEmitter {
  private switches: EmulatorSwitches = { paperOut: false, paperNearEnd: false, coverOpen: false, offline: false };
  private pending: Buffer = Buffer.alloc(0);
  private printed: DecodedItem[] = [];
  private held: DecodedItem[] = [];
  private line: Buffer[] = [];
  private bold = false; private w: 1 | 2 = 1; private h: 1 | 2 = 1; private align: 0 | 1 | 2 = 0;
  private chinese = false;
  private qr = { size: 3, level: 48, data: Buffer.alloc(0) };
  /** Number of DLE EOT queries answered (tests check that status was asked). */
  statusQueries = 0;

  set(s: Partial<EmulatorSwitches>): void {
    this.switches = { ...this.switches, ...s };
    if (this.canPrint() && this.held.length) {
      this.printed.push(...this.held);
      this.held = [];
      this.emit('printed');
    }
  }

  get state(): EmulatorSwitches { return { ...this.switches }; }
  canPrint(): boolean { return !this.switches.paperOut && !this.switches.coverOpen && !this.switches.offline; }
  items(): DecodedItem[] { return [...this.printed]; }
  heldItems(): DecodedItem[] { return [...this.held]; }
  /** Printed output as lines of marked text. */
  lines(): string[] { return this.printed.flatMap(itemText); }
  clear(): void { this.printed = []; this.held = []; }

  /** Feed received bytes; returns the bytes the printer sends back (status replies). */
  receive(data: Buffer): Buffer {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    const replies: number[] = [];
    const before = this.printed.length;
    let i = 0;
    for (;;) {
      const used = this.step(this.pending, i, replies);
      if (used === 0) break;
      i += used;
    }
    this.pending = Buffer.from(this.pending.subarray(i));
    if (this.printed.length !== before) this.emit('printed');
    return Buffer.from(replies);
  }

  private out(it: DecodedItem): void {
    (this.canPrint() ? this.printed : this.held).push(it);
  }

  private flushLine(always: boolean): void {
    if (!always && this.line.length === 0) return;
    const text = iconvLib().decode(Buffer.concat(this.line), this.chinese ? 'gb18030' : 'latin1');
    this.line = [];
    this.out({ kind: 'text', text, bold: this.bold, width: this.w, height: this.h, align: ALIGN[this.align] });
  }

  private reset(): void {
    this.line = []; this.bold = false; this.w = 1; this.h = 1; this.align = 0; this.chinese = false;
  }

  /** Consume one command or character at b[i]; return bytes used, 0 when more bytes are needed. */
  private step(b: Buffer, i: number, replies: number[]): number {
    const avail = b.length - i;
    if (avail <= 0) return 0;
    const c = b[i]!;
    const need = (n: number) => (avail >= n ? n : 0);
    const arg = (k: number) => b[i + k]!;
    if (c === 0x0a) { this.flushLine(true); return 1; }
    if (c === 0x0d) return 1;
    if (c === 0x10) {
      if (!need(3)) return 0;
      if (arg(1) === 0x04) {
        const n = arg(2) as 1 | 2 | 3 | 4;
        const s = encodeStatus(this.switches);
        if (s[n] !== undefined) { replies.push(s[n]); this.statusQueries++; }
        return 3;
      }
      return 1;
    }
    if (c === 0x1b) {
      if (!need(2)) return 0;
      const k = arg(1);
      if (k === 0x40) { this.flushLine(false); this.reset(); return 2; }
      if (!need(3)) return 0;
      if (k === 0x45) { this.bold = (arg(2) & 1) === 1; return 3; }
      if (k === 0x61) { this.align = (arg(2) % 48 % 3) as 0 | 1 | 2; return 3; }
      if (k === 0x64) { this.flushLine(false); this.out({ kind: 'feed', lines: arg(2) }); return 3; }
      if (k === 0x21) { const n = arg(2); this.bold = (n & 0x08) !== 0; this.h = n & 0x10 ? 2 : 1; this.w = n & 0x20 ? 2 : 1; return 3; }
      if (k === 0x74 || k === 0x2d || k === 0x33 || k === 0x4d) return 3;
      this.out({ kind: 'unknown', bytes: `ESC ${k.toString(16)}` });
      return 2;
    }
    if (c === 0x1c) {
      if (!need(2)) return 0;
      const k = arg(1);
      if (k === 0x26) { this.chinese = true; return 2; }
      if (k === 0x2e) { this.chinese = false; return 2; }
      if (k === 0x21 || k === 0x43 || k === 0x2d) return need(3);
      this.out({ kind: 'unknown', bytes: `FS ${k.toString(16)}` });
      return 2;
    }
    if (c === 0x1d) return this.gs(b, i, avail);
    if (c < 0x20) { this.out({ kind: 'unknown', bytes: `0x${c.toString(16)}` }); return 1; }
    if (this.chinese && c >= 0x81 && c <= 0xfe) {
      if (!need(2)) return 0;
      const len = arg(1) >= 0x30 && arg(1) <= 0x39 ? 4 : 2;
      if (!need(len)) return 0;
      this.line.push(b.subarray(i, i + len));
      return len;
    }
    this.line.push(b.subarray(i, i + 1));
    return 1;
  }

  private gs(b: Buffer, i: number, avail: number): number {
    if (avail < 3) return 0;
    const k = b[i + 1]!;
    const n = b[i + 2]!;
    if (k === 0x21) { this.w = ((n >> 4) & 7) >= 1 ? 2 : 1; this.h = (n & 7) >= 1 ? 2 : 1; return 3; }
    if (k === 0x56) {
      const twoArgs = n === 65 || n === 66;
      if (twoArgs && avail < 4) return 0;
      this.flushLine(false);
      this.out({ kind: 'cut', mode: n === 0 || n === 48 || n === 65 ? 'full' : 'partial' });
      return twoArgs ? 4 : 3;
    }
    if (k === 0x42 || k === 0x48 || k === 0x66 || k === 0x68 || k === 0x77) return 3;
    if (k === 0x28 && n === 0x6b) {
      if (avail < 5) return 0;
      const len = b[i + 3]! | (b[i + 4]! << 8);
      if (avail < 5 + len) return 0;
      const body = b.subarray(i + 5, i + 5 + len);
      this.qrFunction(body);
      return 5 + len;
    }
    if (k === 0x76 && n === 0x30) {
      if (avail < 8) return 0;
      const xBytes = b[i + 4]! | (b[i + 5]! << 8);
      const rows = b[i + 6]! | (b[i + 7]! << 8);
      const size = xBytes * rows;
      if (avail < 8 + size) return 0;
      this.flushLine(false);
      this.out({ kind: 'raster', bitmap: { width: xBytes * 8, height: rows, bits: Buffer.from(b.subarray(i + 8, i + 8 + size)) } });
      return 8 + size;
    }
    this.out({ kind: 'unknown', bytes: `GS ${k.toString(16)}` });
    return 2;
  }

  private qrFunction(body: Buffer): void {
    // body = cn fn [params]; cn 0x31 = QR code.
    if (body[0] !== 0x31) { this.out({ kind: 'unknown', bytes: `GS ( k cn=${body[0]}` }); return; }
    const fn = body[1];
    if (fn === 0x43) this.qr.size = body[2]!;
    else if (fn === 0x45) this.qr.level = body[2]!;
    else if (fn === 0x50) this.qr.data = Buffer.from(body.subarray(3));
    else if (fn === 0x51) {
      this.flushLine(false);
      this.out({ kind: 'qr', data: this.qr.data.toString('utf8'), size: this.qr.size, error: QR_LEVEL[this.qr.level] ?? '?' });
    }
  }
}
