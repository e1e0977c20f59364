// What the hall board shows per window, computed from retained status/state (online, state, backlog,
// faults), the store's watermark (gaps) and today's events kept in memory (cases, handling time,
// ratings, 差评, away overdue), so a refresh costs no database scan.
import type { StoredEvent } from './envelope.ts';
import { factsOf, isBadRating, isSatisfied } from './facts.ts';
import type { RetainedMessage, WindowProgress } from './store.ts';
import { localDate } from './working-days.ts';

export interface Tile {
  hall: string; window: string;
  /** From the retained status (the last will sets offline): null when the window never said. */
  online: boolean | null;
  offline_reason: string | null;
  state: string | null; staff: string | null; state_since: string | null;
  away_overdue: boolean;
  cases_today: number; avg_handling_s: number | null;
  ratings_today: number; satisfaction_rate: number | null; bad_today: number;
  backlog: number | null;
  faults: string[];
  acked_seq: number | null;
  gap: { from: number; to: number; since_ms: number } | null;
}

interface Today { cases: number; handled: number; handlingMs: number; ratings: number; satisfied: number; bad: number; awayOpen: boolean; awayOverdue: boolean; faults: Map<string, boolean> }

const newToday = (): Today => ({ cases: 0, handled: 0, handlingMs: 0, ratings: 0, satisfied: 0, bad: 0, awayOpen: false, awayOverdue: false, faults: new Map() });

function json(payload: string): Record<string, unknown> {
  try {
    const v = JSON.parse(payload) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch { return {}; }
}
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, 80) : null);

export class BoardState {
  private day = '';
  private today = new Map<string, Today>();

  constructor(private readonly utcOffsetMinutes: number) {}

  /** Starts a new day from that day's events (at start and when the date changes). */
  resetDay(dayMs: number, events: StoredEvent[]): void {
    this.day = localDate(dayMs, this.utcOffsetMinutes);
    this.today.clear();
    this.add(events);
  }

  dayOf(ms: number): string { return localDate(ms, this.utcOffsetMinutes); }
  get currentDay(): string { return this.day; }

  add(events: StoredEvent[]): void {
    // Events are applied in device time order so "last away event" means the latest one.
    for (const e of [...events].sort((a, b) => a.ts_ms - b.ts_ms)) {
      if (localDate(e.ts_ms, this.utcOffsetMinutes) !== this.day) continue;
      const key = `${e.hall}/${e.window}`;
      let t = this.today.get(key);
      if (!t) this.today.set(key, (t = newToday()));
      if (e.type === 'device.fault' || e.type === 'device.recovered') {
        const part = str(e.data.driver) ?? str(e.data.part) ?? 'device';
        t.faults.set(part, e.type === 'device.fault');
      }
      for (const f of factsOf(e)) {
        if (f.kind === 'case_completed') { t.cases++; if (f.handling_ms !== undefined) { t.handled++; t.handlingMs += f.handling_ms; } }
        if (f.kind === 'rating') { t.ratings++; if (isSatisfied(f.satisfaction)) t.satisfied++; if (isBadRating(f.satisfaction)) t.bad++; }
        if (f.kind === 'away_started') { t.awayOpen = true; t.awayOverdue = false; }
        if (f.kind === 'away_overdue' || f.kind === 'away_escalated') t.awayOverdue = t.awayOpen;
        if (f.kind === 'away_ended') { t.awayOpen = false; t.awayOverdue = false; }
      }
    }
  }

  /** A gap younger than gapGraceMs is not shown: with shared subscriptions another instance usually fills it within a flush. */
  tiles(retained: RetainedMessage[], progress: WindowProgress[], nowMs = Number.POSITIVE_INFINITY, gapGraceMs = 2000): Tile[] {
    const keys = new Set<string>([...retained.map((r) => `${r.hall}/${r.window}`), ...progress.map((p) => `${p.hall}/${p.window}`), ...this.today.keys()]);
    const byKey = new Map<string, RetainedMessage[]>();
    for (const r of retained) { const k = `${r.hall}/${r.window}`; byKey.set(k, [...(byKey.get(k) ?? []), r]); }
    return [...keys].sort().map((key) => {
      const [hall, window] = key.split('/') as [string, string];
      const parts = new Map((byKey.get(key) ?? []).map((r) => [r.part, json(r.payload)]));
      const status = parts.get('status');
      // state/window when the counter publishes it; else the nameplate's content ({status: {state}, staff: {name}}).
      const plate = parts.get('state/nameplate');
      const plateStatus = plate?.status && typeof plate.status === 'object' ? (plate.status as Record<string, unknown>) : undefined;
      const win = parts.get('state/window') ?? (plate ? { state: plateStatus?.state, since: plateStatus?.since, staff: plate.staff } : undefined);
      const outbox = parts.get('state/outbox');
      const birth = parts.get('birth');
      const t = this.today.get(key) ?? newToday();
      const p = progress.find((x) => x.hall === hall && x.window === window);
      const staff = win?.staff;
      const faults = new Set<string>([...t.faults].filter(([, on]) => on).map(([k]) => k));
      for (const [part, v] of parts) {
        if (!part.startsWith('state/')) continue;
        const s = v.status ?? v.state;
        if (v.fault || s === 'fault' || s === 'error') faults.add(part.slice(6));
      }
      const pending = typeof outbox?.pending === 'number' ? outbox.pending : typeof birth?.pending === 'number' ? birth.pending : null;
      return {
        hall, window,
        online: status ? status.state === 'online' : null,
        offline_reason: status && status.state !== 'online' ? str(status.reason) : null,
        state: str(win?.state), state_since: str(win?.since),
        staff: typeof staff === 'string' ? staff : staff && typeof staff === 'object' ? str((staff as Record<string, unknown>).name) ?? str((staff as Record<string, unknown>).id) : str(win?.staff_id),
        away_overdue: t.awayOverdue,
        cases_today: t.cases, avg_handling_s: t.handled ? Math.round(t.handlingMs / t.handled / 100) / 10 : null,
        ratings_today: t.ratings, satisfaction_rate: t.ratings ? Math.round((t.satisfied / t.ratings) * 1000) / 10 : null, bad_today: t.bad,
        backlog: pending, faults: [...faults].sort(),
        acked_seq: p?.acked_seq ?? null, gap: p?.gap && nowMs - p.gap.since_ms >= gapGraceMs ? p.gap : null,
      };
    });
  }
}
