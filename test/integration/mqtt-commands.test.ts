// Commands over real brokers: valid, repeated, expired, and a flood of hostile payloads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';
import { hasMosquitto, mqttConfig, startAedes, startCollector, startMosquitto, type Collector, type TestBroker } from '../helpers/brokers.ts';

const ROOT = 'zwfw/v1/main/A07/';

type Res = { cmd_id: string | null; status: string; error?: string; data?: unknown };

/** 1,000 payloads an attacker or a buggy center could send; every one must be answered with an error. */
function hostilePayloads(): Array<{ name: string; payload: Buffer | string }> {
  const out: Array<{ name: string; payload: Buffer | string }> = [];
  const kinds: Array<(i: number) => { name: string; payload: Buffer | string }> = [
    (i) => ({ name: 'pause', payload: `{"cmd_id":"bad-json-${i}",` }),
    (i) => ({ name: 'pause', payload: JSON.stringify([i, 'cmd_id']) }),
    (i) => ({ name: 'pause', payload: String(i) }),
    () => ({ name: 'pause', payload: 'null' }),
    (i) => ({ name: 'pause', payload: `{"cmd_id":"p-${i}","__proto__":{"polluted":true},"minutes":5}` }),
    (i) => ({ name: 'pause', payload: JSON.stringify({ cmd_id: `c-${i}`, constructor: { prototype: { polluted: true } }, minutes: 5 }) }),
    (i) => ({ name: 'pause', payload: JSON.stringify({ cmd_id: i, minutes: 5 }) }),
    () => ({ name: 'pause', payload: JSON.stringify({ minutes: 5 }) }),
    (i) => ({ name: 'pause', payload: JSON.stringify({ cmd_id: `t-${i}`, minutes: 'five' }) }),
    (i) => ({ name: 'pause', payload: JSON.stringify({ cmd_id: `x-${i}`, minutes: 5, extra: true }) }),
    (i) => ({ name: `nosuch${i}`, payload: JSON.stringify({ cmd_id: `u-${i}` }) }),
    (i) => ({ name: 'pause', payload: JSON.stringify({ cmd_id: `e-${i}`, minutes: 5, expires_at: 'tomorrow' }) }),
    (i) => ({ name: 'pause', payload: JSON.stringify({ cmd_id: `h-${i}`, pad: 'x'.repeat(70_000) }) }),
    (i) => ({ name: 'pause', payload: '['.repeat(20_000) + ']'.repeat(20_000) + String(i) }),
    (i) => ({ name: 'pause', payload: `{"cmd_id":"d-${i}","a":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}` }),
    (i) => ({ name: 'pause', payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, i & 0x7f, 0x7d]) }),
    (i) => ({ name: 'pause', payload: JSON.stringify({ cmd_id: `s-${i}`.padEnd(300, 'z'), minutes: 5 }) }),
    () => ({ name: 'pause', payload: '' }),
  ];
  for (let i = 0; out.length < 1000; i++) out.push(kinds[i % kinds.length]!(i));
  return out;
}

const brokers: Array<{ name: string; protocol: 4 | 5; start: () => Promise<TestBroker>; skip?: string }> = [
  { name: 'aedes (MQTT 3.1.1)', protocol: 4, start: () => startAedes() },
  { name: 'mosquitto (MQTT 5)', protocol: 5, start: () => startMosquitto(), ...(hasMosquitto() ? {} : { skip: 'mosquitto binary not installed' }) },
];

for (const b of brokers) {
  describe(`commands with ${b.name}`, { skip: b.skip ?? false, timeout: 90_000 }, () => {
    let broker: TestBroker;
    let sync: MqttSync;
    let outbox: MemoryOutbox;
    let center: Collector;
    const logger = memoryLogger();
    const calls: Array<{ minutes: number; cmd_id: string }> = [];
    before(async () => {
      broker = await b.start();
      const clock = systemClock();
      outbox = new MemoryOutbox({ clock, boot: 1 });
      await outbox.start();
      sync = new MqttSync({
        config: mqttConfig(broker.url, { protocol_version: b.protocol }), window: { id: 'A07', hall: 'main' }, logger,
        clock, outbox, boot: 1, version: 't', configHash: 'h',
      });
      sync.commands.register('pause', Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 120 }) }, { additionalProperties: false }),
        async (p, ctx) => { calls.push({ minutes: p.minutes, cmd_id: ctx.cmd_id }); return { paused_for: p.minutes }; });
      sync.commands.register('fail', Type.Object({}), async () => { throw new Error('printer has no paper'); });
      sync.commands.register('nameplate.show', Type.Object({}), async () => 'shown');
      center = await startCollector(broker.url, [`${ROOT}cmd_res/#`], { protocolVersion: b.protocol });
      await sync.start();
      const deadline = Date.now() + 10_000;
      while (!sync.health().connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // The subscription is made right after CONNACK; a round trip on the command topic proves it is active.
      await send('pause', { cmd_id: 'warmup', minutes: 1 });
    });
    after(async () => {
      await sync?.stop();
      await center?.stop();
      await broker?.stop();
    });

    async function send(name: string, body: object | string | Buffer): Promise<Res> {
      const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const from = center.messages.length;
      const cmdId = typeof body === 'object' && !Buffer.isBuffer(body) ? (body as { cmd_id?: unknown }).cmd_id : undefined;
      await center.client.publishAsync(`${ROOT}cmd/${name.split('.').join('/')}`, payload, { qos: 1 });
      const m = await center.waitFor((r) => r.topic === `${ROOT}cmd_res/${name.split('.').join('/')}` && (cmdId === undefined || (r.json as Res).cmd_id === cmdId), 5000, `answer to ${name}`, from);
      return m.json as Res;
    }

    it('runs a valid command once and answers ok with its data; records command.received', async () => {
      const res = await send('pause', { cmd_id: 'c-1', minutes: 15 });
      assert.deepEqual(res, { cmd_id: 'c-1', status: 'ok', data: { paused_for: 15 } });
      assert.deepEqual(calls.filter((c) => c.cmd_id === 'c-1'), [{ minutes: 15, cmd_id: 'c-1' }]);
      const rec = outbox.rows.filter((e) => e.type === 'command.received' && e.data.cmd_id === 'c-1');
      assert.equal(rec.length, 1);
      assert.deepEqual(rec[0]!.data, { name: 'pause', cmd_id: 'c-1' });
    });

    it('a dotted command name is topic levels (cmd/nameplate/show → cmd_res/nameplate/show); an invalid name is answered on the bare cmd_res', async () => {
      assert.deepEqual(await send('nameplate.show', { cmd_id: 'dot-1' }), { cmd_id: 'dot-1', status: 'ok', data: 'shown' });
      for (const [i, levels] of ['nameplate.show', 'a//b', 'ünïcode', 'n'.repeat(200)].entries()) {
        const from = center.messages.length;
        await center.client.publishAsync(`${ROOT}cmd/${levels}`, JSON.stringify({ cmd_id: `bad-name-${i}` }), { qos: 1 });
        const m = await center.waitFor((r) => (r.json as Res).cmd_id === `bad-name-${i}`, 5000, `answer to cmd/${levels.slice(0, 20)}`, from);
        assert.equal(m.topic, `${ROOT}cmd_res`);
        assert.equal((m.json as Res).status, 'error');
        assert.match((m.json as Res).error!, /invalid command name/);
      }
    });

    it('answers a repeated cmd_id with the first result without running the handler again', async () => {
      const first = await send('pause', { cmd_id: 'c-2', minutes: 20 });
      const again = await send('pause', { cmd_id: 'c-2', minutes: 99 });
      assert.deepEqual(again, first);
      assert.equal(calls.filter((c) => c.cmd_id === 'c-2').length, 1);
    });

    it('refuses an expired command and reports a throwing handler as an error', async () => {
      const expired = await send('pause', { cmd_id: 'c-3', minutes: 5, expires_at: new Date(Date.now() - 60_000).toISOString() });
      assert.equal(expired.status, 'error');
      assert.match(expired.error!, /expired/);
      assert.equal(calls.filter((c) => c.cmd_id === 'c-3').length, 0);
      const failed = await send('fail', { cmd_id: 'c-4' });
      assert.deepEqual(failed, { cmd_id: 'c-4', status: 'error', error: 'printer has no paper' });
    });

    it('answers each of 1,000 malformed or hostile payloads with an error and keeps working', async () => {
      const hostile = hostilePayloads();
      const from = center.messages.length;
      const before = calls.length;
      for (const h of hostile) center.client.publish(`${ROOT}cmd/${h.name}`, h.payload, { qos: 1 });
      const deadline = Date.now() + 30_000;
      while (center.messages.length - from < hostile.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const answers = center.messages.slice(from).map((m) => m.json as Res);
      assert.equal(answers.length, hostile.length, 'one answer per payload');
      assert.ok(answers.every((a) => a.status === 'error' && typeof a.error === 'string' && a.error.length > 0));
      assert.equal(calls.length, before, 'no handler ran');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.ok(answers.some((a) => a.cmd_id === null), 'unreadable cmd_id answered with null');
      assert.ok(answers.some((a) => /forbidden key "__proto__"/.test(a.error!)));
      assert.ok(answers.some((a) => /\/minutes/.test(a.error!)), 'schema errors name the JSON path');
      assert.ok(answers.some((a) => /too large/.test(a.error!)));
      assert.ok(answers.some((a) => /unknown command "nosuch/.test(a.error!)));
      const ok = await send('pause', { cmd_id: 'after-flood', minutes: 3 });
      assert.equal(ok.status, 'ok');
      assert.ok(sync.health().connected);
      const rejections = logger.records.filter((r) => /rejected/.test(String(r.msg))).length;
      assert.ok(rejections <= 25, `rejections are rate-limited in the log (${rejections} lines)`);
    });
  });
}
