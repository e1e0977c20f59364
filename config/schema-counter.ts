// Config section `counter`: the hall's rules for presence and time (domain.md §1–§3). Defaults
// follow the seeds; every number the rules use is decided here. The time zone is
// window.utc_offset_minutes (+08:00 by default); the nameplate's phones, commitment and service
// hours text are eink.nameplate (the same board whoever serves).
import { Type, type Static } from '@sinclair/typebox';

const Hhmm = (description: string, def?: string) =>
  Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description, ...(def ? { default: def } : {}) });
const LocalDate = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'YYYY-MM-DD (hall local date).' });
const Minutes = (def: number, description: string, max = 24 * 60) => Type.Integer({ minimum: 0, maximum: max, default: def, description });
const StaffId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', description: 'Staff id as the fingerprint reader reports it (ASCII).' });

export const SessionSchema = Type.Object({
  open: Hhmm('Opening, local HH:MM (e.g. 09:00).'),
  close: Hhmm('Closing, local HH:MM (e.g. 12:00); after open.'),
}, { additionalProperties: false });

/** One person who may work at this window (四亮, 001/004). The center may replace the list with roster.update. */
export const StaffEntrySchema = Type.Object({
  staff_id: StaffId,
  name: Type.String({ minLength: 1, maxLength: 20, description: '姓名' }),
  job_number: Type.String({ minLength: 1, maxLength: 20, description: '工号' }),
  position: Type.String({ default: '', maxLength: 30, description: '职务' }),
  duties: Type.String({ default: '', maxLength: 120, description: '职责' }),
  photo: Type.Optional(Type.String({ maxLength: 200, description: 'Photo file (PNG/JPEG) for the nameplate.' })),
  phone: Type.String({ default: '', maxLength: 40, description: 'Contact shown on the away sign (离岗告知牌, 002) unless the away gives one.' }),
  regular: Type.Boolean({ default: true, description: 'Expected at this window every working day (absent verdicts); false = a substitute (顶岗) pool member.' }),
}, { additionalProperties: false });

export const ReasonSchema = Type.Object({
  id: Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$' }),
  label: Type.String({ minLength: 1, maxLength: 24, description: 'Shown on the nameplate, e.g. 临时外出.' }),
  for: Type.Array(Type.Union([Type.Literal('pause'), Type.Literal('away'), Type.Literal('close')]), { minItems: 1, uniqueItems: true }),
  approval: Type.Boolean({ default: false, description: 'A pause for this reason needs a supervisor (pause.approve); flagged until approved (003).' }),
}, { additionalProperties: false });

const DEFAULT_REASONS = [
  { id: 'temporary', label: '临时离开', for: ['pause', 'away'], approval: false },
  { id: 'business_out', label: '外出办理业务', for: ['away'], approval: false },
  { id: 'meeting', label: '参加会议', for: ['away'], approval: false },
  { id: 'internal_work', label: '处理内部事务', for: ['pause'], approval: true },
  { id: 'system_fault', label: '系统故障', for: ['pause', 'close'], approval: false },
  { id: 'approved_closure', label: '经批准停止办理', for: ['close'], approval: false },
];

export const CounterConfigSchema = Type.Object({
  hours: Type.Object({
    sessions: Type.Array(SessionSchema, {
      minItems: 1, maxItems: 4,
      default: [{ open: '09:00', close: '12:00' }, { open: '13:30', close: '17:00' }],
      description: 'Published service hours of a working day, in order; the gap between two sessions is the lunch break.',
    }),
    by_weekday: Type.Record(Type.String({ pattern: '^[1-7]$' }), Type.Array(SessionSchema, { maxItems: 4 }), {
      default: {}, description: 'ISO weekday (1 = Monday … 7 = Sunday) → sessions, where a day differs from `sessions`.',
    }),
  }, { default: {}, additionalProperties: false }),
  calendar: Type.Object({
    holidays: Type.Array(LocalDate, { default: [], maxItems: 400, description: 'Local days off on top of the national calendar.' }),
    workdays: Type.Array(LocalDate, { default: [], maxItems: 400, description: 'Local working days (e.g. a swapped day the package lacks).' }),
    complete_years: Type.Array(Type.Integer({ minimum: 2000, maximum: 2100 }), { default: [], description: 'Years entered in full by hand from the State Council notice (count as having data).' }),
    alarm_from: Type.String({ pattern: '^(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', default: '12-01', description: 'MM-DD from which a missing coming year raises calendar.missing_year (the notice comes in November).' }),
  }, { default: {}, additionalProperties: false }),
  attendance: Type.Object({
    prep_lead_min: Minutes(10, 'At the post this long before opening (002/003/004: 10; 000: 15).', 120),
    late_grace_min: Minutes(0, 'A clock-in up to this long after opening is prep_short, not late.', 120),
    early_leave_grace_min: Minutes(0, 'A clock-out this close to closing is not early_leave.', 120),
    earliest_clock_in_min: Minutes(90, 'A clock-in more than this before a session opens is refused (attendance.too_early).', 600),
    absent_after_min: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, description: 'Absent when not clocked in this long after opening (a local 旷工 rule). Unset: decided at the session close.' })),
    day_end_after_min: Minutes(120, 'After the last closing: clock-outs still count; then missing punches are decided and the window closes.', 600),
    repeat_touch_s: Type.Integer({ minimum: 0, maximum: 600, default: 60, description: 'A second touch by the same person this soon after a punch is a repeat, not a clock-out.' }),
  }, { default: {}, additionalProperties: false }),
  away: Type.Object({
    reasons: Type.Array(ReasonSchema, { minItems: 1, maxItems: 32, default: DEFAULT_REASONS, description: 'Reasons for pausing, being away or closing during hours.' }),
    escalate_after_min: Minutes(30, 'Away longer than this without the formal notice (离岗告知手续) → away.escalated (002).', 600),
    default_return_min: Minutes(15, 'Expected return when the away key gives none.', 600),
    overdue_repeat_min: Type.Integer({ minimum: 1, maximum: 600, default: 10, description: 'away.overdue repeats this often until the return.' }),
    redirect_window: Type.String({ default: '', maxLength: 16, description: 'Window citizens are sent to while paused ("请到X号窗口办理"); empty = 其它窗口.' }),
  }, { default: {}, additionalProperties: false }),
  staff_keys: Type.Object({
    pause: Type.String({ default: 'pause', description: 'Staff key that pauses (and, pressed again, resumes) service.' }),
    away: Type.String({ default: 'away', description: 'Staff key that starts (and, pressed again, ends) an away.' }),
    pause_reason: Type.String({ default: 'temporary', description: 'Reason id a pause by key gets.' }),
    away_reason: Type.String({ default: 'temporary', description: 'Reason id an away by key gets.' }),
  }, { default: {}, additionalProperties: false }),
  roster: Type.Array(StaffEntrySchema, { default: [], maxItems: 200, description: 'Staff of this window until the center sends roster.update.' }),
  last_synced_after_min: Minutes(5, 'The nameplate shows 最后同步 HH:MM once the center has been unreachable this long.', 1440),
}, { default: {}, additionalProperties: false });

export type CounterConfig = Static<typeof CounterConfigSchema>;
export type StaffEntry = Static<typeof StaffEntrySchema>;
export type ReasonEntry = Static<typeof ReasonSchema>;
export type SessionHours = Static<typeof SessionSchema>;

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Cross-field checks the schema cannot express, each with its key path (for config/loader's semantic checks). */
export function counterConfigProblems(c: CounterConfig): Array<{ path: string[]; message: string }> {
  const out: Array<{ path: string[]; message: string }> = [];
  const checkSessions = (list: SessionHours[], path: string[]) => {
    list.forEach((s, i) => {
      if (minutesOf(s.close) <= minutesOf(s.open)) out.push({ path: [...path, String(i), 'close'], message: `must be after open (${s.open})` });
      const prev = list[i - 1];
      if (prev && minutesOf(s.open) < minutesOf(prev.close)) out.push({ path: [...path, String(i), 'open'], message: `must not be before the previous session closes (${prev.close})` });
    });
  };
  checkSessions(c.hours.sessions, ['counter', 'hours', 'sessions']);
  for (const [day, list] of Object.entries(c.hours.by_weekday)) checkSessions(list, ['counter', 'hours', 'by_weekday', day]);
  const reasonFor = (id: string, use: 'pause' | 'away') => c.away.reasons.find((r) => r.id === id && r.for.includes(use));
  if (!reasonFor(c.staff_keys.pause_reason, 'pause')) out.push({ path: ['counter', 'staff_keys', 'pause_reason'], message: `"${c.staff_keys.pause_reason}" is not a pause reason in counter.away.reasons` });
  if (!reasonFor(c.staff_keys.away_reason, 'away')) out.push({ path: ['counter', 'staff_keys', 'away_reason'], message: `"${c.staff_keys.away_reason}" is not an away reason in counter.away.reasons` });
  const ids = new Set<string>();
  c.away.reasons.forEach((r, i) => { if (ids.has(r.id)) out.push({ path: ['counter', 'away', 'reasons', String(i), 'id'], message: `duplicate reason id "${r.id}"` }); ids.add(r.id); });
  const staff = new Set<string>();
  c.roster.forEach((s, i) => { if (staff.has(s.staff_id)) out.push({ path: ['counter', 'roster', String(i), 'staff_id'], message: `duplicate staff id "${s.staff_id}"` }); staff.add(s.staff_id); });
  return out;
}
