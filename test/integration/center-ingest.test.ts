// The center's ingest against a real broker (Mosquitto, MQTT 5), with a publisher under the test's
// control standing in for a counter: it drops one event on purpose, and the center must hold its ack
// below the hole, report the gap, and move on once the event is re-sent (historical: true).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { CenterIngest } from '../../center/ingest.ts';
import { openSqlDb } from '../../center/sql.ts';
import { CenterStore } from '../../center/store.ts';
import { hasMosquitto, startMosquitto, type MosquittoBroker } from '../helpers/brokers.ts';
import { envelope, ingestOptions, type EnvelopeSpec } from '../helpers/center-fixtures.ts';

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};


const waitForValue = async <T>(what: string, get: () => T | undefined, ms = 5000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('center ingest (Mosquitto, MQTT 5)', { skip: hasMosquitto() ? undefined : 'mosquitto not installed' }, () => {
  let broker: MosquittoBroker;
  let dir: string;
  let device: MqttClient;
  const acks: Array<{ window: string; upto: number }> = [];
  before(async () => {
    broker = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'ce-center-ingest-'));
    device = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'fake-counters' });
    device.on('message', (topic, payload) => {
      const m = /^zwfw\/v1\/main\/([^/]+)\/ack$/.exec(topic);
      if (m) acks.push({ window: m[1]!, upto: (JSON.parse(payload.toString()) as { upto_seq: number }).upto_seq });
    });
    await device.subscribeAsync('zwfw/v1/main/+/ack', { qos: 1 });
  });
  after(async () => {
    await device?.endAsync();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const publish = async (s: EnvelopeSpec) => {
    const e = envelope(s);
    await device.publishAsync(`zwfw/v1/${s.hall ?? 'main'}/${s.window ?? 'A07'}/evt/${String(e.type).split('.').join('/')}`, JSON.stringify(e), { qos: 1 });
  };
  const start = async (file: string, logger = memoryLogger()) => {
    const store = new CenterStore(await openSqlDb(join(dir, file)));
    await store.migrate();
    const ingest = new CenterIngest({ store, clock: systemClock(), scheduler: systemScheduler(), logger, options: ingestOptions(broker.url) });
    await ingest.start();
    return { store, ingest, logger };
  };
  const lastAck = (window: string) => acks.filter((a) => a.window === window).at(-1)?.upto;

  test('a dropped event stops the ack below it and is reported; the re-sent event closes the gap', async () => {
    const { store, ingest, logger } = await start('drop.db');
    try {
      for (let seq = 1; seq <= 10; seq++) if (seq !== 5) await publish({ window: 'A07', seq });
      await waitFor('9 events stored', async () => (await store.eventCount()) === 9);
      await waitFor('ack up to 4', () => lastAck('A07') === 4);
      const [w] = await store.windows('main');
      assert.deepEqual([w!.acked_seq, w!.gap?.from, w!.gap?.to], [4, 5, 5]);
      const line = await waitForValue('the gap logged', () => logger.records.find((r) => String(r.msg).startsWith('center: gap at main/A07')));
      assert.match(String(line.msg), /holding up to seq 4, missing seq 5\.\.5/);
      // More live events arrive: still no ack past the hole.
      await publish({ window: 'A07', seq: 11 });
      await waitFor('seq 11 stored', async () => (await store.eventCount()) === 10);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(lastAck('A07'), 4);
      assert.ok(acks.filter((a) => a.window === 'A07').every((a) => a.upto <= 4), 'no ack ever covered the missing seq 5');
      // The device re-sends what the center has not acknowledged (its backlog goes out as historical).
      for (let seq = 5; seq <= 11; seq++) await publish({ window: 'A07', seq, historical: true });
      await waitFor('ack up to 11', () => lastAck('A07') === 11);
      await waitFor('every re-sent event processed', () => ingest.health().duplicates === 6);
      await waitForValue('the gap closed in the log', () => logger.records.find((r) => r.msg === 'center: gap at main/A07 closed (seq 5..5)'));
      assert.equal(await store.eventCount(), 11, 'the re-sent events that were held already are not stored twice');
      const gaps = await store.gaps('main');
      assert.equal(gaps.length, 1);
      assert.ok(gaps[0]!.closed_ms !== null);
      const historical = (await store.eventsBetween(0, Number.MAX_SAFE_INTEGER)).filter((e) => e.historical).map((e) => e.seq);
      assert.deepEqual(historical, [5]);
    } finally {
      await ingest.stop();
      await store.close();
    }
  });

  test('a crash-skipped seq range is acknowledged straight through (prev_seq links it)', async () => {
    const { store, ingest } = await start('skip.db');
    try {
      await publish({ window: 'B02', seq: 1 });
      await publish({ window: 'B02', seq: 2 });
      await publish({ window: 'B02', seq: 1001, boot: 2, prev_seq: 2 });
      await waitFor('ack up to 1001', () => lastAck('B02') === 1001);
      assert.deepEqual(await store.gaps('main'), []);
    } finally {
      await ingest.stop();
      await store.close();
    }
  });

  test('retained status, birth and bad envelopes: stored, re-acked, refused with the reason', async () => {
    const { store, ingest, logger } = await start('status.db');
    try {
      await device.publishAsync('zwfw/v1/main/C03/status', JSON.stringify({ state: 'online', boot: 3 }), { qos: 1, retain: true });
      await publish({ window: 'C03', seq: 7, prev_seq: 0 });
      await waitFor('ack up to 7', () => lastAck('C03') === 7);
      const before = acks.length;
      // A reconnecting device sends birth: it gets the ack again (it may have missed it).
      await device.publishAsync('zwfw/v1/main/C03/birth', JSON.stringify({ boot: 3, first_seq: 7, last_seq: 7, pending: 1 }), { qos: 1 });
      await waitFor('a repeated ack', () => acks.slice(before).some((a) => a.window === 'C03' && a.upto === 7));
      // Topic says C03, envelope says A07: refused and never stored.
      const wrong = envelope({ window: 'A07', seq: 8 });
      await device.publishAsync('zwfw/v1/main/C03/evt/evaluation/submitted', JSON.stringify(wrong), { qos: 1 });
      await waitFor('a refusal line', () => logger.records.some((r) => /refused a message on zwfw\/v1\/main\/C03\/evt\/evaluation\/submitted: window: "A07" differs/.test(String(r.msg))));
      await device.publishAsync('zwfw/v1/main/C03/status', JSON.stringify({ state: 'offline', boot: 3, reason: 'lwt' }), { qos: 1, retain: true });
      await waitFor('offline stored', async () => (await store.retained('main')).some((r) => r.part === 'status' && r.payload.includes('offline')));
      assert.deepEqual((await store.retained('main')).map((r) => r.part).sort(), ['birth', 'status']);
      assert.equal(await store.eventCount(), 1);
      assert.equal(ingest.health().rejected, 1);
    } finally {
      await device.publishAsync('zwfw/v1/main/C03/status', '', { qos: 1, retain: true });
      await ingest.stop();
      await store.close();
    }
  });
});
