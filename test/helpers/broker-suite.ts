// The checks the Mosquitto suite (test/integration/mqtt-sync.test.ts) makes, for a broker the test
// starts as a child process (NATS, RabbitMQ): every event once and in order, retained status and
// the last will, a command answered, a broker restart. The service runs with the default
// protocol_version (auto) and no password, so the MQTT 5 → 3.1.1 fallback and "no user name without
// a password" are exercised against the real broker. Subscribers use exact topics for retained
// messages (RabbitMQ sends retained messages to exact-topic subscriptions only).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config/schema.ts';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { MemoryOutbox } from './memory-outbox.ts';
import { mqttConfig, startCollector, startProxy, type Collector } from './brokers.ts';
import type { ProcessBroker } from './broker-process.ts';

const ROOT = 'zwfw/v1/main/A07/';

export interface BrokerSuiteSpec {
  name: string;
  start: () => Promise<ProcessBroker>;
  /** Why the suite cannot run here (binary absent), or false. */
  skip: string | false;
  /** What protocol_version auto must settle on with this broker version. */
  expectProtocol: 'MQTT 5' | 'MQTT 3.1.1';
  /** How long one broker (re)start may take here (RabbitMQ boots an Erlang node). */
  startTimeoutMs: number;
  /** The semantics docs/mqtt.md states for this broker version. */
  semantics: {
    retainedToWildcards: boolean;
    /** QoS granted to a QoS 2 subscription. */
    qos2Granted: 0 | 1 | 2;
    /** Whether a publish to a topic with a '.' in a level is taken (NATS < 2.10 closes the connection). */
    dotsInTopics: boolean;
  };
}

const waitUntil = async (cond: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

const isEvt = (topic: string) => topic.startsWith(`${ROOT}evt/`);
const evtSeqs = (c: Collector) => c.messages.filter((m) => isEvt(m.topic)).map((m) => (m.json as { seq: number }).seq);
const statusIs = (state: string) => (m: { topic: string; json: unknown }) => m.topic === `${ROOT}status` && (m.json as { state?: string } | undefined)?.state === state;

export function brokerSuite(spec: BrokerSuiteSpec): void {
  const suiteTimeout = 180_000 + 4 * spec.startTimeoutMs;
  describe(`MqttSync with ${spec.name}`, { skip: spec.skip, timeout: suiteTimeout }, () => {
    let broker: ProcessBroker;
    before(async () => { broker = await spec.start(); }, { timeout: spec.startTimeoutMs + 10_000 });
    after(async () => { await broker?.stop(); }, { timeout: 60_000 });

    async function makeSync(url: string, over: Partial<Config['mqtt']> = {}) {
      const clock = systemClock();
      const outbox = new MemoryOutbox({ clock, boot: 3 });
      const info = await outbox.start();
      const logger = memoryLogger();
      // Reconnects a little slower than the other suites: a busy RabbitMQ needs a moment per connection.
      const config = mqttConfig(url, { reconnect_min_ms: 100, reconnect_max_ms: 1000, connect_timeout_ms: 10_000, ...over });
      const sync = new MqttSync({ config, window: { id: 'A07', hall: 'main' }, logger, clock, outbox, boot: info.boot, version: '0.1.0-test', configHash: 'cafe1234' });
      return { sync, outbox, logger };
    }

    it(`connects with ${spec.expectProtocol} under protocol_version auto, without a user name, and delivers every event once, in order`, async () => {
      const { sync, outbox, logger } = await makeSync(broker.url, { inflight_window: 100 });
      const sub = await startCollector(broker.url, [`${ROOT}evt/#`, `${ROOT}birth`]);
      try {
        for (let i = 0; i < 600; i++) outbox.append({ type: i % 2 ? 'evaluation.submitted' : 'window.state', data: { i } });
        await sync.start();
        await waitUntil(() => sync.health().connected, 30_000, 'connected');
        assert.equal(sync.health().protocol, spec.expectProtocol);
        assert.equal(sync.health().url, broker.url);
        if (spec.expectProtocol === 'MQTT 3.1.1') {
          assert.ok(logger.records.some((r) => String(r.msg).startsWith(`mqtt: ${broker.url} refused MQTT 5 (`)), 'the refusal of MQTT 5 is logged');
        }
        const birth = await sub.waitFor((m) => m.topic === `${ROOT}birth`, 15_000, 'birth');
        assert.equal((birth.json as { boot: number }).boot, 3);
        for (let i = 0; i < 400; i++) { outbox.append({ type: 'print.done', data: { i } }); if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5)); }
        await waitUntil(() => evtSeqs(sub).length >= 1000 && outbox.health().pending === 0, 60_000, '1000 events');
        await new Promise((r) => setTimeout(r, 500));
        const seqs = evtSeqs(sub);
        assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i + 1), 'each event exactly once, in seq order');
        const first = sub.messages.find((m) => isEvt(m.topic))!;
        assert.equal(first.topic, `${ROOT}evt/window/state`);
        assert.ok(sub.messages.some((m) => m.topic === `${ROOT}evt/evaluation/submitted`));
        assert.equal(outbox.countState('published'), 1000);
        assert.equal(sync.health().published, 1000);
      } finally {
        await sync.stop();
        await sub.stop();
      }
    });

    it('retained status online; the last will (retained offline) on an abrupt cut; resumes; clean stop leaves offline', async () => {
      const proxy = await startProxy(broker.port);
      const { sync, outbox } = await makeSync(proxy.url);
      const sub = await startCollector(broker.url, [`${ROOT}status`, `${ROOT}evt/#`]);
      try {
        sync.setState('window', { state: 'open' });
        await sync.start();
        const online = await sub.waitFor(statusIs('online'), 30_000, 'online');
        assert.deepEqual(Object.keys(online.json as object).sort(), ['boot', 'config_hash', 'since', 'state', 'version']);
        // A late subscriber on the exact topics gets the retained status and state.
        const late = await startCollector(broker.url, [`${ROOT}status`, `${ROOT}state/window`]);
        try {
          const st = await late.waitFor(statusIs('online'), 10_000, 'retained online');
          assert.ok(st.retain, 'status is retained');
          const w = await late.waitFor((m) => m.topic === `${ROOT}state/window`, 10_000, 'retained state/window');
          assert.ok(w.retain);
          assert.deepEqual(w.json, { state: 'open' });
        } finally { await late.stop(); }

        outbox.append({ type: 'window.state', data: { n: 1 } });
        await waitUntil(() => evtSeqs(sub).length === 1 && outbox.health().pending === 0, 15_000, 'first event');
        proxy.setRefusing(true);
        const mark = sub.messages.length;
        proxy.cut();
        // The broker notices a dead client by the cut socket (or keepalive, 5 s here at most 1.5×).
        const lwt = await sub.waitFor(statusIs('offline'), 30_000, 'lwt offline', mark);
        assert.deepEqual(lwt.json, { state: 'offline', boot: 3, reason: 'lwt' });
        await waitUntil(() => !sync.health().connected, 10_000, 'disconnected');
        for (let i = 0; i < 100; i++) outbox.append({ type: 'evaluation.submitted', data: { i } });
        proxy.setRefusing(false);
        await waitUntil(() => evtSeqs(sub).length >= 101 && outbox.health().pending === 0, 30_000, 'backlog after reconnect');
        await sub.waitFor(statusIs('online'), 15_000, 'online again', mark);
        assert.deepEqual(evtSeqs(sub), Array.from({ length: 101 }, (_, i) => i + 1));
        assert.ok(sync.health().reconnects >= 1);

        await sync.stop();
        const after = await startCollector(broker.url, [`${ROOT}status`]);
        try {
          const st = await after.waitFor((m) => m.topic === `${ROOT}status`, 10_000, 'retained status after stop');
          assert.ok(st.retain);
          assert.deepEqual(st.json, { state: 'offline', boot: 3, reason: 'stop' });
        } finally { await after.stop(); }
      } finally {
        await sync.stop();
        await sub.stop();
        await proxy.stop();
      }
    });

    it(`semantics in docs/mqtt.md: retained to wildcards ${spec.semantics.retainedToWildcards ? 'yes' : 'no'}, QoS 2 granted as ${spec.semantics.qos2Granted}, dots ${spec.semantics.dotsInTopics ? 'taken' : 'refused'}`, async () => {
      const { connectAsync } = await import('mqtt');
      const pub = await connectAsync(broker.url, { protocolVersion: 4, clientId: 'semantics-pub', reconnectPeriod: 0 });
      pub.on('error', () => undefined);
      try {
        await pub.publishAsync(`${ROOT}state/probe`, '{"p":1}', { qos: 1, retain: true });
        const wild = await startCollector(broker.url, [`${ROOT}state/+`]);
        const exact = await startCollector(broker.url, [`${ROOT}state/probe`]);
        try {
          await exact.waitFor((m) => m.topic === `${ROOT}state/probe`, 10_000, 'retained on the exact topic');
          // The exact-topic subscriber got it: a wildcard subscriber made before it had the same chance.
          await new Promise((r) => setTimeout(r, 1000));
          assert.equal(wild.messages.some((m) => m.topic === `${ROOT}state/probe` && m.retain), spec.semantics.retainedToWildcards);
          const granted = await wild.client.subscribeAsync(`${ROOT}qos2`, { qos: 2 });
          assert.equal(granted[0]!.qos, spec.semantics.qos2Granted);
        } finally {
          await wild.stop();
          await exact.stop();
        }
        await pub.publishAsync(`${ROOT}state/probe`, '', { qos: 1, retain: true });
        const closed = new Promise<'closed'>((resolve) => pub.once('close', () => resolve('closed')));
        const outcome = await Promise.race([
          pub.publishAsync(`${ROOT}evt/a.b`, '{}', { qos: 1 }).then(() => 'taken' as const, () => 'closed' as const),
          closed,
          new Promise<'no answer'>((r) => setTimeout(() => r('no answer'), 5000)),
        ]);
        assert.equal(outcome, spec.semantics.dotsInTopics ? 'taken' : 'closed');
      } finally { pub.end(true); }
    });

    it('answers a command on cmd/<name as levels> with cmd_res', async () => {
      const { sync } = await makeSync(broker.url);
      const calls: string[] = [];
      sync.commands.register('nameplate.show', Type.Object({ text: Type.String() }), async (p: { text: string }, ctx: { cmd_id: string }) => {
        calls.push(ctx.cmd_id);
        return { shown: p.text };
      });
      const center = await startCollector(broker.url, [`${ROOT}cmd_res/#`]);
      try {
        await sync.start();
        await waitUntil(() => sync.health().connected, 30_000, 'connected');
        // The subscription follows CONNACK; resend the same cmd_id until an answer proves it is active (idempotent).
        let answer;
        for (let tries = 0; !answer && tries < 20; tries++) {
          await center.client.publishAsync(`${ROOT}cmd/nameplate/show`, JSON.stringify({ cmd_id: 'n-1', text: '窗口 A07' }), { qos: 1 });
          answer = await center.waitFor((m) => m.topic === `${ROOT}cmd_res/nameplate/show`, 1000, 'answer').catch(() => undefined);
        }
        assert.ok(answer, 'the command was answered');
        assert.deepEqual(answer.json, { cmd_id: 'n-1', status: 'ok', data: { shown: '窗口 A07' } });
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(calls, ['n-1'], 'run once, repeats answered from memory');
      } finally {
        await sync.stop();
        await center.stop();
      }
    });

    it('after a broker restart: reconnects, republishes status and state, sends what was appended meanwhile', async () => {
      const { sync, outbox } = await makeSync(broker.url);
      try {
        sync.setState('nameplate', { staff: 'S0123' });
        await sync.start();
        await waitUntil(() => sync.health().connected, 30_000, 'connected');
        await broker.down();
        await waitUntil(() => !sync.health().connected, 15_000, 'disconnected');
        for (let i = 0; i < 50; i++) outbox.append({ type: 'attendance.clock', data: { i } });
        const restartedAt = Date.now();
        await broker.up();
        const sub = await startCollector(broker.url, [`${ROOT}status`, `${ROOT}state/nameplate`, `${ROOT}evt/#`]);
        try {
          // The broker may keep the retained status of before the restart: wait for one sent after it.
          const fresh = (m: { topic: string; json: unknown }) => statusIs('online')(m) && Date.parse((m.json as { since: string }).since) >= restartedAt - 1000;
          await sub.waitFor(fresh, 30_000, 'status online after the restart');
          await sub.waitFor((m) => m.topic === `${ROOT}state/nameplate` && (m.json as { staff: string }).staff === 'S0123', 15_000, 'state after restart');
          await waitUntil(() => outbox.health().pending === 0, 30_000, 'backlog published');
          assert.equal(outbox.countState('published'), 50);
          assert.ok(sync.health().reconnects >= 1);
        } finally { await sub.stop(); }
      } finally { await sync.stop(); }
    });
  });
}
