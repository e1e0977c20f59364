// Grey → 1-bit for photos. Text is thresholded (dithering text only adds noise on e-ink);
// photos need error diffusion to keep a face recognisable at 1 bit.

export type DitherKind = 'atkinson' | 'floyd-steinberg';

/**
 * Dithers an 8-bit grey image in place to 0/255 and returns it. Atkinson spreads 6/8 of the error
 * (lighter, crisper, suits small portraits); Floyd–Steinberg spreads all of it (truer mid-tones).
 */
export function dither(grey: Uint8ClampedArray | Float32Array, width: number, height: number, kind: DitherKind): Uint8Array {
  if (grey.length !== width * height) throw new Error(`dither: ${grey.length} values for ${width}x${height}`);
  const buf = Float32Array.from(grey);
  const out = new Uint8Array(width * height);
  const add = (x: number, y: number, e: number) => {
    if (x >= 0 && x < width && y < height) buf[y * width + x]! += e;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const old = buf[i]!;
      const v = old < 128 ? 0 : 255;
      out[i] = v;
      const err = old - v;
      if (kind === 'atkinson') {
        const e = err / 8;
        add(x + 1, y, e); add(x + 2, y, e);
        add(x - 1, y + 1, e); add(x, y + 1, e); add(x + 1, y + 1, e);
        add(x, y + 2, e);
      } else {
        add(x + 1, y, (err * 7) / 16);
        add(x - 1, y + 1, (err * 3) / 16); add(x, y + 1, (err * 5) / 16); add(x + 1, y + 1, err / 16);
      }
    }
  }
  return out;
}

/** RGBA → luminance (Rec. 601), alpha composited over white. */
export function rgbaToGrey(rgba: Uint8ClampedArray | Uint8Array): Uint8ClampedArray {
  const n = rgba.length / 4;
  const out = new Uint8ClampedArray(n);
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    const a = rgba[p + 3]! / 255;
    const l = 0.299 * rgba[p]! + 0.587 * rgba[p + 1]! + 0.114 * rgba[p + 2]!;
    out[i] = l * a + 255 * (1 - a);
  }
  return out;
}
