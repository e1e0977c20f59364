// Decoding of DLE EOT real-time status bytes (ESC/POS). Every reply has bit 1 and bit 4 set and
// bit 0 and bit 7 clear; a byte that does not is not a status reply (noise, or a printer that
// does not support the command).

export interface PrinterHealth {
  /** DLE EOT 1 bit 3. */
  offline: boolean;
  /** DLE EOT 2 bit 2. */
  coverOpen: boolean;
  /** DLE EOT 2 bit 5, or DLE EOT 4 bits 5–6. */
  paperOut: boolean;
  /** DLE EOT 4 bits 2–3. */
  paperNearEnd: boolean;
  /** DLE EOT 2 bit 6 / DLE EOT 3: cutter, unrecoverable or auto-recoverable error. */
  error: boolean;
  errorDetail?: 'cutter' | 'unrecoverable' | 'auto_recoverable' | 'recoverable';
}

export class StatusByteError extends Error {}

function check(n: number, byte: number): void {
  if ((byte & 0x93) !== 0x12) throw new StatusByteError(`DLE EOT ${n} reply 0x${byte.toString(16).padStart(2, '0')} is not a status byte (expected 0xx1xx10 pattern)`);
}

export const bit = (byte: number, i: number): boolean => ((byte >> i) & 1) === 1;

/** Combine the replies to DLE EOT 1, 2, 3 and 4 (3 may be absent: some printers skip it). */
export function decodeStatus(replies: { 1: number; 2: number; 3?: number; 4: number }): PrinterHealth {
  check(1, replies[1]);
  check(2, replies[2]);
  check(4, replies[4]);
  const h: PrinterHealth = {
    offline: bit(replies[1], 3),
    coverOpen: bit(replies[2], 2),
    paperOut: bit(replies[2], 5) || (bit(replies[4], 5) && bit(replies[4], 6)),
    paperNearEnd: bit(replies[4], 2) && bit(replies[4], 3),
    error: bit(replies[2], 6),
  };
  if (replies[3] !== undefined) {
    check(3, replies[3]);
    const e = replies[3];
    const detail = bit(e, 3) ? 'cutter' : bit(e, 5) ? 'unrecoverable' : bit(e, 6) ? 'auto_recoverable' : bit(e, 2) ? 'recoverable' : undefined;
    if (detail) { h.error = true; h.errorDetail = detail; }
  }
  return h;
}

/** The one-line reason a printer cannot print now, or undefined when it can. */
export function notReadyReason(h: PrinterHealth): string | undefined {
  if (h.paperOut) return 'paper out';
  if (h.coverOpen) return 'cover open';
  if (h.error) return `printer error${h.errorDetail ? ` (${h.errorDetail.replace('_', '-')})` : ''}`;
  if (h.offline) return 'printer offline';
  return undefined;
}

/** Status detail for DriverStatus.detail (MQTT state/printer, health API). */
export function healthDetail(h: PrinterHealth | undefined, checkedAt?: number): Record<string, unknown> {
  if (!h) return { paper: 'unknown' };
  return {
    paper: h.paperOut ? 'out' : h.paperNearEnd ? 'near_end' : 'ok',
    cover_open: h.coverOpen,
    offline: h.offline,
    error: h.errorDetail ?? h.error,
    ...(checkedAt !== undefined ? { checked_at: checkedAt } : {}),
  };
}

/** Status bytes a printer in the given condition answers (used by the emulator and tests). */
export function encodeStatus(s: { offline: boolean; coverOpen: boolean; paperOut: boolean; paperNearEnd: boolean; error?: boolean }): { 1: number; 2: number; 3: number; 4: number } {
  const offline = s.offline || s.coverOpen || s.paperOut || !!s.error;
  return {
    1: 0x12 | (offline ? 0x08 : 0),
    2: 0x12 | (s.coverOpen ? 0x04 : 0) | (s.paperOut ? 0x20 : 0) | (s.error ? 0x40 : 0),
    3: 0x12 | (s.error ? 0x40 : 0),
    4: 0x12 | (s.paperNearEnd || s.paperOut ? 0x0c : 0) | (s.paperOut ? 0x60 : 0),
  };
}
