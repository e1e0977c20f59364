// Driver behaviour beyond the contract: fault reasons, recovery, model differences, privacy.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventEmitter } from 'node:events';
import { systemClock } from '../../core/clock.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { memoryLogger } from '../../core/logger.ts';
import { fingerprintDefaults, type FingerprintConfig } from '../../drivers/fingerprint/config.ts';
import { R30xFingerprintDriver } from '../../drivers/fingerprint/driver.ts';
import { ModuleEmulator, type EmulatorOptions } from '../../drivers/fingerprint/emulator.ts';
import { ModuleClient } from '../../drivers/fingerprint/client.ts';
import { MemoryTransport } from '../../drivers/fingerprint/memory-transport.ts';
import { build, encodePacket, PID } from '../../drivers/fingerprint/protocol.ts';
import type { DriverStatus } from '../../drivers/driver.ts';

// The driver's timers (poll loop, command timeouts) come from systemScheduler() and are unref'd,
// as in the service, where the server keeps the process up; here the test holds it up instead.
const keepAlive = setInterval(() => undefined, 60_000);
after(() => clearInterval(keepAlive));

function once<T>(e: EventEmitter, event: string, pred: (v: T) => boolean = () => true, ms = 8000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { e.off(event, on); reject(new Error(`no '${event}' within ${ms} ms`)); }, ms);
    const on = (v: T) => { if (pred(v)) { clearTimeout(timer); e.off(event, on); resolve(v); } };
    e.on(event, on);
  });
}

async function rig(cfg: Partial<FingerprintConfig> = {}, emu: EmulatorOptions = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'fp-drv-'));
  const emulator = new ModuleEmulator(emu);
  const logger = memoryLogger();
  const mapFile = path.join(dir, 'staff.json');
  const driver = new R30xFingerprintDriver({
    config: fingerprintDefaults({ poll_ms: 20, command_timeout_ms: 300, retry_min_ms: 30, retry_max_ms: 100, ...cfg }),
    logger, clock: systemClock(), scheduler: systemScheduler(), staffMapFile: mapFile, backend: 'sim', openTransport: () => emulator.connect(),
  });
  return { dir, emulator, logger, driver, mapFile, done: async () => { await driver.stop(); await rm(dir, { recursive: true, force: true }); } };
}

const settled = (d: R30xFingerprintDriver) => (d.status().state === 'ok' || d.status().state === 'fault'
  ? Promise.resolve(d.status()) : once<DriverStatus>(d, 'status', (s) => s.state === 'ok' || s.state === 'fault'));

test('a wrong password is a fault that says so', async () => {
  const r = await rig({ password: 1234 }, { password: 99 });
  try {
    await r.driver.start();
    const s = await settled(r.driver);
    assert.equal(s.state, 'fault');
    assert.match(s.reason!, /VfyPwd failed: wrong module password \(check fingerprint\.password\)/);
  } finally { await r.done(); }
});

test('a module that stops answering goes to fault after the configured misses and recovers when it answers again', async () => {
  const r = await rig({ max_consecutive_timeouts: 2 });
  try {
    await r.driver.start();
    assert.equal((await settled(r.driver)).state, 'ok');
    const fault = once<DriverStatus>(r.driver, 'status', (s) => s.state === 'fault');
    r.emulator.failNext('timeout', { count: 2 });
    const s = await fault;
    assert.match(s.reason!, /did not answer GenImg within 300 ms \(2 commands in a row unanswered\)/);
    assert.equal((await once<DriverStatus>(r.driver, 'status', (x) => x.state === 'ok')).state, 'ok');
  } finally { await r.done(); }
});

test('a broken staff map keeps the reader in fault with the file named', async () => {
  const r = await rig();
  try {
    await writeFile(r.mapFile, 'not json');
    await r.driver.start();
    const s = await settled(r.driver);
    assert.equal(s.state, 'fault');
    assert.ok(s.reason!.includes(r.mapFile), s.reason);
  } finally { await r.done(); }
});

test('a template with no owner in the map is a no_match (unmapped_slot), and low scores are refused', async () => {
  const r = await rig({ min_score: 0xffff });
  try {
    await r.driver.start();
    await settled(r.driver);
    r.driver.on('enrol_step', (e) => { if (e.step !== 'lift' && e.step !== 'storing') r.emulator.touch('S1'); });
    await r.driver.enrol('S1');
    const low = once<{ reason: string }>(r.driver, 'no_match');
    r.emulator.touch('S1');
    assert.equal((await low).reason, 'low_score');
    await writeFile(r.mapFile, JSON.stringify({ version: 1, slots: {} }));
    await r.driver.stop();
    const again = new R30xFingerprintDriver({
      config: fingerprintDefaults({ poll_ms: 20 }), logger: r.logger, clock: systemClock(), scheduler: systemScheduler(), staffMapFile: r.mapFile,
      backend: 'sim', openTransport: () => r.emulator.connect(),
    });
    await again.start();
    await settled(again);
    const unmapped = once<{ reason: string }>(again, 'no_match');
    r.emulator.touch('S1');
    assert.equal((await unmapped).reason, 'unmapped_slot');
    await again.stop();
  } finally { await r.done(); }
});

test('an R30x/AS608 is never sent R503-only commands', async () => {
  const r = await rig({ model: 'as608' }, { model: 'as608' });
  try {
    await r.driver.start();
    assert.equal((await settled(r.driver)).state, 'ok');
    await r.driver.setLight('matched');
    assert.equal(r.emulator.received.get('HandShake'), undefined);
    assert.equal(r.emulator.received.get('AuraLedConfig'), undefined);
  } finally { await r.done(); }
});

test('technician operations are refused clearly while the reader is in fault', async () => {
  const r = await rig();
  try {
    r.emulator.unplug();
    await r.driver.start();
    const s = await settled(r.driver);
    assert.match(s.reason!, /not present \(unplugged\)/);
    await assert.rejects(r.driver.enrol('S1'), /fingerprint reader \(sim\) is not ready: .*unplugged/);
    await assert.rejects(r.driver.params(), /not ready/);
  } finally { await r.done(); }
});

test('the client drops data packets without logging their bytes, and resends once on a bad checksum', async () => {
  const [host, module] = MemoryTransport.pair('test');
  const logger = memoryLogger();
  const client = new ModuleClient(host, 0xffffffff, 500, logger, systemScheduler());
  client.attach();
  const secret = Buffer.from('TEMPLATE-BYTES-THAT-MUST-NOT-LEAK');
  let commands = 0;
  module.on('data', () => {
    commands++;
    if (commands === 1) {
      void module.write(Buffer.concat([encodePacket(PID.data, secret), corrupt(encodePacket(PID.ack, [0x00, 0x00, 0x05]))]));
    } else {
      void module.write(encodePacket(PID.ack, [0x00, 0x00, 0x05]));
    }
  });
  const payload = await client.exec(build.templateNum());
  assert.deepEqual(payload, Buffer.from([0x00, 0x00, 0x05]));
  assert.equal(commands, 2, 'the command was sent again after the corrupt answer');
  const st = client.stats();
  assert.equal(st.bad_checksums, 1);
  assert.equal(st.foreign_packets, 1);
  const logged = JSON.stringify(logger.records);
  assert.ok(!logged.includes('TEMPLATE-BYTES') && !logged.includes(secret.toString('hex')), 'payload bytes never logged');
});

function corrupt(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  out[out.length - 1]! ^= 0x01;
  return out;
}

test('a module reseated with a non-default password (every answer 0x21) is verified again, with a fault meanwhile, and matching resumes', async () => {
  const r = await rig({ password: 0x5a5a }, { password: 0x5a5a });
  try {
    await r.driver.start();
    assert.equal((await settled(r.driver)).state, 'ok');
    const statuses: DriverStatus[] = [];
    r.driver.on('status', (s: DriverStatus) => statuses.push(s));
    const vfyBefore = r.emulator.received.get('VfyPwd') ?? 0;
    r.emulator.reseat();
    const recovered = once<DriverStatus>(r.driver, 'status', (s) => s.state === 'ok');
    const fault = statuses.find((s) => s.state === 'fault') ?? await once<DriverStatus>(r.driver, 'status', (s) => s.state === 'fault');
    assert.match(fault.reason!, /asks for its password again/);
    await recovered;
    assert.ok((r.emulator.received.get('VfyPwd') ?? 0) > vfyBefore, 'the password was verified again');
    assert.ok(!JSON.stringify(statuses).includes(String(0x5a5a)), 'the password never appears in a status');
    // The reader works again: a touch is identified (an unknown finger is a no_match, not silence).
    const seen = once<{ reason: string }>(r.driver, 'no_match');
    r.emulator.touch('unknown');
    assert.equal((await seen).reason, 'not_found');
    assert.equal(r.driver.status().state, 'ok');
  } finally { await r.done(); }
});

test('a reseated module whose password no longer verifies is a fault that reopens, naming the wrong password', async () => {
  const r = await rig({ password: 0x5a5a }, { password: 0x5a5a });
  try {
    await r.driver.start();
    assert.equal((await settled(r.driver)).state, 'ok');
    const opens = r.emulator.received.get('ReadSysPara') ?? 0;
    const fault = once<DriverStatus>(r.driver, 'status', (s) => s.state === 'fault' && /wrong module password/.test(s.reason ?? ''));
    r.emulator.reseat({ password: 0x1111 });
    assert.match((await fault).reason!, /VfyPwd failed: wrong module password/);
    // The driver reopens with backoff (and keeps failing on the wrong password, honestly reported).
    const again = once<DriverStatus>(r.driver, 'status', (s) => s.state === 'starting' || (s.state === 'fault' && (r.emulator.received.get('VfyPwd') ?? 0) > 2));
    await again;
    assert.equal(r.emulator.received.get('ReadSysPara') ?? 0, opens, 'a reopen stops at the password');
    assert.equal(r.driver.status().state, 'fault');
  } finally { await r.done(); }
});
