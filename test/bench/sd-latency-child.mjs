// Runs the counter (compiled build in dist/, all four simulated drivers, real broker) in this
// process, started by sd-latency.ts with the slow-fsync shim in LD_PRELOAD so every fsync and
// fdatasync of the outbox takes $CE_FSYNC_DELAY_MS. Reports, as one JSON line:
//  - append_eps: appends/s as fast as the caller produces, until all are durable;
//  - commit p50/p99: append → durable at a steady 200 events/s;
//  - press → LED p50/p99 during that load: a simulated key press is due at a time (a timer, as an
//    input event would arrive through libuv) and the LED is set by the counter's own button
//    handler; the figure is LED set − due time, so any event-loop stall the disk causes shows.
//  - the alternative without the outbox worker thread, in the same process and on the same slow
//    disk: better-sqlite3 on the main thread, one small transaction per event at 200 ev/s, and the
//    event-loop delay p99 of each (a synchronous fsync on the main thread stalls every input).
// Plain JavaScript on purpose (no TypeScript loader in the measured process).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
const { loadConfigFile } = await import('../../dist/config/loader.js');
const { createLogger } = await import('../../dist/core/logger.js');
const { composeCounter } = await import('../../dist/device/compose.js');

const [brokerUrl, appendTotalArg, secondsArg, stateDirMatch] = process.argv.slice(2);
const appendTotal = Number(appendTotalArg);
const seconds = Number(secondsArg);
// The state directory name carries the shim's match string, so only the outbox's files are slowed.
const dir = mkdtempSync(join(tmpdir(), `${stateDirMatch}-`));
// debounce_ms 0 (as with gpio-keys, which debounces in the kernel): the figure is the software path.
writeFileSync(join(dir, 'c.yaml'), `window: { id: SD1 }\nstate_dir: ${join(dir, 'state')}\nlog_level: error\nmqtt: { url: "${brokerUrl}", inflight_window: 500 }\napi: { port: 0 }\noutbox: { max_bytes: 4000000000 }\nbuttons: { debounce_ms: 0 }\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
const r2 = (x) => Math.round(x * 100) / 100;

const loaded = await loadConfigFile(join(dir, 'c.yaml'), {});
const composed = await composeCounter(loaded, createLogger({ level: 'error' }), {});
await composed.app.start();
const ctx = composed.app.context();
const outbox = ctx.outbox;
const buttons = ctx.drivers.buttons.current();
if (!buttons || typeof buttons.simulateLevel !== 'function') throw new Error('the simulated buttons driver is not running');
const key = loaded.config.buttons.keys[0];
// Every LED the counter sets is timed here; the counter's handler calls setLed on this instance.
const ledAt = [];
const realSetLed = buttons.setLed.bind(buttons);
buttons.setLed = (k, mode) => { ledAt.push(performance.now()); realSetLed(k, mode); };
await sleep(1000);

// 1. Append throughput.
let t0 = performance.now();
let last = Promise.resolve();
for (let i = 0; i < appendTotal; i += 1000) {
  for (let j = 0; j < 1000 && i + j < appendTotal; j++) last = outbox.append({ type: 'evaluation.submitted', staff_id: 'S0123', data: { key: 'satisfied', level: 1, case_id: `A${i + j}` } }).durable;
  await new Promise((r) => setImmediate(r));
}
await last;
const appendEps = appendTotal / ((performance.now() - t0) / 1000);
while (composed.app.health().outbox.pending > 0) await sleep(50);

// 2. Commit latency at 200 ev/s, with a key press every 20 ms on the same event loop.
const commit = [];
const pressDue = [];
const durables = [];
t0 = performance.now();
const total = 200 * seconds;
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const presses = (async () => {
  for (let k = 0; k < seconds * 50; k++) {
    const due = t0 + 7 + k * 20;
    await sleep(Math.max(0, due - performance.now()));
    pressDue.push(due);
    const before = ledAt.length;
    buttons.simulateLevel(key, true);
    if (ledAt.length === before) throw new Error('the press did not set an LED synchronously (debounce not 0?)');
    buttons.simulateLevel(key, false);
  }
})();
for (let i = 0; i < total; i++) {
  const due = t0 + i * 5;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
  const t = performance.now();
  durables.push(outbox.append({ type: 'evaluation.submitted', data: { key: 'satisfied', level: 1, case_id: `L${i}` } }).durable.then(() => { commit.push(performance.now() - t); }));
}
await presses;
loop.disable();
await Promise.all(durables);
const achieved = total / ((performance.now() - t0) / 1000);
// The LED times of the timed presses are the last pressDue.length entries (nothing else presses).
const led = ledAt.slice(-pressDue.length).map((at, k) => at - pressDue[k]).sort((a, b) => a - b);
commit.sort((a, b) => a - b);
await composed.stop('bench');

// 3. Main-thread SQLite, no worker: the design the worker thread is measured against.
const db = new Database(join(dir, 'main-thread.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO events (body) VALUES (?)');
const one = db.transaction((body) => insert.run(body));
const mainLoop = monitorEventLoopDelay({ resolution: 1 });
mainLoop.enable();
const t1 = performance.now();
for (let i = 0; i < total; i++) {
  const wait = t1 + i * 5 - performance.now();
  // Yield every time, so the loop monitor can see the stalls even when commits run late.
  await (wait > 0 ? sleep(wait) : new Promise((r) => setImmediate(r)));
  one(JSON.stringify({ type: 'evaluation.submitted', data: { key: 'satisfied', level: 1, case_id: `M${i}` } }));
}
mainLoop.disable();
db.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({
  append_eps: Math.round(appendEps), commit_p50_ms: r2(pct(commit, 50)), commit_p99_ms: r2(pct(commit, 99)),
  rate_eps: Math.round(achieved), press_to_led_p50_ms: r2(pct(led, 50)), press_to_led_p99_ms: r2(pct(led, 99)), presses: led.length,
  loop_delay_p99_ms: r2(loop.percentile(99) / 1e6), main_thread_sqlite_loop_delay_p99_ms: r2(mainLoop.percentile(99) / 1e6),
}) + '\n');
process.exit(0);
