// Paper templates (config/templates/*.yaml): a printed document with {field} placeholders, checked
// by a schema when loaded, filled from the case, the staff member, the window and the command.
// Pure: text in, template out; template and fields in, PrintDocument out. Files are read in device/.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { parseDocument, type Block, type PrintDocument } from '../../drivers/printer/document.ts';

const FieldName = Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 40 });
const Text = Type.String({ maxLength: 2000 });
const When = Type.Optional(Type.Union([FieldName, Type.Array(FieldName, { maxItems: 5 })], { description: 'Print the block only when these fields are given.' }));
const Align = Type.Optional(Type.Union([Type.Literal('left'), Type.Literal('center'), Type.Literal('right')]));
const Size = Type.Optional(Type.Object({ width: Type.Union([Type.Literal(1), Type.Literal(2)]), height: Type.Union([Type.Literal(1), Type.Literal(2)]) }, { additionalProperties: false }));

const TBlocks = {
  title: Type.Object({ type: Type.Literal('title'), text: Text, size: Size, when: When }, { additionalProperties: false }),
  text: Type.Object({ type: Type.Literal('text'), text: Type.Union([Text, Type.Array(Text, { maxItems: 50 })]), bold: Type.Optional(Type.Boolean()), align: Align, size: Size, when: When }, { additionalProperties: false }),
  kv: Type.Object({
    type: Type.Literal('kv'),
    rows: Type.Array(Type.Object({ key: Type.String({ maxLength: 40 }), value: Text, when: When }, { additionalProperties: false }), { minItems: 1, maxItems: 40 }),
    layout: Type.Optional(Type.Union([Type.Literal('left'), Type.Literal('justify')])),
    when: When,
  }, { additionalProperties: false }),
  /** One line per entry of a list field, numbered "1." "2." … (一次性告知: every missing material numbered). */
  list: Type.Object({ type: Type.Literal('list'), field: FieldName, numbered: Type.Optional(Type.Boolean()), when: When }, { additionalProperties: false }),
  separator: Type.Object({ type: Type.Literal('separator'), char: Type.Optional(Type.String({ minLength: 1, maxLength: 2 })), when: When }, { additionalProperties: false }),
  qr: Type.Object({ type: Type.Literal('qr'), data: Text, caption: Type.Optional(Text), size: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })), align: Align, when: When }, { additionalProperties: false }),
  feed: Type.Object({ type: Type.Literal('feed'), lines: Type.Integer({ minimum: 1, maximum: 10 }), when: When }, { additionalProperties: false }),
} satisfies Record<string, TSchema>;

export const PaperTemplateSchema = Type.Object({
  kind: FieldName,
  title: Type.String({ minLength: 1, maxLength: 40, description: 'Name of the paper, e.g. 受理通知书.' }),
  numbered: Type.Boolean({ default: false, description: 'Issue a notice number per kind and year (行政许可法 §32).' }),
  number_format: Type.String({ default: '{agency}〔{year}〕第{serial}号', maxLength: 80 }),
  required: Type.Array(FieldName, { default: [], maxItems: 40, description: 'Fields that must be known (from the case, staff, window or command).' }),
  blocks: Type.Array(Type.Union(Object.values(TBlocks)), { minItems: 1, maxItems: 120 }),
}, { additionalProperties: false, title: 'paper template' });

export type PaperTemplate = Static<typeof PaperTemplateSchema>;
type TBlock = PaperTemplate['blocks'][number];
export type FieldValue = string | number | string[];
export type Fields = Record<string, FieldValue | undefined>;

/** Fields every fill provides (window, dates, phones, agency); others must be required or under `when`. */
export const ALWAYS_FIELDS = ['window_id', 'window_name', 'date', 'date_cn', 'time', 'year', 'agency', 'contact_phone', 'supervision_phone', 'complaint_phone'] as const;

export class TemplateError extends Error {
  constructor(readonly where: string, message: string) { super(`${where}: ${message}`); this.name = 'TemplateError'; }
}

const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;
const placeholders = (s: string): string[] => [...s.matchAll(PLACEHOLDER)].map((m) => m[1]!);
const whenList = (w: string | string[] | undefined): string[] => (w === undefined ? [] : Array.isArray(w) ? w : [w]);

function blockTexts(b: TBlock): Array<{ text: string; when: string[] }> {
  const w = whenList(b.when);
  switch (b.type) {
    case 'title': return [{ text: b.text, when: w }];
    case 'text': return (Array.isArray(b.text) ? b.text : [b.text]).map((text) => ({ text, when: w }));
    case 'kv': return b.rows.flatMap((r) => [{ text: r.key, when: w }, { text: r.value, when: [...w, ...whenList(r.when)] }]);
    case 'list': return [{ text: `{${b.field}}`, when: w }];
    case 'qr': return [{ text: b.data, when: w }, ...(b.caption ? [{ text: b.caption, when: w }] : [])];
    default: return [];
  }
}

/** Parse and check one template file: schema, then that every placeholder can be filled. */
export function parseTemplate(text: string, file: string): PaperTemplate {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 50 });
  } catch (e) {
    throw new TemplateError(file, `YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const withDefaults = Value.Default(PaperTemplateSchema, structuredClone(raw));
  const problems = [...Value.Errors(PaperTemplateSchema, withDefaults)].slice(0, 5).map((e) => `${e.path || '/'} ${e.message}`);
  if (problems.length) throw new TemplateError(file, problems.join('; '));
  const t = withDefaults as PaperTemplate;
  const known = new Set<string>([...ALWAYS_FIELDS, ...t.required, ...(t.numbered ? ['number'] : [])]);
  const unknown = new Set<string>();
  t.blocks.forEach((b, i) => {
    for (const { text: s, when } of blockTexts(b)) {
      for (const p of placeholders(s)) if (!known.has(p) && !when.includes(p)) unknown.add(`/blocks/${i} {${p}}`);
    }
  });
  if (unknown.size) throw new TemplateError(file, `placeholders neither always given, in required, nor guarded by when: ${[...unknown].join(', ')}`);
  for (const p of placeholders(t.number_format)) if (!['agency', 'year', 'serial'].includes(p)) throw new TemplateError(file, `number_format: unknown placeholder {${p}} (use {agency}, {year}, {serial})`);
  return t;
}

/** Parse a set of template files; the kind must match the file name so the set is unambiguous. */
export function parseTemplates(files: Array<{ name: string; text: string }>): Map<string, PaperTemplate> {
  const out = new Map<string, PaperTemplate>();
  for (const f of files) {
    const t = parseTemplate(f.text, f.name);
    const base = f.name.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    if (base !== t.kind) throw new TemplateError(f.name, `kind ${t.kind} does not match the file name (${base}.yaml)`);
    out.set(t.kind, t);
  }
  return out;
}

const present = (v: FieldValue | undefined): v is FieldValue => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);
const asText = (v: FieldValue): string => (Array.isArray(v) ? v.join('、') : String(v));

/** Fields the template needs that are missing from `fields` (to refuse a command with all of them at once). */
export const missingFields = (t: PaperTemplate, fields: Fields): string[] => t.required.filter((f) => !present(fields[f]));

/** Fill a template. Throws TemplateError naming the template and the missing fields. */
export function fillTemplate(t: PaperTemplate, fields: Fields): PrintDocument {
  const missing = missingFields(t, fields);
  if (missing.length) throw new TemplateError(`template ${t.kind}`, `missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const sub = (s: string) => s.replace(PLACEHOLDER, (_m, name: string) => {
    const v = fields[name];
    if (!present(v)) throw new TemplateError(`template ${t.kind}`, `missing field ${name}`);
    return asText(v);
  });
  const blocks: Block[] = [];
  for (const b of t.blocks) {
    if (!whenList(b.when).every((w) => present(fields[w]))) continue;
    switch (b.type) {
      case 'title': blocks.push({ type: 'title', text: sub(b.text), ...(b.size ? { size: b.size } : {}) }); break;
      case 'text': blocks.push({ type: 'text', text: Array.isArray(b.text) ? b.text.map(sub) : sub(b.text), ...(b.bold !== undefined ? { bold: b.bold } : {}), ...(b.align ? { align: b.align } : {}), ...(b.size ? { size: b.size } : {}) }); break;
      case 'kv': {
        const rows = b.rows.filter((r) => whenList(r.when).every((w) => present(fields[w]))).map((r) => ({ key: sub(r.key), value: sub(r.value) }));
        if (rows.length) blocks.push({ type: 'kv', rows, ...(b.layout ? { layout: b.layout } : {}) });
        break;
      }
      case 'list': {
        const v = fields[b.field];
        if (!present(v)) throw new TemplateError(`template ${t.kind}`, `missing field ${b.field}`);
        const items = Array.isArray(v) ? v : [String(v)];
        blocks.push({ type: 'text', text: items.map((x, i) => (b.numbered === false ? x : `${i + 1}. ${x}`)) });
        break;
      }
      case 'separator': blocks.push({ type: 'separator', ...(b.char ? { char: b.char } : {}) }); break;
      case 'qr': blocks.push({ type: 'qr', data: sub(b.data), ...(b.caption ? { caption: sub(b.caption) } : {}), ...(b.size ? { size: b.size } : {}), ...(b.align ? { align: b.align } : {}) }); break;
      case 'feed': blocks.push({ type: 'feed', lines: b.lines }); break;
    }
  }
  return parseDocument({ blocks }, `template ${t.kind}`);
}
