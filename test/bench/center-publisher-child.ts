// A process standing in for many counters during the center bench: publishes perWindow events for
// each window with a bounded in-flight window (design §6), then exits. Args: url hall windows perWindow.
import { connectAsync } from 'mqtt';
import { envelope } from '../helpers/center-fixtures.ts';

const [url, hall, windows, perWindow] = process.argv.slice(2);
const client = await connectAsync(url!, { protocolVersion: 5, clientId: `bench-counters-${process.pid}` });
process.stdout.write('ready\n');
let inflight: Array<Promise<unknown>> = [];
for (let seq = 1; seq <= Number(perWindow); seq++) {
  for (let w = 0; w < Number(windows); w++) {
    inflight.push(client.publishAsync(`zwfw/v1/${hall}/I${w}/evt/evaluation/submitted`, JSON.stringify(envelope({ hall, window: `I${w}`, seq })), { qos: 1 }));
    if (inflight.length >= 500) { await Promise.all(inflight); inflight = []; }
  }
}
await Promise.all(inflight);
await client.endAsync();
