// One contract for every fingerprint backend that can run here:
//   sim    — the driver against the in-process module emulator (writes split into pieces);
//   serial — the driver on a real serialport over a socat pty pair, the emulator on the other end.
// Unplug means: sim — the emulator drops the pipe; serial — socat dies and both ptys vanish.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventEmitter } from 'node:events';
import { systemClock } from '../../core/clock.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { memoryLogger } from '../../core/logger.ts';
import { fingerprintDefaults } from '../../drivers/fingerprint/config.ts';
import { R30xFingerprintDriver } from '../../drivers/fingerprint/driver.ts';
import { ModuleEmulator } from '../../drivers/fingerprint/emulator.ts';
import { serialOpener } from '../../drivers/fingerprint/serial-transport.ts';
import type { MatchEvent, NoMatchEvent } from '../../drivers/fingerprint/types.ts';
import type { DriverStatus } from '../../drivers/driver.ts';

// The driver's timers (poll loop, command timeouts) come from systemScheduler() and are unref'd,
// as in the service, where the server keeps the process up; here the test holds it up instead.
const keepAlive = setInterval(() => undefined, 60_000);
after(() => clearInterval(keepAlive));

interface Rig {
  driver: R30xFingerprintDriver;
  emulator: ModuleEmulator;
  mapFile: string;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  cleanup(): Promise<void>;
}

const config = fingerprintDefaults({ poll_ms: 20, command_timeout_ms: 600, enrol_timeout_ms: 5000, retry_min_ms: 50, retry_max_ms: 300, max_consecutive_timeouts: 3 });

function waitFor<T>(emitter: EventEmitter, event: string, pred: (v: T) => boolean = () => true, ms = 8000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { emitter.off(event, on); reject(new Error(`no matching '${event}' within ${ms} ms`)); }, ms);
    const on = (v: T) => { if (pred(v)) { clearTimeout(timer); emitter.off(event, on); resolve(v); } };
    emitter.on(event, on);
  });
}

async function waitState(driver: R30xFingerprintDriver, state: DriverStatus['state']): Promise<DriverStatus> {
  if (driver.status().state === state) return driver.status();
  return waitFor<DriverStatus>(driver, 'status', (s) => s.state === state);
}

/** Enrols with the technician touching the reader whenever the driver asks. */
async function enrolWithTouches(rig: Rig, staffId: string, slot?: number, finger: string = staffId) {
  const onStep = (e: { step: string }) => { if (e.step === 'place' || e.step === 'place_again') rig.emulator.touch(finger); };
  rig.driver.on('enrol_step', onStep);
  try { return await rig.driver.enrol(staffId, slot); } finally { rig.driver.off('enrol_step', onStep); }
}

async function simRig(dir: string): Promise<Rig> {
  // Split every write at bytes 1 and 7: header, address and length arrive in separate chunks.
  const emulator = new ModuleEmulator({ split: () => [1, 7] });
  const mapFile = path.join(dir, 'staff.json');
  const driver = new R30xFingerprintDriver({ config, logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler(), staffMapFile: mapFile, backend: 'sim', openTransport: () => emulator.connect() });
  return {
    driver, emulator, mapFile,
    unplug: async () => emulator.unplug(),
    replug: async () => emulator.replug(),
    cleanup: async () => { await driver.stop(); },
  };
}

function startSocat(hostLink: string, moduleLink: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${hostLink}`, `pty,raw,echo=0,link=${moduleLink}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`socat did not start: ${err}`)), 5000);
    p.stderr!.on('data', (d) => { err += d; if (/starting data transfer loop/.test(err)) { clearTimeout(timer); resolve(p); } });
    p.on('exit', (code) => { clearTimeout(timer); reject(new Error(`socat exited ${code}: ${err}`)); });
  });
}

async function serialRig(dir: string): Promise<Rig> {
  const hostLink = path.join(dir, 'ttyHost');
  const moduleLink = path.join(dir, 'ttyModule');
  const emulator = new ModuleEmulator();
  const mapFile = path.join(dir, 'staff.json');
  let socat: ChildProcess | undefined;
  let moduleEnd: Awaited<ReturnType<ReturnType<typeof serialOpener>>> | undefined;
  const plugIn = async () => {
    socat = await startSocat(hostLink, moduleLink);
    moduleEnd = await serialOpener(moduleLink, 57600)();
    emulator.serve(moduleEnd);
  };
  const pullOut = async () => {
    const p = socat;
    socat = undefined;
    if (p && p.exitCode === null) await new Promise<void>((r) => { p.once('exit', () => r()); p.kill(); });
    await moduleEnd?.close();
    moduleEnd = undefined;
  };
  await plugIn();
  const driver = new R30xFingerprintDriver({ config, logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler(), staffMapFile: mapFile, backend: 'serial', openTransport: serialOpener(hostLink, 57600) });
  return {
    driver, emulator, mapFile,
    unplug: pullOut,
    replug: plugIn,
    cleanup: async () => { await driver.stop(); await pullOut(); },
  };
}

const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
const backends: Array<{ name: string; make: (dir: string) => Promise<Rig>; skip?: string }> = [
  { name: 'sim', make: simRig },
  { name: 'serial (pty pair)', make: serialRig, ...(hasSocat ? {} : { skip: 'socat is not installed' }) },
];

for (const backend of backends) {
  describe(`fingerprint contract: ${backend.name}`, { skip: backend.skip, timeout: 120_000 }, () => {
    let dir: string;
    let rig: Rig;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'fp-contract-'));
      rig = await backend.make(dir);
      await rig.driver.start();
      await waitState(rig.driver, 'ok');
    });
    after(async () => {
      await rig?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    test('reads the module parameters at start', async () => {
      assert.deepEqual(await rig.driver.params(), { capacity: 200, security: 3, address: 0xffffffff, packet_size: 128, baud: 57600 });
      assert.equal(await rig.driver.count(), 0);
      assert.equal(rig.driver.status().detail?.capacity, 200);
    });

    test('enrol stores two merged captures at the first free slot, list and count show it', async () => {
      assert.deepEqual(await enrolWithTouches(rig, 'S0123'), { slot: 0 });
      assert.deepEqual(await enrolWithTouches(rig, 'S0456', 7), { slot: 7 });
      assert.deepEqual(await rig.driver.list(), [{ staff_id: 'S0123', slot: 0 }, { staff_id: 'S0456', slot: 7 }]);
      assert.equal(await rig.driver.count(), 2);
      assert.ok(rig.emulator.hasTemplate(0) && rig.emulator.hasTemplate(7));
      const map = JSON.parse(await readFile(rig.mapFile, 'utf8'));
      assert.deepEqual(map, { version: 1, slots: { 0: 'S0123', 7: 'S0456' } });
    });

    test('enrol refuses an occupied slot and a finger that is already enrolled', async () => {
      await assert.rejects(rig.driver.enrol('S0789', 7), /slot 7 already holds a template \(staff S0456\)/);
      await assert.rejects(enrolWithTouches(rig, 'S0789', undefined, 'S0123'), /already enrolled at slot 0 \(staff S0123\)/);
      await assert.rejects(rig.driver.enrol('bad id!'), /staff_id must match/);
      assert.equal(await rig.driver.count(), 2);
    });

    test('a touch by an enrolled finger is a match with staff id, slot and score', async () => {
      const match = waitFor<MatchEvent>(rig.driver, 'match');
      rig.emulator.touch('S0456');
      const m = await match;
      assert.equal(m.staff_id, 'S0456');
      assert.equal(m.slot, 7);
      assert.ok(m.score > 0);
      assert.equal(typeof m.mono_ms, 'number');
    });

    test('an unknown finger is a no_match with reason not_found', async () => {
      const noMatch = waitFor<NoMatchEvent>(rig.driver, 'no_match');
      rig.emulator.touch('unknown');
      assert.equal((await noMatch).reason, 'not_found');
    });

    test('one touch is reported once, even while the finger stays on the glass', async () => {
      const matches: MatchEvent[] = [];
      const on = (m: MatchEvent) => matches.push(m);
      rig.driver.on('match', on);
      rig.emulator.touch('S0123', 5);
      await waitFor<MatchEvent>(rig.driver, 'match');
      // Wait until the finger is gone (its captures used up) and one more poll has passed.
      const before = rig.emulator.received.get('GenImg') ?? 0;
      await new Promise<void>((resolve) => { const t = setInterval(() => { if ((rig.emulator.received.get('GenImg') ?? 0) >= before + 8) { clearInterval(t); resolve(); } }, 10); });
      rig.driver.off('match', on);
      assert.equal(matches.length, 1);
    });

    test('a corrupted answer is dropped, counted, resent and the touch still matches', async () => {
      const resendsBefore = rig.driver.stats()!.resends;
      rig.emulator.failNext('bad_checksum', { command: 'Search' });
      const match = waitFor<MatchEvent>(rig.driver, 'match');
      rig.emulator.touch('S0123');
      assert.equal((await match).staff_id, 'S0123');
      const stats = rig.driver.stats()!;
      assert.ok(stats.bad_checksums >= 1, 'bad checksum counted');
      assert.equal(stats.resends, resendsBefore + 1);
    });

    test('a finger the sensor does not see is simply not reported, then the next touch works', async () => {
      rig.emulator.failNext('no_finger', { count: 3 });
      const match = waitFor<MatchEvent>(rig.driver, 'match');
      rig.emulator.touch('S0456');
      assert.equal((await match).staff_id, 'S0456');
    });

    test('an unanswered command fails with a clear timeout, and the reader stays usable', async () => {
      rig.emulator.failNext('timeout', { command: 'TemplateNum' });
      await assert.rejects(rig.driver.count(), /did not answer TemplateNum within 600 ms/);
      assert.equal(rig.driver.status().state, 'ok');
      assert.equal(await rig.driver.count(), 2);
    });

    test('enrol gives up with a clear message when nobody places a finger', async () => {
      const quick = rig.driver as unknown as { deps: { config: { enrol_timeout_ms: number } } };
      const saved = quick.deps.config.enrol_timeout_ms;
      quick.deps.config = { ...quick.deps.config, enrol_timeout_ms: 1000 };
      try {
        await assert.rejects(rig.driver.enrol('S0999'), /enrolment of staff S0999 cancelled: nobody did "place the finger on the reader"/);
      } finally {
        quick.deps.config = { ...quick.deps.config, enrol_timeout_ms: saved };
      }
    });

    test('remove deletes the templates on the module and the map entry', async () => {
      assert.deepEqual(await rig.driver.remove('S0123'), { slots: [0] });
      assert.equal(rig.emulator.hasTemplate(0), false);
      assert.deepEqual(await rig.driver.list(), [{ staff_id: 'S0456', slot: 7 }]);
      await assert.rejects(rig.driver.remove('S0123'), /staff S0123 has no enrolled finger/);
      const noMatch = waitFor<NoMatchEvent>(rig.driver, 'no_match');
      rig.emulator.touch('S0123');
      assert.equal((await noMatch).reason, 'not_found');
    });

    test('unplug: status fault with the reason; replug: ok again and matching resumes', async () => {
      const fault = waitState(rig.driver, 'fault');
      await rig.unplug();
      const s = await fault;
      assert.match(s.reason ?? '', /fingerprint module at .+(disconnected|EIO|not present|writing)/);
      await assert.rejects(rig.driver.count(), /not ready/);
      const ok = waitState(rig.driver, 'ok');
      await rig.replug();
      await ok;
      const match = waitFor<MatchEvent>(rig.driver, 'match');
      rig.emulator.touch('S0456');
      assert.equal((await match).staff_id, 'S0456');
    });

    test('the ring light follows the reader state and no template or image ever crosses the wire', async () => {
      await rig.driver.setLight('off');
      assert.equal(rig.emulator.light?.ctrl, 0x04);
      await rig.driver.setLight('ready');
      assert.deepEqual(rig.emulator.light, { ctrl: 0x01, speed: 100, color: 2, count: 0 });
      const allowed = new Set(['HandShake', 'VfyPwd', 'ReadSysPara', 'TemplateNum', 'GenImg', 'Img2Tz', 'Search', 'RegModel', 'Store', 'DeleteChar', 'ReadIndexTable', 'AuraLedConfig']);
      for (const name of rig.emulator.received.keys()) assert.ok(allowed.has(name), `unexpected command ${name}`);
      const stats = rig.driver.stats()!;
      assert.equal(stats.foreign_packets, 0, 'no data packets arrived');
    });
  });
}
