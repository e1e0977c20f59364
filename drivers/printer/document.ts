// The printable document: JSON-friendly so the counter logic, MQTT commands and sample files share
// one shape. Validated with TypeBox before anything is queued or encoded.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Align = Type.Union([Type.Literal('left'), Type.Literal('center'), Type.Literal('right')]);
/** 1 = normal, 2 = double (width and/or height). */
const Scale = Type.Union([Type.Literal(1), Type.Literal(2)]);
const Size = Type.Object({ width: Scale, height: Scale }, { additionalProperties: false });
const Line = Type.String({ maxLength: 2000 });

export const TitleBlock = Type.Object({
  type: Type.Literal('title'),
  text: Line,
  /** Default: double width and height, bold, centered. */
  size: Type.Optional(Size),
}, { additionalProperties: false });

export const TextBlock = Type.Object({
  type: Type.Literal('text'),
  /** One string (may contain \n) or one entry per line; long lines wrap. */
  text: Type.Union([Line, Type.Array(Line, { maxItems: 200 })]),
  bold: Type.Optional(Type.Boolean()),
  size: Type.Optional(Size),
  align: Type.Optional(Align),
}, { additionalProperties: false });

export const KeyValueBlock = Type.Object({
  type: Type.Literal('kv'),
  rows: Type.Array(Type.Object({ key: Type.String({ maxLength: 40 }), value: Line }, { additionalProperties: false }), { maxItems: 100 }),
  /** left: "key：value" with keys padded to one width; justify: value pushed to the right edge. */
  layout: Type.Optional(Type.Union([Type.Literal('left'), Type.Literal('justify')])),
}, { additionalProperties: false });

export const TableBlock = Type.Object({
  type: Type.Literal('table'),
  columns: Type.Array(Type.Object({
    header: Type.String({ maxLength: 40 }),
    /** Width in half-width columns; omitted columns share what is left. */
    width: Type.Optional(Type.Integer({ minimum: 2, maximum: 96 })),
    align: Type.Optional(Align),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 8 }),
  rows: Type.Array(Type.Array(Type.String({ maxLength: 400 })), { maxItems: 200 }),
}, { additionalProperties: false });

export const SeparatorBlock = Type.Object({
  type: Type.Literal('separator'),
  /** One character repeated over the line; default '-'. */
  char: Type.Optional(Type.String({ minLength: 1, maxLength: 2 })),
}, { additionalProperties: false });

export const QrBlock = Type.Object({
  type: Type.Literal('qr'),
  data: Type.String({ minLength: 1, maxLength: 700 }),
  /** Module size in dots (GS ( k function 167), default 6. */
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  error: Type.Optional(Type.Union([Type.Literal('L'), Type.Literal('M'), Type.Literal('Q'), Type.Literal('H')])),
  align: Type.Optional(Align),
  caption: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });

export const FeedBlock = Type.Object({ type: Type.Literal('feed'), lines: Type.Integer({ minimum: 1, maximum: 20 }) }, { additionalProperties: false });
export const CutBlock = Type.Object({ type: Type.Literal('cut'), mode: Type.Optional(Type.Union([Type.Literal('partial'), Type.Literal('full')])) }, { additionalProperties: false });

export const BlockSchema = Type.Union([TitleBlock, TextBlock, KeyValueBlock, TableBlock, SeparatorBlock, QrBlock, FeedBlock, CutBlock]);

export const PrintDocumentSchema = Type.Object({
  blocks: Type.Array(BlockSchema, { minItems: 1, maxItems: 500 }),
  /** Cut after the last block (default: the printer's `cut` setting). Ignored when the document ends with a cut block. */
  cut: Type.Optional(Type.Boolean()),
}, { additionalProperties: false, title: 'PrintDocument' });

export type Align = Static<typeof Align>;
export type Block = Static<typeof BlockSchema>;
export type PrintDocument = Static<typeof PrintDocumentSchema>;

export class DocumentError extends Error {
  constructor(readonly where: string, message: string) { super(`${where}: ${message}`); this.name = 'DocumentError'; }
}

/**
 * Check an unknown value (parsed JSON from MQTT, HTTP or a file) and return it typed.
 * `where` names the source in the error (e.g. "cmd/print payload.doc" or a file name).
 */
export function parseDocument(value: unknown, where = 'document'): PrintDocument {
  if (Value.Check(PrintDocumentSchema, value)) {
    checkControlChars(value, where);
    return value;
  }
  throw new DocumentError(where, `invalid print document: ${firstProblem(value)}`);
}

const BLOCK_TYPES: Record<string, TSchema> = {
  title: TitleBlock, text: TextBlock, kv: KeyValueBlock, table: TableBlock, separator: SeparatorBlock, qr: QrBlock, feed: FeedBlock, cut: CutBlock,
};

// A union reports only "Expected union value"; checking the block against its own type names the field.
function firstProblem(value: unknown): string {
  const blocks = (value as { blocks?: unknown } | null)?.blocks;
  if (Array.isArray(blocks)) {
    for (const [i, b] of blocks.entries()) {
      const type = (b as { type?: unknown } | null)?.type;
      const schema = typeof type === 'string' ? BLOCK_TYPES[type] : undefined;
      if (!schema) return `/blocks/${i}/type must be one of ${Object.keys(BLOCK_TYPES).join(', ')}`;
      const e = Value.Errors(schema, b).First();
      if (e) return `/blocks/${i}${e.path} ${e.message}`;
    }
  }
  const e = Value.Errors(PrintDocumentSchema, value).First();
  return e ? `${e.path || '/'} ${e.message}` : 'not a print document';
}

// Control bytes inside text would be sent to the printer as commands; refuse them up front.
function checkControlChars(doc: PrintDocument, where: string): void {
  const bad = /[\u0000-\u0009\u000b-\u001f\u007f]/;
  doc.blocks.forEach((b, i) => {
    const texts: string[] = [];
    if (b.type === 'title') texts.push(b.text);
    if (b.type === 'text') texts.push(...(Array.isArray(b.text) ? b.text : [b.text]));
    if (b.type === 'kv') b.rows.forEach((r) => texts.push(r.key, r.value));
    if (b.type === 'table') { b.columns.forEach((c) => texts.push(c.header)); b.rows.forEach((r) => texts.push(...r)); }
    if (b.type === 'qr' && b.caption) texts.push(b.caption);
    if (b.type === 'separator' && b.char) texts.push(b.char);
    const hit = texts.find((t) => bad.test(t));
    if (hit !== undefined) throw new DocumentError(where, `/blocks/${i} (${b.type}) contains a control character (${JSON.stringify(hit.match(bad)![0])}); only text and \\n are allowed`);
  });
}
