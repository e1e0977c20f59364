// Config section `printer` (owned by the printer driver; config/schema.ts composes it).
import { Type, type Static } from '@sinclair/typebox';

export const PrinterConfigSchema = Type.Object({
  enabled: Type.Boolean({ default: true }),
  backend: Type.Union([Type.Literal('sim'), Type.Literal('device'), Type.Literal('tcp'), Type.Literal('serial')], {
    default: 'sim',
    description: 'sim = in-process emulator; device = /dev/usb/lp*; tcp = network printer (port 9100); serial = RS-232/USB-serial.',
  }),
  device_path: Type.String({ default: '/dev/usb/lp0', description: 'Device file for backend device (usblp).' }),
  host: Type.String({ default: '127.0.0.1', description: 'Printer address for backend tcp.' }),
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 9100 }),
  serial_path: Type.String({ default: '/dev/ttyUSB0', description: 'Serial port for backend serial.' }),
  baud_rate: Type.Integer({ minimum: 1200, maximum: 921600, default: 9600 }),
  paper_width_mm: Type.Union([Type.Literal(58), Type.Literal(80)], { default: 58 }),
  chars_per_line: Type.Optional(Type.Integer({ minimum: 16, maximum: 96, description: 'Half-width columns per line (Font A). Default: 32 for 58 mm, 48 for 80 mm.' })),
  dots_per_line: Type.Optional(Type.Integer({ minimum: 128, maximum: 832, description: 'Printable dots per line (8 dots/mm). Default: 384 for 58 mm, 576 for 80 mm.' })),
  qr_mode: Type.Union([Type.Literal('native'), Type.Literal('raster')], { default: 'native', description: 'native = GS ( k; raster = draw the QR as a GS v 0 image (printers without QR support).' }),
  raster_chars: Type.String({ default: '', description: 'Characters the printer font lacks even though GB18030 encodes them in two bytes; lines containing them print as images.' }),
  font_path: Type.Optional(Type.String({ description: 'TTF/OTF/TTC font with CJK glyphs for raster lines and PNG previews (default: the nameplate font if installed, else a system font).' })),
  cut: Type.Union([Type.Literal('partial'), Type.Literal('full'), Type.Literal('none')], { default: 'partial', description: 'Cut at the end of each document (none for printers without a cutter).' }),
  feed_before_cut: Type.Integer({ minimum: 0, maximum: 10, default: 4, description: 'Lines fed so the last line clears the cutter.' }),
  status_query: Type.Boolean({ default: true, description: 'Ask DLE EOT status before each job and periodically (turn off for printers without a back channel).' }),
  status_interval_ms: Type.Integer({ minimum: 1000, default: 15_000 }),
  status_timeout_ms: Type.Integer({ minimum: 50, default: 1500 }),
  retry_min_ms: Type.Integer({ minimum: 10, default: 1000, description: 'First reopen delay after a fault (capped exponential backoff).' }),
  retry_max_ms: Type.Integer({ minimum: 100, default: 15_000 }),
  queue_expire_after_ms: Type.Integer({ minimum: 1000, default: 30 * 60_000, description: 'A job that could not print this long ends with print.failed {reason: expired}.' }),
  queue_keep_days: Type.Integer({ minimum: 1, default: 90, description: 'How long finished doc_ids are remembered so a repeat never prints twice.' }),
}, { default: {}, additionalProperties: false });

export type PrinterConfig = Static<typeof PrinterConfigSchema>;

/** Columns and dots per line, from config or the paper width. */
export function paperGeometry(c: Pick<PrinterConfig, 'paper_width_mm' | 'chars_per_line' | 'dots_per_line'>): { cols: number; dots: number } {
  const wide = c.paper_width_mm === 80;
  return { cols: c.chars_per_line ?? (wide ? 48 : 32), dots: c.dots_per_line ?? (wide ? 576 : 384) };
}
