// The preview nameplate: window from config, staff from eink.nameplate.sample, one chosen state.
// Used by `counter-edge nameplate preview` and by the simulator before anyone clocks in.
import { buildNameplateView, type NameplateState, type NameplateStatus, type NameplateView } from '../../device/nameplate-view.ts';
import type { NameplateBoard } from './config.ts';

export function sampleNameplateView(opts: {
  window: { id: string; name: string; utc_offset_minutes?: number };
  board: NameplateBoard;
  state: NameplateState;
  nowMs: number;
}): NameplateView {
  const s = opts.board.sample;
  const status: NameplateStatus = { state: opts.state };
  if (opts.state === 'paused') status.redirectWindow = s.redirect_window;
  if (opts.state === 'away') {
    status.reason = s.away_reason;
    status.contact = s.away_contact;
    // An expected return 30 minutes from now, the longest away without the formal notice (002).
    const back = new Date(opts.nowMs + (opts.window.utc_offset_minutes ?? 480) * 60_000 + 30 * 60_000).toISOString();
    status.returnAt = back.slice(11, 16);
  }
  const staff = {
    name: s.staff_name,
    jobNumber: s.job_number,
    position: s.position,
    duties: s.duties,
    ...(s.photo ? { photo: s.photo } : {}),
  };
  return buildNameplateView({
    window: { id: opts.window.id, name: opts.window.name || '综合受理窗口' },
    staff,
    board: {
      supervisionPhone: opts.board.supervision_phone,
      complaintPhone: opts.board.complaint_phone,
      commitment: opts.board.commitment,
      serviceHours: opts.board.service_hours,
    },
    status,
    lastSyncedMs: opts.nowMs,
    utcOffsetMinutes: opts.window.utc_offset_minutes ?? 480,
  });
}
