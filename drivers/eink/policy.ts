// When and how to refresh the panel. Pure: the driver passes the time in, so tests drive it with
// a ManualClock. E-ink keeps its image without power, so every refresh skipped is wear saved;
// partials are fast but leave ghosts, so they are bounded by count and by a daily full refresh.
import { changedRegion, frameHash, type Frame, type Region } from './frame.ts';

export interface PolicyConfig {
  minIntervalMs: number;
  /** Full refresh after this many partials; 0 = always full. */
  fullEveryPartials: number;
  /** A change bigger than this share of the panel refreshes fully. */
  partialMaxArea: number;
  /** "HH:MM" local. */
  dailyFullAt: string;
  utcOffsetMinutes: number;
}

export interface PolicyState {
  /** What the panel shows now (undefined: unknown, e.g. after start or a fault). */
  shown?: Frame;
  shownHash?: string;
  lastRefreshMono?: number;
  lastFullWall?: number;
  partialsSinceFull: number;
}

export type Decision =
  | { action: 'none'; reason: 'unchanged' }
  | { action: 'wait'; waitMs: number }
  | { action: 'full'; reason: 'first' | 'daily' | 'ghosting' | 'large-change' | 'partial-disabled' }
  | { action: 'partial'; region: Region };

export const initialPolicyState = (): PolicyState => ({ partialsSinceFull: 0 });

function parseHhmm(s: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
  if (!m) throw new Error(`eink.daily_full_refresh_at: "${s}" is not HH:MM`);
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

/** Epoch ms of the latest daily mark at or before wallMs. */
export function lastDailyMark(wallMs: number, cfg: Pick<PolicyConfig, 'dailyFullAt' | 'utcOffsetMinutes'>): number {
  const day = 86_400_000;
  const offset = cfg.utcOffsetMinutes * 60_000;
  const local = wallMs + offset;
  let mark = Math.floor(local / day) * day + parseHhmm(cfg.dailyFullAt);
  if (mark > local) mark -= day;
  return mark - offset;
}

export const nextDailyMark = (wallMs: number, cfg: Pick<PolicyConfig, 'dailyFullAt' | 'utcOffsetMinutes'>): number =>
  lastDailyMark(wallMs, cfg) + 86_400_000;

export function decideRefresh(state: PolicyState, next: Frame, now: { wallMs: number; monoMs: number }, cfg: PolicyConfig): Decision {
  const dailyDue = state.lastFullWall !== undefined && state.lastFullWall < lastDailyMark(now.wallMs, cfg);
  if (state.shown && state.shownHash === frameHash(next) && !dailyDue) return { action: 'none', reason: 'unchanged' };
  if (state.lastRefreshMono !== undefined) {
    const since = now.monoMs - state.lastRefreshMono;
    if (since < cfg.minIntervalMs) return { action: 'wait', waitMs: cfg.minIntervalMs - since };
  }
  if (!state.shown) return { action: 'full', reason: 'first' };
  if (dailyDue) return { action: 'full', reason: 'daily' };
  if (cfg.fullEveryPartials === 0) return { action: 'full', reason: 'partial-disabled' };
  if (state.partialsSinceFull >= cfg.fullEveryPartials) return { action: 'full', reason: 'ghosting' };
  const region = changedRegion(state.shown, next)!;
  if ((region.width * region.height) / (next.width * next.height) > cfg.partialMaxArea) return { action: 'full', reason: 'large-change' };
  return { action: 'partial', region };
}

/** The state after a refresh of kind went through. */
export function afterRefresh(state: PolicyState, frame: Frame, kind: 'full' | 'partial', now: { wallMs: number; monoMs: number }): PolicyState {
  return {
    shown: frame,
    shownHash: frameHash(frame),
    lastRefreshMono: now.monoMs,
    lastFullWall: kind === 'full' ? now.wallMs : state.lastFullWall,
    partialsSinceFull: kind === 'full' ? 0 : state.partialsSinceFull + 1,
  };
}
