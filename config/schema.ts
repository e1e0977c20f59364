// The one schema of the config file: TypeScript type, defaults and validation all come from here,
// and `counter-edge config schema` exports it as JSON Schema for editors.
import { Type, type Static } from '@sinclair/typebox';
import { ButtonsConfigSchema } from '../drivers/buttons/config.ts';
import { FingerprintConfigSchema } from '../drivers/fingerprint/config.ts';
import { PrinterConfigSchema } from '../drivers/printer/config.ts';
import { EinkConfigSchema } from '../drivers/eink/config.ts';
import { CounterConfigSchema } from './schema-counter.ts';
import { ServiceConfigSchema } from './schema-service.ts';

const AsciiId = (description: string, def?: string) =>
  Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', description, ...(def ? { default: def } : {}) });

export const WindowSchema = Type.Object({
  id: AsciiId('Window id used in topics and event ids, ASCII, e.g. A07.'),
  hall: AsciiId('Hall id, ASCII, e.g. main.', 'main'),
  name: Type.String({ default: '', description: 'Window name shown on the nameplate, e.g. 综合受理窗口.' }),
  utc_offset_minutes: Type.Integer({ minimum: -720, maximum: 840, default: 480, description: 'Offset of the ts field (Beijing time +08:00 = 480).' }),
}, { additionalProperties: false });

export const TlsSchema = Type.Object({
  ca_file: Type.Optional(Type.String({ description: 'CA bundle (PEM) that signed the broker certificate.' })),
  cert_file: Type.Optional(Type.String({ description: 'Client certificate (PEM) for certificate authentication.' })),
  key_file: Type.Optional(Type.String({ description: 'Client private key (PEM). Never logged.' })),
  reject_unauthorized: Type.Boolean({ default: true }),
  servername: Type.Optional(Type.String()),
}, { additionalProperties: false });

export const MqttSchema = Type.Object({
  url: Type.String({ pattern: '^(mqtts?|wss?|tcp|tls)://', default: 'mqtt://127.0.0.1:1883', description: 'Broker URL (env COUNTER_EDGE_MQTT_URL overrides).' }),
  urls: Type.Optional(Type.Array(Type.String({ pattern: '^(mqtts?|wss?|tcp|tls)://' }), { minItems: 1, maxItems: 16, description: 'Brokers of a cluster without a load balancer, tried in turn on reconnect; instead of url.' })),
  protocol_version: Type.Union([Type.Literal('auto'), Type.Literal(5), Type.Literal(4)], { default: 'auto', description: 'auto = MQTT 5, then 3.1.1 when the broker refuses 5; 5 = MQTT 5 only; 4 = MQTT 3.1.1 only.' }),
  prefix: Type.String({ pattern: '^[A-Za-z0-9_/-]+$', default: 'zwfw/v1' }),
  client_id: Type.Optional(Type.String({ description: 'Default: counter-edge-<hall>-<window>.' })),
  username: Type.Optional(Type.String({ description: 'Default: the window id when a password is set, else none (brokers refuse a user name with an empty password).' })),
  password: Type.Optional(Type.String({ description: 'Prefer password_file or env COUNTER_EDGE_MQTT_PASSWORD.' })),
  password_file: Type.Optional(Type.String()),
  tls: Type.Optional(TlsSchema),
  keepalive_s: Type.Integer({ minimum: 5, maximum: 3600, default: 30 }),
  connect_timeout_ms: Type.Integer({ minimum: 500, default: 10_000 }),
  reconnect_min_ms: Type.Integer({ minimum: 50, default: 500 }),
  reconnect_max_ms: Type.Integer({ minimum: 100, default: 30_000 }),
  inflight_window: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'Un-acked QoS 1 publishes at once (mqtt.js breaks past 65535).' }),
  embedded_broker: Type.Boolean({ default: false, description: 'Run an in-process broker on the URL port (demo only; MQTT 3.1.1).' }),
  // sync-core: poison events (docs/mqtt.md).
  poison_after_tries: Type.Integer({ minimum: 2, maximum: 100, default: 3, description: 'Connection losses or refusals on the same event before it is set aside as poisoned (kept in the outbox, retried at the next start or by the outbox.retry_poisoned command).' }),
}, { default: {}, additionalProperties: false });

export const OutboxSchema = Type.Object({
  synchronous: Type.Union([Type.Literal('FULL'), Type.Literal('NORMAL'), Type.Literal('EXTRA')], { default: 'FULL' }),
  max_bytes: Type.Integer({ minimum: 1_000_000, maximum: 2 ** 40, default: 256 * 1024 * 1024, description: 'Disk cap of the outbox database.' }),
  retain_published_hours: Type.Number({ minimum: 0, maximum: 24 * 366 * 10, default: 24 * 7, description: 'Keep published rows this long (acknowledged rows too).' }),
  require_ack: Type.Boolean({ default: false, description: 'Keep rows until the center acknowledges them on the ack topic.' }),
  group_commit_max: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  // sync-core: re-publishing what the center did not acknowledge (docs/mqtt.md).
  ack_timeout_ms: Type.Integer({ minimum: 1000, default: 60_000, description: 'With require_ack: published rows not acknowledged within this are published again (historical: true).' }),
}, { default: {}, additionalProperties: false });

export const ApiSchema = Type.Object({
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8480, description: 'Local API port (env COUNTER_EDGE_API_PORT overrides; 0 = any free port).' }),
  simulator: Type.Boolean({ default: false, description: 'Serve the simulator page at / (the /api/sim/* routes refuse unless a backend is sim).' }),
  // hall demo: the simulator page links to the center's board (`counter-edge demo hall` sets it).
  hall_board_url: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048, description: 'The hall board (center) this counter reports to; the simulator page links to it. Optional.' })),
}, { default: {}, additionalProperties: false });

export const ConfigSchema = Type.Object({
  window: WindowSchema,
  state_dir: Type.String({ default: '/var/lib/counter-edge', description: 'Where the outbox database lives (env COUNTER_EDGE_STATE_DIR overrides).' }),
  log_level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  watchdog_ms: Type.Integer({ minimum: 0, default: 0, description: 'Override the systemd watchdog interval (0 = from WATCHDOG_USEC).' }),
  mqtt: MqttSchema,
  outbox: OutboxSchema,
  api: ApiSchema,
  buttons: ButtonsConfigSchema,
  fingerprint: FingerprintConfigSchema,
  printer: PrinterConfigSchema,
  eink: EinkConfigSchema,
  counter: CounterConfigSchema,
  service: ServiceConfigSchema,
}, { additionalProperties: false, $id: 'https://counter-edge.local/config.schema.json', title: 'counter-edge config' });

export type Config = Static<typeof ConfigSchema>;

/** Node's timers take a signed 32-bit millisecond count; a larger delay fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Every `*_ms` key (here and in the driver sections) is a timer delay: at most MAX_TIMER_MS. Every
 * other integer stays a safe integer (1e20 is an "integer" to JSON Schema, not to the outbox).
 * Applied to the composed schema, so `config check`, run and the exported JSON Schema all see it.
 */
function boundNumbers(schema: Record<string, unknown>, key?: string): void {
  const type = schema.type;
  if (type === 'integer' || type === 'number') {
    const cap = key?.endsWith('_ms') ? MAX_TIMER_MS : type === 'integer' ? Number.MAX_SAFE_INTEGER : undefined;
    if (cap !== undefined && !(typeof schema.maximum === 'number' && schema.maximum <= cap)) schema.maximum = cap;
  }
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  for (const [k, sub] of Object.entries(props ?? {})) boundNumbers(sub, k);
  for (const list of [schema.anyOf, schema.allOf, schema.oneOf]) if (Array.isArray(list)) for (const sub of list) boundNumbers(sub as Record<string, unknown>, key);
  for (const sub of [schema.items, schema.additionalProperties]) if (sub && typeof sub === 'object') boundNumbers(sub as Record<string, unknown>, key);
  const patterns = schema.patternProperties as Record<string, Record<string, unknown>> | undefined;
  for (const sub of Object.values(patterns ?? {})) boundNumbers(sub, key);
}
boundNumbers(ConfigSchema as unknown as Record<string, unknown>);

// ---- the center (`counter-edge center run|report`): its own options, not part of a counter's config ----
const DateList = Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { default: [] });

export const CenterSchema = Type.Object({
  mqtt_url: Type.String({ pattern: '^(mqtts?|wss?|tcp|tls)://', default: 'mqtt://127.0.0.1:1883', description: 'Broker URL (MQTT 5).' }),
  mqtt_protocol_version: Type.Union([Type.Literal(5), Type.Literal(4)], { default: 5, description: '5 = MQTT 5 (shared subscriptions, session expiry); 4 = 3.1.1 (NATS).' }),
  prefix: Type.String({ pattern: '^[A-Za-z0-9_/-]+$', default: 'zwfw/v1' }),
  hall: Type.String({ pattern: '^([A-Za-z0-9_-]{1,32}|\\+)$', default: '+', description: 'One hall id, or + for every hall.' }),
  group: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', description: 'Shared subscription group: ingest instances with the same group split the events.' })),
  client_id: Type.String({ default: 'counter-edge-center', description: 'Stable per instance (the broker keeps its session while it restarts).' }),
  username: Type.Optional(Type.String()),
  password: Type.Optional(Type.String({ description: 'Prefer env COUNTER_EDGE_CENTER_MQTT_PASSWORD.' })),
  db: Type.String({ default: 'center.db', description: 'SQLite file, or postgres://… (env COUNTER_EDGE_CENTER_DB, keeps the password out of the command line).' }),
  board_host: Type.String({ default: '127.0.0.1' }),
  board_port: Type.Integer({ minimum: 0, maximum: 65535, default: 8490 }),
  utc_offset_minutes: Type.Integer({ minimum: -720, maximum: 840, default: 480 }),
  answer_working_days: Type.Integer({ minimum: 1, maximum: 60, default: 3, description: '差评/complaint answer deadline in working days (seed 002: 3).' }),
  holidays: DateList,
  workdays: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { default: [], description: 'Swapped working days (调休) that fall on a weekend.' }),
  batch_max: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  flush_ms: Type.Integer({ minimum: 0, maximum: 1000, default: 20 }),
  session_expiry_s: Type.Integer({ minimum: 0, default: 86_400 }),
  max_buffered: Type.Integer({ minimum: 1000, default: 200_000 }),
}, { additionalProperties: false });

export type CenterConfig = Static<typeof CenterSchema>;
