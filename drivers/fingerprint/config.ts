// Config section `fingerprint` (owned by the fingerprint driver; config/schema.ts composes it).
import { Type, type Static } from '@sinclair/typebox';

const COLORS = ['red', 'blue', 'purple', 'green', 'yellow', 'cyan', 'white'] as const;
const Color = (def: (typeof COLORS)[number]) => Type.Union(COLORS.map((c) => Type.Literal(c)), {
  default: def, description: 'R503 ring colour (green/yellow/cyan/white only on R503 Pro-class modules).',
});

export const FingerprintConfigSchema = Type.Object({
  enabled: Type.Boolean({ default: true }),
  backend: Type.Union([Type.Literal('sim'), Type.Literal('serial')], { default: 'sim', description: 'sim = in-process module emulator; serial = a real R30x/R503/AS608 on a UART.' }),
  model: Type.Union([Type.Literal('r503'), Type.Literal('r30x'), Type.Literal('as608')], { default: 'r503', description: 'r503 has the ring light and HandShake; r30x/as608 have neither.' }),
  path: Type.String({ default: '/dev/serial0', description: 'Serial device of the module (the Pi UART on pins 8/10 is /dev/serial0).' }),
  baud: Type.Integer({ minimum: 9600, maximum: 115200, multipleOf: 9600, default: 57600, description: 'Module baud rate (factory default 57600, 8N1).' }),
  address: Type.Integer({ minimum: 0, maximum: 0xffffffff, default: 0xffffffff, description: 'Module address (factory default 0xFFFFFFFF).' }),
  password: Type.Integer({ minimum: 0, maximum: 0xffffffff, default: 0, description: 'Module password (factory default 0). Never logged.' }),
  staff_map_file: Type.Optional(Type.String({ description: 'Slot→staff JSON file. Default: <state_dir>/fingerprint-staff.json.' })),
  poll_ms: Type.Integer({ minimum: 20, maximum: 5000, default: 250, description: 'How often the idle reader asks the module for a finger image.' }),
  command_timeout_ms: Type.Integer({ minimum: 50, maximum: 30_000, default: 2000, description: 'How long to wait for the module to answer one command.' }),
  enrol_timeout_ms: Type.Integer({ minimum: 1000, maximum: 300_000, default: 20_000, description: 'How long enrolment waits for each finger placement or lift.' }),
  max_consecutive_timeouts: Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'Unanswered commands in a row before the reader is reported in fault and reopened.' }),
  min_score: Type.Integer({ minimum: 0, maximum: 0xffff, default: 0, description: 'Matches scoring below this are reported as no_match (reason low_score).' }),
  retry_min_ms: Type.Integer({ minimum: 10, default: 1000, description: 'First reopen delay after a fault.' }),
  retry_max_ms: Type.Integer({ minimum: 100, default: 60_000, description: 'Cap of the reopen delay.' }),
  light: Type.Object({
    ready: Color('blue'),
    matched: Color('purple'),
    not_matched: Color('red'),
  }, { default: { ready: 'blue', matched: 'purple', not_matched: 'red' }, additionalProperties: false }),
}, { default: {}, additionalProperties: false });

export type FingerprintConfig = Static<typeof FingerprintConfigSchema>;

/** A full config with every default filled in, for tests and tools. */
export function fingerprintDefaults(overrides: Partial<FingerprintConfig> = {}): FingerprintConfig {
  return {
    enabled: true, backend: 'sim', model: 'r503', path: '/dev/serial0', baud: 57600, address: 0xffffffff, password: 0,
    poll_ms: 250, command_timeout_ms: 2000, enrol_timeout_ms: 20_000, max_consecutive_timeouts: 3, min_score: 0,
    retry_min_ms: 1000, retry_max_ms: 60_000, light: { ready: 'blue', matched: 'purple', not_matched: 'red' },
    ...overrides,
  };
}
