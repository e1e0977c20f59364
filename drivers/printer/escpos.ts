// Our own ESC/POS encoder (pure: document in, bytes out). The `escpos` npm package was not used:
// see docs/printer.md. Commands follow the Epson ESC/POS reference as implemented by common
// Chinese 58/80 mm printers (Xprinter, GP, Hprt, Epson TM-T88 CN).
import { iconvLib } from './iconv-lib.ts';
import type { PrintDocument } from './document.ts';
import { layoutDocument, type LayoutOptions, type PrintOp } from './layout.ts';
import { fitModuleDots, qrBitmap, rasterCommand, type Bitmap } from './raster.ts';

export const ESC = 0x1b, GS = 0x1d, FS = 0x1c, DLE = 0x10, EOT = 0x04, LF = 0x0a;

export const cmd = {
  init: () => Buffer.from([ESC, 0x40]),
  /** FS & — Chinese character mode: bytes ≥ 0x81 start a GB18030 double-byte character. */
  chineseOn: () => Buffer.from([FS, 0x26]),
  bold: (on: boolean) => Buffer.from([ESC, 0x45, on ? 1 : 0]),
  /** GS ! for single-byte characters and FS ! for Chinese characters (some printers read only one). */
  size: (w: 1 | 2, h: 1 | 2) => Buffer.from([GS, 0x21, ((w - 1) << 4) | (h - 1), FS, 0x21, (w === 2 ? 0x04 : 0) | (h === 2 ? 0x08 : 0)]),
  align: (a: 'left' | 'center' | 'right') => Buffer.from([ESC, 0x61, a === 'left' ? 0 : a === 'center' ? 1 : 2]),
  feed: (n: number) => Buffer.from([ESC, 0x64, n]),
  /** GS V m: 0 = full cut, 1 = partial cut. */
  cut: (mode: 'partial' | 'full') => Buffer.from([GS, 0x56, mode === 'full' ? 0 : 1]),
  /** DLE EOT n: real-time status (1 printer, 2 offline cause, 3 error cause, 4 paper sensor). */
  status: (n: 1 | 2 | 3 | 4) => Buffer.from([DLE, EOT, n]),
};

const QR_LEVEL = { L: 48, M: 49, Q: 50, H: 51 } as const;

/** Native QR, GS ( k: select model 2, module size, error level, store data, print. */
export function qrNative(data: string, size: number, error: keyof typeof QR_LEVEL): Buffer {
  const bytes = Buffer.from(data, 'utf8');
  const storeLen = bytes.length + 3;
  if (storeLen > 0xffff) throw new RangeError(`QR data is ${bytes.length} bytes, too long`);
  return Buffer.concat([
    Buffer.from([GS, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]),
    Buffer.from([GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, size]),
    Buffer.from([GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, QR_LEVEL[error]]),
    Buffer.from([GS, 0x28, 0x6b, storeLen & 0xff, storeLen >> 8, 0x31, 0x50, 0x30]), bytes,
    Buffer.from([GS, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30]),
  ]);
}

export const encodeGb18030 = (s: string): Buffer => iconvLib().encode(s, 'gb18030');

/**
 * Characters the printer cannot print from its font: GB18030 four-byte sequences (CJK Extension B+
 * name characters such as 𠮷, most of Extension A) and any configured extra characters.
 */
export function unprintableChars(text: string, extra = ''): string[] {
  const out: string[] = [];
  for (const ch of text) {
    if (ch.codePointAt(0)! < 0x80) continue;
    if (extra.includes(ch) || encodeGb18030(ch).length > 2) out.push(ch);
  }
  return out;
}

export interface EncoderOptions extends LayoutOptions {
  /** Printable dots per line (384 for 58 mm, 576 for 80 mm). */
  dots: number;
  qrMode: 'native' | 'raster';
  /** Extra characters to print as images (see unprintableChars). */
  rasterChars: string;
  /** Draws a text line the printer cannot print into a bitmap `dots` wide (see raster-text.ts). */
  renderLine?: (op: Extract<PrintOp, { op: 'text' }>, cols: number, dots: number) => Bitmap;
}

export function encodeOps(ops: PrintOp[], opts: EncoderOptions): Buffer {
  const parts: Buffer[] = [cmd.init(), cmd.chineseOn()];
  let bold = false;
  let w: 1 | 2 = 1, h: 1 | 2 = 1;
  const style = (b: boolean, sw: 1 | 2, sh: 1 | 2) => {
    if (b !== bold) parts.push(cmd.bold(b));
    if (sw !== w || sh !== h) parts.push(cmd.size(sw, sh));
    bold = b; w = sw; h = sh;
  };
  for (const op of ops) {
    if (op.op === 'text') {
      if (unprintableChars(op.text, opts.rasterChars).length > 0) {
        if (!opts.renderLine) throw new Error(`line "${op.text}" has characters the printer cannot encode in two bytes and no raster renderer is configured`);
        style(false, 1, 1);
        parts.push(rasterCommand(opts.renderLine(op, opts.cols, opts.dots)));
        continue;
      }
      style(op.bold, op.width, op.height);
      parts.push(encodeGb18030(op.text), Buffer.from([LF]));
    } else if (op.op === 'qr') {
      style(false, 1, 1);
      parts.push(cmd.align(op.align));
      parts.push(opts.qrMode === 'native' ? qrNative(op.data, fitModuleDots(op.data, op.error, op.size, opts.dots), op.error) : rasterCommand(qrBitmap(op.data, op.size, op.error, opts.dots)));
      parts.push(Buffer.from([LF]), cmd.align('left'));
    } else if (op.op === 'feed') {
      parts.push(cmd.feed(op.lines));
    } else {
      style(false, 1, 1);
      parts.push(cmd.cut(op.mode));
    }
  }
  style(false, 1, 1);
  return Buffer.concat(parts);
}

export function encodeDocument(doc: PrintDocument, opts: EncoderOptions): Buffer {
  return encodeOps(layoutDocument(doc, opts), opts);
}
