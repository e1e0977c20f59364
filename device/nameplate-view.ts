// What the e-ink nameplate (席卡/台签) shows: the "四亮" of 001 (identity, duties, commitment,
// supervision), the window sign and service hours (003), the complaint phone (002/004) and a status
// banner that follows the window (domain.md §2–3). Pure data; the eink driver renders it.

export type NameplateState = 'not_open' | 'in_service' | 'paused' | 'away' | 'closed';

export const NAMEPLATE_STATES: readonly NameplateState[] = ['not_open', 'in_service', 'paused', 'away', 'closed'];

/** The banner's headline per state, in the hall's wording. */
export const STATE_TITLES: Record<NameplateState, string> = {
  not_open: '未开始服务',
  in_service: '在岗服务',
  paused: '暂停服务',
  away: '离岗',
  closed: '下班',
};

export interface NameplateStaff {
  name: string;
  /** 工号 */
  jobNumber: string;
  /** 职务 */
  position?: string;
  /** 职责 */
  duties?: string;
  /** A file path or image bytes (PNG/JPEG); drawn dithered. */
  photo?: string | Uint8Array;
}

export interface NameplateStatus {
  state: NameplateState;
  /** paused: the window citizens are sent to ("请到X号窗口办理", 002/003). */
  redirectWindow?: string;
  /** away: reason shown on the 离岗告知牌 (002). */
  reason?: string;
  /** away: whom to contact (002). */
  contact?: string;
  /** away: expected return, local "HH:MM". */
  returnAt?: string;
  /** closed: "下班" by default; e.g. "暂停办理" for an approved closure. */
  closedText?: string;
}

export interface NameplateView {
  window: { number: string; name: string };
  /** Absent when nobody is signed in (not_open/closed without staff). */
  staff?: NameplateStaff;
  /** 监督电话 */
  supervisionPhone?: string;
  /** 投诉电话 */
  complaintPhone?: string;
  /** 服务承诺 */
  commitment?: string;
  /** 营业时间 */
  serviceHours?: string;
  status: NameplateStatus;
  /** Small "last synced" mark, already formatted (e.g. "11-23 09:00"); absent = never synced. */
  lastSynced?: string;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Throws naming every bad field; a view that passes can always be drawn. */
export function validateNameplateView(v: NameplateView): void {
  const errs: string[] = [];
  if (!v || typeof v !== 'object') throw new Error('nameplate view: not an object');
  if (!v.window || typeof v.window.number !== 'string' || !v.window.number.trim()) errs.push('window.number: required');
  if (v.window && typeof v.window.name !== 'string') errs.push('window.name: must be a string');
  if (!v.status || !NAMEPLATE_STATES.includes(v.status.state)) errs.push(`status.state: one of ${NAMEPLATE_STATES.join(', ')} (got ${JSON.stringify(v.status?.state)})`);
  if (v.staff) {
    if (typeof v.staff.name !== 'string' || !v.staff.name.trim()) errs.push('staff.name: required when staff is given');
    if (typeof v.staff.jobNumber !== 'string') errs.push('staff.jobNumber: must be a string');
  }
  if (v.status?.state === 'in_service' && !v.staff) errs.push('staff: required in state in_service (四亮: who serves must be shown)');
  if (v.status?.returnAt !== undefined && !HHMM.test(v.status.returnAt)) errs.push(`status.returnAt: HH:MM (got ${JSON.stringify(v.status.returnAt)})`);
  if (errs.length) throw new Error(`nameplate view invalid: ${errs.join('; ')}`);
}

export interface NameplateSource {
  window: { id: string; name: string };
  staff?: NameplateStaff;
  board: { supervisionPhone?: string; complaintPhone?: string; commitment?: string; serviceHours?: string };
  status: NameplateStatus;
  /** Epoch ms of the last sync with the center; formatted in the hall's local time. */
  lastSyncedMs?: number;
  utcOffsetMinutes?: number;
}

/** Builds the view from the window, who is signed in and the window state. */
export function buildNameplateView(src: NameplateSource): NameplateView {
  const view: NameplateView = {
    window: { number: src.window.id, name: src.window.name },
    status: { ...src.status },
  };
  if (src.staff) view.staff = { ...src.staff };
  const b = src.board;
  if (b.supervisionPhone) view.supervisionPhone = b.supervisionPhone;
  if (b.complaintPhone) view.complaintPhone = b.complaintPhone;
  if (b.commitment) view.commitment = b.commitment;
  if (b.serviceHours) view.serviceHours = b.serviceHours;
  if (src.lastSyncedMs !== undefined) view.lastSynced = formatLocal(src.lastSyncedMs, src.utcOffsetMinutes ?? 480);
  validateNameplateView(view);
  return view;
}

/** "MM-DD HH:MM" in local time. */
export function formatLocal(epochMs: number, offsetMinutes: number): string {
  const iso = new Date(epochMs + offsetMinutes * 60_000).toISOString();
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}
