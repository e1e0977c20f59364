// 1-bit bitmaps for GS v 0 raster printing, and the QR matrix shared by the raster fallback and
// the PNG preview. Pure: no canvas here.
import qrcode from 'qrcode-generator';

/** Packed 1-bit image, MSB = leftmost dot, 1 = black (the GS v 0 layout). */
export interface Bitmap {
  width: number;
  height: number;
  /** ceil(width / 8) bytes per row. */
  bits: Buffer;
}

export function emptyBitmap(width: number, height: number): Bitmap {
  return { width, height, bits: Buffer.alloc(Math.ceil(width / 8) * height) };
}

export function setDot(b: Bitmap, x: number, y: number): void {
  if (x < 0 || y < 0 || x >= b.width || y >= b.height) return;
  const i = y * Math.ceil(b.width / 8) + (x >> 3);
  b.bits[i] = b.bits[i]! | (0x80 >> (x & 7));
}

export function getDot(b: Bitmap, x: number, y: number): boolean {
  const i = y * Math.ceil(b.width / 8) + (x >> 3);
  return ((b.bits[i] ?? 0) & (0x80 >> (x & 7))) !== 0;
}

/** GS v 0 m xL xH yL yH d…: print a raster image at normal scale (m = 0). */
export function rasterCommand(b: Bitmap): Buffer {
  const xBytes = Math.ceil(b.width / 8);
  if (xBytes > 0xffff || b.height > 0xffff) throw new RangeError(`raster ${b.width}×${b.height} too large`);
  return Buffer.concat([Buffer.from([0x1d, 0x76, 0x30, 0x00, xBytes & 0xff, xBytes >> 8, b.height & 0xff, b.height >> 8]), b.bits]);
}

export interface QrMatrix { size: number; dark: (row: number, col: number) => boolean }

/** QR model 2, data as UTF-8 in byte mode (what phone scanners expect for Chinese text). */
export function qrMatrix(data: string, error: 'L' | 'M' | 'Q' | 'H'): QrMatrix {
  const q = qrcode(0, error);
  // qrcode-generator's byte mode takes one char per byte; hand it the UTF-8 bytes that way.
  q.addData(String.fromCharCode(...Buffer.from(data, 'utf8')), 'Byte');
  q.make();
  return { size: q.getModuleCount(), dark: (r, c) => q.isDark(r, c) };
}

/** Dots per module so the code fits the line: long data at a big module size would be cut off. */
export function fitModuleDots(data: string, error: 'L' | 'M' | 'Q' | 'H', moduleDots: number, maxDots: number): number {
  return Math.max(1, Math.min(moduleDots, Math.floor(maxDots / qrMatrix(data, error).size)));
}

/** QR drawn with `moduleDots` dots per module (shrunk to fit `maxDots`), no quiet zone: the paper is white. */
export function qrBitmap(data: string, moduleDots: number, error: 'L' | 'M' | 'Q' | 'H', maxDots: number): Bitmap {
  const m = qrMatrix(data, error);
  const scale = fitModuleDots(data, error, moduleDots, maxDots);
  const b = emptyBitmap(m.size * scale, m.size * scale);
  for (let r = 0; r < m.size; r++) {
    for (let c = 0; c < m.size; c++) {
      if (!m.dark(r, c)) continue;
      for (let y = 0; y < scale; y++) for (let x = 0; x < scale; x++) setDot(b, c * scale + x, r * scale + y);
    }
  }
  return b;
}
