// Connect options against real brokers: protocol_version auto (MQTT 5, then 3.1.1 when refused),
// no user name without a password, and mqtt.urls tried in turn (a cluster with the first node down).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../config/schema.ts';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';
import { hasMosquitto, mqttConfig, startAedes, startMosquitto } from '../helpers/brokers.ts';
import { startMqtt3OnlyProxy } from '../helpers/mqtt3-only-proxy.ts';

async function makeSync(config: Config['mqtt'], password?: string) {
  const clock = systemClock();
  const outbox = new MemoryOutbox({ clock, boot: 1 });
  await outbox.start();
  const logger = memoryLogger();
  const sync = new MqttSync({
    config, window: { id: 'A07', hall: 'main' }, logger, clock, outbox, boot: 1, version: 't', configHash: 'h',
    ...(password !== undefined ? { password } : {}),
  });
  return { sync, logger };
}

const waitUntil = async (cond: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const lines = (logger: ReturnType<typeof memoryLogger>) => logger.records.map((r) => String(r.msg));

describe('mqtt.protocol_version auto', { timeout: 30_000 }, () => {
  it('falls back to 3.1.1 when the broker answers CONNACK 1 (aedes, like NATS), logs it and shows it in health', async () => {
    const broker = await startAedes();
    const { sync, logger } = await makeSync(mqttConfig(broker.url, { protocol_version: 'auto' }));
    try {
      await sync.start();
      await waitUntil(() => sync.health().connected, 10_000, 'connected');
      assert.equal(sync.health().protocol, 'MQTT 3.1.1');
      assert.equal(sync.health().url, broker.url);
      const log = lines(logger);
      assert.ok(log.includes(`mqtt: ${broker.url} refused MQTT 5 (CONNACK code 1 (Unacceptable protocol version)); trying MQTT 3.1.1`), log.join('\n'));
      assert.ok(log.some((l) => l === `mqtt: connected to ${broker.url} (MQTT 3.1.1; the broker refused MQTT 5: CONNACK code 1 (Unacceptable protocol version))`), log.join('\n'));
      assert.equal(sync.health().lastError, undefined, 'a fallback is not an error');

      // A reconnect goes straight to 3.1.1: no second refusal.
      await broker.restart();
      await waitUntil(() => sync.health().connected && sync.health().reconnects === 1, 10_000, 'reconnected');
      assert.equal(lines(logger).filter((l) => l.includes('refused MQTT 5')).length, 2, 'one "refused" line and one "connected" line, from the first connect only');
    } finally {
      await sync.stop();
      await broker.stop();
    }
  });

  it('falls back to 3.1.1 when the broker closes the socket on an MQTT 5 CONNECT (like RabbitMQ < 3.13)', async () => {
    const broker = await startAedes();
    const proxy = await startMqtt3OnlyProxy(broker.port);
    const { sync, logger } = await makeSync(mqttConfig(proxy.url, { protocol_version: 'auto' }));
    try {
      await sync.start();
      await waitUntil(() => sync.health().connected, 10_000, 'connected');
      assert.equal(sync.health().protocol, 'MQTT 3.1.1');
      assert.equal(proxy.refusedV5, 1);
      assert.ok(lines(logger).includes(`mqtt: ${proxy.url} refused MQTT 5 (it closed the connection without a CONNACK); trying MQTT 3.1.1`));
    } finally {
      await sync.stop();
      await proxy.stop();
      await broker.stop();
    }
  });

  it('an explicit protocol_version 5 does not fall back and says what to change', async () => {
    const broker = await startAedes();
    const { sync } = await makeSync(mqttConfig(broker.url, { protocol_version: 5 }));
    try {
      await sync.start();
      await waitUntil(() => sync.health().lastError !== undefined, 10_000, 'an error');
      assert.equal(sync.health().lastError, 'Unacceptable protocol version (the broker does not speak MQTT 5: set mqtt.protocol_version to auto or 4)');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(sync.health().connected, false);
    } finally {
      await sync.stop();
      await broker.stop();
    }
  });

  it('an explicit protocol_version 5 against a broker that closes the socket: a hint, no fallback', async () => {
    const broker = await startAedes();
    const proxy = await startMqtt3OnlyProxy(broker.port);
    const { sync } = await makeSync(mqttConfig(proxy.url, { protocol_version: 5 }));
    try {
      await sync.start();
      await waitUntil(() => proxy.refusedV5 >= 2, 10_000, 'two refused attempts');
      assert.equal(sync.health().lastError, 'connection closed before CONNACK (a broker that does not speak MQTT 5 does this: try mqtt.protocol_version auto or 4)');
      assert.equal(sync.health().connected, false);
    } finally {
      await sync.stop();
      await proxy.stop();
      await broker.stop();
    }
  });

  it('uses MQTT 5 with a broker that speaks it (mosquitto)', { skip: hasMosquitto() ? false : 'mosquitto binary not installed' }, async () => {
    const broker = await startMosquitto();
    const { sync, logger } = await makeSync(mqttConfig(broker.url, { protocol_version: 'auto' }));
    try {
      await sync.start();
      await waitUntil(() => sync.health().connected, 10_000, 'connected');
      assert.equal(sync.health().protocol, 'MQTT 5');
      assert.ok(lines(logger).includes(`mqtt: connected to ${broker.url} (MQTT 5)`));
    } finally {
      await sync.stop();
      await broker.stop();
    }
  });
});

describe('mqtt user name', { timeout: 30_000 }, () => {
  it('is not sent without a password unless configured; defaults to the window id with a password', async () => {
    const logins: Array<{ user: string | undefined; pass: string | undefined }> = [];
    const broker = await startAedes({ onLogin: (user, pass) => logins.push({ user, pass }) });
    const cases: Array<{ over: Partial<Config['mqtt']>; password?: string; want: { user: string | undefined; pass: string | undefined } }> = [
      { over: {}, want: { user: undefined, pass: undefined } },
      { over: {}, password: '', want: { user: undefined, pass: undefined } },
      { over: {}, password: 'pw', want: { user: 'A07', pass: 'pw' } },
      { over: { username: 'counter-a07' }, want: { user: 'counter-a07', pass: undefined } },
      { over: { username: 'counter-a07' }, password: 'pw', want: { user: 'counter-a07', pass: 'pw' } },
    ];
    try {
      for (const [i, c] of cases.entries()) {
        const { sync } = await makeSync(mqttConfig(broker.url, { protocol_version: 4, ...c.over }), c.password);
        try {
          await sync.start();
          await waitUntil(() => sync.health().connected, 10_000, `case ${i} connected`);
          assert.deepEqual(logins.at(-1), c.want, `case ${i}: ${JSON.stringify(c)}`);
        } finally { await sync.stop(); }
      }
      assert.equal(logins.length, cases.length);
    } finally { await broker.stop(); }
  });
});

describe('mqtt.urls', { timeout: 30_000 }, () => {
  it('tries the brokers in turn: the first is down, the second takes; when it goes, the first (back up) takes', async () => {
    const first = await startAedes();
    const second = await startAedes();
    await first.stop();
    const { sync, logger } = await makeSync(mqttConfig(first.url, { protocol_version: 4, urls: [first.url, second.url] }));
    try {
      await sync.start();
      await waitUntil(() => sync.health().connected, 10_000, 'connected to the second broker');
      assert.equal(sync.health().url, second.url);
      assert.ok(lines(logger).includes(`mqtt: cannot connect to ${first.url}: connection refused (is the broker running?)`), lines(logger).join('\n'));
      assert.ok(lines(logger).includes(`mqtt: connected to ${second.url} (MQTT 3.1.1) (after: connection refused (is the broker running?))`), lines(logger).join('\n'));

      await first.restart();
      await second.stop();
      await waitUntil(() => sync.health().connected && sync.health().url === first.url, 10_000, 'connected to the first broker');
      assert.equal(sync.health().reconnects, 1);
    } finally {
      await sync.stop();
      await first.stop();
      await second.stop();
    }
  });
});
