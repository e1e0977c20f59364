// Confirmation codes of the R30x / R503 / AS608 family (first payload byte of an acknowledge
// packet), from the R503 user manual's confirmation-code table and the R30x / AS608 manuals.
// Each maps to a short machine reason (no_match events, MQTT errors) and a message for people.

export interface ConfirmationInfo { reason: string; message: string }

const TABLE: Record<number, ConfirmationInfo> = {
  0x00: { reason: 'ok', message: 'command completed' },
  0x01: { reason: 'packet_error', message: 'the module reported an error receiving the command packet' },
  0x02: { reason: 'no_finger', message: 'no finger on the sensor' },
  0x03: { reason: 'image_fail', message: 'the sensor failed to capture the finger image' },
  0x06: { reason: 'image_messy', message: 'the finger image is too messy to extract features' },
  0x07: { reason: 'few_features', message: 'the finger image has too few feature points (press the finger flatter)' },
  0x08: { reason: 'not_match', message: 'the finger does not match' },
  0x09: { reason: 'not_found', message: 'no enrolled finger matches' },
  0x0a: { reason: 'merge_fail', message: 'the two captures could not be merged (were they the same finger?)' },
  0x0b: { reason: 'bad_slot', message: 'the slot is outside the module library' },
  0x0c: { reason: 'read_template_fail', message: 'the module could not read the template from its library' },
  0x0d: { reason: 'upload_fail', message: 'the module failed to upload features' },
  0x0e: { reason: 'receive_fail', message: 'the module cannot receive the following data packets' },
  0x0f: { reason: 'upload_image_fail', message: 'the module failed to upload the image' },
  0x10: { reason: 'delete_fail', message: 'the module failed to delete the template' },
  0x11: { reason: 'clear_fail', message: 'the module failed to clear its library' },
  0x13: { reason: 'bad_password', message: 'wrong module password (check fingerprint.password)' },
  0x15: { reason: 'no_image', message: 'no valid image in the buffer' },
  0x18: { reason: 'flash_error', message: 'the module failed to write its flash' },
  0x19: { reason: 'undefined_error', message: 'the module reported an undefined error' },
  0x1a: { reason: 'bad_register', message: 'invalid register number' },
  0x1b: { reason: 'bad_register_config', message: 'incorrect register configuration' },
  0x1c: { reason: 'bad_notepad_page', message: 'wrong notepad page number' },
  0x1d: { reason: 'port_fail', message: 'the module failed to operate its communication port' },
  0x1e: { reason: 'auto_enrol_fail', message: 'automatic enrolment failed' },
  0x1f: { reason: 'library_full', message: 'the fingerprint library on the module is full' },
  0x20: { reason: 'bad_address', message: 'wrong module address (check fingerprint.address)' },
  0x21: { reason: 'password_required', message: 'the module requires password verification first' },
  0x22: { reason: 'template_not_empty', message: 'the slot already holds a template' },
  0x23: { reason: 'template_empty', message: 'the slot holds no template' },
  0x24: { reason: 'library_empty', message: 'the fingerprint library is empty' },
  0x25: { reason: 'bad_enrol_count', message: 'wrong enrolment count setting' },
  0x26: { reason: 'module_timeout', message: 'the module timed out waiting for the finger' },
  0x27: { reason: 'already_enrolled', message: 'this finger is already enrolled' },
  0x28: { reason: 'features_related', message: 'the features are related to another template' },
  0x29: { reason: 'sensor_fail', message: 'the sensor operation failed' },
  0x2a: { reason: 'info_not_empty', message: 'module information is not empty' },
  0x2b: { reason: 'info_empty', message: 'module information is empty' },
  0x33: { reason: 'image_small', message: 'the finger image area is too small' },
  0x34: { reason: 'image_unavailable', message: 'the finger image is unavailable' },
  0x35: { reason: 'illegal_data', message: 'illegal data' },
};

export function confirmationInfo(code: number): ConfirmationInfo {
  return TABLE[code] ?? { reason: `code_0x${code.toString(16).padStart(2, '0')}`, message: `unknown confirmation code 0x${code.toString(16).padStart(2, '0')}` };
}

/** The module answered, but not with 0x00. */
export class ModuleError extends Error {
  readonly reason: string;
  constructor(readonly command: string, readonly code: number, where: string) {
    const info = confirmationInfo(code);
    super(`fingerprint module at ${where}: ${command} failed: ${info.message} (code 0x${code.toString(16).padStart(2, '0')})`);
    this.name = 'ModuleError';
    this.reason = info.reason;
  }
}

/** The module did not answer (or answered with a broken packet) in time. */
export class ModuleTimeoutError extends Error {
  constructor(readonly command: string, readonly timeoutMs: number, where: string) {
    super(`fingerprint module at ${where} did not answer ${command} within ${timeoutMs} ms`);
    this.name = 'ModuleTimeoutError';
  }
}

export const KNOWN_CODES: readonly number[] = Object.keys(TABLE).map(Number);

/** Writing to the transport failed: the device is gone (the driver reports fault and reopens). */
export class TransportError extends Error {
  constructor(message: string) { super(message); this.name = 'TransportError'; }
}

/** A request the driver refuses (bad staff id, occupied slot, unknown staff); status is an HTTP code. */
export class FingerprintRequestError extends Error {
  constructor(readonly status: 400 | 404 | 408 | 409 | 503, message: string) { super(message); this.name = 'FingerprintRequestError'; }
}
