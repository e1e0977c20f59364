// Where everything sits on a 台签, for the two panel sizes. The window sign is a black header
// (seen across the hall), the status banner is the largest text after the name, and the foot
// carries the board's lines. Every word comes in the PlateContent; this file only places it.
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { NameplateFonts } from './font.ts';
import type { PlateContent, PlateField } from './plate-content.ts';
import { drawFitted, drawText, drawWrapped, fitPx } from '../render/text.ts';

export interface Rect { x: number; y: number; width: number; height: number }

export type PanelSize = '800x480' | '400x300';

export const SIZES: Record<PanelSize, { width: number; height: number }> = {
  '800x480': { width: 800, height: 480 },
  '400x300': { width: 400, height: 300 },
};

const labelled = (f: PlateField, small = false): string => (f.value ? `${small ? f.short ?? f.label : f.label}：${f.value}` : '');

/** Fields in order, consecutive inline fields grouped into one row. */
function rows(fields: PlateField[]): PlateField[][] {
  const out: PlateField[][] = [];
  for (const f of fields) {
    if (!f.value) continue;
    const last = out[out.length - 1];
    if (f.inline && last?.[0]?.inline) last.push(f);
    else out.push([f]);
  }
  return out;
}

function photoPlaceholder(ctx: SKRSContext2D, c: PlateContent, r: Rect, f: NameplateFonts, px: number): void {
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 2;
  ctx.strokeRect(r.x + 1, r.y + 1, r.width - 2, r.height - 2);
  if (c.photoPlaceholder) drawText(ctx, c.photoPlaceholder, r.x + r.width / 2, r.y + r.height / 2 - px / 2, { family: f.regular, px }, 'center');
}

function banner(ctx: SKRSContext2D, c: PlateContent, r: Rect, f: NameplateFonts, titlePx: number, subPx: number, maxSub: number, side = false): void {
  const inverted = c.banner.style === 'inverted';
  ctx.fillStyle = '#000';
  if (inverted) ctx.fillRect(r.x, r.y, r.width, r.height);
  else { ctx.lineWidth = 4; ctx.strokeStyle = '#000'; ctx.strokeRect(r.x + 2, r.y + 2, r.width - 4, r.height - 4); }
  const color = inverted ? '#fff' : '#000';
  const pad = Math.round(subPx * 0.6);
  const title = c.banner.title;
  const lines = c.banner.lines.filter(Boolean).slice(0, maxSub);
  const lh = Math.round(subPx * 1.35);
  if (side && lines.length) {
    // Small panels: headline on the left, details stacked on the right, so all of them fit.
    const titleW = Math.round(r.width * 0.42);
    const tpx = fitPx(ctx, title, f.bold, titleW - 2 * pad, titlePx, Math.round(titlePx / 2));
    drawText(ctx, title, r.x + titleW / 2, r.y + (r.height - tpx * 1.2) / 2, { family: f.bold, px: tpx, color }, 'center');
    let y = r.y + (r.height - lines.length * lh) / 2;
    for (const l of lines) {
      drawFitted(ctx, l, r.x + titleW, y, f.regular, subPx, Math.round(subPx * 0.8), r.width - titleW - pad, 'left', color);
      y += lh;
    }
    return;
  }
  const tpx = fitPx(ctx, title, f.bold, r.width - 2 * pad, titlePx, Math.round(titlePx / 2));
  const total = tpx * 1.25 + lines.length * lh;
  let y = r.y + Math.max(pad, (r.height - total) / 2);
  drawText(ctx, title, r.x + r.width / 2, y, { family: f.bold, px: tpx, color }, 'center');
  y += tpx * 1.25;
  for (const l of lines) {
    drawFitted(ctx, l, r.x + r.width / 2, y, f.regular, subPx, Math.round(subPx * 0.7), r.width - 2 * pad, 'center', color);
    y += lh;
  }
}

function header(ctx: SKRSContext2D, c: PlateContent, f: NameplateFonts, w: number, h: number, numPx: number, suffixPx: number, namePx: number, margin: number): void {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  const white = '#fff';
  const { number, name, suffix } = c.header;
  const nPx = fitPx(ctx, number, f.bold, w * 0.3, numPx, Math.round(numPx * 0.6));
  const numW = drawText(ctx, number, margin, (h - nPx * 1.2) / 2, { family: f.bold, px: nPx, color: white });
  const sufW = suffix ? drawText(ctx, suffix, margin + numW + 4, (h - suffixPx * 1.2) / 2 + (nPx - suffixPx) * 0.35, { family: f.regular, px: suffixPx, color: white }) : 0;
  const left = margin + numW + 4 + sufW + margin;
  if (name) drawFitted(ctx, name, w - margin, (h - namePx * 1.2) / 2, f.bold, namePx, Math.round(namePx * 0.55), w - margin - left, 'right', white);
}

const marks = (c: PlateContent): string => (c.marks ?? []).filter(Boolean).join('  ');

/** Draws the 800×480 layout; returns where the photo goes (undefined: placeholder drawn). */
export function layout800(ctx: SKRSContext2D, c: PlateContent, f: NameplateFonts): Rect | undefined {
  header(ctx, c, f, 800, 78, 56, 28, 38, 24);
  const photo: Rect = { x: 24, y: 96, width: 156, height: 208 };
  if (!c.person?.photo) photoPlaceholder(ctx, c, photo, f, 24);
  const ix = 204, iw = 520 - ix;
  if (c.person) {
    drawFitted(ctx, c.person.name, ix, 92, f.bold, 64, 36, iw);
    let y = 176;
    for (const field of c.person.fields) {
      if (!field.value) continue;
      const family = field.bold ? f.bold : f.regular;
      if (field.long) { y = drawWrapped(ctx, labelled(field), ix, y + 2, { family, px: 20 }, iw, 3, 27); continue; }
      drawFitted(ctx, labelled(field), ix, y, family, 24, 16, iw);
      y += 34;
    }
  } else if (c.vacant) {
    drawText(ctx, c.vacant, ix, 120, { family: f.regular, px: 26 });
  }
  banner(ctx, c, { x: 540, y: 96, width: 236, height: 208 }, f, 56, 21, 3);

  ctx.fillStyle = '#000';
  ctx.fillRect(24, 322, 752, 2);
  let y = 334;
  for (const row of rows(c.foot)) {
    const first = row[0]!;
    const family = first.bold ? f.bold : f.regular;
    if (row.length > 1) {
      row.forEach((p, i) => drawFitted(ctx, labelled(p), 24 + i * (752 / row.length), y, family, 22, 15, 752 / row.length - 16));
      y += 32;
    } else if (first.long) {
      y = drawWrapped(ctx, labelled(first), 24, y, { family, px: 24 }, 752, 2, 32) + 4;
    } else {
      drawFitted(ctx, labelled(first), 24, y, family, 22, 15, 752);
      y += 32;
    }
  }
  if (marks(c)) drawText(ctx, marks(c), 776, 460, { family: f.regular, px: 13 }, 'right');
  return c.person?.photo ? photo : undefined;
}

/** Draws the 400×300 layout; returns where the photo goes (undefined: placeholder drawn). */
export function layout400(ctx: SKRSContext2D, c: PlateContent, f: NameplateFonts): Rect | undefined {
  header(ctx, c, f, 400, 44, 32, 16, 22, 12);
  const photo: Rect = { x: 12, y: 52, width: 78, height: 104 };
  if (!c.person?.photo) photoPlaceholder(ctx, c, photo, f, 14);
  const ix = 102, iw = 388 - ix;
  if (c.person) {
    drawFitted(ctx, c.person.name, ix, 48, f.bold, 38, 22, iw);
    let y = 98;
    for (const field of c.person.fields) {
      if (!field.value) continue;
      drawFitted(ctx, labelled(field, true), ix, y, field.bold ? f.bold : f.regular, 16, 14, iw);
      y += 20;
    }
  } else if (c.vacant) {
    drawText(ctx, c.vacant, ix, 80, { family: f.regular, px: 18 });
  }
  banner(ctx, c, { x: 12, y: 164, width: 376, height: 72 }, f, 32, 15, 3, true);
  let y = 242;
  for (const row of rows(c.foot)) {
    const first = row[0]!;
    const text = row.map((p) => labelled(p, true)).join('  ');
    if (first.bold) drawFitted(ctx, text, 12, y, f.bold, 15, 13, 376);
    else drawFitted(ctx, text, 12, y, f.regular, row.length > 1 ? 15 : 14, row.length > 1 ? 13 : 12, row.length > 1 ? 376 : 300);
    y += 19;
    if (y > 280) break;
  }
  if (marks(c)) drawText(ctx, marks(c), 388, 284, { family: f.regular, px: 11 }, 'right');
  return c.person?.photo ? photo : undefined;
}
