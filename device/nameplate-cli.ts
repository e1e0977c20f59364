// `counter-edge nameplate preview|test` with the hall's sample plate: the window from config,
// the sample staff from eink.nameplate.sample, one chosen state. The panel side is drivers/eink/cli.ts.
import type { CliContext } from '../config/cli-context.ts';
import { nameplateCli } from '../drivers/eink/cli.ts';
import type { PlateContent } from '../drivers/eink/plate-content.ts';
import { nameplateContent } from './nameplate-content.ts';
import { buildNameplateView, NAMEPLATE_STATES, type NameplateState, type NameplateStatus, type NameplateView } from './nameplate-view.ts';

/** The preview nameplate view: the sample staff in one chosen state, synced "now". */
export function sampleNameplateView(ctx: Pick<CliContext, 'config'>, state: NameplateState, nowMs: number): NameplateView {
  const window = ctx.config.window;
  const board = ctx.config.eink.nameplate;
  const s = board.sample;
  const offset = window.utc_offset_minutes ?? 480;
  const status: NameplateStatus = { state };
  if (state === 'paused') status.redirectWindow = s.redirect_window;
  if (state === 'away') {
    status.reason = s.away_reason;
    status.contact = s.away_contact;
    // An expected return 30 minutes from now, the longest away without the formal notice (002).
    status.returnAt = new Date(nowMs + offset * 60_000 + 30 * 60_000).toISOString().slice(11, 16);
  }
  return buildNameplateView({
    window: { id: window.id, name: window.name || '综合受理窗口' },
    staff: { name: s.staff_name, jobNumber: s.job_number, position: s.position, duties: s.duties, ...(s.photo ? { photo: s.photo } : {}) },
    board: { supervisionPhone: board.supervision_phone, complaintPhone: board.complaint_phone, commitment: board.commitment, serviceHours: board.service_hours },
    status,
    lastSyncedMs: nowMs,
    utcOffsetMinutes: offset,
  });
}

export const runNameplateCli = nameplateCli({
  states: NAMEPLATE_STATES,
  defaultState: 'in_service',
  sample: (ctx, state, nowMs): PlateContent => nameplateContent(sampleNameplateView(ctx, state as NameplateState, nowMs)),
});
