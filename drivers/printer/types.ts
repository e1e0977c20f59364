// The printer's interface as the rest of the counter sees it (the print queue, the API, the CLI).
import type { Driver } from '../driver.ts';
import type { PrintDocument } from './document.ts';
import type { PrinterHealth } from './status.ts';

export interface PrinterDriver extends Driver {
  /**
   * Print one document. Rejects with PrinterNotReadyError when nothing was sent (fault, paper out,
   * cover open, offline: try again later), with PrintInterruptedError when the job was sent but not
   * confirmed (do not resend: it may have printed), and with any other error for a document that
   * cannot be printed at all.
   */
  print(doc: PrintDocument): Promise<void>;
  /** Ask the printer now (DLE EOT); undefined when status queries are off. Updates status(). */
  checkStatus(): Promise<PrinterHealth | undefined>;
  /** The last document printed successfully, for the simulator page and technicians. */
  lastPrinted(): { doc: PrintDocument; at: number } | undefined;
  /** Half-width columns and dots per line of the configured paper. */
  readonly geometry: { cols: number; dots: number };
}

/**
 * The print queue as the printer's API sees it (the queue itself is the counter's print-queue.ts):
 * submit is idempotent by doc_id and validates the document (DocumentError when it is bad).
 */
export interface PrintJobs {
  submit(docId: unknown, doc: unknown, via: string): unknown;
  /** Jobs not finished yet, for GET /api/printer. */
  waiting(): unknown[];
}

export class PrinterNotReadyError extends Error {
  constructor(message: string) { super(message); this.name = 'PrinterNotReadyError'; }
}

export class PrintInterruptedError extends Error {
  constructor(message: string) { super(message); this.name = 'PrintInterruptedError'; }
}
