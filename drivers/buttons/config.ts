// Config section `buttons` (owned by the buttons driver; config/schema.ts composes it).
import { Type, type Static } from '@sinclair/typebox';

export const ButtonsConfigSchema = Type.Object({
  enabled: Type.Boolean({ default: true }),
  backend: Type.Union([Type.Literal('sim'), Type.Literal('evdev'), Type.Literal('onoff'), Type.Literal('hid'), Type.Literal('firmata')], { default: 'sim', description: 'Which hardware reads the evaluation keys.' }),
  keys: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*$' }), {
    minItems: 2, maxItems: 5, uniqueItems: true,
    default: ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied'],
    description: 'Evaluation levels, best first (4 or 5 keys).',
  }),
  debounce_ms: Type.Integer({ minimum: 0, maximum: 500, default: 30 }),
  hold_ms: Type.Integer({ minimum: 100, default: 1500 }),
  stuck_ms: Type.Integer({ minimum: 1000, default: 30_000 }),
}, { default: {}, additionalProperties: true });

export type ButtonsConfig = Static<typeof ButtonsConfigSchema>;
