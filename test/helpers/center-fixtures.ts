// Event envelopes for the center's tests, shaped as a counter publishes them (design §4).
import type { StoredEvent } from '../../center/envelope.ts';
import type { IngestBatch } from '../../center/store.ts';
import type { IngestOptions } from '../../center/ingest.ts';

export interface EnvelopeSpec {
  window?: string; hall?: string; boot?: number; seq: number; prev_seq?: number | null;
  type?: string; ts?: string; staff_id?: string; case_id?: string; data?: Record<string, unknown>; historical?: boolean;
}

/** The JSON object a device would publish on evt/<type as levels>. */
export function envelope(s: EnvelopeSpec): Record<string, unknown> {
  const window = s.window ?? 'A07';
  const boot = s.boot ?? 1;
  return {
    event_id: `${window}-${boot}-${s.seq}`, seq: s.seq, prev_seq: s.prev_seq === undefined ? s.seq - 1 : s.prev_seq,
    boot, type: s.type ?? 'evaluation.submitted', ts: s.ts ?? '2026-11-23T09:15:02.113+08:00', mono_ms: s.seq * 10,
    time_quality: 'ntp', window, hall: s.hall ?? 'main', ...(s.staff_id ? { staff_id: s.staff_id } : {}),
    ...(s.case_id ? { case_id: s.case_id } : {}), data: s.data ?? { satisfaction: 5, level: 'very_satisfied' },
    ...(s.historical ? { historical: true } : {}),
  };
}

/** The same event as the store keeps it. */
export function stored(s: EnvelopeSpec, receivedMs = 1): StoredEvent {
  const e = envelope(s);
  return {
    event_id: String(e.event_id), hall: String(e.hall), window: String(e.window), seq: s.seq, prev_seq: e.prev_seq as number | null,
    boot: Number(e.boot), type: String(e.type), ts: String(e.ts), ts_ms: Date.parse(String(e.ts)), time_quality: 'ntp',
    staff_id: s.staff_id ?? null, case_id: s.case_id ?? null, data: e.data as Record<string, unknown>, historical: s.historical ?? false,
    received_ms: receivedMs,
  };
}

export const batchOf = (events: StoredEvent[], more: Partial<IngestBatch> = {}): IngestBatch => ({ events, retained: [], births: [], answers: [], ...more });

/** Ingest options for tests: a unique client id, short flushes. */
export const ingestOptions = (url: string, over: Partial<IngestOptions> = {}): IngestOptions => ({
  url, prefix: 'zwfw/v1', hall: 'main', clientId: `center-test-${Math.random().toString(36).slice(2)}`, sessionExpiryS: 60,
  batchMax: 500, flushMs: 10, maxBuffered: 100_000, utcOffsetMinutes: 480, gapGraceMs: 50, ...over,
});
