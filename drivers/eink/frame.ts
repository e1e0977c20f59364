// The 1-bit frame every panel gets: row-major, 8 pixels a byte, most significant bit = leftmost
// pixel, bit set = black. Panels that want white = 1 get it inverted at send time (panels.ts).
import { createHash } from 'node:crypto';
import { canvasLib } from '../render/canvas.ts';

export interface Frame {
  width: number;
  height: number;
  /** height * stride bytes. */
  data: Uint8Array;
}

/** A rectangle in pixels; x and width are multiples of 8 so it maps onto whole bytes. */
export interface Region { x: number; y: number; width: number; height: number }

export const strideOf = (width: number): number => Math.ceil(width / 8);

export function blankFrame(width: number, height: number): Frame {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width % 8 !== 0) {
    throw new Error(`frame size ${width}x${height}: width must be a positive multiple of 8`);
  }
  return { width, height, data: new Uint8Array(strideOf(width) * height) };
}

export function getPixel(f: Frame, x: number, y: number): boolean {
  return (f.data[y * strideOf(f.width) + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
}

export function setPixel(f: Frame, x: number, y: number, black: boolean): void {
  const i = y * strideOf(f.width) + (x >> 3);
  const bit = 0x80 >> (x & 7);
  f.data[i] = black ? f.data[i]! | bit : f.data[i]! & ~bit;
}

export function frameHash(f: Frame): string {
  return createHash('sha1').update(`${f.width}x${f.height}:`).update(f.data).digest('hex');
}

/** The smallest byte-aligned rectangle holding every changed pixel, or undefined when equal. */
export function changedRegion(prev: Frame, next: Frame): Region | undefined {
  if (prev.width !== next.width || prev.height !== next.height) return { x: 0, y: 0, width: next.width, height: next.height };
  const stride = strideOf(next.width);
  let minY = -1, maxY = -1, minX = stride, maxX = -1;
  for (let y = 0; y < next.height; y++) {
    const row = y * stride;
    for (let b = 0; b < stride; b++) {
      if (prev.data[row + b] !== next.data[row + b]) {
        if (minY < 0) minY = y;
        maxY = y;
        if (b < minX) minX = b;
        if (b > maxX) maxX = b;
      }
    }
  }
  if (minY < 0) return undefined;
  return { x: minX * 8, y: minY, width: (maxX - minX + 1) * 8, height: maxY - minY + 1 };
}

/** The bytes of one region, rows concatenated (what a panel's partial window expects). */
export function cropRegion(f: Frame, r: Region): Uint8Array {
  if (r.x % 8 || r.width % 8) throw new Error(`region x=${r.x} width=${r.width}: must be multiples of 8`);
  if (r.x < 0 || r.y < 0 || r.x + r.width > f.width || r.y + r.height > f.height) {
    throw new Error(`region ${r.x},${r.y} ${r.width}x${r.height} is outside the ${f.width}x${f.height} frame`);
  }
  const stride = strideOf(f.width);
  const rowBytes = r.width / 8;
  const out = new Uint8Array(rowBytes * r.height);
  for (let y = 0; y < r.height; y++) {
    const from = (r.y + y) * stride + r.x / 8;
    out.set(f.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return out;
}

export const invertBytes = (b: Uint8Array): Uint8Array => b.map((v) => ~v & 0xff);

/** Black-and-white PNG of a frame (what the panel shows). */
export async function frameToPng(f: Frame): Promise<Buffer> {
  const canvas = canvasLib().createCanvas(f.width, f.height);
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(f.width, f.height);
  const px = img.data;
  for (let y = 0, p = 0; y < f.height; y++) {
    for (let x = 0; x < f.width; x++, p += 4) {
      const v = getPixel(f, x, y) ? 0 : 255;
      px[p] = v; px[p + 1] = v; px[p + 2] = v; px[p + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas.encode('png');
}
