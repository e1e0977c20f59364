// Reading an event envelope (design §4) off the wire. Whoever can publish to the broker reaches this
// code, so every field is checked; a bad message is refused with what and where, never stored.
import { parseJsonObject } from '../sync/mqtt-payload.ts';

/** One event as the center stores it. */
export interface StoredEvent {
  event_id: string;
  hall: string;
  window: string;
  seq: number;
  /** The device's previous seq (across boots); 0 (or null) before its very first event. */
  prev_seq: number | null;
  boot: number;
  type: string;
  ts: string;
  /** ts as epoch milliseconds (when it happened, by the device's clock). */
  ts_ms: number;
  time_quality: string;
  staff_id: string | null;
  case_id: string | null;
  data: Record<string, unknown>;
  historical: boolean;
  received_ms: number;
}

const MAX_EVENT_BYTES = 64 * 1024;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
const SHORT_ID = /^[\x21-\x7e]{1,128}$/;

export type ParsedEvent = { ok: true; event: StoredEvent } | { ok: false; error: string };

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Checks an envelope against the topic it came on (hall, window and type must agree: a device can
 * only write under its own root, so the topic is the trustworthy part).
 */
export function parseEvent(payload: Buffer, where: { hall: string; window: string; type: string }, receivedMs: number): ParsedEvent {
  const parsed = parseJsonObject(payload, MAX_EVENT_BYTES);
  if (!parsed.ok) return parsed;
  const b = parsed.body;
  const bad = (field: string, why: string): ParsedEvent => ({ ok: false, error: `${field}: ${why}` });
  if (b.hall !== where.hall) return bad('hall', `"${String(b.hall)}" differs from the topic's hall "${where.hall}"`);
  if (b.window !== where.window) return bad('window', `"${String(b.window)}" differs from the topic's window "${where.window}"`);
  if (b.type !== where.type) return bad('type', `"${String(b.type)}" differs from the topic's type "${where.type}"`);
  if (!isSeq(b.seq) || b.seq === 0) return bad('seq', 'must be a positive integer');
  // A device from before prev_seq (design §4) is read as gapless: its previous event is seq − 1.
  const prev = b.prev_seq === undefined ? b.seq - 1 : b.prev_seq;
  if (prev !== null && (!isSeq(prev) || prev >= b.seq)) return bad('prev_seq', `must be null or an integer below seq ${b.seq}`);
  if (!isSeq(b.boot)) return bad('boot', 'must be a non-negative integer');
  if (typeof b.event_id !== 'string' || !SHORT_ID.test(b.event_id)) return bad('event_id', 'must be 1-128 printable ASCII characters');
  if (b.event_id !== `${where.window}-${b.boot}-${b.seq}`) return bad('event_id', `"${b.event_id}" is not <window>-<boot>-<seq>`);
  if (typeof b.ts !== 'string' || !ISO.test(b.ts)) return bad('ts', 'must be ISO-8601 with an offset, e.g. 2026-11-22T09:15:02.113+08:00');
  const tsMs = Date.parse(b.ts);
  if (!Number.isFinite(tsMs)) return bad('ts', `"${b.ts}" is not a real time`);
  for (const k of ['staff_id', 'case_id'] as const) {
    if (b[k] !== undefined && b[k] !== null && (typeof b[k] !== 'string' || !SHORT_ID.test(b[k]))) return bad(k, 'must be 1-128 printable ASCII characters');
  }
  const data = b.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return bad('data', 'must be a JSON object');
  return {
    ok: true,
    event: {
      event_id: b.event_id, hall: where.hall, window: where.window, seq: b.seq, prev_seq: prev, boot: b.boot,
      type: where.type, ts: b.ts, ts_ms: tsMs,
      time_quality: typeof b.time_quality === 'string' ? b.time_quality.slice(0, 16) : 'unknown',
      staff_id: typeof b.staff_id === 'string' ? b.staff_id : null,
      case_id: typeof b.case_id === 'string' ? b.case_id : null,
      data: data as Record<string, unknown>, historical: b.historical === true, received_ms: receivedMs,
    },
  };
}
