// Config section `fingerprint` (owned by the fingerprint driver; config/schema.ts composes it).
import { Type, type Static } from '@sinclair/typebox';

export const FingerprintConfigSchema = Type.Object({
  enabled: Type.Boolean({ default: true }),
  backend: Type.String({ default: 'sim' }),
}, { default: {}, additionalProperties: true });

export type FingerprintConfig = Static<typeof FingerprintConfigSchema>;
