// The center's store: every event once (deduplicated by event_id), the retained status/state of each
// window, each window's acknowledgement watermark and gaps, commands sent and 差评 answers. One class
// over SqlDb, so SQLite and PostgreSQL share schema, logic and the contract test suite.
import type { StoredEvent } from './envelope.ts';
import { SCHEMA } from './schema-sql.ts';
import type { Query, Row, SqlDb } from './sql.ts';
import { advanceWatermark, type SeqGap } from './watermark.ts';

export interface RetainedMessage { hall: string; window: string; part: string; payload: string; received_ms: number }
/** A birth's first_seq: on first contact, everything below it is what the device no longer offers. */
export interface BirthSeen { hall: string; window: string; first_seq: number | null; last_seq: number | null }
export interface CommandAnswer { cmd_id: string; status: string; body: string; received_ms: number }

export interface IngestBatch {
  events: StoredEvent[];
  retained: RetainedMessage[];
  births: BirthSeen[];
  answers: CommandAnswer[];
}

export interface WindowProgress { hall: string; window: string; acked_seq: number; gap?: SeqGap & { since_ms: number } }

export interface CommitResult {
  /** Events stored by this commit (the rest were held already). */
  inserted: StoredEvent[];
  duplicates: number;
  /** The watermark of every window this commit touched. */
  windows: WindowProgress[];
  opened: Array<{ hall: string; window: string; acked_seq: number; gap: SeqGap }>;
  closed: Array<{ hall: string; window: string; from: number; to: number }>;
}

export interface GapRow { hall: string; window: string; from: number; to: number; opened_ms: number; closed_ms: number | null; accepted_by: string | null }
export interface CommandRow { cmd_id: string; hall: string; window: string; name: string; payload: string; by_user: string; sent_ms: number; status: string | null; result: string | null; answered_ms: number | null }

const EVENT_COLUMNS = ['event_id', 'hall', 'window_id', 'seq', 'prev_seq', 'boot', 'type', 'ts', 'ts_ms', 'time_quality', 'staff_id', 'case_id', 'data', 'historical', 'received_ms'];
const INSERT_CHUNK = 200;
const LINK_PAGE = 1000;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function rowToEvent(r: Row): StoredEvent {
  return {
    event_id: String(r.event_id), hall: String(r.hall), window: String(r.window_id), seq: num(r.seq),
    prev_seq: numOrNull(r.prev_seq), boot: num(r.boot), type: String(r.type), ts: String(r.ts), ts_ms: num(r.ts_ms),
    time_quality: String(r.time_quality), staff_id: r.staff_id === null ? null : String(r.staff_id),
    case_id: r.case_id === null ? null : String(r.case_id), data: JSON.parse(String(r.data)) as Record<string, unknown>,
    historical: num(r.historical) === 1, received_ms: num(r.received_ms),
  };
}

export class CenterStore {
  constructor(readonly db: SqlDb) {}

  async migrate(): Promise<void> {
    for (const sql of SCHEMA) await this.db.query(sql);
  }

  async close(): Promise<void> { await this.db.close(); }

  /** One transaction: store what is new, then move each touched window's watermark. */
  commit(batch: IngestBatch, nowMs: number): Promise<CommitResult> {
    return this.db.tx(async (q) => {
      const inserted = await this.insertEvents(q, batch.events);
      for (const r of batch.retained) {
        await q(`INSERT INTO retained (hall, window_id, part, payload, received_ms) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (hall, window_id, part) DO UPDATE SET payload = excluded.payload, received_ms = excluded.received_ms
          WHERE retained.received_ms <= excluded.received_ms`, [r.hall, r.window, r.part, r.payload, r.received_ms]);
      }
      for (const a of batch.answers) {
        await q('UPDATE commands SET status = ?, result = ?, answered_ms = ? WHERE cmd_id = ? AND answered_ms IS NULL', [a.status, a.body, a.received_ms, a.cmd_id]);
      }
      const result: CommitResult = { inserted, duplicates: batch.events.length - inserted.length, windows: [], opened: [], closed: [] };
      for (const key of touchedWindows(batch)) await this.moveWatermark(q, key, batch, nowMs, result);
      return result;
    });
  }

  private async insertEvents(q: Query, events: StoredEvent[]): Promise<StoredEvent[]> {
    // A stable order keeps two instances committing the same duplicates from deadlocking on PostgreSQL.
    const byId = new Map<string, StoredEvent>();
    for (const e of events) if (!byId.has(e.event_id)) byId.set(e.event_id, e);
    const sorted = [...byId.values()].sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
    const inserted: StoredEvent[] = [];
    for (let i = 0; i < sorted.length; i += INSERT_CHUNK) {
      const chunk = sorted.slice(i, i + INSERT_CHUNK);
      const values = chunk.map(() => `(${EVENT_COLUMNS.map(() => '?').join(', ')})`).join(', ');
      const params = chunk.flatMap((e) => [e.event_id, e.hall, e.window, e.seq, e.prev_seq, e.boot, e.type, e.ts, e.ts_ms,
        e.time_quality, e.staff_id, e.case_id, JSON.stringify(e.data), e.historical ? 1 : 0, e.received_ms]);
      // DO NOTHING without a target: a repeated event_id or a (window, seq) already held is skipped.
      const rows = await q(`INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES ${values} ON CONFLICT DO NOTHING RETURNING event_id`, params);
      const ids = new Set(rows.map((r) => String(r.event_id)));
      for (const e of chunk) if (ids.has(e.event_id)) inserted.push(e);
    }
    return inserted;
  }

  private async moveWatermark(q: Query, key: { hall: string; window: string }, batch: IngestBatch, nowMs: number, out: CommitResult): Promise<void> {
    const { hall, window } = key;
    await q('INSERT INTO windows (hall, window_id, acked_seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [hall, window, firstContactBaseline(batch, hall, window)]);
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const [w] = await q(`SELECT acked_seq, gap_from, gap_to, gap_since_ms FROM windows WHERE hall = ? AND window_id = ?${lock}`, [hall, window]);
    const before = { acked: num(w!.acked_seq), gapFrom: numOrNull(w!.gap_from), gapTo: numOrNull(w!.gap_to), since: numOrNull(w!.gap_since_ms) };
    let acked = before.acked;
    let gap: SeqGap | undefined;
    // A small first page: behind a long-lived gap there may be many held events, and only the first matters.
    for (let page = 64; ; page = LINK_PAGE) {
      const links = await q('SELECT seq, prev_seq FROM events WHERE hall = ? AND window_id = ? AND seq > ? ORDER BY seq LIMIT ?', [hall, window, acked, page]);
      const step = advanceWatermark(acked, links.map((r) => ({ seq: num(r.seq), prev_seq: numOrNull(r.prev_seq) })));
      acked = step.acked;
      gap = step.gap;
      if (gap || links.length < page) break;
    }
    if (before.gapFrom !== null && (!gap || gap.from !== before.gapFrom)) {
      await q('UPDATE gaps SET closed_ms = ? WHERE hall = ? AND window_id = ? AND from_seq = ?', [nowMs, hall, window, before.gapFrom]);
      out.closed.push({ hall, window, from: before.gapFrom, to: before.gapTo ?? before.gapFrom });
    }
    const sameGap = gap && gap.from === before.gapFrom;
    const since = sameGap ? before.since ?? nowMs : nowMs;
    if (gap && !sameGap) {
      await q('INSERT INTO gaps (hall, window_id, from_seq, to_seq, opened_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [hall, window, gap.from, gap.to, nowMs]);
      out.opened.push({ hall, window, acked_seq: acked, gap: { ...gap } });
    } else if (gap && gap.to !== before.gapTo) {
      // The missing event arrived with its own prev_seq further down: the hole is narrower now.
      await q('UPDATE gaps SET to_seq = ? WHERE hall = ? AND window_id = ? AND from_seq = ?', [gap.to, hall, window, gap.from]);
    }
    const lastTs = batch.events.filter((e) => e.hall === hall && e.window === window).reduce((m, e) => Math.max(m, e.received_ms), 0);
    await q(`UPDATE windows SET acked_seq = ?, gap_from = ?, gap_to = ?, gap_since_ms = ?,
      last_event_ms = CASE WHEN ? > COALESCE(last_event_ms, 0) THEN ? ELSE last_event_ms END WHERE hall = ? AND window_id = ?`,
    [acked, gap?.from ?? null, gap?.to ?? null, gap ? since : null, lastTs, lastTs, hall, window]);
    out.windows.push({ hall, window, acked_seq: acked, ...(gap ? { gap: { ...gap, since_ms: since } } : {}) });
  }

  /**
   * An operator declares a window's open gap lost for good (e.g. the counter's database was replaced:
   * its prev_seq points at events nobody holds any more). The watermark moves past it so acks resume;
   * the gap row keeps who decided. Returns the window's progress, or undefined when it had no gap.
   */
  acceptGap(hall: string, window: string, byUser: string, nowMs: number): Promise<CommitResult | undefined> {
    return this.db.tx(async (q) => {
      const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
      const [w] = await q(`SELECT gap_from, gap_to FROM windows WHERE hall = ? AND window_id = ?${lock}`, [hall, window]);
      if (!w || w.gap_from === null) return undefined;
      await q('UPDATE gaps SET accepted_by = ? WHERE hall = ? AND window_id = ? AND from_seq = ?', [byUser, hall, window, num(w.gap_from)]);
      await q('UPDATE windows SET acked_seq = ? WHERE hall = ? AND window_id = ?', [num(w.gap_to), hall, window]);
      const out: CommitResult = { inserted: [], duplicates: 0, windows: [], opened: [], closed: [] };
      await this.moveWatermark(q, { hall, window }, { events: [], retained: [], births: [], answers: [] }, nowMs, out);
      return out;
    });
  }

  async windows(hall?: string): Promise<WindowProgress[]> {
    const rows = await this.db.query(`SELECT * FROM windows${hall ? ' WHERE hall = ?' : ''} ORDER BY hall, window_id`, hall ? [hall] : []);
    return rows.map((r) => ({
      hall: String(r.hall), window: String(r.window_id), acked_seq: num(r.acked_seq),
      ...(r.gap_from !== null ? { gap: { from: num(r.gap_from), to: num(r.gap_to), since_ms: num(r.gap_since_ms) } } : {}),
    }));
  }

  async gaps(hall?: string): Promise<GapRow[]> {
    const rows = await this.db.query(`SELECT * FROM gaps${hall ? ' WHERE hall = ?' : ''} ORDER BY opened_ms, hall, window_id, from_seq`, hall ? [hall] : []);
    return rows.map((r) => ({ hall: String(r.hall), window: String(r.window_id), from: num(r.from_seq), to: num(r.to_seq), opened_ms: num(r.opened_ms),
      closed_ms: numOrNull(r.closed_ms), accepted_by: r.accepted_by === null || r.accepted_by === undefined ? null : String(r.accepted_by) }));
  }

  /** Events that happened (device ts) in [fromMs, toMs), in time order. */
  async eventsBetween(fromMs: number, toMs: number, hall?: string): Promise<StoredEvent[]> {
    const rows = await this.db.query(`SELECT * FROM events WHERE ts_ms >= ? AND ts_ms < ?${hall ? ' AND hall = ?' : ''} ORDER BY ts_ms, hall, window_id, seq`,
      hall ? [fromMs, toMs, hall] : [fromMs, toMs]);
    return rows.map(rowToEvent);
  }

  /** Events of one type that happened in [fromMs, toMs), in time order. */
  async eventsOfType(type: string, fromMs: number, toMs: number): Promise<StoredEvent[]> {
    const rows = await this.db.query('SELECT * FROM events WHERE type = ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, seq', [type, fromMs, toMs]);
    return rows.map(rowToEvent);
  }

  async eventCount(): Promise<number> {
    const [r] = await this.db.query('SELECT COUNT(*) AS n FROM events');
    return num(r!.n);
  }

  async retained(hall?: string): Promise<RetainedMessage[]> {
    const rows = await this.db.query(`SELECT * FROM retained${hall ? ' WHERE hall = ?' : ''} ORDER BY hall, window_id, part`, hall ? [hall] : []);
    return rows.map((r) => ({ hall: String(r.hall), window: String(r.window_id), part: String(r.part), payload: String(r.payload), received_ms: num(r.received_ms) }));
  }

  async recordCommand(c: Omit<CommandRow, 'status' | 'result' | 'answered_ms'>): Promise<void> {
    await this.db.query('INSERT INTO commands (cmd_id, hall, window_id, name, payload, by_user, sent_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [c.cmd_id, c.hall, c.window, c.name, c.payload, c.by_user, c.sent_ms]);
  }

  async commands(limit = 100): Promise<CommandRow[]> {
    const rows = await this.db.query('SELECT * FROM commands ORDER BY sent_ms DESC LIMIT ?', [limit]);
    return rows.map((r) => ({ cmd_id: String(r.cmd_id), hall: String(r.hall), window: String(r.window_id), name: String(r.name), payload: String(r.payload),
      by_user: String(r.by_user), sent_ms: num(r.sent_ms), status: r.status === null ? null : String(r.status), result: r.result === null ? null : String(r.result), answered_ms: numOrNull(r.answered_ms) }));
  }

  /** A supervisor's answer to a 差评; the first answer counts (the report checks it against the deadline). */
  async answerComplaint(eventId: string, answeredMs: number, byUser: string, note: string): Promise<boolean> {
    const rows = await this.db.query('INSERT INTO complaint_answers (event_id, answered_ms, by_user, note) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING event_id', [eventId, answeredMs, byUser, note]);
    return rows.length === 1;
  }

  async complaintAnswers(): Promise<Map<string, { answered_ms: number; by_user: string; note: string }>> {
    const rows = await this.db.query('SELECT * FROM complaint_answers');
    return new Map(rows.map((r) => [String(r.event_id), { answered_ms: num(r.answered_ms), by_user: String(r.by_user), note: String(r.note) }]));
  }
}

function touchedWindows(batch: IngestBatch): Array<{ hall: string; window: string }> {
  const keys = new Map<string, { hall: string; window: string }>();
  for (const x of [...batch.events, ...batch.births]) keys.set(`${x.hall}\u0000${x.window}`, { hall: x.hall, window: x.window });
  // Sorted: two instances lock window rows in the same order (no deadlock on PostgreSQL).
  return [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/**
 * Where the watermark starts for a window the center has never seen: below the birth's first_seq
 * (what the device still offers), else below the earliest event now at hand. A device's first event
 * (prev_seq null) starts from 0.
 */
function firstContactBaseline(batch: IngestBatch, hall: string, window: string): number {
  const birth = batch.births.find((b) => b.hall === hall && b.window === window);
  if (birth?.first_seq != null && birth.first_seq > 0) return birth.first_seq - 1;
  if (birth && birth.first_seq == null && birth.last_seq != null) return birth.last_seq;
  const mine = batch.events.filter((e) => e.hall === hall && e.window === window);
  if (mine.length === 0) return 0;
  const earliest = mine.reduce((a, b) => (b.seq < a.seq ? b : a));
  return earliest.prev_seq ?? 0;
}
