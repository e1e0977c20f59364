import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, parseConfig, ConfigError, formatIssue, configHash } from '../../config/loader.ts';

const examplesDir = new URL('../../config/examples/', import.meta.url).pathname;

test('every example config validates', async () => {
  const files = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 2, 'at least the demo and the production example');
  for (const f of files) {
    const loaded = await loadConfigFile(join(examplesDir, f), {});
    assert.match(loaded.config.window.id, /^[A-Za-z0-9_-]+$/, f);
    assert.match(loaded.hash, /^[0-9a-f]{12}$/);
  }
});

test('defaults fill what the file leaves out', () => {
  const { config } = parseConfig('window:\n  id: A01\n', 'min.yaml');
  assert.equal(config.window.hall, 'main');
  assert.equal(config.mqtt.protocol_version, 'auto');
  assert.equal(config.mqtt.prefix, 'zwfw/v1');
  assert.equal(config.outbox.synchronous, 'FULL');
  assert.equal(config.api.host, '127.0.0.1');
  assert.equal(config.buttons.backend, 'sim');
  assert.equal(config.window.utc_offset_minutes, 480);
});

test('every error is reported at once with file:line:col and key path', () => {
  const text = ['window:', '  id: "A 07"', '  hal: main', 'mqtt:', '  url: http://x', '  inflight_window: 0', 'api:', '  port: "abc"', ''].join('\n');
  try {
    parseConfig(text, 'bad.yaml');
    assert.fail('should reject');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const lines = err.issues.map(formatIssue);
    assert.equal(err.issues.length, 5, lines.join('\n'));
    assert.match(lines[0]!, /^bad\.yaml:2:3 window\.id: /);
    assert.match(lines[1]!, /^bad\.yaml:3:3 window\.hal: unknown key/);
    assert.match(lines[2]!, /^bad\.yaml:5:3 mqtt\.url: /);
    assert.match(lines[3]!, /^bad\.yaml:6:3 mqtt\.inflight_window: /);
    assert.match(lines[4]!, /^bad\.yaml:8:3 api\.port: expected integer/);
  }
});

test('a missing required key points at its parent; YAML syntax errors have positions', () => {
  assert.throws(() => parseConfig('window:\n  hall: main\n', 'x.yaml'), (e: ConfigError) => /x\.yaml:2:3 window\.id: /.test(e.message) || /x\.yaml:\d+:\d+ window\.id/.test(e.message));
  assert.throws(() => parseConfig('window: [\n', 'y.yaml'), (e: ConfigError) => /^y\.yaml:\d+:\d+ \(root\): YAML: /.test(e.message));
  assert.throws(() => parseConfig('- a\n- b\n', 'z.yaml'), /must be a mapping/);
});

test('environment variables override config keys', () => {
  const env = { COUNTER_EDGE_MQTT_URL: 'mqtt://10.0.0.9:1883', COUNTER_EDGE_API_PORT: '0', COUNTER_EDGE_STATE_DIR: 'st' };
  const { config } = parseConfig('window:\n  id: A01\nmqtt:\n  url: mqtt://a:1\n', 'e.yaml', env);
  assert.equal(config.mqtt.url, 'mqtt://10.0.0.9:1883');
  assert.equal(config.api.port, 0);
  assert.equal(config.state_dir, 'st');
  assert.throws(() => parseConfig('window:\n  id: A01\n', 'e.yaml', { COUNTER_EDGE_API_PORT: 'eighty' }), /env COUNTER_EDGE_API_PORT:0:0 api\.port: expected an integer/);
});

test('rules the schema cannot say are checked too', () => {
  assert.throws(() => parseConfig('window:\n  id: A01\nmqtt:\n  reconnect_min_ms: 5000\n  reconnect_max_ms: 1000\n', 'r.yaml'), /mqtt\.reconnect_max_ms: must be ≥/);
  assert.throws(() => parseConfig('window:\n  id: A01\nmqtt:\n  tls:\n    cert_file: a.crt\n', 'r.yaml'), /cert_file and key_file go together/);
});

test("the counter's cross-checks run in the loader (so config check refuses what run would)", () => {
  // counterConfigProblems: a session that closes before it opens (003: 9:00–12:00, 13:30–17:00).
  assert.throws(() => parseConfig("window:\n  id: A01\ncounter:\n  hours:\n    sessions:\n      - { open: '12:00', close: '09:00' }\n", 'c.yaml'), /c\.yaml:6:\d+ counter\.hours\.sessions\.0/);
  // validateServiceConfig: the national five levels need a fifth button.
  assert.throws(() => parseConfig('window:\n  id: A01\nservice:\n  evaluation:\n    scale: national5\n', 's.yaml'), /service\.evaluation\.scale: level keys very_dissatisfied are not in buttons\.keys/);
  // A staff key that is an evaluation level would swallow citizens' ratings.
  assert.throws(() => parseConfig('window:\n  id: A01\ncounter:\n  staff_keys:\n    pause: satisfied\n', 'k.yaml'), /counter\.staff_keys\.pause: "satisfied" is an evaluation level key/);
});

test('the config hash ignores the password', () => {
  const a = parseConfig('window:\n  id: A01\nmqtt:\n  password: one\n', 'h.yaml').config;
  const b = parseConfig('window:\n  id: A01\nmqtt:\n  password: two\n', 'h.yaml').config;
  const c = parseConfig('window:\n  id: A02\n', 'h.yaml').config;
  assert.equal(configHash(a), configHash(b));
  assert.notEqual(configHash(a), configHash(c));
});

test('counter-edge config check: exit 1 with every error, exit 0 with a summary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-cfg-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'window:\n  id: "A 1"\nmqtt:\n  prefx: x\n');
  const main = new URL('../../device/main.ts', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, 'config', 'check', bad], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /bad\.yaml:2:3 window\.id: /);
  assert.match(r.stderr, /bad\.yaml:4:3 mqtt\.prefx: unknown key/);
  const ok = spawnSync(process.execPath, ['--import', 'tsx', main, 'config', 'check', join(examplesDir, 'demo.yaml')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim().split('\n').length, 1);
  assert.match(ok.stdout, /demo\.yaml: ok — window main\/A07/);
  const schema = spawnSync(process.execPath, ['--import', 'tsx', main, 'config', 'schema'], { encoding: 'utf8' });
  assert.equal(schema.status, 0);
  const json = JSON.parse(schema.stdout);
  assert.equal(json.type, 'object');
  assert.ok(json.properties.mqtt.properties.url);
});

test('mqtt.urls: a broker list instead of mqtt.url; both at once is refused; the env URL replaces the list', () => {
  const { config } = parseConfig('window:\n  id: A01\nmqtt:\n  urls: [mqtt://a:1883, mqtts://b:8883]\n', 'u.yaml');
  assert.deepEqual(config.mqtt.urls, ['mqtt://a:1883', 'mqtts://b:8883']);
  assert.throws(() => parseConfig('window:\n  id: A01\nmqtt:\n  url: mqtt://a:1\n  urls: [mqtt://b:1]\n', 'both.yaml'),
    (e: ConfigError) => /^both\.yaml:5:3 mqtt\.urls: give either mqtt\.url or mqtt\.urls, not both$/.test(e.message));
  assert.throws(() => parseConfig('window:\n  id: A01\nmqtt:\n  urls: [http://b:1]\n', 'bad.yaml'), /bad\.yaml:4:\d+ mqtt\.urls\.0: /);
  assert.throws(() => parseConfig('window:\n  id: A01\nmqtt:\n  urls: []\n', 'empty.yaml'), /empty\.yaml:4:\d+ mqtt\.urls: /);
  const env = parseConfig('window:\n  id: A01\nmqtt:\n  urls: [mqtt://a:1, mqtt://b:1]\n', 'e.yaml', { COUNTER_EDGE_MQTT_URL: 'mqtt://c:1' }).config;
  assert.equal(env.mqtt.url, 'mqtt://c:1');
  assert.equal(env.mqtt.urls, undefined);
});

test('mqtt.protocol_version takes auto, 5 or 4', () => {
  for (const v of ['auto', 5, 4]) assert.equal(parseConfig(`window:\n  id: A01\nmqtt:\n  protocol_version: ${v}\n`, 'p.yaml').config.mqtt.protocol_version, v);
  assert.throws(() => parseConfig('window:\n  id: A01\nmqtt:\n  protocol_version: 3\n', 'p.yaml'), /p\.yaml:4:3 mqtt\.protocol_version: must be one of "auto", 5, 4/);
});
