// `counter-edge print test` and `counter-edge print preview DOC.json --out PAPER.png`.
import { readFileSync, writeFileSync } from 'node:fs';
import { systemClock, type Clock } from '../../core/clock.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { cliOption as option, type CliCommand, type CliContext } from '../../config/cli-context.ts';
import { paperGeometry, type PrinterConfig } from './config.ts';
import { parseDocument, type PrintDocument } from './document.ts';
import { createPrinter } from './index.ts';
import { previewPng, previewText } from './preview.ts';
import { testPageDocument } from './test-page.ts';

const USAGE = [
  'usage: counter-edge print test [--direct]',
  '         print a test page (Chinese text, table, QR) on the configured printer; with backend sim',
  '         the page goes to an in-process emulator and its decoded lines are shown.',
  '         A running service owns the printer, so the page is queued there unless --direct.',
  '       counter-edge print preview DOC.json [--out PAPER.png] [--paper 58|80]',
  '         show how a document prints: text on stdout, the paper as PNG (8 dots/mm).',
];

/** Ask the running service to print; undefined when no service answers. */
async function viaService(ctx: CliContext, doc: PrintDocument, clock: Clock): Promise<number | undefined> {
  const docId = `test-page-${clock.now()}`;
  let res: Response;
  try {
    res = await fetch(`${ctx.apiBase}/api/print`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ doc_id: docId, doc }), signal: AbortSignal.timeout(3000) });
  } catch {
    return undefined;
  }
  const body = await res.text();
  if (!res.ok) { ctx.err(`the running service refused the test page (HTTP ${res.status}): ${body}`); return 1; }
  ctx.out(`test page queued at the running service as ${docId}: ${body}`);
  return 0;
}

async function printTest(args: string[], ctx: CliContext): Promise<number> {
  const cfg: PrinterConfig = ctx.config.printer;
  if (!cfg.enabled) { ctx.err(`printer.enabled is false in ${ctx.configPath}`); return 1; }
  const clock = systemClock();
  const geo = paperGeometry(cfg);
  const doc = testPageDocument({ window: ctx.config.window.id, windowName: ctx.config.window.name, backend: cfg.backend, cols: geo.cols, paperWidthMm: cfg.paper_width_mm, now: clock.now(), utcOffsetMinutes: ctx.config.window.utc_offset_minutes });
  if (cfg.backend !== 'sim' && !args.includes('--direct')) {
    const viaSvc = await viaService(ctx, doc, clock);
    if (viaSvc !== undefined) return viaSvc;
  }
  const { printer, sim } = createPrinter(cfg, { logger: ctx.logger, clock, scheduler: systemScheduler() });
  await printer.start();
  try {
    const s = printer.status();
    if (s.state !== 'ok') { ctx.err(`printer (${cfg.backend}) not ready: ${s.reason ?? s.state}`); return 1; }
    await printer.print(doc);
    if (sim) {
      ctx.out(`test page printed on the simulated printer (${geo.cols} columns); decoded from the ESC/POS bytes:`);
      for (const l of sim.emulator.lines()) ctx.out(`| ${l}`);
    } else {
      ctx.out(`test page sent to the ${cfg.backend} printer; status ${JSON.stringify(printer.status().detail ?? {})}`);
    }
    return 0;
  } catch (err) {
    ctx.err(`print test failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await printer.stop();
  }
}

async function preview(args: string[], ctx: CliContext): Promise<number> {
  const file = args.find((a, i) => !a.startsWith('--') && !['--out', '--paper'].includes(args[i - 1] ?? ''));
  if (!file) { USAGE.forEach((l) => ctx.err(l)); return 2; }
  const out = option(args, '--out');
  const paperArg = option(args, '--paper');
  if (paperArg && paperArg !== '58' && paperArg !== '80') throw new Error(`--paper must be 58 or 80, not ${paperArg}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  return previewDocument(parseDocument(raw, file), ctx, paperArg, out);
}

/** Prints a document as the configured printer would lay it out (text), and writes its PNG to `out`. */
export async function previewDocument(doc: PrintDocument, ctx: CliContext, paperArg: string | undefined, out: string | undefined): Promise<number> {
  const cfg = ctx.config.printer;
  const paper = paperArg ? (Number(paperArg) as 58 | 80) : cfg.paper_width_mm;
  const geo = paperGeometry(paperArg ? { paper_width_mm: paper } : cfg);
  const opts = { cols: geo.cols, dots: geo.dots, paperWidthMm: paper, cut: cfg.cut, feedBeforeCut: cfg.feed_before_cut, ...(cfg.font_path ? { fontPath: cfg.font_path } : {}) };
  ctx.out(previewText(doc, opts).trimEnd());
  if (out) {
    writeFileSync(out, await previewPng(doc, opts));
    ctx.err(`wrote ${out}`);
  }
  return 0;
}

export const runPrintCli: CliCommand = async (args, ctx) => {
  const [sub, ...rest] = args;
  try {
    if (sub === 'test') return await printTest(rest, ctx);
    if (sub === 'preview') return await preview(rest, ctx);
  } catch (err) {
    ctx.err(`print ${sub}: ${(err as Error).message}`);
    return 1;
  }
  USAGE.forEach((l) => ctx.err(l));
  return 2;
};
