// Config section `eink` (owned by the eink driver; config/schema.ts composes it).
import { Type, type Static } from '@sinclair/typebox';

const Phone = (description: string) => Type.String({ default: '', maxLength: 40, description });

/** Sample staff data for `counter-edge nameplate preview` and the simulator before a real staff member clocks in. */
export const NameplateSampleSchema = Type.Object({
  staff_name: Type.String({ default: '张晓明', maxLength: 20 }),
  job_number: Type.String({ default: 'GZ0123', maxLength: 20, description: '工号' }),
  position: Type.String({ default: '综合受理员', maxLength: 30, description: '职务' }),
  duties: Type.String({ default: '企业开办、社保医保、不动产登记等事项的咨询、受理与办结', maxLength: 120, description: '职责' }),
  photo: Type.Optional(Type.String({ description: 'Photo file (PNG/JPEG); shown dithered. Absent: a framed placeholder.' })),
  redirect_window: Type.String({ default: 'A08', maxLength: 16, description: 'Window shown as 请到X号窗口办理 in the paused preview.' }),
  away_reason: Type.String({ default: '临时外出办理业务', maxLength: 40 }),
  away_contact: Type.String({ default: '13800138000', maxLength: 40 }),
}, { default: {}, additionalProperties: false });

/** What the hall publishes on every nameplate (四亮, 001/002/003/004), the same whoever is at the window. */
export const NameplateBoardSchema = Type.Object({
  supervision_phone: Phone('监督电话'),
  complaint_phone: Type.String({ default: '12345', maxLength: 40, description: '投诉电话 (12345 = the national government service hotline).' }),
  service_hours: Type.String({ default: '周一至周五 9:00-12:00 13:30-17:00', maxLength: 60, description: '营业时间' }),
  commitment: Type.String({ default: '一次告知 限时办结 热情服务 欢迎监督', maxLength: 80, description: '服务承诺' }),
  sample: NameplateSampleSchema,
}, { default: {}, additionalProperties: false });

export const EinkConfigSchema = Type.Object({
  enabled: Type.Boolean({ default: true }),
  backend: Type.Union([Type.Literal('sim'), Type.Literal('spi'), Type.Literal('waveshare75v2'), Type.Literal('waveshare42v2')], {
    default: 'sim',
    description: 'sim = in-process panel emulator (frames come back as PNG); spi = the `panel` on SPI + GPIO; waveshare75v2 / waveshare42v2 = spi with that panel.',
  }),
  panel: Type.Union([Type.Literal('waveshare_7in5_v2'), Type.Literal('waveshare_4in2_v2')], {
    default: 'waveshare_7in5_v2',
    description: 'waveshare_7in5_v2 = 800×480 (UC8179); waveshare_4in2_v2 = 400×300 (SSD1683).',
  }),
  spi_bus: Type.Integer({ minimum: 0, maximum: 6, default: 0, description: '/dev/spidev<bus>.<device>' }),
  spi_device: Type.Integer({ minimum: 0, maximum: 3, default: 0 }),
  spi_speed_hz: Type.Integer({ minimum: 100_000, maximum: 20_000_000, default: 4_000_000 }),
  pins: Type.Object({
    dc: Type.Integer({ minimum: 0, maximum: 53, default: 25, description: 'BCM number of DC (data/command).' }),
    rst: Type.Integer({ minimum: 0, maximum: 53, default: 17, description: 'BCM number of RST.' }),
    busy: Type.Integer({ minimum: 0, maximum: 53, default: 24, description: 'BCM number of BUSY.' }),
    pwr: Type.Integer({ minimum: -1, maximum: 53, default: 18, description: 'BCM number of PWR (HAT rev 2.3+); -1 = none.' }),
  }, { default: {}, additionalProperties: false }),
  gpio_sysfs_root: Type.String({ default: '/sys', description: 'Where sysfs lives (changed only by tests).' }),
  busy_timeout_ms: Type.Integer({ minimum: 100, default: 30_000, description: 'BUSY held longer than this is a fault ("BUSY never released").' }),
  busy_poll_ms: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  min_interval_ms: Type.Integer({ minimum: 0, default: 5000, description: 'Least time between refreshes; newer frames in between replace older ones.' }),
  full_every_partials: Type.Integer({ minimum: 0, default: 10, description: 'Full refresh after this many partials against ghosting (0 = never partial).' }),
  partial_max_area: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'A change covering more than this share of the panel refreshes fully.' }),
  daily_full_refresh_at: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '03:00', description: 'Local time (window.utc_offset_minutes) of the daily anti-ghosting full refresh.' }),
  font_path: Type.Optional(Type.String({ description: 'Regular CJK font (TTF/OTF/TTC) instead of the bundled Noto Sans SC, e.g. a system font.' })),
  font_bold_path: Type.Optional(Type.String({ description: 'Bold CJK font; defaults to font_path when that is set.' })),
  dither: Type.Union([Type.Literal('atkinson'), Type.Literal('floyd-steinberg')], { default: 'atkinson', description: 'How photos become 1-bit.' }),
  retry_min_ms: Type.Integer({ minimum: 10, default: 1000 }),
  retry_max_ms: Type.Integer({ minimum: 100, default: 60_000 }),
  nameplate: NameplateBoardSchema,
}, { default: {}, additionalProperties: false });

export type EinkConfig = Static<typeof EinkConfigSchema>;
export type NameplateSample = Static<typeof NameplateSampleSchema>;
export type NameplateBoard = Static<typeof NameplateBoardSchema>;

/** The backend kind and panel, with the waveshare75v2/waveshare42v2 shorthands resolved. */
export function resolveEinkBackend(c: Pick<EinkConfig, 'backend' | 'panel'>): { kind: 'sim' | 'spi'; panel: EinkConfig['panel'] } {
  if (c.backend === 'waveshare75v2') return { kind: 'spi', panel: 'waveshare_7in5_v2' };
  if (c.backend === 'waveshare42v2') return { kind: 'spi', panel: 'waveshare_4in2_v2' };
  return { kind: c.backend, panel: c.panel };
}
