// Runs the counter (the real composition: outbox, MQTT, local API, sim buttons) in this process and
// reports its RSS idle and after N events went through outbox and broker. Started by service-rss.ts
// with --expose-gc so "after" is measured after a full collection, as a long-running service settles.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../config/loader.ts';
import { createLogger } from '../../device/logger.ts';
import { composeCounter } from '../../device/compose.ts';

const [brokerUrl, totalArg, withDrivers] = process.argv.slice(2);
const total = Number(totalArg);
const dir = mkdtempSync(join(tmpdir(), 'ce-rss-'));
const drivers = withDrivers === 'all' ? '' : 'fingerprint: { enabled: false }\nprinter: { enabled: false }\neink: { enabled: false }\n';
writeFileSync(join(dir, 'c.yaml'), `window: { id: RSS1 }\nstate_dir: ${join(dir, 'state')}\nlog_level: error\nmqtt: { url: "${brokerUrl}", inflight_window: 500 }\napi: { port: 0 }\noutbox: { max_bytes: 4000000000 }\n${drivers}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const rssMb = () => Math.round((process.memoryUsage().rss / 1048576) * 10) / 10;

const loaded = await loadConfigFile(join(dir, 'c.yaml'), {});
const composed = await composeCounter(loaded, createLogger({ level: 'error' }), {});
await composed.app.start();
await sleep(1500);
gc();
await sleep(300);
const idle = rssMb();
const health = () => composed.app.health() as { outbox: { pending: number; last_published_seq: number } };
// The counter's own append path, in windows so the broker keeps up as it would at a real window.
const WINDOW = 20_000;
let samples: number[] = [];
for (let i = 0; i < total; i += WINDOW) {
  let last: Promise<void> = Promise.resolve();
  for (let j = 0; j < WINDOW && i + j < total; j++) {
    last = composed.app.context().outbox.append({ type: 'evaluation.submitted', staff_id: 'S0123', data: { key: 'satisfied', level: 2, case_id: `T${i + j}` } }).durable;
    if (j % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  await last;
  while (health().outbox.pending > WINDOW) await sleep(20);
  if ((i / WINDOW) % 10 === 0) samples.push(rssMb());
}
const deadline = Date.now() + 120_000;
while (health().outbox.pending > 0 && Date.now() < deadline) await sleep(50);
const pendingLeft = health().outbox.pending;
gc();
await sleep(500);
gc();
const after = rssMb();
const peak = Math.max(...samples, after);
await composed.stop('bench');
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ rss_idle_mb: idle, rss_after_mb: after, rss_peak_mb: peak, events: total, pending_left: pendingLeft }) + '\n');
process.exit(0);
