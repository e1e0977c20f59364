// Local API routes, so technicians' CLI calls go through the service that owns the serial port.
import { HttpError, type ApiRouter } from '../../core/http-router.ts';
import { FingerprintRequestError, ModuleError, ModuleTimeoutError } from './codes.ts';
import { deleteHandler, enrolHandler, listHandler, validated } from './commands.ts';
import { Type } from '@sinclair/typebox';
import { isSimulatedFingerprint, type FingerprintDriver } from './types.ts';

const FingerSchema = Type.Object({ staff_id: Type.Union([Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }), Type.Literal('unknown')]) }, { additionalProperties: false });

/** Driver errors become HTTP statuses: refused requests keep theirs, module answers are 422, silence 504. */
function http<T>(fn: () => Promise<T>): Promise<T> {
  return fn().catch((err: unknown) => {
    if (err instanceof FingerprintRequestError) throw new HttpError(err.status, err.message);
    if (err instanceof ModuleError) throw new HttpError(422, err.message);
    if (err instanceof ModuleTimeoutError) throw new HttpError(504, err.message);
    throw new HttpError(500, err instanceof Error ? err.message : String(err));
  });
}

export function registerFingerprintRoutes(router: ApiRouter, driver: FingerprintDriver): void {
  const enrol = enrolHandler(driver);
  const remove = deleteHandler(driver);
  const list = listHandler(driver);
  router.route('POST', '/api/fingerprint/enrol', (req) => http(() => enrol(req.body ?? {})));
  router.route('POST', '/api/fingerprint/delete', (req) => http(() => remove(req.body ?? {})));
  router.route('GET', '/api/fingerprint/list', () => http(() => list({})));
  if (isSimulatedFingerprint(driver)) {
    const sim = driver;
    router.route('POST', '/api/sim/finger', (req) => http(async () => {
      const { staff_id } = validated(FingerSchema, req.body ?? {}, 'sim finger');
      sim.touch(staff_id);
      return { ok: true };
    }));
  }
}
