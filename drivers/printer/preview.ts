// What a document looks like printed: plain text (for technicians and logs) and PNG at the
// printer's resolution (8 dots/mm), both from the same layout the encoder prints.
import { canvasLib } from '../render/canvas.ts';
import type { PrintDocument } from './document.ts';
import { charColumns, displayWidth, layoutDocument, pad, type PrintOp } from './layout.ts';
import { fitModuleDots, qrMatrix } from './raster.ts';
import { CELL_H, chooseFont, drawTextLine } from './raster-text.ts';

export interface PreviewOptions {
  cols: number;
  dots: number;
  paperWidthMm: 58 | 80;
  cut: 'partial' | 'full' | 'none';
  feedBeforeCut: number;
  /** Font file for the PNG (see chooseFont). */
  fontPath?: string;
  fontCandidates?: string[];
}

/** Dots per text line at normal height: 24-dot characters plus the default line spacing. */
const LINE_PITCH = 30;

/** Double-width text shown at its real width in a monospaced terminal: each character followed by spaces. */
function widen(text: string): string {
  let out = '';
  for (const ch of text) out += ch + ' '.repeat(charColumns(ch));
  return out.trimEnd();
}

export function previewText(doc: PrintDocument, opts: Pick<PreviewOptions, 'cols' | 'cut' | 'feedBeforeCut'>): string {
  const lines: string[] = [];
  for (const op of layoutDocument(doc, opts)) {
    if (op.op === 'text') lines.push(op.width === 2 ? widen(op.text) : op.text);
    else if (op.op === 'qr') {
      const label = `[QR ${op.data}]`;
      lines.push(displayWidth(label) < opts.cols ? pad(label, opts.cols, op.align).trimEnd() : label);
    } else if (op.op === 'feed') for (let i = 0; i < op.lines; i++) lines.push('');
    else lines.push(`${'-'.repeat(Math.floor((opts.cols - 4) / 2))} 8< ${'-'.repeat(Math.ceil((opts.cols - 4) / 2))}`);
  }
  // Feed lines before the cut are paper, not text: keep the text compact.
  return lines.join('\n').replace(/\n{3,}(?=-+ 8<)/g, '\n\n') + '\n';
}

function opHeight(op: PrintOp, dots: number): number {
  if (op.op === 'text') return op.height === 2 ? CELL_H * 2 + 6 : LINE_PITCH;
  if (op.op === 'qr') return qrMatrix(op.data, op.error).size * fitModuleDots(op.data, op.error, op.size, dots) + LINE_PITCH;
  if (op.op === 'feed') return op.lines * LINE_PITCH;
  return 24; // the cut mark
}

/** PNG of the paper: paper width at 8 dots/mm, printable area centered, black on white. Encoded off the event loop. */
export function previewPng(doc: PrintDocument, opts: PreviewOptions): Promise<Buffer> {
  const ops = layoutDocument(doc, opts);
  const paper = opts.paperWidthMm * 8;
  const margin = Math.max(8, Math.floor((paper - opts.dots) / 2));
  const width = opts.dots + margin * 2;
  const top = 24;
  const height = top + ops.reduce((s, op) => s + opHeight(op, opts.dots), 0) + 16;
  const canvas = canvasLib().createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const family = chooseFont(opts.fontPath, opts.fontCandidates).family;
  let y = top;
  for (const op of ops) {
    const h = opHeight(op, opts.dots);
    if (op.op === 'text') {
      drawTextLine(ctx, op, margin, y, family);
    } else if (op.op === 'qr') {
      const m = qrMatrix(op.data, op.error);
      const unit = fitModuleDots(op.data, op.error, op.size, opts.dots);
      const side = m.size * unit;
      const x0 = margin + (op.align === 'left' ? 0 : op.align === 'right' ? opts.dots - side : Math.floor((opts.dots - side) / 2));
      ctx.fillStyle = '#000';
      for (let r = 0; r < m.size; r++) for (let c = 0; c < m.size; c++) if (m.dark(r, c)) ctx.fillRect(x0 + c * unit, y + r * unit, unit, unit);
    } else if (op.op === 'cut') {
      ctx.strokeStyle = '#888';
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(0, y + 12);
      ctx.lineTo(width, y + 12);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    y += h;
  }
  return canvas.encode('png');
}
