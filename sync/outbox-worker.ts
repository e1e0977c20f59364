// Worker-thread entry of the outbox: owns the SQLite connection and answers SqliteOutbox's requests
// one at a time, in the order they were sent (so commits keep seq order).
import { parentPort } from 'node:worker_threads';
import { OutboxStore } from './outbox-store.ts';
import type { Reply, ReplyError, Request } from './outbox-protocol.ts';

const port = parentPort;
if (!port) throw new Error('outbox-worker.ts must run in a worker thread (started by SqliteOutbox)');

const store = new OutboxStore();
// After a failed write, later writes already on their way are refused until the retry of the
// failed one arrives: commits never land out of seq order, even with two batches in flight.
let blocked = false;

function write(req: Extract<Request, { op: 'write' }>): null {
  if (blocked && !req.retry) throw Object.assign(new Error('an earlier write failed; waiting for its retry'), { code: 'BLOCKED' });
  try {
    store.write(req.batch);
  } catch (err) {
    blocked = true;
    throw err;
  }
  blocked = false;
  return null;
}

function describe(err: unknown): ReplyError {
  const e = err as { message?: string; code?: string };
  return { message: e?.message ?? String(err), ...(e?.code ? { code: e.code } : {}) };
}

function handle(req: Request): unknown {
  switch (req.op) {
    case 'open': return store.open(req.params);
    case 'write': return write(req);
    case 'read': return store.read(req.afterSeq, req.limit);
    case 'mark': return store.markPublished(req.seqs, req.now);
    case 'readUnacked': return store.readUnacknowledged(req.publishedBefore, req.limit);
    case 'poison': return store.markPoisoned(req.seq);
    case 'retryPoisoned': return store.retryPoisoned();
    case 'ack': return store.acknowledgeUpTo(req.uptoSeq);
    case 'maintain': return store.maintain(req.now, req.retainMs);
    case 'close': store.close(req.assignedSeq); return null;
  }
}

port.on('message', (req: Request) => {
  let reply: Reply;
  try {
    const result = handle(req);
    reply = { id: req.id, ok: true, result, stats: store.stats() };
  } catch (err) {
    reply = { id: req.id, ok: false, error: describe(err), stats: store.isOpen ? store.stats() : null };
  }
  port.postMessage(reply);
  if (req.op === 'close' && reply.ok) port.close();
});
