// Issue #2 item 7b and 7c: the broker goes away under the running service (a separate process,
// stopped and started by the test) and the service catches up on its own.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { hasMosquitto, startAedes, startCollector, startMosquitto, type Received } from '../helpers/brokers.ts';
import { writeTestConfig, TEST_KEYS } from '../helpers/test-config.ts';
import { killAllServices, sleep, startService, startSessionSubscriber } from '../helpers/service-process.ts';

const MOSQUITTO = hasMosquitto();
const N = 40;

after(() => killAllServices());

interface Evt { seq: number; event_id: string; type: string; data: { key?: string } }

test(`broker process stopped while ${N} presses happen → health shows mqtt down and ${N} pending; broker back → all ${N} delivered`, {
  timeout: 90_000,
  skip: MOSQUITTO ? false : 'needs the mosquitto binary (a broker process the test can stop; aedes lives inside the test process)',
}, async (t) => {
  // Persistence keeps the subscriber's session across the broker restart, so nothing published
  // before the subscriber is back is lost on its side (the service cannot wait for subscribers).
  const broker = await startMosquitto({ persistence: true });
  const cfg = await writeTestConfig({ mqttUrl: broker.url, window: 'B01' });
  const sub = await startSessionSubscriber(broker.url, `${cfg.root}evt/#`, 'fault-test-b01-center');
  t.after(async () => { await sub.stop(); await broker.stop(); await cfg.cleanup(); });

  const service = await startService({ configPath: cfg.path });
  const before = await service.waitForHealth((h) => h.mqtt.connected && h.outbox.pending === 0, 20_000, 'connected with nothing pending');
  await broker.down();
  await service.waitForHealth((h) => !h.mqtt.connected, 20_000, 'health to show mqtt down');

  for (let i = 0; i < N; i++) {
    assert.equal(await service.press(TEST_KEYS[i % TEST_KEYS.length]!), 200, `press ${i} accepted`);
  }
  const down = await service.waitForHealth((h) => h.outbox.pending >= N, 20_000, `${N} events pending`);
  assert.equal(down.mqtt.connected, false, 'mqtt still down');
  assert.equal(down.outbox.pending, N, 'exactly the presses are pending');
  assert.equal(down.state, 'degraded');
  assert.equal(down.outbox.last_seq, before.outbox.last_seq + N);

  await broker.up();
  await service.waitForHealth((h) => h.mqtt.connected && h.outbox.pending === 0, 30_000, 'the backlog to drain after the broker came back');
  const isPress = (m: Received) => (m.json as Evt | undefined)?.type === 'evaluation.unsolicited' && (m.json as Evt).seq > before.outbox.last_seq;
  await sub.waitFor(() => new Set(sub.messages.filter(isPress).map((m) => (m.json as Evt).seq)).size >= N, 20_000, `${N} presses at the subscriber`);
  const seqs = [...new Set(sub.messages.filter(isPress).map((m) => (m.json as Evt).seq))].sort((a, b) => a - b);
  assert.deepEqual(seqs, Array.from({ length: N }, (_, i) => before.outbox.last_seq + 1 + i), 'every press, once per seq, none missing');
  const keys = sub.messages.filter(isPress).map((m) => (m.json as Evt).data.key);
  assert.deepEqual([...new Set(keys)].sort(), [...TEST_KEYS].sort());

  const exit = await service.terminate();
  assert.deepEqual(exit, { code: 0, signal: null });
});

test('broker restarted without persistence → the retained status online is back within 5 s', { timeout: 60_000 }, async (t) => {
  const protocolVersion = MOSQUITTO ? 5 : 4;
  const broker = MOSQUITTO ? await startMosquitto({ persistence: false }) : await startAedes();
  const cfg = await writeTestConfig({ mqttUrl: broker.url, protocolVersion, window: 'B02' });
  t.after(async () => { await broker.stop(); await cfg.cleanup(); });
  const service = await startService({ configPath: cfg.path });
  const { boot } = await service.waitForHealth((h) => h.mqtt.connected, 20_000, 'the MQTT connection');

  await broker.restart();
  const restartedAt = Date.now();
  // A subscriber that arrives after the restart only sees the status if it is retained again.
  let found: Received | undefined;
  let attempts = 0;
  while (!found && Date.now() - restartedAt < 5000) {
    attempts++;
    const late = await startCollector(broker.url, [`${cfg.root}status`], { protocolVersion });
    found = await late.waitFor((m) => m.retain && (m.json as { state?: string }).state === 'online', 300, 'retained status').catch(() => undefined);
    await late.stop();
    if (!found) await sleep(100);
  }
  const elapsed = Date.now() - restartedAt;
  assert.ok(found, `no retained status online within 5 s of the broker restart (${attempts} subscribers tried)`);
  assert.ok(elapsed <= 5000, `retained status back after ${elapsed} ms (limit 5000)`);
  assert.equal((found.json as { boot?: number }).boot, boot);
  t.diagnostic(`retained status online back ${elapsed} ms after the broker restart (${attempts} subscribers)`);

  assert.deepEqual(await service.terminate(), { code: 0, signal: null });
});
