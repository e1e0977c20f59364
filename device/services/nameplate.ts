// What the nameplate (席卡/台签) shows: the window, who serves here and the window's state
// (domain.md §3). Fingerprint clock-ins put the staff member on it; the center (or a technician)
// sets paused/away/closed with the `nameplate.show` command or POST /api/nameplate.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { AppContext } from '../app.ts';
import { HttpError } from '../../core/http-router.ts';
import { buildNameplateView, NAMEPLATE_STATES, type NameplateStaff, type NameplateStatus } from '../nameplate-view.ts';
import type { EinkDriver } from '../../drivers/eink/types.ts';
import { nameplateContent } from '../nameplate-content.ts';
import { registerEinkRoutes } from '../../drivers/eink/api.ts';
import type { FingerprintDriver, MatchEvent } from '../../drivers/fingerprint/types.ts';
import { liveDriver } from '../live-driver.ts';

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

export function nameplatePlugin(ctx: AppContext): () => Promise<void> {
  const board = () => ctx.config.eink.nameplate;
  // Before anyone clocks in, a simulated counter shows the sample staff so the page has something to look at.
  let staff: NameplateStaff | undefined = ctx.config.eink.backend === 'sim'
    ? { name: board().sample.staff_name, jobNumber: board().sample.job_number, position: board().sample.position, duties: board().sample.duties }
    : undefined;
  let status: NameplateStatus = { state: 'not_open' };

  const render = () => {
    const view = buildNameplateView({
      window: { id: ctx.config.window.id, name: ctx.config.window.name || ctx.config.window.id },
      ...(staff ? { staff } : {}),
      board: { supervisionPhone: board().supervision_phone, complaintPhone: board().complaint_phone, commitment: board().commitment, serviceHours: board().service_hours },
      status, lastSyncedMs: ctx.clock.now(), utcOffsetMinutes: ctx.config.window.utc_offset_minutes,
    });
    ctx.mqtt.setState('nameplate', { status, staff: staff ? { name: staff.name, job_number: staff.jobNumber } : null });
    const eink = ctx.drivers.eink as EinkDriver | undefined;
    if (!eink) return;
    Promise.resolve().then(() => eink.show(nameplateContent(view))).catch((err) => ctx.logger.warn('nameplate view rejected', { err }));
  };

  const apply = (req: ShowRequest) => {
    if (req.staff) staff = { name: req.staff.name, jobNumber: req.staff.job_number, ...(req.staff.position ? { position: req.staff.position } : {}), ...(req.staff.duties ? { duties: req.staff.duties } : {}) };
    status = { state: req.state };
    if (req.redirect_window) status.redirectWindow = req.redirect_window;
    if (req.reason) status.reason = req.reason;
    if (req.contact) status.contact = req.contact;
    if (req.return_at) status.returnAt = req.return_at;
    if (req.closed_text) status.closedText = req.closed_text;
    ctx.append({ type: 'window.state', ...(staff ? { staff_id: staff.jobNumber } : {}), data: { state: req.state, ...(status.reason ? { reason: status.reason } : {}), ...(status.redirectWindow ? { redirect_window: status.redirectWindow } : {}), ...(status.returnAt ? { return_at: status.returnAt } : {}) } });
    render();
    return { state: status.state, staff: staff?.jobNumber ?? null };
  };

  ctx.wireDriver('eink', () => setImmediate(render));
  ctx.wireDriver('fingerprint', (d) => {
    (d as FingerprintDriver).on('match', (m: MatchEvent) => {
      // A clock-in puts the person on the nameplate (a substitute takes it over, domain.md §1).
      if (staff?.jobNumber !== m.staff_id) staff = { name: m.staff_id, jobNumber: m.staff_id };
      if (status.state === 'not_open' || status.state === 'closed') apply({ state: 'in_service' });
      else render();
    });
  });
  registerEinkRoutes(ctx.router, liveDriver<EinkDriver>(ctx, 'eink'));
  const validate = (body: unknown): ShowRequest => {
    if (Value.Check(NameplateShowSchema, body)) return body;
    const e = Value.Errors(NameplateShowSchema, body).First();
    throw new HttpError(400, `nameplate: ${e?.path || '(body)'}: ${e?.message ?? 'invalid'}`);
  };
  ctx.router.route('POST', '/api/nameplate', (req) => apply(validate(req.body)));
  ctx.mqtt.commands.register('nameplate.show', NameplateShowSchema, async (p) => apply(p));
  return async () => undefined;
}
