// The acknowledgement watermark of one window (design §4, §6): the highest seq below which the
// center holds every event the device made. Seqs are not contiguous (after a crash the device skips
// the range it had reserved), so holes are read from prev_seq, not from seq − 1: an event whose
// prev_seq is at or below the watermark closes the chain; one whose prev_seq is above it leaves a gap.

export interface HeldLink { seq: number; prev_seq: number | null }

/** Events the device made but the center does not hold: every seq in from..to that the device used. */
export interface SeqGap { from: number; to: number }

export interface Advance { acked: number; gap?: SeqGap; chained: number }

/**
 * Moves the watermark over held events above it, given in seq order. Stops at the first event whose
 * predecessor is missing; that predecessor (prev_seq) is the top of the gap.
 */
export function advanceWatermark(acked: number, held: readonly HeldLink[]): Advance {
  let w = acked;
  let chained = 0;
  for (const e of held) {
    if (e.seq <= w) continue;
    // prev_seq null: the device's first event ever. Below w: the device skipped the seqs in between.
    if (e.prev_seq === null || e.prev_seq <= w) { w = e.seq; chained++; continue; }
    return { acked: w, gap: { from: w + 1, to: e.prev_seq }, chained };
  }
  return { acked: w, chained };
}
