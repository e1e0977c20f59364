// Drawing printer text with a real font: used for lines whose characters the printer's font lacks
// (sent as GS v 0 images) and by the PNG preview, so both place characters on the printer's grid:
// 12 × 24 dots for a half-width character, 24 × 24 for a full-width one (Font A).
import { existsSync } from 'node:fs';
import type { SKRSContext2D } from '@napi-rs/canvas';
import { canvasLib } from '../eink/canvas-lib.ts';
import { bundledFontPaths } from '../eink/font.ts';
import { charColumns } from './layout.ts';
import type { PrintOp } from './layout.ts';
import { emptyBitmap, setDot, type Bitmap } from './raster.ts';

export const CELL_W = 12;
export const CELL_H = 24;

// Common places of CJK fonts on Raspberry Pi OS / Debian (fonts-noto-cjk, fonts-wqy-*, fonts-droid-fallback).
const SYSTEM_CJK_FONTS = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/truetype/arphic/uming.ttc',
];

// Fonts with the rare characters of names (CJK Extension A/B…), used for glyphs the main font lacks
// (Debian/Raspberry Pi OS: apt install fonts-hanazono).
const RARE_CHAR_FONTS = [
  '/usr/share/fonts/truetype/hanazono/HanaMinA.ttf',
  '/usr/share/fonts/truetype/hanazono/HanaMinB.ttf',
];

const registered = new Map<string, string>();

export interface FontChoice {
  /** CSS font-family list for ctx.font: the main font first, then fonts for rare characters. */
  family: string;
  path?: string;
  cjk: boolean;
}

function register(path: string): string | undefined {
  const known = registered.get(path);
  if (known) return known;
  const family = `printer-font-${registered.size + 1}`;
  if (!canvasLib().GlobalFonts.registerFromPath(path, family)) return undefined;
  registered.set(path, family);
  return family;
}

/**
 * The font for raster lines and previews: the configured path, extra candidates, the nameplate's
 * bundled font, then system CJK fonts; rare-character fonts that are installed follow as fallbacks.
 * Without any, canvas falls back to sans-serif and Chinese shows as boxes (cjk: false, so callers
 * can warn).
 */
export function chooseFont(configured?: string, extraCandidates: string[] = []): FontChoice {
  if (configured && !existsSync(configured)) throw new Error(`printer.font_path: font file ${configured} does not exist`);
  if (configured && !register(configured)) throw new Error(`printer.font_path: ${configured} could not be loaded as a font`);
  // The nameplate's font package (Noto Sans SC) is installed with the service, so it comes before system fonts.
  const bundled = bundledFontPaths()?.regular;
  const main = [configured, ...extraCandidates, bundled, ...SYSTEM_CJK_FONTS].find((p) => p && existsSync(p) && register(p));
  const fallbacks = RARE_CHAR_FONTS.filter((p) => p !== main && existsSync(p)).map(register).filter((f): f is string => !!f);
  const families = [...(main ? [registered.get(main)!] : []), ...fallbacks].map((f) => `"${f}"`);
  if (!main) return { family: [...families, 'sans-serif'].join(', '), cjk: false };
  return { family: families.join(', '), path: main, cjk: true };
}

type TextOp = Extract<PrintOp, { op: 'text' }>;

/** Draw one printer line with its top-left corner at (x0, y0), black on whatever is below; `family` is a CSS family list. */
export function drawTextLine(ctx: SKRSContext2D, op: TextOp, x0: number, y0: number, family: string): void {
  const cellH = CELL_H * op.height;
  ctx.save();
  ctx.fillStyle = '#000';
  ctx.textBaseline = 'alphabetic';
  let col = 0;
  for (const ch of op.text) {
    const cw = charColumns(ch);
    if (ch !== ' ') {
      const boxW = CELL_W * cw * op.width;
      // Full-width glyphs fill the 24-dot cell; Latin glyphs of a CJK font are drawn a bit smaller to fit 12 dots.
      const px = cw === 2 ? CELL_H - 2 : CELL_H - 3;
      ctx.font = `${op.bold ? 'bold ' : ''}${px * op.height}px ${family}`;
      const m = ctx.measureText(ch);
      const natural = Math.max(1, m.width);
      const sx = Math.min((boxW - 1) / natural, op.width * (cw === 1 ? 1.15 : 1.05));
      const x = x0 + col * CELL_W * op.width + (boxW - natural * sx) / 2;
      const baseline = y0 + cellH - Math.round(cellH * 0.16);
      ctx.save();
      ctx.translate(x, baseline);
      ctx.scale(sx, 1);
      ctx.fillText(ch, 0, 0);
      if (op.bold) ctx.fillText(ch, 0.6, 0);
      ctx.restore();
    }
    col += cw;
  }
  ctx.restore();
}

/** Render a text line to a 1-bit bitmap `dots` wide (the GS v 0 fallback for unprintable characters). */
export function renderLineBitmap(op: TextOp, dots: number, family: string): Bitmap {
  const height = CELL_H * op.height;
  const canvas = canvasLib().createCanvas(dots, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, dots, height);
  drawTextLine(ctx, op, 0, 0, family);
  const px = ctx.getImageData(0, 0, dots, height).data;
  const bmp = emptyBitmap(dots, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < dots; x++) {
      const i = (y * dots + x) * 4;
      if (px[i]! * 0.3 + px[i + 1]! * 0.59 + px[i + 2]! * 0.11 < 128) setDot(bmp, x, y);
    }
  }
  return bmp;
}
