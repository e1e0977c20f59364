// The technician operations as MQTT commands from the center (cmd/fingerprint.enrol, ...).
// Schemas describe the payload without cmd_id/expires_at; handlers validate again so they are
// safe to call from anywhere (local API, tests).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FingerprintRequestError } from './codes.ts';
import type { FingerprintDriver } from './types.ts';

const StaffId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', description: 'Staff id (ASCII), e.g. S0123.' });

export const EnrolSchema = Type.Object({
  staff_id: StaffId,
  slot: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff, description: 'Module slot; default the first free one.' })),
}, { additionalProperties: false });
export const DeleteSchema = Type.Object({ staff_id: StaffId }, { additionalProperties: false });
export const ListSchema = Type.Object({}, { additionalProperties: false });

export interface FingerprintCommand {
  name: string;
  schema: TSchema;
  handler: (payload: unknown) => Promise<unknown>;
}

/** Checks a payload against a schema; the error names the field and what is wrong with it. */
export function validated<T extends TSchema>(schema: T, payload: unknown, what: string): Static<T> {
  if (Value.Check(schema, payload)) return payload;
  const first = Value.Errors(schema, payload).First();
  const where = first?.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : '(body)';
  throw new FingerprintRequestError(400, `${what}: ${where}: ${first?.message ?? 'invalid'}`);
}

export function enrolHandler(driver: FingerprintDriver) {
  return async (payload: unknown) => {
    const p = validated(EnrolSchema, payload, 'fingerprint.enrol');
    return driver.enrol(p.staff_id, p.slot);
  };
}

export function deleteHandler(driver: FingerprintDriver) {
  return async (payload: unknown) => {
    const p = validated(DeleteSchema, payload, 'fingerprint.delete');
    const { slots } = await driver.remove(p.staff_id);
    return { staff_id: p.staff_id, slots };
  };
}

export function listHandler(driver: FingerprintDriver) {
  return async (payload: unknown) => {
    validated(ListSchema, payload ?? {}, 'fingerprint.list');
    return { fingers: await driver.list() };
  };
}

export function fingerprintCommands(driver: FingerprintDriver): FingerprintCommand[] {
  return [
    { name: 'fingerprint.enrol', schema: EnrolSchema, handler: enrolHandler(driver) },
    { name: 'fingerprint.delete', schema: DeleteSchema, handler: deleteHandler(driver) },
    { name: 'fingerprint.list', schema: ListSchema, handler: listHandler(driver) },
  ];
}
