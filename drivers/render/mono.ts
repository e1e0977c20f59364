// Canvas pixels → 1 bit: what both the nameplate (Frame) and the printer (GS v 0 Bitmap) need.
// Both are packed MSB-first, 1 = black, ceil(width / 8) bytes a row.

/** Packs RGBA pixels into 1-bit rows: a pixel whose luminance is below `threshold` is black. */
export function packMono(rgba: Uint8ClampedArray, width: number, height: number, threshold: number, into: Uint8Array): void {
  const stride = Math.ceil(width / 8);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const lum = rgba[p]! * 0.3 + rgba[p + 1]! * 0.59 + rgba[p + 2]! * 0.11;
      if (lum < threshold) { const i = y * stride + (x >> 3); into[i] = into[i]! | (0x80 >> (x & 7)); }
    }
  }
}
