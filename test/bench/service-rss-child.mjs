// Runs the counter (the real composition from the compiled build in dist/: outbox, MQTT, local API,
// sim buttons) in this process, as a Pi runs it (plain node, no tsx), and reports its RSS idle and
// after N events went through outbox and broker. Plain JavaScript on purpose: a TypeScript loader
// would add its own ~35 MB. Started by service-rss.ts with --expose-gc.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapCodeStatistics, getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
const { loadConfigFile } = await import('../../dist/config/loader.js');
const { createLogger } = await import('../../dist/core/logger.js');
const { composeCounter } = await import('../../dist/device/compose.js');

const [brokerUrl, totalArg, withDrivers] = process.argv.slice(2);
const total = Number(totalArg);
const dir = mkdtempSync(join(tmpdir(), 'ce-rss-'));
// 'all' (the four simulated drivers), 'spine' (buttons only) or a comma list such as 'eink,printer'.
const enabled = withDrivers === 'all' ? ['fingerprint', 'printer', 'eink'] : withDrivers === 'spine' ? [] : withDrivers.split(',');
const drivers = ['fingerprint', 'printer', 'eink'].filter((d) => !enabled.includes(d)).map((d) => `${d}: { enabled: false }\n`).join('');
writeFileSync(join(dir, 'c.yaml'), `window: { id: RSS1 }\nstate_dir: ${join(dir, 'state')}\nlog_level: error\nmqtt: { url: "${brokerUrl}", inflight_window: 500 }\napi: { port: 0 }\noutbox: { max_bytes: 4000000000 }\n${drivers}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const gc = globalThis.gc ?? (() => undefined);
const rssMb = () => Math.round((process.memoryUsage().rss / 1048576) * 10) / 10;

const loaded = await loadConfigFile(join(dir, 'c.yaml'), {});
const composed = await composeCounter(loaded, createLogger({ level: 'error' }), {});
await composed.app.start();
await sleep(1500);
gc();
await sleep(300);
const idle = rssMb();
// RSS_DEBUG=1: where the memory sits (smaps Rss by mapping name, top entries, kB) and V8's view.
const debug = (label) => {
  if (!process.env.RSS_DEBUG) return;
  const agg = {};
  for (const block of readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const name = block.split('\n')[0].split(/\s+/).slice(5).join(' ') || '[anon]';
    agg[name] = (agg[name] ?? 0) + Number(/\nRss:\s+(\d+)/.exec(block)?.[1] ?? 0);
  }
  const top = Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 8);
  const m = process.memoryUsage();
  const mb = (n) => Math.round(n / 1048576);
  const v8 = process.env.RSS_DEBUG_V8 ? { spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mb(s.space_used_size)])), code: Object.fromEntries(Object.entries(getHeapCodeStatistics()).map(([k, v]) => [k, mb(v)])) } : {};
  process.stderr.write(`${label} ${JSON.stringify(v8)} rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} ${JSON.stringify(top)}\n`);
};
debug('idle');
// RSS_SNAPSHOT=path: a heap snapshot of the idle counter, for a look at what the main heap holds.
if (process.env.RSS_SNAPSHOT) writeHeapSnapshot(process.env.RSS_SNAPSHOT);
const health = () => composed.app.health();
// The counter's own append path, in windows so the broker keeps up as it would at a real window.
const WINDOW = 5_000;
const samples = [];
for (let i = 0; i < total; i += WINDOW) {
  let last = Promise.resolve();
  for (let j = 0; j < WINDOW && i + j < total; j++) {
    last = composed.app.context().outbox.append({ type: 'evaluation.submitted', staff_id: 'S0123', data: { key: 'satisfied', level: 2, case_id: `T${i + j}` } }).durable;
    if (j % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  await last;
  while (health().outbox.pending > WINDOW) await sleep(20);
  if ((i / WINDOW) % 40 === 0) samples.push(rssMb());
}
const deadline = Date.now() + 120_000;
while (health().outbox.pending > 0 && Date.now() < deadline) await sleep(50);
const pendingLeft = health().outbox.pending;
// Settle as for idle, so both figures are taken the same way.
await sleep(1500);
gc();
await sleep(300);
const after = rssMb();
debug('after');
const peak = Math.max(...samples, after);
await composed.stop('bench');
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ rss_idle_mb: idle, rss_after_mb: after, rss_peak_mb: peak, events: total, pending_left: pendingLeft }) + '\n');
process.exit(0);
