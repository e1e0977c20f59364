// Between the counter's rules and the durable print queue (device/print-queue.ts): the rules' print
// outputs are submitted here, and what became of each job (print.done / print.failed) comes back as a
// printResult input. The queue plugin attaches its queue; the counter shell submits and listens.
import type { PrintQueue, SubmitResult } from './print-queue.ts';

export interface PrintResult { docId: string; ok: boolean; reason?: string }

export class PrintLink {
  private queue: PrintQueue | undefined;
  private readonly listeners = new Set<(r: PrintResult) => void>();

  attach(queue: PrintQueue | undefined): void { this.queue = queue; }

  /** Queues a paper; throws when no print queue runs (printer disabled) or the document is refused. */
  submit(docId: string, doc: unknown, where: string): SubmitResult {
    if (!this.queue) throw new Error(`${where}: no print queue runs (printer.enabled is false)`);
    return this.queue.submit(docId, doc, where);
  }

  /** What the queue reports (its print.done / print.failed events), handed to the listeners. */
  report(type: string, data: Record<string, unknown>): void {
    if (typeof data.doc_id !== 'string' || (type !== 'print.done' && type !== 'print.failed')) return;
    const r: PrintResult = { docId: data.doc_id, ok: type === 'print.done', ...(typeof data.reason === 'string' ? { reason: data.reason } : {}) };
    for (const fn of this.listeners) fn(r);
  }

  onResult(fn: (r: PrintResult) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }
}
