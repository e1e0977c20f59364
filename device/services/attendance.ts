// The fingerprint reader's technician side (指纹考勤, domain.md §1): enrol/list/remove routes and
// commands, the simulator's finger, and the reader's light answering each touch. What a touch means
// (clock-in, clock-out, return, unrecognized) is decided by the counter's rules (counter-shell.ts),
// which record attendance.* — not here, so nothing is recorded twice.
import type { AppContext } from '../app.ts';
import { isSimulatedFingerprint, type EnrolledFinger, type FingerprintDriver, type FingerprintParams, type LightState, type MatchEvent, type NoMatchEvent, type EnrolStepEvent } from '../../drivers/fingerprint/types.ts';
import { HttpError } from '../../core/http-router.ts';
import { FingerprintRequestError } from '../../drivers/fingerprint/codes.ts';
import { registerFingerprintRoutes } from '../../drivers/fingerprint/api.ts';
import { fingerprintCommands } from '../../drivers/fingerprint/commands.ts';
import { SlotView, type Detach } from '../driver-slot.ts';

/** The technician routes and commands hold one reader for their life: this one is whichever runs now. */
export class FingerprintSlotView extends SlotView<FingerprintDriver> implements FingerprintDriver {
  enrol(staffId: string, slot?: number): Promise<{ slot: number }> { return this.call((d) => d.enrol(staffId, slot)); }
  remove(staffId: string): Promise<{ slots: number[] }> { return this.call((d) => d.remove(staffId)); }
  list(): Promise<EnrolledFinger[]> { return this.call((d) => d.list()); }
  count(): Promise<number> { return this.call((d) => d.count()); }
  params(): Promise<FingerprintParams> { return this.call((d) => d.params()); }
  setLight(state: LightState): Promise<void> { return this.call((d) => d.setLight(state)); }

  protected override relay(d: FingerprintDriver): Detach {
    const onMatch = (e: MatchEvent) => this.emit('match', e);
    const onNoMatch = (e: NoMatchEvent) => this.emit('no_match', e);
    const onStep = (e: EnrolStepEvent) => this.emit('enrol_step', e);
    d.on('match', onMatch).on('no_match', onNoMatch).on('enrol_step', onStep);
    const offStatus = super.relay(d);
    return () => { d.off('match', onMatch).off('no_match', onNoMatch).off('enrol_step', onStep); offStatus(); };
  }

  /** A missing reader is a rejected promise the fingerprint routes answer with 503. */
  private call<T>(fn: (d: FingerprintDriver) => Promise<T>): Promise<T> {
    const reader = this.slot.current();
    if (!reader) return Promise.reject(new FingerprintRequestError(503, 'fingerprint is not enabled in the config or not started'));
    return fn(reader);
  }
}

/** A staff id as the simulator sends it (ASCII, or "unknown" for a finger nobody enrolled). */
function simStaffId(body: unknown, usage: string): string {
  const staff = body && typeof body === 'object' ? (body as { staff_id?: unknown }).staff_id : undefined;
  if (typeof staff !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(staff)) throw new HttpError(400, usage);
  return staff;
}

export async function attendancePlugin(ctx: AppContext): Promise<() => Promise<void>> {
  const slot = ctx.drivers.fingerprint;
  const stopFollowing = slot.onSwap((reader) => {
    const onMatch = () => { void reader.setLight('matched').catch(() => undefined); };
    const onNoMatch = () => { void reader.setLight('not_matched').catch(() => undefined); };
    reader.on('match', onMatch).on('no_match', onNoMatch);
    return () => { reader.off('match', onMatch).off('no_match', onNoMatch); };
  });
  const simulated = () => {
    const d = slot.current();
    if (!d || !isSimulatedFingerprint(d)) throw new HttpError(409, 'the fingerprint backend is not sim: fingers touch the real reader');
    return d;
  };
  // Registered before the driver's own routes so the sim check happens per request (a reload may change the backend).
  ctx.router.route('POST', '/api/sim/finger', (req) => {
    const d = simulated();
    const staff = simStaffId(req.body, 'body must be {"staff_id":"<id>"} (ASCII, or "unknown")');
    d.touch(staff);
    return { ok: true, staff_id: staff };
  });
  // The simulator's "enrol": the simulated finger is placed whenever the reader asks for it.
  ctx.router.route('POST', '/api/sim/enrol', async (req) => {
    const d = simulated();
    const staff = simStaffId(req.body, 'body must be {"staff_id":"<id>"}');
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
  const reader = new FingerprintSlotView(slot);
  await reader.start();
  registerFingerprintRoutes(ctx.router, reader);
  // Enrolment waits for two placements (enrol_timeout_ms each) and the module's work in between.
  const timeoutMs = 2 * ctx.config.fingerprint.enrol_timeout_ms + 15_000;
  for (const c of fingerprintCommands(reader)) ctx.mqtt.commands.register(c.name, c.schema, (p) => c.handler(p), { timeoutMs });
  return async () => {
    stopFollowing();
    await reader.stop();
  };
}
