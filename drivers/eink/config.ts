// Config section `eink` (owned by the eink driver; config/schema.ts composes it).
import { Type, type Static } from '@sinclair/typebox';

export const EinkConfigSchema = Type.Object({
  enabled: Type.Boolean({ default: true }),
  backend: Type.String({ default: 'sim' }),
}, { default: {}, additionalProperties: true });

export type EinkConfig = Static<typeof EinkConfigSchema>;
