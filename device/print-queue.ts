// The durable print queue. A job is accepted with a doc_id and kept in SQLite until it ends with
// print.done or print.failed: it waits across restarts for paper or a reconnect, and expires if it
// cannot print in time. A doc_id is remembered after the job ends, so a repeat never prints twice.
//
// Why SQLite (better-sqlite3, synchronous, its own small file beside the outbox): jobs arrive at
// human rate (a few a minute at most) and cost three single-row commits each, so the synchronous
// calls are rare and short; an atomic JSON journal would rewrite every remembered doc_id on each
// change and needs its own fsync/rename dance for the same guarantee.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../core/clock.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import type { Logger } from '../core/logger.ts';
import type { DriverStatus } from '../drivers/driver.ts';
import { DocumentError, parseDocument, type PrintDocument } from '../drivers/printer/document.ts';
import { layoutDocument } from '../drivers/printer/layout.ts';
import { PrinterNotReadyError, PrintInterruptedError, type PrinterDriver } from '../drivers/printer/types.ts';

export type JobState = 'queued' | 'printing' | 'done' | 'failed';
/** expired: could not print in time; interrupted: sent but not confirmed (never resent); unprintable: the document cannot be printed. */
export type FailReason = 'expired' | 'interrupted' | 'unprintable';

export interface PrintQueueDeps {
  /** SQLite file, or a directory to hold print-queue.db. */
  dbPath?: string;
  dir?: string;
  printer: PrinterDriver;
  logger: Logger;
  clock: Clock;
  scheduler: Scheduler;
  /** The app turns these into outbox events: print.done {doc_id}, print.failed {doc_id, reason, detail}. */
  emit: (type: string, data: Record<string, unknown>) => void;
  expireAfterMs: number;
  /** Finished doc_ids are remembered this long (default 90 days). */
  keepMs?: number;
  /** How often waiting jobs are looked at for expiry (default 5 s). */
  checkIntervalMs?: number;
}

export interface SubmitResult { accepted: boolean; duplicate: boolean; state: JobState }
export interface JobInfo { doc_id: string; state: JobState; reason: string | null; created_at: number; updated_at: number; attempts: number }

const DOC_ID = /^[\x21-\x7e]{1,128}$/;

export class PrintQueue {
  private db: Database.Database | undefined;
  private timer: TimerHandle | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private readonly onStatus = (s: DriverStatus) => { if (s.state === 'ok') void this.pump(); };

  constructor(private readonly deps: PrintQueueDeps) {}

  async start(): Promise<void> {
    const path = this.deps.dbPath ?? (this.deps.dir ? join(this.deps.dir, 'print-queue.db') : undefined);
    if (!path) throw new Error('PrintQueue: give dbPath or dir');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE IF NOT EXISTS print_jobs (
      doc_id TEXT PRIMARY KEY, doc TEXT, state TEXT NOT NULL, reason TEXT,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS print_jobs_state ON print_jobs (state, created_at);`);
    this.db = db;
    const now = this.deps.clock.now();
    db.prepare(`DELETE FROM print_jobs WHERE state IN ('done','failed') AND updated_at < ?`).run(now - (this.deps.keepMs ?? 90 * 86_400_000));
    // A job that was being sent when the service stopped may have printed: end it, never resend it.
    for (const row of db.prepare(`SELECT doc_id FROM print_jobs WHERE state = 'printing'`).all() as Array<{ doc_id: string }>) {
      this.finish(row.doc_id, 'failed', 'interrupted', 'the service stopped while this job was being sent; not resent so it cannot print twice');
    }
    this.deps.printer.on('status', this.onStatus);
    this.timer = this.deps.scheduler.interval(this.deps.checkIntervalMs ?? 5000, () => { void this.pump(); });
    void this.pump();
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    this.deps.printer.off('status', this.onStatus);
    await this.pumping;
    this.db?.close();
    this.db = undefined;
  }

  /**
   * Accept a document for printing. Throws DocumentError (naming what is wrong) for a bad doc_id or
   * document; a doc_id seen before is not queued again (duplicate: true, with that job's state).
   */
  submit(docId: unknown, doc: unknown, where = 'print job'): SubmitResult {
    const db = this.open();
    if (typeof docId !== 'string' || !DOC_ID.test(docId)) throw new DocumentError(`${where}.doc_id`, 'must be 1–128 printable ASCII characters without spaces');
    const seen = this.get(docId);
    if (seen) return { accepted: false, duplicate: true, state: seen.state };
    const valid = parseDocument(doc, `${where}.doc`);
    try {
      layoutDocument(valid, { cols: this.deps.printer.geometry.cols, cut: 'none', feedBeforeCut: 0 });
    } catch (err) {
      throw new DocumentError(`${where}.doc`, (err as Error).message);
    }
    const now = this.deps.clock.now();
    const res = db.prepare(`INSERT OR IGNORE INTO print_jobs (doc_id, doc, state, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?)`)
      .run(docId, JSON.stringify(valid), now, now);
    if (res.changes === 0) return { accepted: false, duplicate: true, state: this.get(docId)!.state };
    this.deps.logger.info('print job accepted', { doc_id: docId });
    setImmediate(() => { void this.pump(); });
    return { accepted: true, duplicate: false, state: 'queued' };
  }

  get(docId: string): JobInfo | undefined {
    return this.open().prepare(`SELECT doc_id, state, reason, created_at, updated_at, attempts FROM print_jobs WHERE doc_id = ?`).get(docId) as JobInfo | undefined;
  }

  /** Jobs not finished yet, oldest first. */
  waiting(): JobInfo[] {
    return this.open().prepare(`SELECT doc_id, state, reason, created_at, updated_at, attempts FROM print_jobs WHERE state IN ('queued','printing') ORDER BY created_at, rowid`).all() as JobInfo[];
  }

  /** Print what can be printed now and expire what waited too long; resolves when the queue is idle or blocked. */
  pump(): Promise<void> {
    if (this.pumping) { this.again = true; return this.pumping; }
    this.pumping = (async () => {
      try {
        do { this.again = false; await this.drain(); } while (this.again && this.db);
      } catch (err) {
        this.deps.logger.error('print queue failed', { err });
      } finally {
        this.pumping = undefined;
      }
    })();
    return this.pumping;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const db = this.db;
      if (!db) return;
      this.expire();
      if (this.deps.printer.status().state !== 'ok') return;
      const job = db.prepare(`SELECT doc_id, doc, attempts FROM print_jobs WHERE state = 'queued' ORDER BY created_at, rowid LIMIT 1`).get() as { doc_id: string; doc: string; attempts: number } | undefined;
      if (!job) return;
      // Marked (and committed) before sending: after a crash this job is ended, not printed again.
      db.prepare(`UPDATE print_jobs SET state = 'printing', attempts = attempts + 1, updated_at = ? WHERE doc_id = ?`).run(this.deps.clock.now(), job.doc_id);
      try {
        await this.deps.printer.print(JSON.parse(job.doc) as PrintDocument);
        this.finish(job.doc_id, 'done');
      } catch (err) {
        const msg = (err as Error).message;
        if (err instanceof PrinterNotReadyError) {
          this.open().prepare(`UPDATE print_jobs SET state = 'queued', reason = ?, updated_at = ? WHERE doc_id = ?`).run(msg, this.deps.clock.now(), job.doc_id);
          this.deps.logger.info('print job waiting for the printer', { doc_id: job.doc_id, why: msg });
          return;
        }
        this.finish(job.doc_id, 'failed', err instanceof PrintInterruptedError ? 'interrupted' : 'unprintable', msg);
      }
    }
  }

  private expire(): void {
    const limit = this.deps.clock.now() - this.deps.expireAfterMs;
    const old = this.open().prepare(`SELECT doc_id, reason FROM print_jobs WHERE state = 'queued' AND created_at <= ? ORDER BY created_at`).all(limit) as Array<{ doc_id: string; reason: string | null }>;
    for (const j of old) this.finish(j.doc_id, 'failed', 'expired', j.reason ? `not printed within ${this.deps.expireAfterMs} ms; last problem: ${j.reason}` : `not printed within ${this.deps.expireAfterMs} ms`);
  }

  private finish(docId: string, state: 'done' | 'failed', reason?: FailReason, detail?: string): void {
    // The document is not needed any more; the doc_id row stays for duplicate detection.
    this.open().prepare(`UPDATE print_jobs SET state = ?, reason = ?, doc = NULL, updated_at = ? WHERE doc_id = ?`)
      .run(state, reason ? `${reason}${detail ? `: ${detail}` : ''}` : null, this.deps.clock.now(), docId);
    if (state === 'done') {
      this.deps.logger.info('print job done', { doc_id: docId });
      this.deps.emit('print.done', { doc_id: docId });
    } else {
      this.deps.logger.warn('print job failed', { doc_id: docId, reason, detail });
      this.deps.emit('print.failed', { doc_id: docId, reason: reason!, ...(detail ? { detail } : {}) });
    }
  }

  private open(): Database.Database {
    if (!this.db) throw new Error('PrintQueue is not started');
    return this.db;
  }
}
