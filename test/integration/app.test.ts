// The whole counter in-process: sim buttons, the real SQLite outbox in a temp dir, MqttSync to an
// aedes broker. Checks the spine end to end: press → event → broker, faults stay local, reload.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../config/loader.ts';
import type { Config } from '../../config/schema.ts';
import { App, type AppPlugin, type DriverSet } from '../../device/app.ts';
import { systemClock } from '../../core/clock.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { memoryLogger } from '../../core/logger.ts';
import type { Notifier } from '../../device/systemd-notify.ts';
import { registerConfigCommands } from '../../device/reload.ts';
import { registerSimRoutes } from '../../device/simulator/sim-routes.ts';
import { SqliteOutbox } from '../../sync/sqlite-outbox.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { createButtonsDriver } from '../../drivers/buttons/index.ts';
import { DriverBase } from '../../drivers/driver.ts';
import { PrinterNotReadyError, type PrinterDriver } from '../../drivers/printer/types.ts';
import { startAedes, startCollector, type TestBroker, type Collector } from '../helpers/brokers.ts';

/** A printer whose device is missing: it faults on every open and never prints. */
class BrokenPrinter extends DriverBase implements PrinterDriver {
  opens = 0;
  readonly geometry = { cols: 32, dots: 384 };
  constructor() { super('printer', 'broken', { clock: systemClock(), scheduler: systemScheduler() }, { minMs: 20, maxMs: 50 }); }
  protected async open(): Promise<void> { this.opens++; throw new Error('cannot open /dev/usb/lp0: ENOENT'); }
  protected async close(): Promise<void> {}
  async print(): Promise<void> { throw new PrinterNotReadyError('cannot open /dev/usb/lp0: ENOENT'); }
  async checkStatus(): Promise<undefined> { return undefined; }
  lastPrinted(): undefined { return undefined; }
}

function fakeNotifier() {
  const sent: string[] = [];
  const n: Notifier = { active: true, ready: () => sent.push('READY'), watchdog: () => sent.push('WATCHDOG'), stopping: () => sent.push('STOPPING'), status: () => undefined, close: () => undefined };
  return { n, sent };
}

let broker: TestBroker;
let sub: Collector;
let dir: string;
before(async () => {
  broker = await startAedes();
  sub = await startCollector(broker.url, ['zwfw/v1/main/T01/#']);
  dir = mkdtempSync(join(tmpdir(), 'ce-app-'));
});
after(async () => { await sub.stop(); await broker.stop(); });

function buildApp(configText: string, configPath: string, extraDrivers: DriverSet = {}) {
  const env = { COUNTER_EDGE_MQTT_URL: broker.url, COUNTER_EDGE_STATE_DIR: join(dir, 'state'), COUNTER_EDGE_API_PORT: '0' };
  writeFileSync(configPath, configText);
  const loaded = parseConfig(configText, configPath, env);
  const config: Config = { ...loaded.config, mqtt: { ...loaded.config.mqtt, protocol_version: 4 } };
  const logger = memoryLogger();
  const clock = systemClock();
  const outbox = new SqliteOutbox({ path: join(config.state_dir, 'outbox.db'), window: config.window.id, hall: config.window.hall,
    utcOffsetMinutes: 480, clock, logger, synchronous: 'FULL', maxBytes: 50_000_000, retainPublishedHours: 1, requireAck: false, groupCommitMax: 500 });
  const { n, sent } = fakeNotifier();
  let app!: App;
  const plugins: AppPlugin[] = [
    (ctx) => registerSimRoutes(ctx, () => app.health()),
    (ctx) => registerConfigCommands(ctx, app, loaded, env),
  ];
  app = new App({
    config, configHash: loaded.hash, version: 'test', logger, clock, scheduler: systemScheduler(), outbox, notifier: n, watchdogMs: 50,
    createMqtt: (boot) => new MqttSync({ config: config.mqtt, window: config.window, logger, clock, outbox, boot, version: 'test', configHash: loaded.hash }),
    createDrivers: (c) => ({ buttons: createButtonsDriver(c.buttons, { logger, clock, scheduler: systemScheduler() }), ...extraDrivers }),
    plugins,
  });
  return { app, sent, logger };
}

const BASE = 'window:\n  id: T01\n  hall: main\nbuttons:\n  backend: sim\n  keys: [very_satisfied, satisfied, basically_satisfied, dissatisfied]\n';

async function post(port: number, path: string, body: unknown) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() as Record<string, unknown> };
}

test('a press on the simulator reaches the broker as an event; health reports every part', async () => {
  const cfgPath = join(dir, 'a.yaml');
  const { app, sent } = buildApp(BASE, cfgPath, { printer: new BrokenPrinter() });
  await app.start();
  try {
    assert.ok(sent.includes('READY'), 'READY after start');
    await sub.waitFor((m) => m.topic.endsWith('/status') && (m.json as { state?: string })?.state === 'online', 5000, 'online status');
    const r = await post(app.apiPort, '/api/sim/press', { button: 'dissatisfied' });
    assert.equal(r.status, 200);
    const evt = await sub.waitFor((m) => m.topic === 'zwfw/v1/main/T01/evt/evaluation/unsolicited', 5000, 'the press event');
    const e = evt.json as { data: { key: string; level: number }; event_id: string; seq: number; ts: string };
    assert.equal(e.data.key, 'dissatisfied');
    assert.equal(e.data.level, 4);
    assert.match(e.event_id, /^T01-\d+-\d+$/);
    assert.match(e.ts, /\+08:00$/);
    // The broken printer faults alone: a fault event, a retained state, and the buttons still work.
    await sub.waitFor((m) => m.topic.endsWith('/evt/device/fault') && /lp0/.test(m.text), 5000, 'printer fault event');
    await sub.waitFor((m) => m.topic.endsWith('/state/printer') && (m.json as { state?: string })?.state === 'fault', 5000, 'printer fault state');
    const bad = await post(app.apiPort, '/api/sim/press', { button: 'meh' });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /unknown button "meh"/);
    const health = await (await fetch(`http://127.0.0.1:${app.apiPort}/api/health`)).json() as Record<string, any>;
    assert.equal(health.state, 'degraded');
    assert.equal(health.mqtt.connected, true);
    assert.equal(health.drivers.buttons.state, 'ok');
    assert.equal(health.drivers.printer.state, 'fault');
    assert.ok(health.outbox.last_seq >= e.seq);
    await new Promise((r) => setTimeout(r, 120));
    assert.ok(sent.includes('WATCHDOG'), 'watchdog pinged from the event loop');
  } finally {
    await app.stop('test');
  }
  assert.ok(sent.includes('STOPPING'));
  await sub.waitFor((m) => m.topic.endsWith('/status') && (m.json as { state?: string })?.state === 'offline', 5000, 'offline status on clean stop');
});

test('reload: a bad file is rejected and the running config stays; a good one restarts only the changed driver', async () => {
  const cfgPath = join(dir, 'b.yaml');
  const { app } = buildApp(BASE, cfgPath);
  await app.start();
  try {
    const from = sub.messages.length;
    writeFileSync(cfgPath, BASE.replace('backend: sim', 'backend: simm'));
    const rejected = await post(app.apiPort, '/api/config/reload', {});
    assert.equal(rejected.json.status, 'rejected');
    const ev = await sub.waitFor((m) => m.topic.endsWith('/evt/config/rejected'), 5000, 'config.rejected', from);
    assert.match(ev.text, /buttons\.backend/);
    assert.equal(app.currentConfig.buttons.backend, 'sim');
    // Still serving with the old config.
    assert.equal((await post(app.apiPort, '/api/sim/press', { button: 'satisfied' })).status, 200);

    const before = app.context().drivers.buttons.current()!;
    // A fifth key on the keypad: the staff key 呼叫 (call), which config check accepts as a staff key.
    writeFileSync(cfgPath, BASE.replace('dissatisfied]', 'dissatisfied, call]'));
    const applied = await post(app.apiPort, '/api/config/reload', {});
    assert.notEqual(app.context().drivers.buttons.current(), before, 'the buttons driver was replaced');
    const old = before as unknown as import('node:events').EventEmitter;
    assert.equal(old.listenerCount('status') + old.listenerCount('button'), 0, 'nothing listens to the old driver');
    assert.equal(applied.json.status, 'applied');
    assert.deepEqual(applied.json.changed, ['buttons']);
    await sub.waitFor((m) => m.topic.endsWith('/evt/config/applied'), 5000, 'config.applied', from);
    await sub.waitFor((m) => m.topic.endsWith('/status') && (m.json as { config_hash?: string }).config_hash === applied.json.hash, 5000, 'status with the new config hash', from);
    assert.equal((await post(app.apiPort, '/api/sim/press', { button: 'call' })).status, 200);
    const evt = await sub.waitFor((m) => m.topic.endsWith('/evt/evaluation/unsolicited') && /"call"/.test(m.text), 5000, 'press with the new key', from);
    assert.equal((evt.json as { data: { level: number } }).data.level, 5);
  } finally {
    await app.stop('test');
  }
  // A reload after stop must not bring drivers back.
  await assert.rejects(app.applyDriverConfig(app.currentConfig, ['buttons']), /stopping/);
  assert.equal(app.context().drivers.buttons.current(), undefined);
});
