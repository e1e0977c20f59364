// The event envelope (design §4). Every fact the counter observes becomes one of these,
// appended to the outbox before anyone is told about it.
import type { TimeQuality } from './clock.ts';

/** What a service hands to the outbox; the outbox assigns seq, boot, ids and times. */
export interface EventInput {
  type: string;
  data?: Record<string, unknown>;
  staff_id?: string;
  case_id?: string;
}

export interface EventEnvelope {
  event_id: string;
  seq: number;
  /**
   * Seq of this device's previous event (across boots; 0 before the first). Seqs jump after a
   * crash (the outbox reserves ranges ahead), so this tells the center "nothing in between".
   */
  prev_seq: number;
  boot: number;
  type: string;
  ts: string;
  mono_ms: number;
  time_quality: TimeQuality;
  window: string;
  hall: string;
  staff_id?: string;
  case_id?: string;
  data: Record<string, unknown>;
}

/**
 * Priority classes for the disk cap (design §5): evaluation and attendance are never dropped;
 * telemetry may be dropped when the cap is reached; everything else is normal.
 */
export type EventClass = 'critical' | 'normal' | 'telemetry';

export function eventClass(type: string): EventClass {
  if (/^(evaluation|attendance|away|service)\./.test(type)) return 'critical';
  if (/^telemetry\./.test(type)) return 'telemetry';
  return 'normal';
}

export const eventId = (window: string, boot: number, seq: number): string => `${window}-${boot}-${seq}`;
