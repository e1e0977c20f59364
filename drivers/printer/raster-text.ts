// Drawing printer text with a real font: used for lines whose characters the printer's font lacks
// (sent as GS v 0 images) and by the PNG preview, so both place characters on the printer's grid:
// 12 × 24 dots for a half-width character, 24 × 24 for a full-width one (Font A).
import type { SKRSContext2D } from '@napi-rs/canvas';
import { canvasLib } from '../render/canvas.ts';
import { chooseCjkFont, type FontChoice } from '../render/fonts.ts';
import { packMono } from '../render/mono.ts';
import { charColumns } from './layout.ts';
import type { PrintOp } from './layout.ts';
import { emptyBitmap, type Bitmap } from './raster.ts';

export const CELL_W = 12;
export const CELL_H = 24;

export type { FontChoice };

/**
 * The font for raster lines and previews (see chooseCjkFont): printer.font_path, extra
 * candidates, the nameplate's bundled font, then system CJK fonts.
 */
export function chooseFont(configured?: string, extraCandidates: string[] = []): FontChoice {
  return chooseCjkFont(configured, 'printer.font_path', extraCandidates);
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
  const bmp = emptyBitmap(dots, height);
  packMono(ctx.getImageData(0, 0, dots, height).data, dots, height, 128, bmp.bits);
  return bmp;
}
