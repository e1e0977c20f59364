// Starting the outbox worker and talking to it: request/reply by id over one MessagePort.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger.ts';
import type { Reply, Request, WorkerStats } from './outbox-protocol.ts';

type Body<R> = R extends { id: number } ? Omit<R, 'id'> : never;
export type RequestBody = Body<Request>;

/** An error reply from the worker, keeping SQLite's code (SQLITE_FULL, SQLITE_IOERR, ...). */
export class OutboxWorkerError extends Error {
  constructor(message: string, readonly code?: string) { super(message); this.name = 'OutboxWorkerError'; }
}

/**
 * The app runs TypeScript through tsx without a build step. A worker does not inherit the loader
 * hooks, and `--import tsx` in execArgv does not cover the worker's own entry module on Node 20
 * (nor resolves when the service's working directory is not the project), so a .ts worker is
 * started from a tiny script that registers tsx by absolute URL and then imports the entry.
 */
// The worker only moves batches between postMessage and SQLite: a small young generation keeps its
// RSS flat on a Pi (the default grows to tens of MB under a burst and is not given back).
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 96 };

function spawn(entry: URL): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { resourceLimits: WORKER_LIMITS });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { eval: true, execArgv: [], resourceLimits: WORKER_LIMITS });
}

interface Waiter { resolve(v: unknown): void; reject(e: Error): void }

export class OutboxWorkerClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private waiters = new Map<number, Waiter>();
  private closing = false;

  constructor(private readonly deps: {
    logger: Logger;
    onStats: (stats: WorkerStats) => void;
    onExit: (reason: string) => void;
  }) {}

  start(): void {
    const worker = spawn(new URL(import.meta.url.endsWith('.ts') ? './outbox-worker.ts' : './outbox-worker.js', import.meta.url));
    worker.on('message', (reply: Reply) => this.onReply(reply));
    worker.on('error', (err) => {
      this.deps.logger.error('outbox worker failed', { err });
      this.failAll(`outbox worker failed: ${err.message}`);
    });
    worker.on('exit', (code) => {
      this.worker = null;
      if (this.closing) return;
      const reason = `outbox worker exited unexpectedly (code ${code})`;
      this.failAll(reason);
      this.deps.onExit(reason);
    });
    this.worker = worker;
  }

  get running(): boolean { return this.worker !== null; }

  request<T>(body: RequestBody, transfer: ArrayBuffer[] = []): Promise<T> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new OutboxWorkerError('outbox worker is not running'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiters.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...body, id }, transfer);
    });
  }

  /** Sends close, waits for it, then makes sure the thread is gone. */
  async close(assignedSeq: number): Promise<void> {
    if (!this.worker) return;
    try {
      await this.request({ op: 'close', assignedSeq });
    } finally {
      this.closing = true;
      await this.worker?.terminate();
      this.worker = null;
    }
  }

  /** Hard stop without a clean close: what a crash looks like to the database (used by tests). */
  async kill(): Promise<void> {
    this.closing = true;
    await this.worker?.terminate();
    this.worker = null;
    this.failAll('outbox worker killed');
  }

  private onReply(reply: Reply): void {
    if (reply.stats) this.deps.onStats(reply.stats);
    const waiter = this.waiters.get(reply.id);
    if (!waiter) return;
    this.waiters.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new OutboxWorkerError(reply.error.message, reply.error.code));
  }

  private failAll(message: string): void {
    const waiters = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of waiters) w.reject(new OutboxWorkerError(message, 'WORKER_GONE'));
  }
}
