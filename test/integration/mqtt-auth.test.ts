// Bad credentials and TLS problems: one clear log line naming the broker and the reason,
// health.lastError set, retries continue, and the password never reaches a log line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Config } from '../../config/schema.ts';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';
import { freePort, hasMosquitto, mqttConfig, startAedes, startMosquitto, waitForPort, type TestBroker } from '../helpers/brokers.ts';

const SECRET = 'wrong-Secret-42';

async function trySync(config: Config['mqtt'], password: string | undefined) {
  const clock = systemClock();
  const outbox = new MemoryOutbox({ clock });
  await outbox.start();
  const logger = memoryLogger();
  const sync = new MqttSync({
    config, window: { id: 'A07', hall: 'main' }, logger, clock, outbox, boot: 1, version: 't', configHash: 'h',
    ...(password !== undefined ? { password } : {}),
  });
  await sync.start();
  return { sync, logger };
}

async function waitFor(cond: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function assertOneClearLine(logger: ReturnType<typeof memoryLogger>, url: string, reason: RegExp) {
  const lines = logger.records.filter((r) => r.level === 'warn' && String(r.msg).includes(url));
  assert.equal(lines.length, 1, `exactly one warning naming ${url}: ${JSON.stringify(lines)}`);
  assert.match(String(lines[0]!.msg), reason);
  assert.ok(!JSON.stringify(logger.records).includes(SECRET), 'password never logged');
}

describe('mqtt authentication failures', { timeout: 60_000 }, () => {
  it('mosquitto with a password file: a wrong password → lastError "Not authorized", retries; the right one connects', { skip: hasMosquitto() ? false : 'mosquitto binary not installed' }, async () => {
    let broker: TestBroker | undefined;
    try {
      broker = await startMosquitto({ users: { A07: 'right-pass' } });
      const bad = await trySync(mqttConfig(broker.url), SECRET);
      try {
        await waitFor(() => /not authorized/i.test(bad.sync.health().lastError ?? ''), 10_000, 'lastError');
        const attempts = bad.logger.records.filter((r) => /still cannot connect/.test(String(r.msg))).length;
        await waitFor(() => bad.logger.records.filter((r) => /still cannot connect/.test(String(r.msg))).length > attempts, 10_000, 'a retry');
        assert.equal(bad.sync.health().connected, false);
        assertOneClearLine(bad.logger, broker.url, /^mqtt: cannot connect to mqtt:\/\/127\.0\.0\.1:\d+: Not authorized$/);
      } finally { await bad.sync.stop(); }
      const good = await trySync(mqttConfig(broker.url), 'right-pass');
      try {
        await waitFor(() => good.sync.health().connected, 10_000, 'connected');
        assert.equal(good.sync.health().lastError, undefined);
      } finally { await good.sync.stop(); }
    } finally { await broker?.stop(); }
  });

  it('the README ACL lets a counter publish under its root and read its own cmd/ and ack, and nothing else', { skip: hasMosquitto() ? false : 'mosquitto binary not installed' }, async () => {
    // The ACL under test is the one the docs ship (the ```acl block of docs/mqtt.md).
    const doc = await readFile(new URL('../../docs/mqtt.md', import.meta.url), 'utf8');
    const acl = /```acl\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(acl, 'docs/mqtt.md has an ```acl block');
    const broker = await startMosquitto({ users: { A07: 'pw7', A08: 'pw8', center: 'cpw' }, acl });
    const { startCollector } = await import('../helpers/brokers.ts');
    const { connectAsync } = await import('mqtt');
    const center = await startCollector(broker.url.replace('mqtt://', 'mqtt://center:cpw@'), ['zwfw/v1/#'], { protocolVersion: 5 });
    const { sync, logger } = await trySync(mqttConfig(broker.url), 'pw7');
    const intruder = await connectAsync(broker.url, { username: 'A08', password: 'pw8', protocolVersion: 5, reconnectPeriod: 0 });
    try {
      sync.commands.register('window.ping', (await import('@sinclair/typebox')).Type.Object({}), async () => 'pong');
      await waitFor(() => sync.health().connected, 10_000, 'connected');
      await center.waitFor((m) => m.topic === 'zwfw/v1/main/A07/status', 5000, 'status via ACL');
      // A08 may neither command A07 nor read A07's commands (mosquitto grants the SUBACK and filters delivery).
      const seenByIntruder: string[] = [];
      intruder.on('message', (topic) => seenByIntruder.push(topic));
      await intruder.subscribeAsync('zwfw/v1/main/A07/#', { qos: 1 });
      await intruder.publishAsync('zwfw/v1/main/A07/cmd/window/ping', JSON.stringify({ cmd_id: 'from-A08' }), { qos: 1 }).catch(() => undefined);
      await center.client.publishAsync('zwfw/v1/main/A07/cmd/window/ping', JSON.stringify({ cmd_id: 'from-center' }), { qos: 1 });
      const res = await center.waitFor((m) => m.topic === 'zwfw/v1/main/A07/cmd_res/window/ping', 5000, 'cmd_res via ACL');
      assert.deepEqual(res.json, { cmd_id: 'from-center', status: 'ok', data: 'pong' });
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(!center.messages.some((m) => (m.json as { cmd_id?: string } | undefined)?.cmd_id === 'from-A08'), 'A08 command never reached A07');
      assert.deepEqual(seenByIntruder, [], 'A08 read nothing of A07');
      assert.ok(!logger.records.some((r) => r.level === 'error'), JSON.stringify(logger.records.filter((r) => r.level === 'error')));
    } finally {
      await intruder.endAsync(true);
      await sync.stop();
      await center.stop();
      await broker.stop();
    }
  });

  it('aedes (MQTT 3.1.1) refusing credentials → lastError "Not authorized"; username defaults to the window id', async () => {
    const broker = await startAedes({ credentials: { username: 'A07', password: 'pw' } });
    try {
      const bad = await trySync(mqttConfig(broker.url, { protocol_version: 4 }), SECRET);
      try {
        await waitFor(() => /not authorized/i.test(bad.sync.health().lastError ?? ''), 10_000, 'lastError');
        assertOneClearLine(bad.logger, broker.url, /Not authorized/);
      } finally { await bad.sync.stop(); }
      const good = await trySync(mqttConfig(broker.url, { protocol_version: 4 }), 'pw');
      try { await waitFor(() => good.sync.health().connected, 10_000, 'connected'); } finally { await good.sync.stop(); }
    } finally { await broker.stop(); }
  });

  it('an unreachable broker and a missing CA file are reported, not thrown', async () => {
    const port = await freePort();
    const { sync, logger } = await trySync(mqttConfig(`mqtt://127.0.0.1:${port}`), undefined);
    try {
      await waitFor(() => /connection refused/.test(sync.health().lastError ?? ''), 10_000, 'refused');
      assert.ok(logger.records.some((r) => r.level === 'warn' && String(r.msg).includes(`mqtt://127.0.0.1:${port}`)));
    } finally { await sync.stop(); }
    const tls = await trySync(mqttConfig(`mqtts://127.0.0.1:${port}`, { tls: { ca_file: '/nonexistent/ca.pem', reject_unauthorized: true } }), undefined);
    try {
      await waitFor(() => /cannot read mqtt\.tls\.ca_file \/nonexistent\/ca\.pem: ENOENT/.test(tls.sync.health().lastError ?? ''), 10_000, 'ca error');
    } finally { await tls.sync.stop(); }
  });

  const openssl = (() => { try { execFileSync('openssl', ['version']); return true; } catch { return false; } })();
  it('TLS with an untrusted server certificate → "certificate verify failed"; with its CA → connects', { skip: hasMosquitto() && openssl ? false : 'needs mosquitto and openssl' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'counter-edge-tls-'));
    let broker: TestBroker | undefined;
    try {
      const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.pem']);
      run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr']);
      await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n'));
      run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.pem']);
      const tlsPort = await freePort();
      broker = await startMosquitto({ extra: [`listener ${tlsPort} 127.0.0.1`, `cafile ${join(dir, 'ca.pem')}`, `certfile ${join(dir, 'server.pem')}`, `keyfile ${join(dir, 'server.key')}`] });
      await waitForPort(tlsPort, 5000);
      const url = `mqtts://127.0.0.1:${tlsPort}`;
      const untrusted = await trySync(mqttConfig(url, { tls: { reject_unauthorized: true } }), undefined);
      try {
        await waitFor(() => /certificate verify failed/.test(untrusted.sync.health().lastError ?? ''), 10_000, 'tls error');
        assertOneClearLine(untrusted.logger, url, /certificate verify failed/);
      } finally { await untrusted.sync.stop(); }
      const trusted = await trySync(mqttConfig(url, { tls: { ca_file: join(dir, 'ca.pem'), reject_unauthorized: true } }), undefined);
      try { await waitFor(() => trusted.sync.health().connected, 10_000, 'tls connected'); } finally { await trusted.sync.stop(); }
      assert.ok((await readFile(join(dir, 'ca.pem'), 'utf8')).includes('BEGIN CERTIFICATE'));
    } finally {
      await broker?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
