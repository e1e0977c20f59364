// Scale-out: two ingest instances share a hall through an MQTT 5 shared subscription
// (`$share/<group>/…`) on Mosquitto, against one store (SQLite file; PostgreSQL when installed).
// Each event reaches one instance; together they store every event once and ack every window fully.
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
import { hasPostgres, startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { envelope, ingestOptions } from '../helpers/center-fixtures.ts';

const WINDOWS = ['A01', 'A02', 'B01', 'B02'];
const PER_WINDOW = 250;

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('center scale-out: two instances, one shared subscription', { skip: hasMosquitto() ? undefined : 'mosquitto not installed' }, () => {
  let broker: MosquittoBroker;
  let dir: string;
  let pg: TestPostgres | undefined;
  before(async () => {
    broker = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'ce-center-scale-'));
  });
  after(async () => {
    await broker?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (target: () => Promise<string>, hall: string) => {
    const where = await target();
    const stores: CenterStore[] = [];
    const instances: CenterIngest[] = [];
    const acks = new Map<string, number>();
    let device: MqttClient | undefined;
    try {
      for (const name of ['one', 'two']) {
        const store = new CenterStore(await openSqlDb(where));
        await store.migrate();
        stores.push(store);
        const ingest = new CenterIngest({ store, clock: systemClock(), scheduler: systemScheduler(), logger: memoryLogger(),
          options: ingestOptions(broker.url, { hall, group: 'ingest', clientId: `center-${hall}-${name}`, batchMax: 50 }) });
        await ingest.start();
        instances.push(ingest);
      }
      device = await connectAsync(broker.url, { protocolVersion: 5, clientId: `counters-${hall}` });
      device.on('message', (topic, payload) => acks.set(topic.split('/')[3]!, (JSON.parse(payload.toString()) as { upto_seq: number }).upto_seq));
      await device.subscribeAsync(`zwfw/v1/${hall}/+/ack`, { qos: 1 });
      const sends: Array<Promise<unknown>> = [];
      for (let seq = 1; seq <= PER_WINDOW; seq++) {
        for (const window of WINDOWS) {
          const e = envelope({ hall, window, seq });
          sends.push(device.publishAsync(`zwfw/v1/${hall}/${window}/evt/evaluation/submitted`, JSON.stringify(e), { qos: 1 }));
        }
      }
      // A device re-sending its unacknowledged tail after a reconnect: these are duplicates.
      for (let seq = PER_WINDOW - 24; seq <= PER_WINDOW; seq++) {
        const e = envelope({ hall, window: 'A01', seq, historical: true });
        sends.push(device.publishAsync(`zwfw/v1/${hall}/A01/evt/evaluation/submitted`, JSON.stringify(e), { qos: 1 }));
      }
      await Promise.all(sends);
      const total = WINDOWS.length * PER_WINDOW;
      await waitFor('every window acked in full', () => WINDOWS.every((w) => acks.get(w) === PER_WINDOW));
      await waitFor('every message processed', () => instances.reduce((n, i) => n + i.health().stored + i.health().duplicates, 0) === total + 25);
      const [a, b] = instances.map((i) => i.health());
      assert.ok(a!.stored > 0 && b!.stored > 0, `both instances took a share (${a!.stored} / ${b!.stored})`);
      assert.equal(a!.stored + b!.stored, total, 'stored once in all');
      assert.equal(a!.duplicates + b!.duplicates, 25);
      assert.equal(await stores[0]!.eventCount(), total);
      const windows = await stores[0]!.windows(hall);
      assert.deepEqual(windows.map((w) => [w.window, w.acked_seq, w.gap]), WINDOWS.map((w) => [w, PER_WINDOW, undefined]));
      assert.ok((await stores[0]!.gaps(hall)).every((g) => g.closed_ms !== null), 'no gap stays open');
    } finally {
      await device?.endAsync();
      for (const i of instances) await i.stop();
      for (const s of stores) await s.close();
    }
  };

  test('SQLite file shared by both instances', async () => {
    await run(async () => join(dir, 'center.db'), 'hall1');
  });

  test('PostgreSQL shared by both instances', { skip: hasPostgres() ? undefined : 'PostgreSQL binaries not installed' }, async () => {
    await run(async () => { pg = await startPostgres({ fsync: false }); return pg.url; }, 'hall2');
  });
});
