// The presence part of the counter's state (window, roster, attendance, away/pause): plain JSON,
// so the shell can persist it as it is (serializeCounterState / restoreCounterState) and a restart
// keeps the roster version, leave, substitutes, who is clocked in and any open away.
import type { CounterConfig, StaffEntry } from '../../config/schema-counter.ts';
import type { NameplateBoard } from '../../drivers/eink/config.ts';
import type { LocalDate, WorkingCalendar } from './types.ts';

export type WindowState = 'not_open' | 'in_service' | 'paused' | 'away' | 'closed';

/** What the rules are given besides the input: config sections and the calendar. */
export interface CounterEnv {
  window: { id: string; name: string; utc_offset_minutes: number };
  counter: CounterConfig;
  /** The hall's board on every nameplate (phones, commitment, hours text): eink.nameplate. */
  board: Pick<NameplateBoard, 'supervision_phone' | 'complaint_phone' | 'service_hours' | 'commitment'>;
  calendar: WorkingCalendar;
}

export interface SessionTimes {
  index: number;
  open: string;
  close: string;
  openMs: number;
  closeMs: number;
}

export interface Punch {
  staff_id: string;
  /** Index into the day's sessions; -1 = outside any session (a day off, or after closing). */
  session: number;
  in_ms: number;
  out_ms?: number;
  /** Closed without a clock-out (missing_punch decided). */
  missing?: boolean;
}

export interface DayState {
  date: LocalDate;
  working: boolean;
  sessions: SessionTimes[];
  punches: Punch[];
  /** Keys of deadlines already handled today (open:0, close:1, absent:0, day_end). */
  done: string[];
}

export interface AwayRecord {
  staff_id: string;
  reason: string;
  label: string;
  contact: string;
  start_ms: number;
  return_ms: number;
  formal_notice: boolean;
  by: 'key' | 'command';
  escalated: boolean;
  next_overdue_ms: number;
  overdue_count: number;
  /** The single-staff violation was already raised for this away. */
  violation: boolean;
}

export interface PauseRecord {
  staff_id?: string;
  reason?: string;
  label?: string;
  redirect_window: string;
  start_ms: number;
  approval: 'not_needed' | 'pending' | 'approved';
  approved_by?: string;
  by: 'key' | 'command';
}

export interface Leave { staff_id: string; from: LocalDate; to: LocalDate; kind: string }
export interface Substitution { substitute_id: string; for_staff_id: string; from: LocalDate; to: LocalDate }

export interface CounterState {
  v: 1;
  day?: DayState;
  /** null = the roster from config (counter.roster, version 0). */
  roster: { version: number; staff: StaffEntry[] } | null;
  leaves: Leave[];
  substitutions: Substitution[];
  /** Staff id → wall ms of the last touch that counted (repeat touches are ignored). */
  last_touch: Record<string, number>;
  aways: AwayRecord[];
  pause?: PauseRecord;
  closure?: { reason?: string; label?: string; at_ms: number };
  window: { state: WindowState; since_ms: number; why: string };
  link: { online: boolean; offline_since_ms?: number; marked: boolean };
  /** What was last sent (JSON), so unchanged content is not sent again. */
  shown: { plate?: string; retained?: string };
  /** Local date of the last calendar check. */
  calendar_checked?: LocalDate;
  /** A supervisor's notice from the center (notice.show), shown on the nameplate until it ends. */
  notice?: { text: string; by?: string; until_ms: number };
}

export function initialCounterState(): CounterState {
  return {
    v: 1, roster: null, leaves: [], substitutions: [], last_touch: {}, aways: [],
    window: { state: 'not_open', since_ms: 0, why: 'start' },
    link: { online: true, marked: false }, shown: {},
  };
}

export const serializeCounterState = (s: CounterState): string => JSON.stringify(s);

/** Reads what serializeCounterState wrote; a file of another shape is refused with what is wrong. */
export function restoreCounterState(json: string): CounterState {
  if (json.length > 4_000_000) throw new Error(`counter state: ${json.length} characters is more than any real state (4 MB cap)`);
  let v: unknown;
  try { v = JSON.parse(json); } catch (err) { throw new Error(`counter state: not JSON (${(err as Error).message})`); }
  const s = v as Partial<CounterState> | null;
  if (!s || typeof s !== 'object' || s.v !== 1) throw new Error('counter state: unknown version (expected v: 1)');
  for (const k of ['leaves', 'substitutions', 'aways'] as const) if (!Array.isArray(s[k])) throw new Error(`counter state: ${k} must be an array`);
  if (!s.window || typeof s.window.state !== 'string') throw new Error('counter state: window.state missing');
  if (s.roster !== null && (typeof s.roster !== 'object' || !Array.isArray(s.roster?.staff))) throw new Error('counter state: roster must be null or {version, staff[]}');
  // What was shown belongs to the process that showed it: a new process draws the nameplate and sets
  // the retained state/window again at its first step (its MQTT link republishes them on connect).
  return { ...initialCounterState(), ...s, shown: {} } as CounterState;
}

// ---- small queries shared by the families ----

export const rosterOf = (s: CounterState, env: CounterEnv): StaffEntry[] => s.roster?.staff ?? env.counter.roster;
export const rosterVersion = (s: CounterState): number => s.roster?.version ?? 0;
export const staffEntry = (s: CounterState, env: CounterEnv, id: string | undefined): StaffEntry | undefined =>
  id === undefined ? undefined : rosterOf(s, env).find((e) => e.staff_id === id);

export const openPunches = (s: CounterState): Punch[] => (s.day?.punches ?? []).filter((p) => p.out_ms === undefined && !p.missing);
export const awayOf = (s: CounterState, id: string): AwayRecord | undefined => s.aways.find((a) => a.staff_id === id);

/** Who the nameplate shows: the latest arrival still here and not away; else the latest away one. */
export function servingStaffId(s: CounterState): string | undefined {
  // A substitute sent for someone (顶岗) takes the nameplate over from them even if they are still here.
  const replaced = new Set(substitutionsOn(s, s.day?.date ?? '').map((x) => x.for_staff_id));
  const rank = (id: string) => (replaced.has(id) ? 1 : 0);
  const here = openPunches(s).sort((a, b) => rank(a.staff_id) - rank(b.staff_id) || b.in_ms - a.in_ms);
  return (here.find((p) => !awayOf(s, p.staff_id)) ?? here[0])?.staff_id;
}

export const onLeave = (s: CounterState, id: string, date: LocalDate): boolean =>
  s.leaves.some((l) => l.staff_id === id && l.from <= date && date <= l.to);

export const substitutionsOn = (s: CounterState, date: LocalDate): Substitution[] =>
  s.substitutions.filter((x) => x.from <= date && date <= x.to);

/** Who must clock in today: regular staff not on leave and not replaced, plus assigned substitutes. */
export function expectedStaff(s: CounterState, env: CounterEnv, date: LocalDate): string[] {
  const subs = substitutionsOn(s, date);
  const out = rosterOf(s, env)
    .filter((e) => e.regular && !onLeave(s, e.staff_id, date) && !subs.some((x) => x.for_staff_id === e.staff_id))
    .map((e) => e.staff_id);
  for (const x of subs) if (!out.includes(x.substitute_id) && !onLeave(s, x.substitute_id, date)) out.push(x.substitute_id);
  return out;
}

export function reasonEntry(env: CounterEnv, id: string | undefined, use: 'pause' | 'away' | 'close') {
  return id === undefined ? undefined : env.counter.away.reasons.find((r) => r.id === id && r.for.includes(use));
}
