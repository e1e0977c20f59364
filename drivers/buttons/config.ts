// Config section `buttons` (owned by the buttons driver; config/schema.ts composes it).
// Every backend maps its raw codes (key code, BCM pin, report byte, Firmata pin) to the configured
// evaluation keys; validateButtonsConfig() checks those cross-references with key paths.
import { Type, type Static } from '@sinclair/typebox';

const KeyName = Type.String({ pattern: '^[a-z][a-z0-9_]*$' });

/** Linux key code: a name from drivers/buttons/evdev-codes.ts (KEY_1, KEY_F1, KEY_KP1, BTN_0, ...) or a number. */
const EvdevCode = Type.Union([Type.String({ pattern: '^(KEY|BTN)_[A-Z0-9_]+$' }), Type.Integer({ minimum: 0, maximum: 0x2ff })]);

export const EvdevSchema = Type.Object({
  device: Type.Optional(Type.String({ description: 'Input device path, e.g. /dev/input/by-path/platform-gpio-keys-event or /dev/input/event0.' })),
  name: Type.Optional(Type.String({ description: 'Or: the input device name to look up in sysfs (e.g. gpio_keys, or the keypad\'s USB name).' })),
  codes: Type.Record(KeyName, EvdevCode, { description: 'Evaluation key → Linux key code (KEY_1 or 2).' }),
  grab: Type.Boolean({ default: true, description: 'EVIOCGRAB the device so a USB keypad does not type into a console (needs the optional koffi package).' }),
  sysfs_root: Type.String({ default: '/sys', description: 'Where /class/input lives (tests point this at a fake tree).' }),
}, { additionalProperties: false });

export const OnoffSchema = Type.Object({
  pins: Type.Record(KeyName, Type.Integer({ minimum: 0, maximum: 57 }), { description: 'Evaluation key → BCM pin number (GPIO17 = 17).' }),
  active_low: Type.Boolean({ default: true, description: 'Buttons close to ground with a pull-up (pressed = low).' }),
  sysfs_root: Type.String({ default: '/sys', description: 'Where /class/gpio lives (used to find the pin controller chip base).' }),
}, { additionalProperties: false });

const HidMatch = Type.Object({
  byte: Type.Integer({ minimum: 0, maximum: 63, description: 'Report byte index (byte 0 is the report id on numbered reports).' }),
  to_byte: Type.Optional(Type.Integer({ minimum: 0, maximum: 63, description: 'Match value in any byte byte..to_byte (keyboard reports list keys in bytes 2..7).' })),
  value: Type.Optional(Type.Integer({ minimum: 0, maximum: 255, description: 'Down when the byte equals this value.' })),
  mask: Type.Optional(Type.Integer({ minimum: 1, maximum: 255, description: 'Down when (byte & mask) != 0.' })),
}, { additionalProperties: false });

export const HidSchema = Type.Object({
  vendor_id: Type.Integer({ minimum: 0, maximum: 0xffff }),
  product_id: Type.Integer({ minimum: 0, maximum: 0xffff }),
  path: Type.Optional(Type.String({ description: 'A hidraw path when several identical keypads are attached.' })),
  keys: Type.Record(KeyName, HidMatch, { description: 'Evaluation key → where it shows in the input report.' }),
}, { additionalProperties: false });

export const FirmataSchema = Type.Object({
  port: Type.String({ description: 'Serial device of the board, e.g. /dev/ttyACM0 or /dev/serial/by-id/...' }),
  baud: Type.Integer({ minimum: 1200, default: 57600 }),
  pins: Type.Record(KeyName, Type.Integer({ minimum: 0, maximum: 127 }), { description: 'Evaluation key → board digital pin.' }),
  pullup: Type.Boolean({ default: true, description: 'Use INPUT_PULLUP; buttons close to ground (pressed = low).' }),
  handshake_ms: Type.Integer({ minimum: 100, default: 5000, description: 'How long to wait for the firmware version after opening (boards reset on open).' }),
  heartbeat_ms: Type.Integer({ minimum: 0, default: 5000, description: 'Ask the board for its version this often; two missed answers = fault (0 = off). Catches a hung board or a hangup the serial layer does not report.' }),
}, { additionalProperties: false });

export const LightsSchema = Type.Object({
  leds_root: Type.String({ default: '/sys/class/leds' }),
  leds: Type.Record(KeyName, Type.String({ pattern: '^[^/]+$' }), { default: {}, description: 'Evaluation key → LED name under leds_root (from the gpio-leds overlay).' }),
  buzzer: Type.Optional(Type.String({ pattern: '^[^/]+$', description: 'LED-class name of the buzzer (a gpio-leds entry).' })),
}, { additionalProperties: false });

export const ButtonsConfigSchema = Type.Object({
  enabled: Type.Boolean({ default: true }),
  backend: Type.Union([Type.Literal('sim'), Type.Literal('evdev'), Type.Literal('onoff'), Type.Literal('hid'), Type.Literal('firmata')], { default: 'sim', description: 'Which hardware reads the evaluation keys.' }),
  keys: Type.Array(KeyName, {
    minItems: 2, maxItems: 16, uniqueItems: true,
    default: ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied'],
    description: 'Every key the hardware reports: the evaluation levels (best first, 4 or 5), then any staff keys the keypad has (call, complete, pause …); the counter config says which is which.',
  }),
  debounce_ms: Type.Integer({ minimum: 0, maximum: 500, default: 30, description: 'A level must be stable this long to count (0 with gpio-keys, which debounces in the kernel).' }),
  hold_ms: Type.Integer({ minimum: 100, default: 1500 }),
  stuck_ms: Type.Integer({ minimum: 1000, default: 30_000 }),
  retry_min_ms: Type.Integer({ minimum: 10, default: 1000, description: 'First reopen delay after a fault.' }),
  retry_max_ms: Type.Integer({ minimum: 10, default: 60_000, description: 'Cap of the reopen backoff.' }),
  evdev: Type.Optional(EvdevSchema),
  onoff: Type.Optional(OnoffSchema),
  hid: Type.Optional(HidSchema),
  firmata: Type.Optional(FirmataSchema),
  lights: Type.Optional(LightsSchema),
}, { default: {}, additionalProperties: false });

export type ButtonsConfig = Static<typeof ButtonsConfigSchema>;
export type EvdevConfig = Static<typeof EvdevSchema>;
export type OnoffConfig = Static<typeof OnoffSchema>;
export type HidConfig = Static<typeof HidSchema>;
export type HidKeyMatch = Static<typeof HidMatch>;
export type FirmataConfig = Static<typeof FirmataSchema>;
export type LightsConfig = Static<typeof LightsSchema>;

/** A problem the schema cannot see (cross references), named by its key path. */
export interface ButtonsConfigIssue { path: string; message: string }

/** Checks that the selected backend's section exists and maps exactly the configured keys. */
export function validateButtonsConfig(cfg: ButtonsConfig): ButtonsConfigIssue[] {
  const issues: ButtonsConfigIssue[] = [];
  const known = new Set(cfg.keys);
  const checkMap = (path: string, map: Record<string, unknown> | undefined, required: boolean) => {
    if (!map) return;
    for (const k of Object.keys(map)) {
      if (!known.has(k)) issues.push({ path: `${path}.${k}`, message: `'${k}' is not one of buttons.keys (${cfg.keys.join(', ')})` });
    }
    if (required) {
      for (const k of cfg.keys) if (!(k in map)) issues.push({ path, message: `no mapping for key '${k}'` });
    }
  };
  if (cfg.retry_max_ms < cfg.retry_min_ms) issues.push({ path: 'buttons.retry_max_ms', message: 'must be >= buttons.retry_min_ms' });
  if (cfg.stuck_ms <= cfg.hold_ms) issues.push({ path: 'buttons.stuck_ms', message: 'must be longer than buttons.hold_ms' });
  const backend = cfg.backend;
  if (backend !== 'sim' && !cfg[backend]) issues.push({ path: `buttons.${backend}`, message: `backend '${backend}' needs a buttons.${backend} section` });
  if (cfg.evdev) {
    checkMap('buttons.evdev.codes', cfg.evdev.codes, backend === 'evdev');
    if (backend === 'evdev' && !cfg.evdev.device && !cfg.evdev.name) issues.push({ path: 'buttons.evdev', message: 'set device (a /dev/input path) or name' });
    const codes = Object.values(cfg.evdev.codes).map(String);
    if (new Set(codes).size !== codes.length) issues.push({ path: 'buttons.evdev.codes', message: 'two keys share one code' });
  }
  if (cfg.onoff) {
    checkMap('buttons.onoff.pins', cfg.onoff.pins, backend === 'onoff');
    const pins = Object.values(cfg.onoff.pins);
    if (new Set(pins).size !== pins.length) issues.push({ path: 'buttons.onoff.pins', message: 'two keys share one pin' });
  }
  if (cfg.hid) {
    checkMap('buttons.hid.keys', cfg.hid.keys, backend === 'hid');
    for (const [k, m] of Object.entries(cfg.hid.keys)) {
      if ((m.value === undefined) === (m.mask === undefined)) issues.push({ path: `buttons.hid.keys.${k}`, message: 'set exactly one of value or mask' });
      if (m.to_byte !== undefined && m.to_byte < m.byte) issues.push({ path: `buttons.hid.keys.${k}.to_byte`, message: 'must be >= byte' });
    }
  }
  if (cfg.firmata) {
    checkMap('buttons.firmata.pins', cfg.firmata.pins, backend === 'firmata');
    const pins = Object.values(cfg.firmata.pins);
    if (new Set(pins).size !== pins.length) issues.push({ path: 'buttons.firmata.pins', message: 'two keys share one pin' });
  }
  if (cfg.lights) checkMap('buttons.lights.leds', cfg.lights.leds, false);
  return issues;
}
