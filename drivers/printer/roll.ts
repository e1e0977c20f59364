// The paper as the simulated printer put it out, for the simulator page: what the emulator decoded
// from the ESC/POS bytes it received, cut into papers, newest paper first. Rasters go as base64 of
// their 1-bit rows (the page draws them on a canvas), so no image is encoded here.
import type { DecodedItem } from './emulator-core.ts';

export type RollLine =
  | { kind: 'text'; text: string; bold: boolean; width: 1 | 2; height: 1 | 2; align: 'left' | 'center' | 'right' }
  | { kind: 'raster'; width: number; height: number; bits_base64: string }
  | { kind: 'qr'; data: string }
  | { kind: 'feed'; lines: number }
  | { kind: 'other'; text: string };

export interface RollPaper {
  /** 1 = the first paper since the printer started. */
  n: number;
  /** False while the last paper has not been cut yet. */
  cut: boolean;
  lines: RollLine[];
}

function line(it: DecodedItem): RollLine | undefined {
  switch (it.kind) {
    case 'text': return { kind: 'text', text: it.text, bold: it.bold, width: it.width, height: it.height, align: it.align };
    case 'raster': return { kind: 'raster', width: it.bitmap.width, height: it.bitmap.height, bits_base64: it.bitmap.bits.toString('base64') };
    case 'qr': return { kind: 'qr', data: it.data };
    case 'feed': return { kind: 'feed', lines: Math.min(it.lines, 20) };
    case 'cut': return undefined;
    case 'unknown': return { kind: 'other', text: `[${it.bytes}]` };
  }
}

/** Papers newest first, at most `maxPapers` of them (the page shows a scrollable roll, not an archive). */
export function rollOf(items: readonly DecodedItem[], maxPapers: number): { papers: RollPaper[]; total: number } {
  const papers: RollPaper[] = [];
  let current: RollPaper | undefined;
  for (const it of items) {
    if (it.kind === 'cut') {
      if (current) current.cut = true;
      current = undefined;
      continue;
    }
    const l = line(it);
    if (!l) continue;
    if (!current) { current = { n: papers.length + 1, cut: false, lines: [] }; papers.push(current); }
    current.lines.push(l);
  }
  return { papers: papers.slice(-maxPapers).reverse(), total: papers.length };
}
