// Fingerprint → attendance events (指纹考勤, domain.md §1). Only staff_id, slot and score leave the
// reader; templates stay on the module. The lateness rules (prep short, late, absent) build on these.
import type { AppContext } from '../app.ts';
import { isSimulatedFingerprint, type FingerprintDriver, type MatchEvent, type NoMatchEvent, type EnrolStepEvent } from '../../drivers/fingerprint/types.ts';
import { HttpError } from '../../core/http-router.ts';
import { registerFingerprintRoutes } from '../../drivers/fingerprint/api.ts';
import { fingerprintCommands } from '../../drivers/fingerprint/commands.ts';
import { liveDriver } from '../live-driver.ts';

export function attendancePlugin(ctx: AppContext): void {
  ctx.wireDriver('fingerprint', (d) => {
    const reader = d as FingerprintDriver;
    reader.on('match', (m: MatchEvent) => {
      void reader.setLight('matched').catch(() => undefined);
      ctx.append({ type: 'attendance.clock', staff_id: m.staff_id, data: { staff_id: m.staff_id, slot: m.slot, score: m.score, mono_ms: Math.round(m.mono_ms) } });
    });
    reader.on('no_match', (n: NoMatchEvent) => {
      void reader.setLight('not_matched').catch(() => undefined);
      ctx.append({ type: 'attendance.unrecognized', data: { reason: n.reason, mono_ms: Math.round(n.mono_ms) } });
    });
  });
  const reader = liveDriver<FingerprintDriver>(ctx, 'fingerprint');
  // Registered before the driver's own routes so the sim check happens per request (a reload may change the backend).
  ctx.router.route('POST', '/api/sim/finger', (req) => {
    const d = ctx.drivers.fingerprint as FingerprintDriver | undefined;
    if (!d || !isSimulatedFingerprint(d)) throw new HttpError(409, 'the fingerprint backend is not sim: fingers touch the real reader');
    const staff = (req.body as { staff_id?: unknown } | undefined)?.staff_id;
    if (typeof staff !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(staff)) throw new HttpError(400, 'body must be {"staff_id":"<id>"} (ASCII, or "unknown")');
    d.touch(staff);
    return { ok: true, staff_id: staff };
  });
  // The simulator's "enrol": the simulated finger is placed whenever the reader asks for it.
  ctx.router.route('POST', '/api/sim/enrol', async (req) => {
    const d = ctx.drivers.fingerprint as FingerprintDriver | undefined;
    if (!d || !isSimulatedFingerprint(d)) throw new HttpError(409, 'the fingerprint backend is not sim');
    const staff = (req.body as { staff_id?: unknown } | undefined)?.staff_id;
    if (typeof staff !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(staff)) throw new HttpError(400, 'body must be {"staff_id":"<id>"}');
    const onStep = (e: EnrolStepEvent) => { if (e.staff_id === staff && (e.step === 'place' || e.step === 'place_again')) d.touch(staff); };
    d.on('enrol_step', onStep);
    try {
      return await d.enrol(staff);
    } catch (err) {
      throw new HttpError(422, (err as Error).message);
    } finally {
      d.off('enrol_step', onStep);
    }
  });
  registerFingerprintRoutes(ctx.router, reader);
  // Enrolment waits for two placements (enrol_timeout_ms each) and the module's work in between.
  const timeoutMs = 2 * ctx.config.fingerprint.enrol_timeout_ms + 15_000;
  for (const c of fingerprintCommands(reader)) ctx.mqtt.commands.register(c.name, c.schema, (p) => c.handler(p), { timeoutMs });
}
