// Text that always fits its box: shrink to a minimum size, then wrap (CJK breaks between any two
// characters, Latin words stay whole), then end the last line with "…". Nothing is clipped.
import type { SKRSContext2D } from '@napi-rs/canvas';

export interface TextStyle { family: string; px: number; color?: string }

export const fontOf = (s: TextStyle): string => `${s.px}px ${s.family}`;

/** The largest size in [minPx, startPx] at which text fits maxWidth on one line (minPx if none does). */
export function fitPx(ctx: SKRSContext2D, text: string, family: string, maxWidth: number, startPx: number, minPx: number): number {
  for (let px = startPx; px > minPx; px -= 1) {
    ctx.font = `${px}px ${family}`;
    if (ctx.measureText(text).width <= maxWidth) return px;
  }
  return minPx;
}

/** Breakable units: one CJK character or punctuation each, runs of Latin letters/digits together. */
function units(text: string): string[] {
  return text.match(/[A-Za-z0-9@._:+\-/()]+\s*|\s+|./gsu) ?? [];
}

/** Splits text into at most maxLines lines no wider than maxWidth; the last is ellipsised if cut. */
export function wrapLines(ctx: SKRSContext2D, text: string, style: TextStyle, maxWidth: number, maxLines: number): string[] {
  ctx.font = fontOf(style);
  const lines: string[] = [];
  let line = '';
  const parts = units(text.replace(/\s*\n\s*/g, ' '));
  let i = 0;
  for (; i < parts.length; i++) {
    const u = parts[i]!;
    if (ctx.measureText(line + u).width <= maxWidth || line === '') {
      line += u;
      continue;
    }
    lines.push(line.trimEnd());
    line = u.trimStart();
    if (lines.length === maxLines) break;
  }
  if (lines.length < maxLines) {
    if (line) lines.push(line.trimEnd());
    return lines;
  }
  // Text left over: mark the cut on the last line.
  let last = lines[maxLines - 1]!;
  while (last && ctx.measureText(last + '…').width > maxWidth) last = Array.from(last).slice(0, -1).join('');
  lines[maxLines - 1] = last + '…';
  return lines;
}

/** Draws with textBaseline top; align left/center/right relative to x. Returns the width drawn. */
export function drawText(ctx: SKRSContext2D, text: string, x: number, y: number, style: TextStyle, align: 'left' | 'center' | 'right' = 'left'): number {
  ctx.font = fontOf(style);
  ctx.fillStyle = style.color ?? '#000';
  ctx.textBaseline = 'top';
  ctx.textAlign = align;
  ctx.fillText(text, x, y);
  return ctx.measureText(text).width;
}

/** One line shrunk to fit maxWidth (down to minPx, then ellipsised). */
export function drawFitted(ctx: SKRSContext2D, text: string, x: number, y: number, family: string, startPx: number, minPx: number,
  maxWidth: number, align: 'left' | 'center' | 'right' = 'left', color = '#000'): number {
  const px = fitPx(ctx, text, family, maxWidth, startPx, minPx);
  const [line] = wrapLines(ctx, text, { family, px }, maxWidth, 1);
  drawText(ctx, line ?? '', x, y, { family, px, color }, align);
  return px;
}

/** Wrapped paragraph; returns the y below its last line. */
export function drawWrapped(ctx: SKRSContext2D, text: string, x: number, y: number, style: TextStyle, maxWidth: number,
  maxLines: number, lineHeight = Math.round(style.px * 1.3)): number {
  const lines = wrapLines(ctx, text, style, maxWidth, maxLines);
  lines.forEach((l, i) => drawText(ctx, l, x, y + i * lineHeight, style));
  return y + lines.length * lineHeight;
}
