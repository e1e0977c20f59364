// Printed papers (回执 / 告知单 / 通知书 / 办事指南 / 行风监督卡): filled from templates, numbered once,
// kept as snapshots so a reprint (补打) prints exactly the same paper. Sources: 000 (业务办理回执),
// 001 (受理通知书, "请您X月X日来领取证书"), 002/004 (一次性告知, 书面告知材料清单), 004 (补正, 不予受理,
// 延长期限, 办事指南 and 行风监督卡), 行政许可法 §32. Pure: no I/O; the shell prints and persists.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isoWithOffset } from '../../core/clock.ts';
import { DocumentError, type PrintDocument } from '../../drivers/printer/document.ts';
import type { At, CounterInput, CounterOutput, StepResult } from './types.ts';
import type { CaseRecord, ServiceEnv } from './service-env.ts';
import type { ComplaintSlipRequest } from './evaluation.ts';
import { fillTemplate, TemplateError, type Fields, type FieldValue } from './paper-templates.ts';
import { initialNumberingState, issueNumber, type NumberingState } from './numbering.ts';
import { cnDate, isLocalDate, localDate, localTime } from './local-date.ts';

const FieldValueSchema = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Array(Type.String({ maxLength: 300 }), { maxItems: 50 })]);
const DocId = Type.String({ pattern: '^[A-Za-z0-9_.:~-]{1,80}$' });

export const PaperCommandSchemas = {
  'paper.print': Type.Object({
    kind: Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 40 }),
    doc_id: DocId,
    case_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    fields: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 40 }), FieldValueSchema, { maxProperties: 60 })),
  }, { additionalProperties: false }),
  'paper.reprint': Type.Object({ doc_id: Type.Optional(DocId) }, { additionalProperties: false }),
};
type PrintPayload = Static<(typeof PaperCommandSchemas)['paper.print']>;

export interface PaperSnapshot {
  docId: string;
  kind: string;
  title: string;
  number?: string;
  caseId?: string;
  issuedAt: string;
  /** How far the clock that dated (and numbered: the year) the paper was trusted. */
  timeQuality: At['quality'];
  /** A working-day date on it was counted over a year the calendar does not hold. */
  calendarIncomplete?: boolean;
  document: PrintDocument;
  reprints: number;
}

export interface PapersState {
  numbering: NumberingState;
  /** Issued papers, oldest first, bounded by service.papers.keep_snapshots. */
  issued: PaperSnapshot[];
  /** The last case seen at the window (a paper may be printed right after the case ended). */
  lastCase?: CaseRecord;
}

export const initialPapersState = (): PapersState => ({ numbering: initialNumberingState(), issued: [] });

/** Fields the center may not override: the number, the dates and the window are the device's. */
const PROTECTED = new Set(['number', 'date', 'date_cn', 'time', 'year', 'window_id', 'window_name', 'promised_date', 'promised_date_cn', 'extended_date', 'extended_date_cn']);

const reject = (state: PapersState, reason: string): StepResult<PapersState> => ({ state, outputs: [{ kind: 'reject', reason }] });

function baseFields(env: ServiceEnv, at: At, r: CaseRecord | undefined): Fields {
  const date = localDate(at.wallMs, env.window.utcOffsetMinutes);
  return {
    window_id: env.window.id, window_name: env.window.name || env.window.id,
    date, date_cn: cnDate(date), time: localTime(at.wallMs, env.window.utcOffsetMinutes), year: date.slice(0, 4),
    agency: env.config.papers.agency, contact_phone: env.config.papers.contact_phone,
    supervision_phone: env.config.papers.supervision_phone, complaint_phone: env.config.evaluation.complaint.phone,
    ...(env.staff ? { staff_id: env.staff.id, staff_name: env.staff.name, job_number: env.staff.jobNumber ?? env.staff.id } : {}),
    ...(r ? { case_id: r.caseId, ticket: r.ticket, item_code: r.itemCode, item_name: r.itemName } : {}),
    // The staff member who took the case is responsible for it (首问负责制), even if another is clocked in now.
    ...(r?.staffId ? { staff_id: r.staffId, staff_name: r.staffName, job_number: r.staffJobNumber ?? r.staffId } : {}),
  };
}

/** Dates counted in working days on the calendar (限时办结制, 001/002): promised and extended dates. */
function computedDates(env: ServiceEnv, today: string, f: Fields): Fields | string {
  const out: Fields = {};
  const n = f.promised_working_days;
  if (n !== undefined) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 365) return `fields.promised_working_days must be a whole number 1…365, not ${JSON.stringify(n)}`;
    const d = env.calendar.addWorkingDays(today, n);
    Object.assign(out, { promised_date: d, promised_date_cn: cnDate(d) });
  }
  const e = f.extended_working_days;
  if (e !== undefined) {
    const from = f.original_date;
    if (typeof e !== 'number' || !Number.isInteger(e) || e < 1 || e > 365) return `fields.extended_working_days must be a whole number 1…365, not ${JSON.stringify(e)}`;
    if (typeof from !== 'string' || !isLocalDate(from)) return 'fields.original_date (YYYY-MM-DD) is needed with extended_working_days';
    const d = env.calendar.addWorkingDays(from, e);
    Object.assign(out, { extended_date: d, extended_date_cn: cnDate(d), original_date_cn: cnDate(from) });
  }
  return out;
}

/** Fill, number and snapshot one paper; the caller has checked the doc_id is new. */
function issue(state: PapersState, env: ServiceEnv, at: At, kind: string, docId: string, r: CaseRecord | undefined, given: Record<string, FieldValue>, where: string): StepResult<PapersState> {
  const t = env.templates.get(kind);
  if (!t) return reject(state, `${where}: no paper template "${kind}" (have: ${[...env.templates.keys()].sort().join(', ')})`);
  const fields: Fields = baseFields(env, at, r);
  for (const [k, v] of Object.entries(given)) if (!PROTECTED.has(k)) fields[k] = v;
  const dates = computedDates(env, fields.date as string, fields);
  if (typeof dates === 'string') return reject(state, `${where}: ${dates}`);
  Object.assign(fields, dates);
  // A date counted over a year the calendar has no holidays for may be wrong: the paper still
  // prints (service goes on), and the event says so for the center (the calendar alarm is rules1's).
  const counted = [dates.promised_date, dates.extended_date].filter((d): d is string => typeof d === 'string');
  const calendarIncomplete = counted.some((d) => !env.calendar.hasYear(Number(d.slice(0, 4))) || !env.calendar.hasYear(Number(String(fields.year))));
  let numbering = state.numbering;
  if (t.numbered) {
    const n = issueNumber(numbering, kind, Number(fields.year), t.number_format, env.config.papers.agency, env.config.papers.serial_digits);
    numbering = n.state;
    fields.number = n.number;
  }
  let document: PrintDocument;
  try {
    document = fillTemplate(t, fields);
  } catch (e) {
    // Refused before the number is spent: numbering is only kept when the paper exists.
    // A missing field, or a field the printer must not get (control characters, an over-long line).
    if (e instanceof TemplateError || e instanceof DocumentError) return reject(state, `${where}: ${e.message}`);
    throw e;
  }
  const snap: PaperSnapshot = {
    docId, kind, title: t.title, issuedAt: isoWithOffset(at.wallMs, env.window.utcOffsetMinutes), timeQuality: at.quality, document, reprints: 0,
    ...(calendarIncomplete ? { calendarIncomplete } : {}),
    ...(typeof fields.number === 'string' ? { number: fields.number } : {}),
    ...(typeof fields.case_id === 'string' ? { caseId: fields.case_id } : {}),
  };
  const issued = [...state.issued, snap].slice(-env.config.papers.keep_snapshots);
  return { state: { ...state, numbering, issued }, outputs: [issuedEvent(snap, env, undefined), { kind: 'print', docId, document }] };
}

function issuedEvent(s: PaperSnapshot, env: ServiceEnv, reprint: { of: string; n: number } | undefined): CounterOutput {
  // Kind, number and ids only: no personal data beyond what the center sent (the fields stay on paper).
  return {
    kind: 'event',
    event: {
      type: 'paper.issued',
      ...(s.caseId ? { case_id: s.caseId } : {}),
      ...(env.staff ? { staff_id: env.staff.id } : {}),
      data: { kind: s.kind, title: s.title, doc_id: reprint ? `${s.docId}~r${reprint.n}` : s.docId, ...(s.number ? { number: s.number } : {}), issued_at: s.issuedAt, time_quality: s.timeQuality, ...(s.calendarIncomplete ? { calendar_incomplete: true } : {}), ...(reprint ? { reprint_of: reprint.of, reprint: reprint.n } : {}) },
    },
  };
}

/** The same paper again, marked 补打 under its title; same number, same dates, same text. */
export function reprintDocument(d: PrintDocument): PrintDocument {
  const mark = { type: 'text' as const, text: '【补打】', bold: true, align: 'center' as const };
  return { ...d, blocks: [d.blocks[0]!, mark, ...d.blocks.slice(1)] };
}

function reprint(state: PapersState, env: ServiceEnv, docId: string | undefined, where: string): StepResult<PapersState> {
  const i = docId === undefined ? state.issued.length - 1 : state.issued.findIndex((s) => s.docId === docId);
  const s = state.issued[i];
  if (!s) return docId === undefined ? { state, outputs: [] } : reject(state, `${where}: no issued paper ${docId} is kept (the last ${env.config.papers.keep_snapshots} are)`);
  const n = s.reprints + 1;
  const snap = { ...s, reprints: n };
  const issued = state.issued.map((x, j) => (j === i ? snap : x));
  return { state: { ...state, issued }, outputs: [issuedEvent(s, env, { of: s.docId, n }), { kind: 'print', docId: `${s.docId}~r${n}`, document: reprintDocument(s.document) }] };
}

function caseFor(state: PapersState, current: CaseRecord | undefined, caseId: string | undefined): CaseRecord | undefined {
  if (caseId === undefined) return current ?? state.lastCase;
  return [current, state.lastCase].find((r) => r?.caseId === caseId);
}

function onPrint(state: PapersState, p: PrintPayload, at: At, env: ServiceEnv, current: CaseRecord | undefined): StepResult<PapersState> {
  // Idempotent by doc_id: a repeated command prints nothing and spends no number.
  if (state.issued.some((s) => s.docId === p.doc_id)) return { state, outputs: [] };
  const r = caseFor(state, current, p.case_id);
  const given: Record<string, FieldValue> = { ...(p.case_id !== undefined && !r ? { case_id: p.case_id } : {}), ...(p.fields ?? {}) };
  return issue(state, env, at, p.kind, p.doc_id, r, given, 'paper.print');
}

export interface PapersContext {
  current?: CaseRecord;
  /** A case that ended in this step (the paper rules remember it for papers printed just after). */
  ended?: CaseRecord;
  slip?: ComplaintSlipRequest;
}

export function stepPapers(state0: PapersState, input: CounterInput, env: ServiceEnv, ctx: PapersContext = {}): StepResult<PapersState> {
  let state = ctx.ended ? { ...state0, lastCase: ctx.ended } : state0;
  const outputs: CounterOutput[] = [];
  if (ctx.slip) {
    const s = ctx.slip;
    const f: Record<string, FieldValue> = { answer_by_cn: cnDate(s.fields.answer_by!), fix_by_cn: cnDate(s.fields.fix_by!) };
    if (s.fields.callback_url) f.callback_url = s.fields.callback_url;
    // The print queue takes printable ASCII doc ids (≤ 128): a case id in Chinese is percent-encoded.
    const docId = `complaint_slip-${encodeURIComponent(s.caseRecord.caseId)}-${s.caseRecord.stage}`.slice(0, 120);
    const r = issue(state, env, s.at, 'complaint_slip', docId, s.caseRecord, f, 'complaint slip');
    // A slip that cannot be made must not lose the complaint itself (its event went out already).
    state = r.state;
    outputs.push(...r.outputs.map(refusedAsEvent));
  }
  const at = input.at;
  if (input.kind === 'staffKey') {
    const keys = env.config.papers.staff_keys;
    if (input.key === keys.reprint) return merge(reprint(state, env, undefined, 'reprint key'), outputs, true);
    if (input.key === keys.supervision_card || input.key === keys.service_guide) {
      const kind = input.key === keys.supervision_card ? 'supervision_card' : 'service_guide';
      return merge(issue(state, env, at, kind, `${kind}-${env.window.id}-${at.wallMs}`, ctx.current ?? state.lastCase, {}, `${kind} key`), outputs, true);
    }
  }
  if (input.kind === 'command' && (input.name === 'paper.print' || input.name === 'paper.reprint')) {
    const schema = PaperCommandSchemas[input.name];
    if (!Value.Check(schema, input.payload)) {
      const e = Value.Errors(schema, input.payload).First();
      return reject(state0, `${input.name}: payload${e?.path ?? ''} ${e?.message ?? 'is invalid'}`);
    }
    const r = input.name === 'paper.print'
      ? onPrint(state, input.payload as PrintPayload, at, env, ctx.current)
      : reprint(state, env, (input.payload as { doc_id?: string }).doc_id, 'paper.reprint');
    return merge(r, outputs, false);
  }
  return { state, outputs };
}

/** A paper asked for by a key or by a 差评 has no cmd_res to carry a refusal: it becomes an event. */
function refusedAsEvent(o: CounterOutput): CounterOutput {
  return o.kind === 'reject' ? { kind: 'event', event: { type: 'paper.refused', data: { reason: o.reason } } } : o;
}

/** Earlier outputs (the slip) come first; a key's refusal becomes a paper.refused event. */
function merge(r: StepResult<PapersState>, before: CounterOutput[], fromKey: boolean): StepResult<PapersState> {
  const outputs = fromKey ? r.outputs.map(refusedAsEvent) : r.outputs;
  return { state: r.state, outputs: [...before, ...outputs] };
}

export const nextPapersDeadline = (_state: PapersState): number | undefined => undefined;
