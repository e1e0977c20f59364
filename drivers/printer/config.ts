// Config section `printer` (owned by the printer driver; config/schema.ts composes it).
import { Type, type Static } from '@sinclair/typebox';

export const PrinterConfigSchema = Type.Object({
  enabled: Type.Boolean({ default: true }),
  backend: Type.String({ default: 'sim' }),
}, { default: {}, additionalProperties: true });

export type PrinterConfig = Static<typeof PrinterConfigSchema>;
