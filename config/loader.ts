// Reads the YAML config, applies env overrides and defaults, validates against the one schema and
// reports every problem at once as `file:line:col key.path: message`.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { isMap, isNode, type Document, type LineCounter } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from './schema.ts';
import { validateButtonsConfig } from '../drivers/buttons/config.ts';
import { counterConfigProblems } from './schema-counter.ts';
import { validateServiceConfig } from './schema-service.ts';
import { ConfigError, formatIssue, type ConfigIssue } from './config-error.ts';
import { parseYaml, readConfigText } from './yaml-source.ts';

export { ConfigError, formatIssue, type ConfigIssue };
export { CONFIG_LIMITS } from './yaml-source.ts';

/** Environment variables that override config keys (systemd units and tests use them). */
export const ENV_OVERRIDES: Array<{ env: string; path: string[]; kind: 'string' | 'integer' }> = [
  { env: 'COUNTER_EDGE_MQTT_URL', path: ['mqtt', 'url'], kind: 'string' },
  { env: 'COUNTER_EDGE_MQTT_PASSWORD', path: ['mqtt', 'password'], kind: 'string' },
  { env: 'COUNTER_EDGE_API_PORT', path: ['api', 'port'], kind: 'integer' },
  { env: 'COUNTER_EDGE_STATE_DIR', path: ['state_dir'], kind: 'string' },
  { env: 'COUNTER_EDGE_LOG_LEVEL', path: ['log_level'], kind: 'string' },
];

export interface LoadedConfig {
  config: Config;
  path: string;
  /** Short hash of the effective config (secrets excluded), published in status. */
  hash: string;
}

/**
 * The one function that decides whether a config is good: `run`, `config check` and reload all
 * come here, and everything `run` needs of the values is in the schema (bounds included), so a
 * config that passes here is not refused later for its values.
 */
export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  return parseConfig(await readConfigText(path), path, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  const { doc, data, lineCounter } = parseYaml(text, file);
  const issues: ConfigIssue[] = [];
  const pos = (offset: number) => lineCounter.linePos(offset);

  let raw: unknown = data;
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message: 'the config must be a mapping of keys (window:, mqtt:, ...)' }]);
  }
  const envIssues = applyEnvOverrides(raw as Record<string, unknown>, env);

  const withDefaults = Value.Default(ConfigSchema, structuredClone(raw)) as unknown;
  for (const e of Value.Errors(ConfigSchema, withDefaults)) {
    const keyPath = e.path.split('/').filter(Boolean).map(unescapePointer);
    // Union members report once per branch; one message per key is clearer.
    if (issues.some((i) => i.path === keyPathText(keyPath) && i.message === describe(e.message, e.schema))) continue;
    const envOverride = ENV_OVERRIDES.find((o) => o.path.join('.') === keyPathText(keyPath) && env[o.env] !== undefined);
    if (envOverride) {
      issues.push({ file: `env ${envOverride.env}`, line: 0, col: 0, path: keyPathText(keyPath), message: describe(e.message, e.schema) });
      continue;
    }
    const at = locate(doc, keyPath, pos);
    issues.push({ file, line: at.line, col: at.col, path: keyPathText(keyPath), message: describe(e.message, e.schema) });
  }
  issues.push(...envIssues.map((m) => ({ file: `env ${m.env}`, line: 0, col: 0, path: m.path, message: m.message })));
  if (doc.hasIn(['mqtt', 'url']) && doc.hasIn(['mqtt', 'urls']) && !env.COUNTER_EDGE_MQTT_URL) {
    issues.push({ ...locate(doc, ['mqtt', 'urls'], pos), file, path: 'mqtt.urls', message: 'give either mqtt.url or mqtt.urls, not both' });
  }
  // Cross-field rules assume the shapes the schema promises: only a schema-valid config gets them.
  if (!issues.length) {
    issues.push(...semanticChecks(withDefaults as Config).map((s) => ({ ...locate(doc, s.path, pos), file, path: keyPathText(s.path), message: s.message })));
  }
  if (issues.length) throw new ConfigError(issues.sort((a, b) => a.line - b.line || a.col - b.col));

  const config = withDefaults as Config;
  return { config, path: file, hash: configHash(config) };
}

function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Array<{ env: string; path: string; message: string }> {
  const problems: Array<{ env: string; path: string; message: string }> = [];
  for (const o of ENV_OVERRIDES) {
    const v = env[o.env];
    if (v === undefined || v === '') continue;
    let value: unknown = v;
    if (o.kind === 'integer') {
      if (!/^\d+$/.test(v)) { problems.push({ env: o.env, path: o.path.join('.'), message: `expected an integer, got ${JSON.stringify(v)}` }); continue; }
      value = Number(v);
    }
    let node = raw;
    for (const k of o.path.slice(0, -1)) {
      if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[o.path[o.path.length - 1]!] = value;
    // The env URL points the service at one broker (tests, a unit file): it replaces a configured list.
    if (o.env === 'COUNTER_EDGE_MQTT_URL') delete node.urls;
  }
  return problems;
}

/** A staff key that is also an evaluation level would be heard as staff (counter-shell.ts), never as a rating. */
function staffKeyClashes(c: Config): Array<{ path: string[]; message: string }> {
  const levels = c.service.evaluation.levels?.map((l) => l.key) ?? (c.service.evaluation.scale === 'national5'
    ? ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied'] : ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied']);
  const out: Array<{ path: string[]; message: string }> = [];
  const k = c.counter.staff_keys;
  const service = [...Object.values(c.service.cases.staff_keys), ...Object.values(c.service.papers.staff_keys)];
  for (const [name, key] of [['pause', k.pause], ['away', k.away]] as const) {
    if (levels.includes(key)) out.push({ path: ['counter', 'staff_keys', name], message: `"${key}" is an evaluation level key: citizens' presses would be taken as staff keys` });
    if (service.includes(key)) out.push({ path: ['counter', 'staff_keys', name], message: `"${key}" is also a key in service.*.staff_keys: one key would do two things` });
  }
  service.forEach((key) => { if (levels.includes(key)) out.push({ path: ['service'], message: `staff key "${key}" is an evaluation level key: citizens' presses would be taken as staff keys` }); });
  // A keypad key that is neither would be heard as a rating the level set does not have.
  const staff = new Set([k.pause, k.away, ...service]);
  c.buttons.keys.forEach((key, i) => {
    if (!levels.includes(key) && !staff.has(key)) out.push({ path: ['buttons', 'keys', String(i)], message: `"${key}" is neither an evaluation level (service.evaluation) nor a staff key (counter.staff_keys, service.*.staff_keys)` });
  });
  return out;
}

/** Rules a JSON Schema cannot say. */
function semanticChecks(c: Config): Array<{ path: string[]; message: string }> {
  const out: Array<{ path: string[]; message: string }> = [];
  if (c.mqtt?.reconnect_min_ms > c.mqtt?.reconnect_max_ms) out.push({ path: ['mqtt', 'reconnect_max_ms'], message: 'must be ≥ mqtt.reconnect_min_ms' });
  if (c.mqtt?.password && c.mqtt?.password_file) out.push({ path: ['mqtt', 'password_file'], message: 'give either mqtt.password or mqtt.password_file, not both' });
  if (c.mqtt?.tls && (c.mqtt.tls.cert_file === undefined) !== (c.mqtt.tls.key_file === undefined)) out.push({ path: ['mqtt', 'tls'], message: 'cert_file and key_file go together (client certificate authentication)' });
  if (c.buttons?.enabled) {
    for (const i of validateButtonsConfig(c.buttons)) out.push({ path: i.path.split('.').filter(Boolean), message: i.message });
  }
  // The counter's rules (device/counter/): hours, reasons, roster; levels and staff keys against the buttons.
  if (c.counter) out.push(...counterConfigProblems(c.counter));
  if (c.service && c.buttons?.enabled) {
    for (const i of validateServiceConfig(c.service, c.buttons.keys)) out.push({ path: i.path.split('.').filter(Boolean), message: i.message });
  }
  if (c.service && c.counter) out.push(...staffKeyClashes(c));
  return out;
}

function describe(message: string, schema: { description?: string; pattern?: string; anyOf?: Array<{ const?: unknown }> }): string {
  if (message === 'Unexpected property') return 'unknown key (check the spelling; see `counter-edge config schema`)';
  let m = message.charAt(0).toLowerCase() + message.slice(1);
  const choices = schema.anyOf?.every((s) => s.const !== undefined) ? schema.anyOf.map((s) => JSON.stringify(s.const)) : undefined;
  if (choices) m = `must be one of ${choices.join(', ')}`;
  if (schema.pattern && /pattern/i.test(message)) m = `does not match ${schema.pattern}`;
  return schema.description ? `${m} (${schema.description})` : m;
}

/**
 * a.b.c. A key that is not a plain name is shown as <key> (the position says which): such a key is
 * usually a broken line, and quoting it would quote the file (perhaps the line of a password).
 */
const keyPathText = (keys: string[]): string => keys.map((k) => (/^[A-Za-z0-9_-]{1,64}$/.test(k) ? k : '<key>')).join('.');

const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** Line:col of the deepest YAML node that exists on the key path (missing keys point at their parent). */
function locate(doc: Document, keyPath: string[], pos: LineCounter['linePos']): { line: number; col: number } {
  for (let n = keyPath.length; n >= 0; n--) {
    const sub = keyPath.slice(0, n).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const parent = n > 0 ? doc.getIn(sub.slice(0, -1), true) : undefined;
    // Point at the key itself when the value is a mapping entry (unknown keys, wrong types).
    if (n > 0 && isMap(parent)) {
      const pair = parent.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === sub[n - 1]);
      if (pair && isNode(pair.key) && pair.key.range) return pos(pair.key.range[0]);
    }
    const node = n === 0 ? doc.contents : doc.getIn(sub, true);
    if (isNode(node) && node.range) return pos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

export function configHash(config: Config): string {
  // Secrets never feed the hash: it is published in status.
  const json = JSON.stringify(config, (k, v) => (k === 'password' ? undefined : v));
  return createHash('sha256').update(json).digest('hex').slice(0, 12);
}

/** The broker password from (in order) env COUNTER_EDGE_MQTT_PASSWORD (already merged), mqtt.password, mqtt.password_file. */
export async function resolveMqttPassword(config: Config): Promise<string | undefined> {
  if (config.mqtt.password) return config.mqtt.password;
  if (!config.mqtt.password_file) return undefined;
  try {
    return (await readFile(config.mqtt.password_file, 'utf8')).trim();
  } catch (err) {
    throw new Error(`mqtt.password_file: cannot read ${config.mqtt.password_file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
