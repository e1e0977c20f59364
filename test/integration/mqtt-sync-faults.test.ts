// MqttSync under broker behaviour that once broke it, against aedes with hooks: a slow SUBACK
// (commands sent on status online were lost), a broker that closes the connection on one publish
// (the poison event), a center that does not acknowledge (require_ack re-publishing), and a
// command name too long for its answer topic.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config/schema.ts';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { MqttSync, type MqttSyncDeps } from '../../sync/mqtt-sync.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';
import { hasMosquitto, mqttConfig, startAedes, startCollector, startMosquitto, type AedesOptions } from '../helpers/brokers.ts';

const ROOT = 'zwfw/v1/main/A07/';

async function setup(aedes: AedesOptions, over: Partial<Config['mqtt']> = {}, extra: Partial<MqttSyncDeps> = {}) {
  const broker = await startAedes(aedes);
  const clock = systemClock();
  const outbox = new MemoryOutbox({ clock });
  await outbox.start();
  const logger = memoryLogger();
  const sync = new MqttSync({
    config: mqttConfig(broker.url, { protocol_version: 4, ...over }), window: { id: 'A07', hall: 'main' }, logger, clock, outbox,
    boot: 1, version: 't', configHash: 'h', ...extra,
  });
  return { broker, outbox, logger, sync, clock };
}

const until = async (cond: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('MqttSync against a misbehaving broker (aedes hooks)', { timeout: 60_000 }, () => {
  it('subscribes to cmd/# before announcing: a command sent on status online is answered (slow SUBACK)', async () => {
    // The broker takes 300 ms to grant the command subscription; a center that commands the
    // counter as soon as it sees status online must still be heard.
    const { broker, sync } = await setup({
      configure: (b) => {
        b.authorizeSubscribe = (client, sub, cb) => {
          if (client.id.startsWith('counter-edge')) setTimeout(() => cb(null, sub), 300); else cb(null, sub);
        };
      },
    });
    const center = await startCollector(broker.url, [`${ROOT}status`, `${ROOT}cmd_res/#`]);
    try {
      sync.commands.register('window.ping', Type.Object({}), async () => 'pong');
      center.client.on('message', (topic, payload) => {
        if (topic === `${ROOT}status` && /"online"/.test(payload.toString())) {
          center.client.publish(`${ROOT}cmd/window/ping`, JSON.stringify({ cmd_id: 'on-online' }), { qos: 1 });
        }
      });
      await sync.start();
      const res = await center.waitFor((m) => m.topic === `${ROOT}cmd_res/window/ping`, 5000, 'the answer to a command sent on status online');
      assert.deepEqual(res.json, { cmd_id: 'on-online', status: 'ok', data: 'pong' });
    } finally {
      await sync.stop();
      await center.stop();
      await broker.stop();
    }
  });

  it('a command name too long for its answer topic is answered on cmd_res within limits; events keep flowing', async () => {
    const { broker, sync, outbox, logger } = await setup({});
    const center = await startCollector(broker.url, [`${ROOT}cmd_res/#`, `${ROOT}evt/#`]);
    try {
      await sync.start();
      await until(() => sync.health().connected, 5000, 'connected');
      // cmd/<name> fits the 65,535-byte topic limit; cmd_res/<name> would not.
      const name = 'n'.repeat(65_535 - `${ROOT}cmd/`.length);
      await center.client.publishAsync(`${ROOT}cmd/${name}`, JSON.stringify({ cmd_id: 'long-1' }), { qos: 1 });
      const res = await center.waitFor((m) => (m.json as { cmd_id?: string } | undefined)?.cmd_id === 'long-1', 5000, 'the answer to the long name');
      assert.equal(res.topic, `${ROOT}cmd_res`);
      assert.match((res.json as { error: string }).error, /invalid command name "n+… \(65\d+ chars\)": name is 65\d+ characters long \(at most 64\)/);
      assert.ok(res.text.length < 400, `answer of ${res.text.length} bytes`);
      const t0 = Date.now();
      const { envelope } = outbox.append({ type: 'evaluation.submitted', data: { score: 5 } });
      await center.waitFor((m) => m.topic === `${ROOT}evt/evaluation/submitted` && (m.json as { seq: number }).seq === envelope.seq, 2000, 'the press after it');
      assert.ok(Date.now() - t0 < 2000);
      assert.ok(sync.health().connected);
      assert.equal(sync.health().reconnects, 0, 'the connection was never dropped');
      assert.ok(!logger.records.some((r) => r.level === 'error'), JSON.stringify(logger.records.filter((r) => r.level === 'error')).slice(0, 300));
    } finally {
      await sync.stop();
      await center.stop();
      await broker.stop();
    }
  });

  it('a poison event (the broker closes the connection on its publish) is set aside after 3 tries; the rest flows in order; retried by command', async () => {
    const POISON = `${ROOT}evt/print/done`;
    let refuse = true;
    const { broker, sync, outbox, logger } = await setup({
      configure: (b) => {
        b.authorizePublish = (_client, packet, cb) => { cb(refuse && packet.topic === POISON ? new Error('not allowed') : null); };
      },
    });
    const center = await startCollector(broker.url, [`${ROOT}evt/#`, `${ROOT}cmd_res/#`]);
    try {
      const seqs = ['evaluation.submitted', 'print.done', 'evaluation.submitted', 'evaluation.submitted'].map((type) => outbox.append({ type }).envelope.seq);
      await sync.start();
      const evts = () => center.messages.filter((m) => m.topic.startsWith(`${ROOT}evt/`)).map((m) => m.json as { seq: number; type: string; data: Record<string, unknown>; historical?: boolean });
      // At-least-once: an event whose PUBACK was lost with a connection comes again (the center dedupes).
      const evals = () => [...new Set(evts().filter((e) => e.type === 'evaluation.submitted').map((e) => e.seq))];
      await until(() => evals().length === 3, 15_000, 'the events around the poison one');
      const after = await center.waitFor((m) => m.topic === `${ROOT}evt/outbox/poisoned`, 5000, 'outbox.poisoned');
      assert.deepEqual((after.json as { data: unknown }).data, { seq: seqs[1], type: 'print.done', topic: POISON, tries: 3, reason: 'closed the connection (connection lost)' });
      assert.deepEqual(evals(), [seqs[0], seqs[2], seqs[3]], 'the rest in seq order');
      assert.equal(outbox.health().poisoned, 1);
      assert.deepEqual(sync.health().poisoned, [{ seq: seqs[1], type: 'print.done', tries: 3 }]);
      const lines = logger.records.filter((r) => r.level === 'error' && /poisoned/.test(String(r.msg)));
      assert.equal(lines.length, 1, 'one log line names it');
      assert.match(String(lines[0]!.msg), new RegExp(`event seq ${seqs[1]} on ${POISON} is poisoned`));
      // Three tries of the poison event, plus at most one drop blamed first on the event before it
      // (its PUBACK was lost with the connection; tried alone, it clears itself).
      const reconnects = sync.health().reconnects;
      assert.ok(reconnects >= 3 && reconnects <= 4, `three or four drops, then no more (got ${reconnects})`);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(sync.health().reconnects, reconnects, 'no endless resending');
      assert.ok(sync.health().connected);
      // The broker is fixed: the command brings the event back; it goes out, marked historical.
      refuse = false;
      await center.client.publishAsync(`${ROOT}cmd/outbox/retry_poisoned`, JSON.stringify({ cmd_id: 'retry-1' }), { qos: 1 });
      const res = await center.waitFor((m) => m.topic === `${ROOT}cmd_res/outbox/retry_poisoned`, 5000, 'retry answer');
      assert.deepEqual(res.json, { cmd_id: 'retry-1', status: 'ok', data: { retried: 1 } });
      const late = await center.waitFor((m) => m.topic === POISON, 5000, 'the poisoned event after the retry');
      assert.equal((late.json as { seq: number; historical?: boolean }).seq, seqs[1]);
      assert.equal((late.json as { historical?: boolean }).historical, true);
      await until(() => outbox.health().poisoned === 0 && outbox.health().pending === 0, 5000, 'nothing left');
    } finally {
      await sync.stop();
      await center.stop();
      await broker.stop();
    }
  });

  it('require_ack: published events the center does not acknowledge in time are published again (historical); an ack stops it', async () => {
    const { broker, sync, outbox, logger } = await setup({}, {}, { ack: { requireAck: true, timeoutMs: 400 } });
    const center = await startCollector(broker.url, [`${ROOT}evt/#`]);
    try {
      const seqs = [outbox.append({ type: 'evaluation.submitted' }).envelope.seq, outbox.append({ type: 'evaluation.submitted' }).envelope.seq];
      await sync.start();
      const copies = (seq: number) => center.messages.filter((m) => (m.json as { seq: number }).seq === seq).map((m) => m.json as { historical?: boolean });
      await until(() => copies(seqs[1]!).length >= 1, 5000, 'first publish');
      assert.equal(copies(seqs[0]!)[0]!.historical, undefined, 'the first publish is live');
      await until(() => copies(seqs[0]!).length >= 2 && copies(seqs[1]!).length >= 2, 5000, 'published again without an ack');
      assert.equal(copies(seqs[0]!)[1]!.historical, true);
      assert.ok(sync.health().resent! >= 2);
      assert.equal(logger.records.filter((r) => /not acknowledged/.test(String(r.msg))).length, 1, 'one line per episode');
      await center.client.publishAsync(`${ROOT}ack`, JSON.stringify({ upto_seq: seqs[1] }), { qos: 1 });
      await until(() => outbox.health().lastAckedSeq === seqs[1], 5000, 'the ack');
      await new Promise((r) => setTimeout(r, 300));
      const n = center.messages.length;
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(center.messages.length, n, 'acknowledged events are not published again');
    } finally {
      await sync.stop();
      await center.stop();
      await broker.stop();
    }
  });
});

describe('MqttSync with a command journal under a flood of refused commands', { timeout: 60_000 }, () => {
  it('1,264 commands with 20–60 KB names or unknown names: all answered, the journal keeps only the command that ran', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ce-flood-'));
    const journal = join(dir, 'commands.json');
    const { broker, sync } = await setup({}, {}, { commandJournalPath: journal });
    const center = await startCollector(broker.url, [`${ROOT}cmd_res/#`, `${ROOT}cmd_res`]);
    try {
      let ran = 0;
      sync.commands.register('window.ping', Type.Object({}), async () => { ran++; return 'pong'; });
      await sync.start();
      await until(() => sync.health().connected, 5000, 'connected');
      await center.client.publishAsync(`${ROOT}cmd/window/ping`, JSON.stringify({ cmd_id: 'ran-1' }), { qos: 1 });
      await center.waitFor((m) => (m.json as { cmd_id?: string } | undefined)?.cmd_id === 'ran-1', 5000, 'the command that ran');
      const from = center.messages.length;
      for (let i = 0; i < 1264; i++) {
        const name = i % 2 === 0 ? 'n'.repeat(20_000 + ((i * 97) % 40_000)) : `no/such/command${i}`;
        center.client.publish(`${ROOT}cmd/${name}`, JSON.stringify({ cmd_id: `flood-${i}` }), { qos: 1 });
      }
      await until(() => center.messages.length - from >= 1264, 30_000, '1,264 answers');
      assert.ok(center.messages.slice(from).every((m) => (m.json as { status: string }).status === 'error'));
      await sync.stop();
      const kept = JSON.parse(await readFile(journal, 'utf8')) as { entries: Array<{ cmd_id: string }> };
      assert.deepEqual(kept.entries.map((e) => e.cmd_id), ['ran-1']);
      assert.ok((await stat(journal)).size < 1024);
      assert.equal(ran, 1);
    } finally {
      await sync.stop();
      await center.stop();
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('MqttSync against Mosquitto refusing one topic (MQTT 5 PUBACK 0x87)', { timeout: 60_000, skip: hasMosquitto() ? false : 'mosquitto binary not installed' }, () => {
  it('the refused event is poisoned after 3 refusals and the rest flows', async () => {
    // A07 may publish everything of its own except evt/print/#.
    const acl = [
      'pattern write zwfw/v1/main/%u/status', 'pattern write zwfw/v1/main/%u/birth', 'pattern write zwfw/v1/main/%u/state/#',
      'pattern write zwfw/v1/main/%u/cmd_res/#', 'pattern write zwfw/v1/main/%u/evt/evaluation/#', 'pattern write zwfw/v1/main/%u/evt/outbox/#',
      'pattern read zwfw/v1/main/%u/cmd/#', 'pattern read zwfw/v1/main/%u/ack', 'user center', 'topic readwrite zwfw/v1/#', '',
    ].join('\n');
    const broker = await startMosquitto({ users: { A07: 'pw7', center: 'cpw' }, acl });
    const clock = systemClock();
    const outbox = new MemoryOutbox({ clock });
    await outbox.start();
    const logger = memoryLogger();
    const sync = new MqttSync({
      config: mqttConfig(broker.url, { protocol_version: 5 }), window: { id: 'A07', hall: 'main' }, logger, clock, outbox,
      boot: 1, version: 't', configHash: 'h', password: 'pw7',
    });
    const center = await startCollector(broker.url.replace('mqtt://', 'mqtt://center:cpw@'), [`${ROOT}evt/#`], { protocolVersion: 5 });
    try {
      const seqs = ['evaluation.submitted', 'print.done', 'evaluation.submitted'].map((type) => outbox.append({ type }).envelope.seq);
      await sync.start();
      const poisoned = await center.waitFor((m) => m.topic === `${ROOT}evt/outbox/poisoned`, 15_000, 'outbox.poisoned');
      assert.equal((poisoned.json as { data: { seq: number } }).data.seq, seqs[1]);
      assert.match((poisoned.json as { data: { reason: string } }).data.reason, /refused it/);
      await until(() => new Set(center.messages.filter((m) => m.topic === `${ROOT}evt/evaluation/submitted`).map((m) => (m.json as { seq: number }).seq)).size === 2, 5000, 'the rest');
      assert.equal(outbox.health().poisoned, 1);
    } finally {
      await sync.stop();
      await center.stop();
      await broker.stop();
    }
  });
});
