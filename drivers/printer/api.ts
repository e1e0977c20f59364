// Local API and MQTT command for printing, plus "what was printed last" for the simulator page.
// The previews of the last paper are rendered once per printed document and kept: a burst of
// requests for last.png costs one render, not one per request on the event loop.
import { Type } from '@sinclair/typebox';
import { HttpError, type ApiRouter } from '../../core/http-router.ts';
import { paperGeometry, type PrinterConfig } from './config.ts';
import { DocumentError, PrintDocumentSchema } from './document.ts';
import type { SimPrinter } from './index.ts';
import { previewPng, previewText, type PreviewOptions } from './preview.ts';
import type { PrintDocument } from './document.ts';
import { rollOf } from './roll.ts';
import type { PrintJobs, PrinterDriver } from './types.ts';

/** Papers the simulator page's roll shows (older ones scroll off). */
const ROLL_MAX_PAPERS = 30;

export interface PrinterRouteDeps {
  queue: PrintJobs;
  printer: PrinterDriver;
  /** For paper width, cut and font of the previews (default: 58 mm paper, partial cut). */
  config?: PrinterConfig;
  /** The sim backend's emulator, looked up per request (a reload may change the backend): POST /api/sim/printer switches paper out, cover, offline, plug. */
  sim?: () => SimPrinter | undefined;
}

function body(req: { body: unknown }): Record<string, unknown> {
  if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw new HttpError(400, 'body must be a JSON object');
  return req.body as Record<string, unknown>;
}

/** One preview kept per (document printed, preview options): rendered on first ask, then served. */
export class PreviewCache<T> {
  private kept: { doc: PrintDocument; opts: string; value: T } | undefined;
  renders = 0;
  constructor(private readonly render: (doc: PrintDocument, opts: PreviewOptions) => T) {}
  get(doc: PrintDocument, opts: PreviewOptions): T {
    const key = JSON.stringify(opts);
    if (this.kept?.doc === doc && this.kept.opts === key) return this.kept.value;
    this.renders++;
    const value = this.render(doc, opts);
    this.kept = { doc, opts: key, value };
    return value;
  }
}

export function registerPrinterRoutes(router: ApiRouter, deps: PrinterRouteDeps, caches = { png: new PreviewCache(previewPng), text: new PreviewCache(previewText) }): void {
  const { queue, printer } = deps;
  const previewOpts = (): PreviewOptions => {
    const c = deps.config;
    const geo = c ? paperGeometry(c) : printer.geometry;
    return { cols: geo.cols, dots: geo.dots, paperWidthMm: (c?.paper_width_mm ?? (geo.dots > 400 ? 80 : 58)) as 58 | 80, cut: c?.cut ?? 'partial' as const, feedBeforeCut: c?.feed_before_cut ?? 4, ...(c?.font_path ? { fontPath: c.font_path } : {}) };
  };
  const last = () => {
    const l = printer.lastPrinted();
    if (!l) throw new HttpError(404, 'nothing printed yet');
    return l;
  };

  router.route('POST', '/api/print', (req) => {
    const b = body(req);
    try {
      return queue.submit(b.doc_id, b.doc, 'POST /api/print');
    } catch (err) {
      if (err instanceof DocumentError) throw new HttpError(400, err.message);
      throw err;
    }
  });

  router.route('GET', '/api/printer', () => ({ status: printer.status(), waiting: queue.waiting() }));

  router.raw('GET', '/api/printer/last.txt', (_req, res) => {
    let text: string;
    try { text = caches.text.get(last().doc, previewOpts()); } catch (err) { res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`); return; }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(text);
  });

  router.raw('GET', '/api/printer/last.png', async (_req, res) => {
    let png: Buffer;
    // Requests arriving while the one render is under way share its promise.
    try { png = await caches.png.get(last().doc, previewOpts()); } catch (err) { res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`); return; }
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' }).end(png);
  });

  const simOf = deps.sim;
  if (simOf) {
    // The paper as the sim printer decoded it from the ESC/POS bytes it received (newest paper first).
    router.route('GET', '/api/sim/printer/roll', () => {
      const sim = simOf();
      if (!sim) throw new HttpError(409, 'the printer is not the simulated one (printer.backend is not sim)');
      return { ...rollOf(sim.emulator.items(), ROLL_MAX_PAPERS), held_items: sim.emulator.heldItems().length, switches: sim.emulator.state };
    });
    router.route('POST', '/api/sim/printer', async (req) => {
      const sim = simOf();
      if (!sim) throw new HttpError(409, 'the printer is not the simulated one (printer.backend is not sim)');
      const b = body(req);
      const flag = (k: string) => {
        if (b[k] === undefined) return undefined;
        if (typeof b[k] !== 'boolean') throw new HttpError(400, `${k} must be true or false`);
        return b[k] as boolean;
      };
      const sw = { paperOut: flag('paper_out'), paperNearEnd: flag('paper_near_end'), coverOpen: flag('cover_open'), offline: flag('offline') };
      sim.emulator.set(Object.fromEntries(Object.entries(sw).filter(([, v]) => v !== undefined)));
      const plugged = flag('plugged');
      if (plugged !== undefined) sim.link.plugged = plugged;
      // Ask now so the status (and the queue) follows the switch without waiting for the poll.
      await printer.checkStatus();
      return { switches: sim.emulator.state, plugged: sim.link.plugged, status: printer.status() };
    });
  }
}

export const PrintCommandSchema = Type.Object({
  doc_id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: 'Idempotency key of the paper: the same doc_id never prints twice.' }),
  doc: PrintDocumentSchema,
}, { additionalProperties: false });

/** MQTT cmd/print: {cmd_id, doc_id, doc} → {accepted, duplicate, state}; the paper's end comes as print.done / print.failed. */
export function printCommands(queue: PrintJobs) {
  return [{
    name: 'print',
    schema: PrintCommandSchema,
    handler: async (payload: { doc_id: string; doc: unknown }) => queue.submit(payload.doc_id, payload.doc, 'cmd/print'),
  }];
}
