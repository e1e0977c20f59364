// Safe reading of what the center sends (cmd/<name>, ack). Anyone who can publish to the broker
// can reach this code, so every payload is treated as hostile until proven otherwise.

export const MAX_COMMAND_BYTES = 64 * 1024;
const MAX_DEPTH = 32;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** cmd_id: what the center generates (UUIDs, ULIDs, counters); printable, bounded. */
const CMD_ID = /^[\x21-\x7e]{1,128}$/;

export type ParsedObject = { ok: true; body: Record<string, unknown> } | { ok: false; error: string };

/** Bytes → plain JSON object, or the reason it is not one. Never throws. */
export function parseJsonObject(payload: Buffer, maxBytes = MAX_COMMAND_BYTES): ParsedObject {
  if (payload.length > maxBytes) return { ok: false, error: `payload too large: ${payload.length} bytes (limit ${maxBytes})` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return { ok: false, error: 'payload is not valid UTF-8' };
  }
  let forbidden: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) forbidden ??= key;
      return v;
    });
  } catch (err) {
    return { ok: false, error: `payload is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: `payload must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` };
  }
  const body = value as Record<string, unknown>;
  if (forbidden) return { ok: false, error: `payload contains the forbidden key "${forbidden}"` };
  if (depth(body, 0) > MAX_DEPTH) return { ok: false, error: `payload is nested deeper than ${MAX_DEPTH} levels` };
  return { ok: true, body };
}

/** The cmd_id of a parsed body, or undefined when it is missing or not a usable id. */
export function readCmdId(body: Record<string, unknown>): string | undefined {
  const id = body.cmd_id;
  return typeof id === 'string' && CMD_ID.test(id) ? id : undefined;
}

export function describeCmdIdProblem(body: Record<string, unknown>): string {
  if (!Object.hasOwn(body, 'cmd_id')) return 'cmd_id is missing';
  const id = body.cmd_id;
  if (typeof id !== 'string') return `cmd_id must be a string, got ${id === null ? 'null' : typeof id}`;
  return 'cmd_id must be 1-128 printable ASCII characters without spaces';
}

/** expires_at as epoch ms: an ISO-8601 time with a date and time, or epoch milliseconds. */
export function readExpiresAt(body: Record<string, unknown>): { ok: true; at?: number } | { ok: false; error: string } {
  const v = body.expires_at;
  if (v === undefined || v === null) return { ok: true };
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return { ok: true, at: v };
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) {
    const at = Date.parse(v);
    if (Number.isFinite(at)) return { ok: true, at };
  }
  return { ok: false, error: 'expires_at must be an ISO-8601 time (2026-11-23T09:00:00+08:00) or epoch milliseconds' };
}

/** ack {upto_seq}: a non-negative integer no higher than the last seq this device has used. */
export function parseAck(payload: Buffer, lastSeq: number): { ok: true; uptoSeq: number } | { ok: false; error: string } {
  const parsed = parseJsonObject(payload, 4096);
  if (!parsed.ok) return parsed;
  const upto = parsed.body.upto_seq;
  if (typeof upto !== 'number' || !Number.isSafeInteger(upto) || upto < 0) {
    return { ok: false, error: 'upto_seq must be a non-negative integer' };
  }
  if (upto > lastSeq) return { ok: false, error: `upto_seq ${upto} is above the last seq this device has used (${lastSeq})` };
  return { ok: true, uptoSeq: upto };
}

function depth(value: unknown, level: number): number {
  if (level > MAX_DEPTH || value === null || typeof value !== 'object') return level;
  let max = level;
  for (const v of Object.values(value as object)) {
    max = Math.max(max, depth(v, level + 1));
    if (max > MAX_DEPTH) break;
  }
  return max;
}
