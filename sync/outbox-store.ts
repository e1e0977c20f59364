// The outbox's SQLite side, synchronous by nature: it runs inside the outbox worker thread so the
// service's event loop never waits on it. One instance owns one database connection.
import type Database from 'better-sqlite3';
import { eventClass, eventId, type EventClass } from '../core/events.ts';
import { openOrRecover, type DB } from './outbox-open.ts';
import { readSeqMark, writeSeqMark, type SeqMark } from './outbox-seqfile.ts';
import type { OutboxLoss } from './outbox.ts';
import type { MaintainResult, OpenParams, OpenResult, ReadResult, WorkerStats, WriteBatch } from './outbox-protocol.ts';

export const STATE_PENDING = 0;
export const STATE_PUBLISHED = 1;
export const STATE_ACKED = 2;
/** A publish the broker kept refusing (closing the connection): skipped by the drain, never deleted. */
export const STATE_POISONED = 3;

/** Over the cap, rows are removed down to this share of it. */
export const CAP_DROP_RATIO = 0.9;
/** A reached cap counts as cleared below this share (hysteresis against flapping). */
export const CAP_CLEAR_RATIO = 0.8;
const DELETE_CHUNK = 500;
const MAX_CHUNKS_PER_PASS = 200;

type Stmt = Database.Statement;

export class OutboxStore {
  private db!: DB;
  private params!: OpenParams;
  private boot = 0;
  private lastSeq = 0;
  /** Seq of the last committed event (persisted as meta last_event_seq). */
  private lastEventSeq = 0;
  private seqHighWater = 0;
  private pending = 0;
  private firstPendingSeq: number | null = null;
  private lastPublishedSeq = 0;
  private lastAckedSeq = 0;
  private bytes = 0;
  private capReached = false;
  private counters = { transactions: 0, committedEvents: 0, droppedTelemetry: 0, deletedByRetention: 0, deletedByCap: 0 };
  private classOf = new Map<string, EventClass>();
  private poisoned = 0;
  private stmt!: Record<'insert' | 'setMeta' | 'getMeta' | 'read' | 'readUnacked' | 'touch' | 'poison' | 'unpoison' | 'mark' | 'nextPending' | 'ack' | 'deleteDoneOldest' | 'deleteDoneOlderThan' | 'dropTelemetry' | 'pageCount' | 'freeCount', Stmt>;
  private writeTx!: (batch: WriteBatch, types: string[], bodies: string[]) => number;
  private markTx!: (seqs: number[], now: number) => number;

  open(params: OpenParams): OpenResult {
    this.params = params;
    const mark = readSeqMark(params.path);
    const opened = openOrRecover(params.path, { synchronous: params.synchronous, hardLimitBytes: params.hardLimitBytes }, params.now);
    this.db = opened.db;
    this.prepare();
    const meta = (key: string): number => Number(this.stmt.getMeta.get(key) ?? 0);
    const tableMax = Number(this.db.prepare('SELECT max(seq) FROM events').pluck().get() ?? 0);
    const hasMeta = (key: string): boolean => this.stmt.getMeta.get(key) !== undefined;
    // Databases from before last_event_seq: their last_seq was the last event after a clean stop.
    const dbLastEvent = Math.max(tableMax, opened.salvagedSeq, hasMeta('last_event_seq') ? meta('last_event_seq') : tableMax > 0 ? 0 : meta('last_seq'));
    const lost = params.continueBoot === undefined && !opened.recovered ? detectLoss(mark, dbLastEvent, hasMeta('boot')) : undefined;
    this.lastEventSeq = Math.max(dbLastEvent, mark?.lastEventSeq ?? 0);
    this.boot = params.continueBoot ?? Math.max(meta('boot'), mark?.boot ?? 0) + 1;
    // The side file's mark is an upper bound of every committed seq (it is raised before each
    // commit that would pass it), so starting above it can never repeat a seq, even when the
    // database lost its tail (synchronous=NORMAL after a power cut) or was replaced.
    this.lastSeq = Math.max(meta('last_seq'), tableMax, mark?.seqHighWater ?? 0, opened.salvagedSeq);
    this.seqHighWater = this.lastSeq;
    this.lastPublishedSeq = meta('last_published_seq');
    this.lastAckedSeq = meta('last_acked_seq');
    // Poisoned rows get another chance at every start (a broker or ACL fix usually comes with one).
    this.stmt.unpoison.run();
    this.pending = Number(this.db.prepare('SELECT count(*) FROM events WHERE state = 0').pluck().get());
    this.firstPendingSeq = this.findPendingFrom(0);
    this.db.transaction(() => {
      this.stmt.setMeta.run('boot', this.boot);
      this.stmt.setMeta.run('last_seq', this.lastSeq);
      this.stmt.setMeta.run('last_event_seq', this.lastEventSeq);
    })();
    // Without `clean`: until the next clean stop, the mark tells nothing about the database's rows.
    writeSeqMark(params.path, { seqHighWater: this.seqHighWater, boot: this.boot, lastEventSeq: this.lastEventSeq });
    this.measureBytes();
    return {
      boot: this.boot, lastSeq: this.lastSeq, prevSeq: this.lastEventSeq,
      ...(opened.recovered ? { recovered: opened.recovered } : {}), ...(lost ? { lost } : {}),
    };
  }

  private prepare(): void {
    const p = (sql: string) => this.db.prepare(sql);
    this.stmt = {
      // OR IGNORE: a batch whose commit landed just before its worker died is retried by the new one.
      insert: p('INSERT OR IGNORE INTO events (seq, event_id, type, class, body, state, bytes) VALUES (?, ?, ?, ?, ?, 0, ?)'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
      read: p('SELECT body FROM events WHERE seq > ? AND state = 0 ORDER BY seq LIMIT ?').pluck(),
      // A seq the center already acknowledged (≤ the watermark) goes straight to acknowledged.
      mark: p('UPDATE events SET state = CASE WHEN seq <= ? THEN 2 ELSE 1 END, published_at = ? WHERE seq BETWEEN ? AND ? AND state = 0'),
      // Published, not acknowledged, and published before a time (require_ack re-publishing).
      readUnacked: p('SELECT body FROM events WHERE state > 0 AND state = 1 AND published_at < ? ORDER BY seq LIMIT ?').pluck(),
      // A re-published row: its publish time restarts the wait for the ack.
      touch: p('UPDATE events SET published_at = ? WHERE seq BETWEEN ? AND ? AND state = 1'),
      poison: p('UPDATE events SET state = 3 WHERE seq = ? AND state = 0'),
      unpoison: p('UPDATE events SET state = 0 WHERE state = 3'),
      nextPending: p('SELECT seq FROM events WHERE seq >= ? AND state = 0 ORDER BY seq LIMIT 1').pluck(),
      ack: p('UPDATE events SET state = 2 WHERE seq > ? AND seq <= ? AND state = 1'),
      deleteDoneOldest: p(`DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE state > 0 AND state >= ? AND state <= 2 ORDER BY published_at LIMIT ?)`),
      deleteDoneOlderThan: p(`DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE state > 0 AND state >= ? AND state <= 2 AND published_at < ? LIMIT ${DELETE_CHUNK})`),
      dropTelemetry: p(`DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE state = 0 AND class = 'telemetry' ORDER BY seq LIMIT ?)`),
      pageCount: p('PRAGMA page_count').pluck(),
      freeCount: p('PRAGMA freelist_count').pluck(),
    };
    const window = this.params.window;
    this.writeTx = this.db.transaction((batch: WriteBatch, types: string[], bodies: string[]) => {
      const { seqs } = batch;
      let inserted = 0;
      for (let i = 0; i < seqs.length; i++) {
        // Lengths were checked in write(): every index below is in range.
        const type = types[i]!;
        let cls = this.classOf.get(type);
        if (cls === undefined) { cls = eventClass(type); this.classOf.set(type, cls); }
        const body = bodies[i]!;
        const seq = seqs[i]!;
        inserted += this.stmt.insert.run(seq, eventId(window, this.boot, seq), type, cls, body, Buffer.byteLength(body)).changes;
      }
      const top = seqs[seqs.length - 1]!;
      this.stmt.setMeta.run('last_seq', Math.max(this.lastSeq, top));
      this.stmt.setMeta.run('last_event_seq', Math.max(this.lastEventSeq, top));
      return inserted;
    });
    this.markTx = this.db.transaction((seqs: number[], now: number) => {
      let changed = 0;
      let maxSeq = this.lastPublishedSeq;
      // The publisher marks mostly consecutive seqs: one UPDATE per consecutive run.
      const sorted = Float64Array.from(seqs).sort();
      for (let i = 0; i < sorted.length;) {
        let j = i;
        while (j + 1 < sorted.length && sorted[j + 1]! <= sorted[j]! + 1) j++;
        const from = sorted[i]!;
        const to = sorted[j]!;
        const r = this.stmt.mark.run(this.lastAckedSeq, now, from, to);
        this.stmt.touch.run(now, from, to);
        if (r.changes > 0) { changed += r.changes; if (to > maxSeq) maxSeq = Math.min(to, this.lastSeq); }
        i = j + 1;
      }
      if (maxSeq > this.lastPublishedSeq) this.stmt.setMeta.run('last_published_seq', maxSeq);
      return changed;
    });
  }

  write(batch: WriteBatch): void {
    const n = batch.seqs.length;
    if (n === 0) return;
    const types = batch.types.split('\n');
    const bodies = batch.bodies.split('\n');
    if (types.length !== n || bodies.length !== n) {
      throw new Error(`outbox worker: malformed batch (${n} seqs, ${types.length} types, ${bodies.length} bodies)`);
    }
    const maxSeq = batch.seqs[n - 1]!;
    if (maxSeq > this.seqHighWater) {
      const raised = maxSeq + this.params.seqReserve;
      writeSeqMark(this.params.path, { seqHighWater: raised, boot: this.boot, lastEventSeq: this.lastEventSeq });
      this.seqHighWater = raised;
    }
    let inserted: number;
    try {
      inserted = this.writeTx(batch, types, bodies);
    } catch (err) {
      // A full disk may only be full of rows we are allowed to remove: free them and try once more.
      if ((err as { code?: string }).code !== 'SQLITE_FULL' || this.enforceCap(true).freed === 0) throw err;
      inserted = this.writeTx(batch, types, bodies);
    }
    this.counters.transactions++;
    this.counters.committedEvents += inserted;
    if (maxSeq > this.lastSeq) this.lastSeq = maxSeq;
    if (maxSeq > this.lastEventSeq) this.lastEventSeq = maxSeq;
    this.pending += inserted;
    if (this.firstPendingSeq === null) this.firstPendingSeq = batch.seqs[0]!;
    this.measureBytes();
    if (this.bytes > this.params.maxBytes || this.capReached) this.enforceCap(false);
  }

  read(afterSeq: number, limit: number): ReadResult {
    const from = this.firstPendingSeq === null ? afterSeq : Math.max(afterSeq, this.firstPendingSeq - 1);
    const bodies = this.stmt.read.all(from, limit) as string[];
    return { json: `[${bodies.join(',')}]`, count: bodies.length };
  }

  markPublished(seqs: number[], now: number): number {
    // A PUBACK record is not worth an fsync: on an SD card each one costs 5–20 ms of the one worker
    // that appends commit behind (docs/resources.md). In WAL mode the next appended commit's sync
    // makes these frames durable too; a power cut before it only re-publishes (event_id dedups).
    this.db.pragma('synchronous = NORMAL');
    let changed: number;
    try {
      changed = this.markTx(seqs, now);
    } finally {
      this.db.pragma(`synchronous = ${this.params.synchronous}`);
    }
    for (const seq of seqs) if (seq > this.lastPublishedSeq && seq <= this.lastSeq) this.lastPublishedSeq = seq;
    if (changed > 0) this.afterPendingRemoved(changed);
    return changed;
  }

  readUnacknowledged(publishedBefore: number, limit: number): ReadResult {
    const bodies = this.stmt.readUnacked.all(publishedBefore, limit) as string[];
    return { json: `[${bodies.join(',')}]`, count: bodies.length };
  }

  markPoisoned(seq: number): number {
    const changed = this.stmt.poison.run(seq).changes;
    if (changed > 0) { this.poisoned += changed; this.afterPendingRemoved(changed); }
    return changed;
  }

  retryPoisoned(): number {
    const changed = this.stmt.unpoison.run().changes;
    if (changed > 0) {
      this.poisoned = 0;
      this.pending += changed;
      this.firstPendingSeq = this.findPendingFrom(0);
    }
    return changed;
  }

  acknowledgeUpTo(uptoSeq: number): number {
    // The center cannot have persisted what we never committed; clamp a runaway watermark.
    const upto = Math.min(uptoSeq, this.lastSeq);
    if (upto <= this.lastAckedSeq) return 0;
    const changed = this.db.transaction(() => {
      const r = this.stmt.ack.run(this.lastAckedSeq, upto);
      this.stmt.setMeta.run('last_acked_seq', upto);
      return r.changes;
    })();
    this.lastAckedSeq = upto;
    return changed;
  }

  /** Retention (age) then the cap: called periodically, never per event. */
  maintain(now: number, retainMs: number): MaintainResult {
    const before = { ...this.counters };
    const minState = this.params.requireAck ? STATE_ACKED : STATE_PUBLISHED;
    for (let i = 0; i < MAX_CHUNKS_PER_PASS; i++) {
      const r = this.stmt.deleteDoneOlderThan.run(minState, now - retainMs);
      this.counters.deletedByRetention += r.changes;
      if (r.changes < DELETE_CHUNK) break;
    }
    this.measureBytes();
    this.enforceCap(false);
    return {
      deletedByRetention: this.counters.deletedByRetention - before.deletedByRetention,
      deletedByCap: this.counters.deletedByCap - before.deletedByCap,
      droppedTelemetry: this.counters.droppedTelemetry - before.droppedTelemetry,
    };
  }

  /**
   * The cap policy: first the oldest done rows (published, or acknowledged when acks are required),
   * then pending telemetry, oldest first, down to CAP_DROP_RATIO of the cap. Critical and normal
   * pending rows are never dropped. capReached means done rows alone could not make room; it clears
   * only below CAP_CLEAR_RATIO, so a cap held at its edge by undelivered data does not flap.
   */
  private enforceCap(diskFull: boolean): { freed: number } {
    const cap = this.params.maxBytes;
    if (!diskFull && this.bytes <= cap && !this.capReached) return { freed: 0 };
    const dropTarget = cap * CAP_DROP_RATIO;
    const doneTarget = this.capReached ? cap * CAP_CLEAR_RATIO : dropTarget;
    let freed = 0;
    // On a full disk any freed row lets the retry go ahead; against the cap we aim below a target.
    const enough = (target: number) => (diskFull ? freed > 0 : this.bytes <= target);
    const minState = this.params.requireAck ? STATE_ACKED : STATE_PUBLISHED;
    for (let i = 0; i < MAX_CHUNKS_PER_PASS && !enough(doneTarget); i++) {
      const r = this.stmt.deleteDoneOldest.run(minState, this.chunkFor(doneTarget));
      if (r.changes === 0) break;
      this.counters.deletedByCap += r.changes;
      freed += r.changes;
      this.measureBytes();
    }
    if (!enough(dropTarget)) {
      if (!diskFull) this.capReached = true;
      for (let i = 0; i < MAX_CHUNKS_PER_PASS && !enough(dropTarget); i++) {
        const r = this.stmt.dropTelemetry.run(this.chunkFor(dropTarget));
        if (r.changes === 0) break;
        this.counters.droppedTelemetry += r.changes;
        freed += r.changes;
        this.afterPendingRemoved(r.changes);
        this.measureBytes();
      }
    }
    if (this.capReached && this.bytes <= cap * CAP_CLEAR_RATIO) this.capReached = false;
    return { freed };
  }

  /**
   * Rows to remove in the next step: sized to the excess (as if rows took 2 KB each, which
   * undershoots for typical events), so the cap trims to its target instead of far below it.
   */
  private chunkFor(target: number): number {
    return Math.min(DELETE_CHUNK, Math.max(4, Math.ceil((this.bytes - target) / 2048)));
  }

  private afterPendingRemoved(count: number): void {
    this.pending = Math.max(0, this.pending - count);
    this.firstPendingSeq = this.pending === 0 ? null : this.findPendingFrom(this.firstPendingSeq ?? 0);
  }

  private findPendingFrom(seq: number): number | null {
    const next = this.stmt.nextPending.get(seq);
    return next === undefined ? null : Number(next);
  }

  private measureBytes(): void {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    this.bytes = (Number(this.stmt.pageCount.get()) - Number(this.stmt.freeCount.get())) * pageSize;
  }

  stats(): WorkerStats {
    return {
      pending: this.pending,
      firstPendingSeq: this.firstPendingSeq,
      lastPublishedSeq: this.lastPublishedSeq,
      lastAckedSeq: this.lastAckedSeq,
      bytes: this.bytes,
      capReached: this.capReached,
      poisoned: this.poisoned,
      ...this.counters,
    };
  }

  get isOpen(): boolean { return this.db !== undefined && this.db.open; }

  /**
   * Records the exact high-water mark (no reserve, so a clean stop leaves no gap; seqs handed out
   * but never committed still count, so they are not reused), checkpoints, closes.
   */
  close(assignedSeq: number): void {
    if (!this.isOpen) return;
    const seqHighWater = Math.max(this.lastSeq, assignedSeq);
    // Seqs handed out but never committed were lost with this stop (logged by SqliteOutbox): the next
    // prev_seq points at the last of them, so the center sees the hole instead of "nothing between".
    const lastEventSeq = Math.max(this.lastEventSeq, assignedSeq);
    try {
      this.stmt.setMeta.run('last_event_seq', lastEventSeq);
      writeSeqMark(this.params.path, {
        seqHighWater, boot: this.boot, lastEventSeq,
        clean: { pending: this.pending, firstPendingSeq: this.firstPendingSeq },
      });
    } finally {
      try { this.db.pragma('wal_checkpoint(TRUNCATE)'); } finally { this.db.close(); }
    }
  }
}

/**
 * The side file knows what a clean stop left in the database; a database with less (deleted, or an
 * older copy restored) lost those events. After a crash the mark holds no counts: a database that is
 * missing entirely is then reported with the mark's upper bound.
 */
function detectLoss(mark: SeqMark | null, dbLastEvent: number, dbHadMeta: boolean): OutboxLoss | undefined {
  if (!mark || mark.boot === 0) return undefined;
  const last = mark.lastEventSeq ?? 0;
  if (mark.clean) {
    if (last <= dbLastEvent || mark.clean.pending === 0 || mark.clean.firstPendingSeq === null) return undefined;
    const firstSeq = Math.max(mark.clean.firstPendingSeq, dbLastEvent + 1);
    const exact = dbLastEvent < mark.clean.firstPendingSeq;
    const where = dbHadMeta ? `holds events only up to seq ${dbLastEvent}` : 'is missing';
    return {
      reason: `the database ${where}, but the last clean stop left ${mark.clean.pending} unpublished events up to seq ${last}`,
      firstSeq, lastSeq: last, count: exact ? mark.clean.pending : null, exact,
    };
  }
  if (dbHadMeta || mark.seqHighWater === 0) return undefined;
  return {
    reason: `the database is missing after an unclean stop; events up to seq ${mark.seqHighWater} (side file) may have been committed`,
    firstSeq: null, lastSeq: mark.seqHighWater, count: null, exact: false,
  };
}
