// Layout: document blocks → printer lines, shared by the ESC/POS encoder and both previews so that
// what is previewed is what is printed. In Chinese mode an ESC/POS printer prints every single-byte
// (ASCII) character half-width (12 dots) and every multi-byte GB18030 character full-width (24 dots),
// so a character's width in columns is 1 for ASCII and 2 for everything else.
import type { Align, Block, PrintDocument } from './document.ts';

export type Scale = 1 | 2;

export type PrintOp =
  /** One printed line, already wrapped and padded; `text` fits in floor(cols / width) columns. */
  | { op: 'text'; text: string; bold: boolean; width: Scale; height: Scale }
  | { op: 'qr'; data: string; size: number; error: 'L' | 'M' | 'Q' | 'H'; align: Align }
  | { op: 'feed'; lines: number }
  | { op: 'cut'; mode: 'partial' | 'full' };

export interface LayoutOptions {
  /** Half-width columns per line. */
  cols: number;
  /** Cut appended when the document does not end with one ('none' = never). */
  cut: 'partial' | 'full' | 'none';
  feedBeforeCut: number;
}

const NO_LINE_START = '，。、；：？！）》」』】”’…—%,.;:?!)]}';
const NO_LINE_END = '（《「『【“‘([{';

export const charColumns = (ch: string): number => (ch.codePointAt(0)! < 0x80 ? 1 : 2);

export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charColumns(ch);
  return w;
}

/**
 * Wrap one line to `cols` columns. Splits only between code points (a full-width character is
 * never cut in half) and prefers a space when a Latin word would otherwise be split.
 */
export function wrap(line: string, cols: number): string[] {
  if (cols < 2) throw new RangeError(`cannot wrap to ${cols} columns`);
  const out: string[] = [];
  let cur: string[] = [];
  let w = 0;
  for (const ch of line) {
    const cw = charColumns(ch);
    if (w + cw > cols) {
      let next: string[] = [];
      const lastSpace = cur.lastIndexOf(' ');
      if (ch !== ' ' && /[!-~]/.test(ch) && lastSpace > 0 && /[!-~]/.test(cur[cur.length - 1]!)) {
        next = cur.slice(lastSpace + 1);
        cur = cur.slice(0, lastSpace);
      }
      // Chinese line breaking: closing punctuation never starts a line and opening punctuation never
      // ends one; the character before it moves down with it.
      if (next.length === 0 && cur.length > 2 && (NO_LINE_START.includes(ch) || NO_LINE_END.includes(cur[cur.length - 1]!))) {
        const moved = NO_LINE_END.includes(cur[cur.length - 1]!) ? 1 : NO_LINE_END.includes(cur[cur.length - 2]!) ? 2 : 1;
        next = cur.slice(-moved);
        cur = cur.slice(0, -moved);
      }
      out.push(cur.join('').trimEnd());
      cur = next;
      w = displayWidth(next.join(''));
      if (ch === ' ' && cur.length === 0) continue;
    }
    cur.push(ch);
    w += cw;
  }
  out.push(cur.join('').trimEnd());
  return out;
}

export function pad(text: string, cols: number, align: Align): string {
  const free = Math.max(0, cols - displayWidth(text));
  if (align === 'right') return ' '.repeat(free) + text;
  if (align === 'center') return ' '.repeat(Math.floor(free / 2)) + text + ' '.repeat(free - Math.floor(free / 2));
  return text + ' '.repeat(free);
}

function textLines(text: string | string[], cols: number, align: Align): string[] {
  const lines = (Array.isArray(text) ? text : [text]).flatMap((t) => t.split('\n'));
  return lines.flatMap((l) => wrap(l, cols)).map((l) => pad(l, cols, align).trimEnd());
}

function kvLines(b: Extract<Block, { type: 'kv' }>, cols: number): string[] {
  const out: string[] = [];
  if (b.layout === 'justify') {
    for (const r of b.rows) {
      const lead = `${r.key}：`;
      const room = cols - displayWidth(lead);
      if (displayWidth(r.value) <= room) out.push(lead + pad(r.value, room, 'right'));
      else out.push(lead, ...wrap(r.value, cols).map((v) => pad(v, cols, 'right')));
    }
    return out;
  }
  // Keys padded to one width (capped near half the line) so all values start in one column.
  const keyCols = Math.min(Math.max(...b.rows.map((r) => displayWidth(r.key))), Math.floor(cols / 2) - 2);
  const indent = keyCols + 2;
  for (const r of b.rows) {
    const values = wrap(r.value, cols - indent);
    const rest = (vs: string[]) => vs.filter((v) => v !== '').map((v) => ' '.repeat(indent) + v);
    if (displayWidth(r.key) > keyCols) out.push(`${r.key}：`, ...rest(values));
    else out.push((pad(r.key, keyCols, 'left') + '：' + values[0]).trimEnd(), ...rest(values.slice(1)));
  }
  return out;
}

/** Column widths: fixed ones as given; the others get their widest content, shrunk to fit if needed. */
export function tableWidths(b: Extract<Block, { type: 'table' }>, cols: number): number[] {
  const gaps = b.columns.length - 1;
  const fixed = b.columns.reduce((s, c) => s + (c.width ?? 0), 0);
  const natural = b.columns.map((c, i) => (c.width ? 0 : Math.max(2, displayWidth(c.header), ...b.rows.map((r) => displayWidth(r[i] ?? '')))));
  const flexTotal = natural.reduce((s, w) => s + w, 0);
  const room = cols - gaps - fixed;
  let widths = b.columns.map((c, i) => c.width ?? natural[i]!);
  if (flexTotal > room) {
    widths = b.columns.map((c, i) => c.width ?? Math.max(2, Math.floor((natural[i]! / flexTotal) * room)));
    const widest = natural.indexOf(Math.max(...natural));
    const used = widths.reduce((s, w) => s + w, 0) + gaps;
    if (natural[widest]! > 0 && used < cols) widths[widest]! += cols - used;
  }
  const total = widths.reduce((s, w) => s + w, 0) + gaps;
  if (total > cols) throw new RangeError(`table needs ${total} columns but the line has ${cols}`);
  return widths;
}

function tableLines(b: Extract<Block, { type: 'table' }>, cols: number): Array<{ text: string; bold: boolean }> {
  const widths = tableWidths(b, cols);
  const row = (cells: string[], bold: boolean) => {
    const wrapped = b.columns.map((c, i) => wrap(cells[i] ?? '', widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    const lines: Array<{ text: string; bold: boolean }> = [];
    for (let k = 0; k < height; k++) {
      const parts = b.columns.map((c, i) => pad(wrapped[i]![k] ?? '', widths[i]!, c.align ?? 'left'));
      lines.push({ text: parts.join(' ').trimEnd(), bold });
    }
    return lines;
  };
  const total = widths.reduce((s, w) => s + w, 0) + widths.length - 1;
  return [...row(b.columns.map((c) => c.header), true), { text: '-'.repeat(total), bold: false }, ...b.rows.flatMap((r) => row(r, false))];
}

function blockOps(b: Block, cols: number): PrintOp[] {
  const text = (t: string, bold = false, width: Scale = 1, height: Scale = 1): PrintOp => ({ op: 'text', text: t, bold, width, height });
  switch (b.type) {
    case 'title': {
      const w = b.size?.width ?? 2;
      const h = b.size?.height ?? 2;
      return textLines(b.text, Math.floor(cols / w), 'center').map((l) => text(l, true, w, h));
    }
    case 'text': {
      const w = b.size?.width ?? 1;
      const h = b.size?.height ?? 1;
      return textLines(b.text, Math.floor(cols / w), b.align ?? 'left').map((l) => text(l, !!b.bold, w, h));
    }
    case 'kv': return kvLines(b, cols).map((l) => text(l));
    case 'table': return tableLines(b, cols).map((l) => text(l.text, l.bold));
    case 'separator': {
      const ch = b.char ?? '-';
      return [text(ch.repeat(Math.floor(cols / displayWidth(ch))))];
    }
    case 'qr': {
      const ops: PrintOp[] = [{ op: 'qr', data: b.data, size: b.size ?? 6, error: b.error ?? 'M', align: b.align ?? 'center' }];
      if (b.caption) ops.push(...textLines(b.caption, cols, b.align ?? 'center').map((l) => text(l)));
      return ops;
    }
    case 'feed': return [{ op: 'feed', lines: b.lines }];
    case 'cut': return [{ op: 'cut', mode: b.mode ?? 'partial' }];
  }
}

/** Lay out a validated document for a paper `cols` half-width columns wide. */
export function layoutDocument(doc: PrintDocument, opts: LayoutOptions): PrintOp[] {
  const ops = doc.blocks.flatMap((b, i) => {
    try {
      return blockOps(b, opts.cols);
    } catch (err) {
      throw new RangeError(`/blocks/${i} (${b.type}): ${(err as Error).message}`);
    }
  });
  const endsWithCut = ops.at(-1)?.op === 'cut';
  const wantCut = doc.cut ?? opts.cut !== 'none';
  if (!endsWithCut && wantCut) {
    if (opts.feedBeforeCut > 0) ops.push({ op: 'feed', lines: opts.feedBeforeCut });
    ops.push({ op: 'cut', mode: opts.cut === 'full' ? 'full' : 'partial' });
  }
  return ops;
}
