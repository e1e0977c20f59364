// Pure HID input-report decoder: which configured keys a report shows as down. Reports are level
// snapshots, so the backend diffs consecutive reports into press/release edges.
import type { HidKeyMatch } from './config.ts';

export function keysDownInReport(report: Uint8Array, keys: Record<string, HidKeyMatch>): Set<string> {
  const down = new Set<string>();
  for (const [key, m] of Object.entries(keys)) {
    const last = Math.min(m.to_byte ?? m.byte, report.length - 1);
    for (let i = m.byte; i <= last; i++) {
      const b = report[i] as number;
      if (m.mask !== undefined ? (b & m.mask) !== 0 : b === m.value) { down.add(key); break; }
    }
  }
  return down;
}

/** Edges between two snapshots, in configured key order. */
export function reportEdges(prev: Set<string>, next: Set<string>, order: string[]): Array<{ key: string; down: boolean }> {
  const edges: Array<{ key: string; down: boolean }> = [];
  for (const key of order) {
    const was = prev.has(key);
    const is = next.has(key);
    if (was !== is) edges.push({ key, down: is });
  }
  return edges;
}
