// One side of the peer benchmark (peer-bench.ts), as its own process so it can be killed with -9:
//   ours: SqliteOutbox + MqttSync, the counter's spine;
//   peer: mqtt.js with mqtt-level-store (its maintainers' persistent store for in-flight packets),
//         what a user would pick instead.
// `fill` produces events while the broker is unreachable and reports on stdout how many it was told
// are kept ("A <count>": ours = `durable` resolved; the peer has no such signal, so publish()
// returned); the parent kills it with -9. `drain` reopens the same state and connects to the broker.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import type { IClientOptions, IStore, MqttClient } from 'mqtt';
import { systemClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { SqliteOutbox } from '../../sync/sqlite-outbox.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { mqttConfig } from '../helpers/brokers.ts';

const [side, phase, url, stateDir, countArg, protocolArg] = process.argv.slice(2) as [string, string, string, string, string, string];
const count = Number(countArg);
const protocol = Number(protocolArg) as 4 | 5;
export const PEER_TOPIC = 'zwfw/v1/main/P01/evt/evaluation/submitted';
const input = (i: number) => ({ type: 'evaluation.submitted', staff_id: 'S0123', data: { key: 'satisfied', level: 1, case_id: `P${i}` } });
const report = (line: string) => process.stdout.write(line + '\n');

async function ours(): Promise<void> {
  const clock = systemClock();
  const logger = createLogger({ level: 'error' });
  const outbox = new SqliteOutbox({ path: join(stateDir, 'outbox.db'), window: 'P01', hall: 'main', utcOffsetMinutes: 480, clock, logger,
    synchronous: 'FULL', maxBytes: 2_000_000_000, retainPublishedHours: 24, requireAck: false, groupCommitMax: 1000 });
  const info = await outbox.start();
  const sync = new MqttSync({ config: mqttConfig(url, { protocol_version: protocol, inflight_window: 500 }), window: { id: 'P01', hall: 'main' },
    logger, clock, outbox, boot: info.boot, version: 'bench', configHash: 'bench' });
  sync.on('error', () => undefined);
  await sync.start();
  if (phase !== 'fill') return;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    outbox.append(input(i)).durable.then(() => { kept++; if (kept % 500 === 0 || kept === count) report(`A ${kept}`); }, () => undefined);
    if (i % 500 === 499) await tick();
  }
}

async function peer(): Promise<void> {
  const require = createRequire(import.meta.url);
  const levelStore = require('mqtt-level-store') as (path: string) => { incoming: IStore; outgoing: IStore };
  const { connect } = require('mqtt') as { connect(url: string, o: IClientOptions): MqttClient };
  const manager = levelStore(join(stateDir, 'level'));
  // What its README shows, plus a persistent session and a fixed client id, as a user keeping
  // messages across restarts would set.
  const client = connect(url, { protocolVersion: protocol, clientId: 'peer-P01', clean: false, reconnectPeriod: 1000,
    incomingStore: manager.incoming, outgoingStore: manager.outgoing });
  client.on('error', () => undefined);
  if (phase !== 'fill') return;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    client.publish(PEER_TOPIC, JSON.stringify(input(i)), { qos: 1 }, () => undefined);
    kept++;
    if (kept % 500 === 0 || kept === count) report(`A ${kept}`);
    if (i % 500 === 499) await tick();
  }
}

if (side === 'ours') await ours();
else if (side === 'peer') await peer();
else throw new Error(`peer-child: side must be ours or peer, got '${side}'`);
report('STARTED');
