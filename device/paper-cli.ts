// `counter-edge paper preview KIND --fields FILE [--out PAPER.png] [--paper 58|80]`: fill a paper
// template (config/templates/ or service.papers.templates_dir) with the fields in FILE (JSON or YAML)
// and show it as printed: text on stdout, the paper as PNG. Nothing is issued or numbered for real.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { systemClock, type Clock } from '../core/clock.ts';
import { cliOption as option, type CliCommand, type CliContext } from '../config/cli-context.ts';
import { previewDocument } from '../drivers/printer/cli.ts';
import { initialPapersState, stepPapers } from './counter/papers.ts';
import { PaperTemplateSchema } from './counter/paper-templates.ts';
import type { ServiceEnv } from './counter/service-env.ts';
import type { WorkingCalendar } from './counter/types.ts';
import { DEFAULT_TEMPLATES_DIR, loadPaperTemplates } from './paper-templates-files.ts';

const USAGE = [
  'usage: counter-edge paper preview KIND --fields FILE [--out PAPER.png] [--paper 58|80]',
  '         fill the paper template KIND (receipt, acceptance, one_time_notice, …) with the fields in',
  '         FILE (a JSON or YAML mapping: applicant, item_name, materials: [...], promised_working_days, …)',
  '         and show it as printed. The number shown is a preview; no number is issued.',
  '       counter-edge paper schema',
  '         print the JSON Schema of a paper template (for editors).',
];

const MAX_FIELDS_BYTES = 256 * 1024;

/** Weekends only: what the preview counts when the hall calendar is not passed in (said on stderr). */
export const weekendsOnlyCalendar: WorkingCalendar = {
  isWorkingDay: (d) => ![0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()),
  addWorkingDays(d, n) {
    let t = Date.parse(`${d}T00:00:00Z`);
    for (let left = n; left > 0;) { t += 86_400_000; if (this.isWorkingDay(new Date(t).toISOString().slice(0, 10))) left--; }
    return new Date(t).toISOString().slice(0, 10);
  },
  hasYear: () => false,
};

function readFields(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--fields ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (Buffer.byteLength(text) > MAX_FIELDS_BYTES) throw new Error(`--fields ${file}: larger than ${MAX_FIELDS_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 50 });
  } catch (e) {
    throw new Error(`--fields ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`--fields ${file}: must be a mapping of field names to values`);
  return raw as Record<string, unknown>;
}

export interface PaperCliDeps {
  clock?: Clock;
  /** The hall's working-day calendar; without it the preview counts weekends only and says so. */
  calendar?: WorkingCalendar;
}

async function preview(args: string[], ctx: CliContext, deps: PaperCliDeps): Promise<number> {
  const kind = args.find((a, i) => !a.startsWith('--') && !['--out', '--paper', '--fields'].includes(args[i - 1] ?? ''));
  const fieldsFile = option(args, '--fields');
  if (!kind || !fieldsFile) { USAGE.forEach((l) => ctx.err(l)); return 2; }
  const out = option(args, '--out');
  const paperArg = option(args, '--paper');
  if (paperArg && paperArg !== '58' && paperArg !== '80') throw new Error(`--paper must be 58 or 80, not ${paperArg}`);
  const fields = readFields(fieldsFile);
  const svc = ctx.config.service;
  const templates = await loadPaperTemplates(svc.papers.templates_dir ?? DEFAULT_TEMPLATES_DIR);
  const staffName = typeof fields.staff_name === 'string' ? fields.staff_name : undefined;
  const env: ServiceEnv = {
    config: svc,
    calendar: deps.calendar ?? weekendsOnlyCalendar,
    window: { id: ctx.config.window.id, name: ctx.config.window.name, utcOffsetMinutes: ctx.config.window.utc_offset_minutes },
    staff: staffName ? { id: String(fields.staff_id ?? fields.job_number ?? ''), name: staffName, ...(fields.job_number !== undefined ? { jobNumber: String(fields.job_number) } : {}) } : undefined,
    templates,
  };
  if (!deps.calendar && Object.keys(fields).some((k) => k.endsWith('_working_days'))) {
    ctx.err('note: working days counted with weekends only here; public holidays and 调休 days come from the hall calendar in the running counter');
  }
  const clock = deps.clock ?? systemClock();
  const at = { wallMs: clock.now(), monoMs: clock.monoMs(), quality: clock.timeQuality() };
  const { case_id: caseId, ...rest } = fields;
  const payload = { kind, doc_id: 'preview', ...(typeof caseId === 'string' ? { case_id: caseId } : {}), fields: { ...rest, ...(typeof caseId === 'string' ? { case_id: caseId } : {}) } };
  const r = stepPapers(initialPapersState(), { kind: 'command', at, name: 'paper.print', cmdId: 'preview', payload }, env);
  const refused = r.outputs.find((o) => o.kind === 'reject');
  if (refused) { ctx.err(`paper preview ${kind}: ${refused.reason.replace(/^paper\.print: /, '')}`); return 1; }
  const doc = r.outputs.find((o) => o.kind === 'print')!.document;
  return previewDocument(doc, ctx, paperArg, out);
}

export function paperCli(deps: PaperCliDeps = {}): CliCommand {
  return async (args, ctx) => {
    const [sub, ...rest] = args;
    try {
      if (sub === 'preview') return await preview(rest, ctx, deps);
      if (sub === 'schema') { ctx.out(JSON.stringify(PaperTemplateSchema, null, 2)); return 0; }
    } catch (err) {
      ctx.err(`paper ${sub}: ${(err as Error).message}`);
      return 1;
    }
    USAGE.forEach((l) => ctx.err(l));
    return 2;
  };
}

export const runPaperCli: CliCommand = paperCli();
