// What the nameplate (席卡/台签) shows: the window, who serves here and the window's state
// (domain.md §3). Fingerprint clock-ins put the staff member on it; the center (or a technician)
// sets paused/away/closed with the `nameplate.show` command or POST /api/nameplate.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { AppContext } from '../app.ts';
import { HttpError } from '../../core/http-router.ts';
import { buildNameplateView, NAMEPLATE_STATES, type NameplateStaff, type NameplateState, type NameplateStatus, type NameplateView } from '../nameplate-view.ts';
import { nameplateContent } from '../nameplate-content.ts';
import { registerEinkRoutes } from '../../drivers/eink/api.ts';
import type { MatchEvent } from '../../drivers/fingerprint/types.ts';

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
export const NameplateShowSchema = Type.Object({
  state: Type.Union(NAMEPLATE_STATES.map((s) => Type.Literal(s))),
  staff: Type.Optional(Type.Object({
    name: Text(16), job_number: Text(16), position: Type.Optional(Text(24)), duties: Type.Optional(Text(80)),
  }, { additionalProperties: false })),
  redirect_window: Type.Optional(Text(8)),
  reason: Type.Optional(Text(24)),
  contact: Type.Optional(Text(32)),
  return_at: Type.Optional(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' })),
  closed_text: Type.Optional(Text(12)),
}, { additionalProperties: false });
type ShowRequest = Static<typeof NameplateShowSchema>;

/** What the nameplate shows: who is signed in and the window's state. */
interface Plate { staff: NameplateStaff | undefined; status: NameplateStatus }

function staffOf(s: NonNullable<ShowRequest['staff']>): NameplateStaff {
  return { name: s.name, jobNumber: s.job_number, ...(s.position ? { position: s.position } : {}), ...(s.duties ? { duties: s.duties } : {}) };
}

function statusOf(req: ShowRequest): NameplateStatus {
  const status: NameplateStatus = { state: req.state };
  if (req.redirect_window) status.redirectWindow = req.redirect_window;
  if (req.reason) status.reason = req.reason;
  if (req.contact) status.contact = req.contact;
  if (req.return_at) status.returnAt = req.return_at;
  if (req.closed_text) status.closedText = req.closed_text;
  return status;
}

export function nameplatePlugin(ctx: AppContext): () => Promise<void> {
  const board = () => ctx.config.eink.nameplate;
  // Before anyone clocks in, a simulated counter shows the sample staff so the page has something to look at.
  let plate: Plate = {
    staff: ctx.config.eink.backend === 'sim'
      ? { name: board().sample.staff_name, jobNumber: board().sample.job_number, position: board().sample.position, duties: board().sample.duties }
      : undefined,
    status: { state: 'not_open' },
  };

  /** The view of a plate; throws naming what is wrong when the plate cannot be shown. */
  const viewOf = (p: Plate): NameplateView => buildNameplateView({
    window: { id: ctx.config.window.id, name: ctx.config.window.name || ctx.config.window.id },
    ...(p.staff ? { staff: p.staff } : {}),
    board: { supervisionPhone: board().supervision_phone, complaintPhone: board().complaint_phone, commitment: board().commitment, serviceHours: board().service_hours },
    status: p.status, lastSyncedMs: ctx.clock.now(), utcOffsetMinutes: ctx.config.window.utc_offset_minutes,
  });

  const show = (view: NameplateView) => {
    ctx.mqtt.setState('nameplate', { status: plate.status, staff: plate.staff ? { name: plate.staff.name, job_number: plate.staff.jobNumber } : null });
    ctx.drivers.eink.current()?.show(nameplateContent(view)).catch((err) => ctx.logger.warn('nameplate view rejected', { err }));
  };
  const render = () => {
    try { show(viewOf(plate)); } catch (err) { ctx.logger.error('the nameplate cannot be drawn', { err }); }
  };

  /**
   * Decided before it acts: a plate that cannot be shown is refused (409) before anything changes,
   * so a refused command records no window.state and its cmd_res agrees with the events.
   */
  const change = (next: Plate): { state: NameplateState; staff: string | null } => {
    let view: NameplateView;
    try {
      view = viewOf(next);
    } catch (err) {
      throw new HttpError(409, `nameplate: refused: ${(err as Error).message.replace(/^nameplate view invalid: /, '')}`);
    }
    plate = next;
    const { staff, status } = next;
    ctx.append({ type: 'window.state', ...(staff ? { staff_id: staff.jobNumber } : {}), data: { state: status.state, ...(status.reason ? { reason: status.reason } : {}), ...(status.redirectWindow ? { redirect_window: status.redirectWindow } : {}), ...(status.returnAt ? { return_at: status.returnAt } : {}) } });
    show(view);
    return { state: status.state, staff: staff?.jobNumber ?? null };
  };
  const apply = (req: ShowRequest) => change({ staff: req.staff ? staffOf(req.staff) : plate.staff, status: statusOf(req) });

  const onMatch = (m: MatchEvent) => {
    // A clock-in puts the person on the nameplate (a substitute takes it over, domain.md §1).
    const staff = plate.staff?.jobNumber === m.staff_id ? plate.staff : { name: m.staff_id, jobNumber: m.staff_id };
    if (plate.status.state !== 'not_open' && plate.status.state !== 'closed') {
      plate = { ...plate, staff };
      render();
      return;
    }
    try { change({ staff, status: { state: 'in_service' } }); } catch (err) { ctx.logger.error('a clock-in could not open the window', { err }); }
  };
  const offEink = ctx.drivers.eink.onSwap(() => { setImmediate(render); });
  const offFingerprint = ctx.drivers.fingerprint.onSwap((reader) => {
    reader.on('match', onMatch);
    return () => { reader.off('match', onMatch); };
  });
  // The last frame, from whichever panel driver runs now.
  const eink = ctx.drivers.eink;
  registerEinkRoutes(ctx.router, { lastPng: () => eink.require().lastPng(), status: () => eink.require().status() });
  const validate = (body: unknown): ShowRequest => {
    if (Value.Check(NameplateShowSchema, body)) return body;
    const e = Value.Errors(NameplateShowSchema, body).First();
    throw new HttpError(400, `nameplate: ${e?.path || '(body)'}: ${e?.message ?? 'invalid'}`);
  };
  ctx.router.route('POST', '/api/nameplate', (req) => apply(validate(req.body)));
  ctx.mqtt.commands.register('nameplate.show', NameplateShowSchema, async (p) => apply(p));
  return async () => { offEink(); offFingerprint(); };
}
