// Issue #2 item 7f and the clean stop: 1,000 malformed or hostile payloads on cmd/<name> against
// the real service (each answered with an error, none crashes it), then a valid command still
// works; SIGTERM publishes the retained offline status itself and exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startCollector, type Received, type TestBroker, startPreferredBroker } from '../helpers/brokers.ts';
import { writeTestConfig } from '../helpers/test-config.ts';
import { killAllServices, sleep, startService } from '../helpers/service-process.ts';
import { nameProblem, parseTopic } from '../../sync/mqtt-topics.ts';

let broker: TestBroker;
let protocolVersion: 4 | 5;
before(async () => ({ broker, protocolVersion } = await startPreferredBroker()));
after(async () => {
  await killAllServices();
  await broker.stop();
});

interface Hostile { name: string; payload: Buffer; cmdId: string | null; kind: string }
interface Answer { cmd_id: string | null; status: string; error?: string; data?: unknown }

const PAST = '2020-01-01T00:00:00+08:00';
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const text = (s: string) => Buffer.from(s, 'utf8');

/**
 * Payload makers, each for the i-th payload: what to send, on which command name, and which
 * cmd_id the answer must carry (null when the body gives no readable one). i numbers the payload
 * (unique cmd_ids), r the round through this list (varies the variant inside a kind).
 */
const MAKERS: Array<(i: number, r: number) => Hostile> = [
  (i) => ({ kind: 'bad JSON', name: 'config.reload', payload: text(`{"cmd_id":"bad-${i}",`), cmdId: null }),
  (i) => ({ kind: 'trailing garbage', name: 'config.reload', payload: text(`{"cmd_id":"tg-${i}"} xyz`), cmdId: null }),
  (i) => ({ kind: 'array', name: 'config.reload', payload: json([{ cmd_id: `arr-${i}` }]), cmdId: null }),
  (i, r) => ({ kind: 'scalar', name: 'config.reload', payload: text([`"s${i}"`, String(i), 'null', 'true'][r % 4]!), cmdId: null }),
  () => ({ kind: 'empty', name: 'config.reload', payload: Buffer.alloc(0), cmdId: null }),
  (i) => ({ kind: 'huge string (over the 64 KB limit)', name: 'config.reload', payload: json({ cmd_id: `huge-${i}`, pad: 'x'.repeat(100_000) }), cmdId: null }),
  (i) => ({ kind: 'big string under the limit, unknown name', name: 'no.such.command', payload: json({ cmd_id: `big-${i}`, pad: '满'.repeat(15_000) }), cmdId: `big-${i}` }),
  (i) => ({ kind: '__proto__ key', name: 'config.reload', payload: text(`{"cmd_id":"proto-${i}","__proto__":{"polluted":true}}`), cmdId: null }),
  (i) => ({ kind: 'constructor.prototype', name: 'config.reload', payload: text(`{"cmd_id":"ctor-${i}","constructor":{"prototype":{"polluted":true}}}`), cmdId: null }),
  (i, r) => ({ kind: 'cmd_id wrong type', name: 'config.reload', payload: json({ cmd_id: [i, {}, true, null, 1.5][r % 5] }), cmdId: null }),
  (_i, r) => ({ kind: 'cmd_id unusable string', name: 'config.reload', payload: json({ cmd_id: ['', 'has space', 'x'.repeat(200), 'tab\there', '中文'][r % 5] }), cmdId: null }),
  (i) => ({ kind: 'missing cmd_id', name: 'config.reload', payload: json({ expires_at: Date.now() + 60_000, n: i }), cmdId: null }),
  (i) => ({ kind: 'expired (ISO)', name: 'config.reload', payload: json({ cmd_id: `exp-${i}`, expires_at: PAST }), cmdId: `exp-${i}` }),
  (i) => ({ kind: 'expired (epoch ms)', name: 'config.reload', payload: json({ cmd_id: `expms-${i}`, expires_at: 1000 }), cmdId: `expms-${i}` }),
  (i, r) => ({ kind: 'expires_at wrong type', name: 'config.reload', payload: json({ cmd_id: `wt-${i}`, expires_at: ['soon', true, -5, { at: 1 }][r % 4] }), cmdId: `wt-${i}` }),
  (i, r) => ({ kind: 'unknown name', name: ['reboot', 'shutdown', 'x', 'a-b_c.d', 'ünïcode'][r % 5]!, payload: json({ cmd_id: `unk-${i}` }), cmdId: `unk-${i}` }),
  (_i, r) => ({ kind: 'binary garbage', name: r % 2 ? 'config.reload' : 'nope', payload: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(1 + ((r * 37) % 300))]), cmdId: null }),
  (i) => ({ kind: 'invalid UTF-8 inside JSON', name: 'config.reload', payload: Buffer.concat([text(`{"cmd_id":"u-${i}","x":"`), Buffer.from([0xc0, 0xaf]), text('"}')]), cmdId: null }),
  (i) => ({ kind: 'deep nesting', name: 'config.reload', payload: text(`{"cmd_id":"deep-${i}","a":${'['.repeat(5000)}${']'.repeat(5000)}}`), cmdId: null }),
  (i) => ({ kind: 'many keys, unknown name', name: 'nope', payload: json({ cmd_id: `keys-${i}`, ...Object.fromEntries(Array.from({ length: 2000 }, (_, k) => [`k${k}`, k])) }), cmdId: `keys-${i}` }),
];

function hostilePayloads(count: number): Hostile[] {
  return Array.from({ length: count }, (_, i) => MAKERS[i % MAKERS.length]!(i, Math.floor(i / MAKERS.length)));
}

test('1,000 malformed or hostile cmd/<name> payloads → each answered with an error, no crash; a valid command still works', { timeout: 90_000 }, async (t) => {
  const cfg = await writeTestConfig({ mqttUrl: broker.url, protocolVersion, window: 'C01' });
  const answers = await startCollector(broker.url, [`${cfg.root}cmd_res/#`], { protocolVersion });
  t.after(async () => { await answers.stop(); await cfg.cleanup(); });
  const service = await startService({ configPath: cfg.path });
  await service.waitForHealth((h) => h.mqtt.connected, 20_000, 'the MQTT connection');
  const { connectAsync } = await import('mqtt');
  const center = await connectAsync(broker.url, { protocolVersion, clean: true });
  t.after(() => center.endAsync(true));
  // Commands sent before the service's subscription is in place go nowhere: probe until one is answered.
  const isProbe = (m: Received) => String((m.json as Answer | undefined)?.cmd_id).startsWith('probe-');
  for (let n = 0; !answers.messages.some(isProbe); n++) {
    if (n > 40) throw new Error(`the service never answered a probe command\n${service.stderrTail()}`);
    await center.publishAsync(`${cfg.root}cmd/probe`, json({ cmd_id: `probe-${n}` }), { qos: 1 });
    await sleep(250);
  }

  const payloads = hostilePayloads(1000);
  // Dotted names are topic levels; a name that is no valid name (ünïcode) is answered on the bare cmd_res.
  const levels = (name: string) => name.split('.').join('/');
  const answeredOn = (name: string) => (nameProblem(name) ? '' : name);
  for (const p of payloads) await center.publishAsync(`${cfg.root}cmd/${levels(p.name)}`, p.payload, { qos: 1 });

  const hostileAnswers = () => answers.messages.filter((m) => !isProbe(m));
  await answers.waitFor(() => hostileAnswers().length >= payloads.length, 60_000, `${payloads.length} answers on cmd_res/#`).catch((err: Error) => {
    throw new Error(`${err.message}: got ${hostileAnswers().length}; service running: ${service.running}\n${service.stderrTail()}`);
  });
  await sleep(300);
  assert.equal(hostileAnswers().length, payloads.length, 'exactly one answer per payload');
  assert.ok(service.running, 'the service survived');

  // Match answers to payloads per command name: the same multiset of cmd_ids (null for unreadable ones).
  const expected = new Map<string, string[]>();
  const got = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, k: string, v: string) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const p of payloads) push(expected, answeredOn(p.name), String(p.cmdId));
  const notError: Received[] = [];
  for (const m of hostileAnswers()) {
    const name = parseTopic('zwfw/v1', m.topic)?.name ?? '';
    const a = m.json as Answer;
    if (a?.status !== 'error' || typeof a.error !== 'string' || a.error.length === 0) notError.push(m);
    push(got, name, String(a?.cmd_id));
  }
  assert.deepEqual(notError.map((m) => m.text.slice(0, 200)), [], 'every hostile payload is answered status "error" with a reason');
  for (const [name, ids] of expected) {
    assert.deepEqual((got.get(name) ?? []).sort(), [...ids].sort(), `answers on cmd_res/${name}`);
  }
  const nulls = payloads.filter((p) => p.cmdId === null).length;
  const byKind = new Map<string, number>();
  for (const p of payloads) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);

  // A valid command after all that: config.reload with a cmd_id (the file is unchanged).
  const before = answers.messages.length;
  // Without expires_at: where no NTP flag or RTC is found (CI, containers) the service's time quality is
  // unsynced and a command with expires_at is refused by design (docs/mqtt.md, test/unit/command-bounds.test.ts).
  await center.publishAsync(`${cfg.root}cmd/config/reload`, json({ cmd_id: 'valid-1' }), { qos: 1 });
  const valid = await answers.waitFor((m) => (m.json as Answer)?.cmd_id === 'valid-1', 20_000, 'the answer to a valid config.reload', before);
  assert.equal(valid.topic, `${cfg.root}cmd_res/config/reload`);
  assert.deepEqual({ ...(valid.json as Answer), data: undefined }, { cmd_id: 'valid-1', status: 'ok', data: undefined }, `valid command answered: ${valid.text}`);

  const h = await service.health();
  assert.equal(h.state, 'ok');
  assert.equal(await service.press('satisfied'), 200, 'the counter still takes presses');
  t.diagnostic(`${payloads.length} hostile payloads in ${byKind.size} kinds on ${expected.size} command names: ${payloads.length} error answers (${nulls} with cmd_id null, ${payloads.length - nulls} with their cmd_id); valid config.reload answered ${valid.text}`);
  assert.deepEqual(await service.terminate(), { code: 0, signal: null });
});

test('SIGTERM → clean stop: retained status offline with reason stop, exit code 0', { timeout: 60_000 }, async (t) => {
  const cfg = await writeTestConfig({ mqttUrl: broker.url, protocolVersion, window: 'C02' });
  t.after(() => cfg.cleanup());
  const service = await startService({ configPath: cfg.path });
  const { boot } = await service.waitForHealth((h) => h.mqtt.connected, 20_000, 'the MQTT connection');
  const exit = await service.terminate();
  assert.deepEqual(exit, { code: 0, signal: null }, service.stderrTail());
  assert.ok(service.logs.some((l) => l.msg === 'counter stopped' && l.reason === 'SIGTERM'), 'the service logged its ordered stop');

  const late = await startCollector(broker.url, [`${cfg.root}status`], { protocolVersion });
  t.after(() => late.stop());
  const status = await late.waitFor((m) => m.retain, 10_000, 'the retained status after the stop');
  assert.deepEqual(status.json, { state: 'offline', boot, reason: 'stop' });
});
