// MqttSync against real brokers: aedes in-process always, mosquitto (MQTT 5) when installed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../config/schema.ts';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';
import { hasMosquitto, mqttConfig, startAedes, startCollector, startMosquitto, startProxy, type Collector, type TestBroker } from '../helpers/brokers.ts';

const ROOT = 'zwfw/v1/main/A07/';

async function makeSync(url: string, protocol: 4 | 5, over: Partial<Config['mqtt']> = {}) {
  const clock = systemClock();
  const outbox = new MemoryOutbox({ clock, boot: 3 });
  const info = await outbox.start();
  const logger = memoryLogger();
  const sync = new MqttSync({
    config: mqttConfig(url, { protocol_version: protocol, ...over }), window: { id: 'A07', hall: 'main' }, logger, clock, outbox,
    boot: info.boot, version: '0.1.0-test', configHash: 'cafe1234',
  });
  return { sync, outbox, logger };
}

const waitUntil = async (cond: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const evtSeqs = (c: Collector) => c.messages.filter((m) => m.topic.startsWith(`${ROOT}evt/`)).map((m) => (m.json as { seq: number }).seq);

function assertStrictlyIncreasing(seqs: number[]) {
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `seq ${seqs[i]} after ${seqs[i - 1]} at ${i}`);
}

const brokers: Array<{ name: string; protocol: 4 | 5; start: () => Promise<TestBroker>; skip?: string }> = [
  { name: 'aedes (MQTT 3.1.1)', protocol: 4, start: () => startAedes() },
  { name: 'mosquitto (MQTT 5)', protocol: 5, start: () => startMosquitto(), ...(hasMosquitto() ? {} : { skip: 'mosquitto binary not installed' }) },
];

for (const b of brokers) {
  describe(`MqttSync with ${b.name}`, { skip: b.skip ?? false, timeout: 60_000 }, () => {
    let broker: TestBroker;
    before(async () => { broker = await b.start(); });
    after(async () => { await broker?.stop(); });

    it('delivers a backlog and live events in seq order exactly once and marks them published in batches', async () => {
      const { sync, outbox } = await makeSync(broker.url, b.protocol, { inflight_window: 50 });
      const sub = await startCollector(broker.url, [`${ROOT}evt/#`, `${ROOT}birth`]);
      try {
        for (let i = 0; i < 1500; i++) outbox.append({ type: i % 2 ? 'evaluation.submitted' : 'window.state', data: { i } });
        await sync.start();
        const birth = await sub.waitFor((m) => m.topic === `${ROOT}birth`, 10_000, 'birth');
        assert.equal((birth.json as { boot: number }).boot, 3);
        for (let i = 0; i < 500; i++) { outbox.append({ type: 'print.done', data: { i } }); if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5)); }
        await waitUntil(() => evtSeqs(sub).length >= 2000 && outbox.health().pending === 0, 20_000, '2000 events');
        await new Promise((r) => setTimeout(r, 200));
        const seqs = evtSeqs(sub);
        assert.equal(seqs.length, 2000, 'each event exactly once');
        assertStrictlyIncreasing(seqs);
        assert.equal(seqs[0], 1);
        const first = sub.messages.find((m) => m.topic.startsWith(`${ROOT}evt/`))!;
        assert.equal(first.topic, `${ROOT}evt/window/state`);
        assert.equal((first.json as { event_id: string }).event_id, 'A07-3-1');
        assert.equal(outbox.countState('published'), 2000);
        assert.ok(outbox.markCalls.length < 1000, `markPublished batched (${outbox.markCalls.length} calls)`);
        assert.equal(sync.health().published, 2000);
        assert.ok(sync.health().inflight <= 50);
      } finally {
        await sync.stop();
        await sub.stop();
      }
    });

    it('retained status online with the will, offline lwt on an abrupt cut, then resumes with historical backlog', async () => {
      const proxy = await startProxy(broker.port);
      const { sync, outbox } = await makeSync(proxy.url, b.protocol);
      const sub = await startCollector(broker.url, [`${ROOT}status`, `${ROOT}evt/#`, `${ROOT}state/#`]);
      try {
        sync.setState('window', { state: 'open' });
        await sync.start();
        const online = await sub.waitFor((m) => m.topic === `${ROOT}status` && (m.json as { state: string }).state === 'online', 10_000, 'online');
        assert.deepEqual(Object.keys(online.json as object).sort(), ['boot', 'config_hash', 'since', 'state', 'version']);
        assert.equal((online.json as { config_hash: string }).config_hash, 'cafe1234');
        await sub.waitFor((m) => m.topic === `${ROOT}state/window`, 5000, 'state/window');
        outbox.append({ type: 'window.state', data: { n: 1 } });
        // Cutting before the PUBACK arrives would (correctly) resend it: at-least-once, deduped by event_id.
        await waitUntil(() => evtSeqs(sub).length === 1 && outbox.health().pending === 0, 5000, 'first event');
        assert.equal((sub.messages.find((m) => m.topic.startsWith(`${ROOT}evt/`))!.json as { historical?: boolean }).historical, undefined);

        proxy.setRefusing(true);
        const mark = sub.messages.length;
        proxy.cut();
        const lwt = await sub.waitFor((m) => m.topic === `${ROOT}status` && (m.json as { state: string }).state === 'offline', 10_000, 'lwt offline', mark);
        assert.deepEqual(lwt.json, { state: 'offline', boot: 3, reason: 'lwt' });
        await waitUntil(() => !sync.health().connected, 5000, 'disconnected');
        for (let i = 0; i < 300; i++) outbox.append({ type: 'evaluation.submitted', data: { i } });
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(evtSeqs(sub).length, 1, 'nothing published while disconnected');
        proxy.setRefusing(false);
        await waitUntil(() => evtSeqs(sub).length >= 301 && outbox.health().pending === 0, 15_000, 'backlog after reconnect');
        await sub.waitFor((m) => m.topic === `${ROOT}status` && (m.json as { state: string }).state === 'online', 5000, 'online again', mark);
        const seqs = evtSeqs(sub);
        assert.deepEqual(seqs, Array.from({ length: 301 }, (_, i) => i + 1));
        assertStrictlyIncreasing(seqs);
        const backlog = sub.messages.filter((m) => m.topic.startsWith(`${ROOT}evt/`)).slice(1);
        assert.ok(backlog.every((m) => (m.json as { historical?: boolean }).historical === true), 'backlog marked historical');
        assert.ok(sync.health().reconnects >= 1);
      } finally {
        await sync.stop();
        await sub.stop();
        await proxy.stop();
      }
    });

    it('the simulator link switch: cut sends the will and stays down (no reconnect), restore drains the outbox', async () => {
      const { sync, outbox } = await makeSync(broker.url, b.protocol);
      const sub = await startCollector(broker.url, [`${ROOT}status`, `${ROOT}evt/#`]);
      try {
        await sync.start();
        await sub.waitFor((m) => m.topic === `${ROOT}status` && (m.json as { state: string }).state === 'online', 10_000, 'online');
        const mark = sub.messages.length;
        sync.setLinkOnline(false);
        const lwt = await sub.waitFor((m) => m.topic === `${ROOT}status` && (m.json as { state: string }).state === 'offline', 10_000, 'lwt offline', mark);
        assert.deepEqual(lwt.json, { state: 'offline', boot: 3, reason: 'lwt' });
        assert.equal(sync.health().connected, false);
        assert.equal(sync.health().link_cut, true);
        for (let i = 0; i < 5; i++) outbox.append({ type: 'evaluation.submitted', data: { i } });
        // Several reconnect periods (reconnect_max_ms is 300 here): still down, nothing published.
        await new Promise((r) => setTimeout(r, 1200));
        assert.equal(sync.health().connected, false, 'no reconnect while the link is cut');
        assert.equal(evtSeqs(sub).length, 0);
        assert.equal(outbox.health().pending, 5);
        sync.setLinkOnline(true);
        await waitUntil(() => evtSeqs(sub).length === 5 && outbox.health().pending === 0, 10_000, 'the outbox drained');
        assert.deepEqual(evtSeqs(sub), [1, 2, 3, 4, 5]);
        assert.equal(sync.health().link_cut, undefined);
      } finally {
        await sync.stop();
        await sub.stop();
      }
    });

    it('clean stop publishes retained offline status with reason stop and no will', async () => {
      const { sync } = await makeSync(broker.url, b.protocol);
      await sync.start();
      await waitUntil(() => sync.health().connected, 10_000, 'connected');
      await sync.stop();
      const sub = await startCollector(broker.url, [`${ROOT}status`]);
      try {
        const st = await sub.waitFor((m) => m.topic === `${ROOT}status`, 5000, 'retained status');
        assert.ok(st.retain);
        assert.deepEqual(st.json, { state: 'offline', boot: 3, reason: 'stop' });
      } finally { await sub.stop(); }
    });

    it('republishes retained status and state within 5 s after the broker restarts without persistence', async () => {
      const { sync } = await makeSync(broker.url, b.protocol);
      try {
        sync.setState('nameplate', { staff: 'S0123' });
        await sync.start();
        await waitUntil(() => sync.health().connected, 10_000, 'connected');
        await broker.restart();
        const restartedAt = Date.now();
        const sub = await startCollector(broker.url, [`${ROOT}status`, `${ROOT}state/#`]);
        try {
          await sub.waitFor((m) => m.topic === `${ROOT}status` && (m.json as { state: string }).state === 'online', 5000, 'status after restart');
          await sub.waitFor((m) => m.topic === `${ROOT}state/nameplate` && (m.json as { staff: string }).staff === 'S0123', 5000, 'state after restart');
          assert.ok(Date.now() - restartedAt < 5000 + 500);
        } finally { await sub.stop(); }
      } finally { await sync.stop(); }
    });

    it('ack {upto_seq} acknowledges published rows; invalid acks are ignored', async () => {
      const { sync, outbox, logger } = await makeSync(broker.url, b.protocol);
      const pub = await startCollector(broker.url, [`${ROOT}evt/#`]);
      try {
        for (let i = 0; i < 20; i++) outbox.append({ type: 'attendance.clock', data: { i } });
        await sync.start();
        await waitUntil(() => outbox.health().pending === 0 && outbox.rows.length === 20, 10_000, 'published');
        await pub.client.publishAsync(`${ROOT}ack`, JSON.stringify({ upto_seq: 'ten' }), { qos: 1 });
        await pub.client.publishAsync(`${ROOT}ack`, JSON.stringify({ upto_seq: 999 }), { qos: 1 });
        await pub.client.publishAsync(`${ROOT}ack`, JSON.stringify({ upto_seq: 12 }), { qos: 1 });
        await waitUntil(() => outbox.health().lastAckedSeq === 12, 5000, 'ack');
        assert.equal(outbox.countState('acknowledged'), 12);
        assert.equal(outbox.countState('published'), 8);
        assert.ok(logger.records.some((r) => /ignored ack.*upto_seq must be a non-negative integer/.test(String(r.msg))));
        assert.ok(logger.records.some((r) => /upto_seq 999 is above the last seq/.test(String(r.msg))));
      } finally {
        await sync.stop();
        await pub.stop();
      }
    });
  });
}
