// One contract for every buttons backend that can run here: sim, evdev (FIFO carrying real
// input_event bytes, both layouts), onoff (fake sysfs chip tree + fake onoff module: onoff itself
// epolls real /sys/class/gpio files, which do not exist here), hid (fake node-hid device object),
// firmata (real serialport over a socat pty pair, board emulator on the far end).
// Logic time is a ManualClock with a ManualScheduler: debounce, hold, stuck and reopen-after-fault
// all fire only when the test advances time.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import type { DriverStatus } from '../../drivers/driver.ts';
import { ButtonsConfigSchema, type ButtonsConfig } from '../../drivers/buttons/config.ts';
import { createButtonsDriver, type ButtonsFactoryDeps } from '../../drivers/buttons/index.ts';
import { EV_KEY, EV_SYN, encodeInputEvent, type InputEventLayout } from '../../drivers/buttons/evdev-decoder.ts';
import { FirmataBoardEmulator } from '../../drivers/buttons/firmata-emulator.ts';
import type { HidDeviceLike } from '../../drivers/buttons/hid.ts';
import type { OnoffGpio, OnoffModule } from '../../drivers/buttons/onoff.ts';
import { ManualScheduler } from '../../core/scheduler.ts';
import type { ButtonEvent, ButtonsDriver, RawButtonInput, SimulatedButtons } from '../../drivers/buttons/types.ts';

const KEYS = ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied'];
const DEBOUNCE = 30;
const HOLD = 1500;
const STUCK = 5000;
const WAIT_MS = 15_000;

const root = mkdtempSync(join(tmpdir(), 'buttons-contract-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Rig {
  driver: ButtonsDriver;
  /** Puts a raw level on the wire; resolves once the driver has read it. */
  level(key: string, down: boolean): Promise<void>;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  cleanup(): Promise<void>;
  /** A word the fault reason must contain (names the device). */
  reasonMentions: string;
}

type RigFactory = (cfg: Partial<ButtonsConfig>, deps: ButtonsFactoryDeps, dir: string) => Promise<Rig>;

function config(extra: Partial<ButtonsConfig>, dir: string): ButtonsConfig {
  mkdirSync(join(dir, 'leds', 'vs-led'), { recursive: true });
  writeFileSync(join(dir, 'leds', 'vs-led', 'max_brightness'), '1\n');
  writeFileSync(join(dir, 'leds', 'vs-led', 'brightness'), '0\n');
  const raw = {
    keys: KEYS, debounce_ms: DEBOUNCE, hold_ms: HOLD, stuck_ms: STUCK, retry_min_ms: 20, retry_max_ms: 100,
    lights: { leds_root: join(dir, 'leds'), leds: { very_satisfied: 'vs-led', satisfied: 'missing-led' } },
    ...extra,
  };
  const cfg = Value.Default(ButtonsConfigSchema, raw) as ButtonsConfig;
  assert.ok(Value.Check(ButtonsConfigSchema, cfg), [...Value.Errors(ButtonsConfigSchema, cfg)].map((e) => `${e.path} ${e.message}`).join('; '));
  return cfg;
}

function waitFor<T>(em: EventEmitter | ButtonsDriver, event: string, pred: (v: T) => boolean, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { (em as EventEmitter).off(event, on); reject(new Error(`timed out waiting for ${what}`)); }, WAIT_MS);
    const on = (v: T) => { if (pred(v)) { clearTimeout(timer); (em as EventEmitter).off(event, on); resolve(v); } };
    (em as EventEmitter).on(event, on);
  });
}

const rawSeen = (d: ButtonsDriver, key: string, down: boolean) =>
  waitFor<RawButtonInput>(d, 'raw', (r) => r.key === key && r.down === down, `raw ${key}=${down}`);
const statusSeen = (d: ButtonsDriver, state: string) => waitFor<DriverStatus>(d, 'status', (s) => s.state === state, `status ${state}`);

// ---- rigs ----------------------------------------------------------------------------------

const simRig: RigFactory = async (extra, deps, dir) => {
  const driver = createButtonsDriver(config({ ...extra, backend: 'sim' }, dir), deps) as SimulatedButtons;
  return {
    driver, reasonMentions: 'simulated',
    level: async (key, down) => driver.simulateLevel(key, down),
    unplug: async () => driver.simulateUnplug(),
    replug: async () => driver.simulateReplug(),
    cleanup: async () => driver.stop(),
  };
};

const evdevRig = (layout: InputEventLayout): RigFactory => async (extra, deps, dir) => {
  const fifo = join(dir, 'event0');
  const codes: Record<string, string | number> = { very_satisfied: 'KEY_F1', satisfied: 'KEY_F2', basically_satisfied: 'KEY_F3', dissatisfied: 60 + 2, very_dissatisfied: 'KEY_F5' };
  const numbers: Record<string, number> = { very_satisfied: 59, satisfied: 60, basically_satisfied: 61, dissatisfied: 62, very_dissatisfied: 63 };
  let writer: number | undefined;
  const plug = () => {
    execFileSync('mkfifo', [fifo]);
    writer = openSync(fifo, constants.O_RDWR); // read-write so neither side blocks in open()
  };
  plug();
  const driver = createButtonsDriver(config({ ...extra, backend: 'evdev', evdev: { device: fifo, codes, grab: true, sysfs_root: '/sys' } }, dir),
    { ...deps, io: { evdev: { layout } } });
  let sec = 1_700_000_000;
  return {
    driver, reasonMentions: fifo,
    level: async (key, down) => {
      const seen = rawSeen(driver, key, down);
      const ev = { sec: sec++, usec: 250_000, type: EV_KEY, code: numbers[key] as number, value: down ? 1 : 0 };
      writeSync(writer as number, Buffer.concat([encodeInputEvent(ev, layout), encodeInputEvent({ ...ev, type: EV_SYN, code: 0, value: 0 }, layout)]));
      await seen;
    },
    unplug: async () => { unlinkSync(fifo); closeSync(writer as number); writer = undefined; },
    replug: async () => plug(),
    cleanup: async () => {
      await driver.stop();
      if (writer !== undefined) closeSync(writer); // EOF ends the read still pending in the threadpool
      if (existsSync(fifo)) unlinkSync(fifo);
    },
  };
};

const onoffRig: RigFactory = async (extra, deps, dir) => {
  const sysfs = join(dir, 'sys');
  for (const [chip, label, base, n] of [['gpiochip512', 'pinctrl-bcm2711', 512, 58], ['gpiochip570', 'raspberrypi-exp-gpio', 570, 8]] as const) {
    mkdirSync(join(sysfs, 'class', 'gpio', chip), { recursive: true });
    writeFileSync(join(sysfs, 'class', 'gpio', chip, 'label'), `${label}\n`);
    writeFileSync(join(sysfs, 'class', 'gpio', chip, 'base'), `${base}\n`);
    writeFileSync(join(sysfs, 'class', 'gpio', chip, 'ngpio'), `${n}\n`);
  }
  const pins: Record<string, number> = { very_satisfied: 5, satisfied: 6, basically_satisfied: 13, dissatisfied: 19, very_dissatisfied: 26 };
  // Fake onoff: physical levels per sysfs number; activeLow inverts like onoff does.
  const lines = new Map<number, { activeLow: boolean; watchers: Array<(e: Error | null, v: number) => void>; physical: number }>();
  let present = true;
  const fake: OnoffModule = {
    Gpio: class implements OnoffGpio {
      constructor(readonly n: number, _dir: 'in', _edge: 'both', opts: { activeLow: boolean }) {
        if (!present) throw Object.assign(new Error(`EIO: i/o error, open '/sys/class/gpio/gpio${n}/value'`), { code: 'EIO' });
        lines.set(n, { activeLow: opts.activeLow, watchers: [], physical: 1 });
      }
      readSync() { const l = lines.get(this.n)!; return l.activeLow ? 1 - l.physical : l.physical; }
      watch(cb: (e: Error | null, v: number) => void) { lines.get(this.n)!.watchers.push(cb); }
      unwatchAll() { const l = lines.get(this.n); if (l) l.watchers = []; }
      unexport() { lines.delete(this.n); }
    },
  };
  const driver = createButtonsDriver(config({ ...extra, backend: 'onoff', onoff: { pins, active_low: true, sysfs_root: sysfs } }, dir),
    { ...deps, io: { onoff: { loadOnoff: async () => fake } } });
  return {
    driver, reasonMentions: 'GPIO',
    level: async (key, down) => {
      const l = lines.get(512 + (pins[key] as number));
      assert.ok(l, `onoff must watch sysfs GPIO ${512 + (pins[key] as number)} (chip base 512 + BCM ${pins[key]})`);
      l.physical = down ? 0 : 1; // pressed pulls the pulled-up line low
      for (const w of l.watchers) w(null, l.activeLow ? 1 - l.physical : l.physical);
    },
    unplug: async () => {
      present = false;
      const first = [...lines.values()][0];
      for (const w of first?.watchers ?? []) w(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }), 0);
    },
    replug: async () => { present = true; },
    cleanup: async () => driver.stop(),
  };
};

const hidRig: RigFactory = async (extra, deps, dir) => {
  // Keyboard-style report: [modifiers, reserved, six usage codes]; the keypad sends 1..5 as usages 0x1e..0x22.
  const usage: Record<string, number> = { very_satisfied: 0x1e, satisfied: 0x1f, basically_satisfied: 0x20, dissatisfied: 0x21, very_dissatisfied: 0x22 };
  const keys = Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, { byte: 2, to_byte: 7, value: v }]));
  let device: (EventEmitter & HidDeviceLike) | undefined;
  let present = true;
  const down = new Set<string>();
  const openHid = async () => {
    if (!present) throw new Error('cannot open HID keypad 0x1a86:0xe026: could not open device');
    const em = new EventEmitter() as EventEmitter & HidDeviceLike;
    (em as { close: () => void }).close = () => undefined;
    device = em;
    return em;
  };
  const driver = createButtonsDriver(config({ ...extra, backend: 'hid', hid: { vendor_id: 0x1a86, product_id: 0xe026, keys } }, dir),
    { ...deps, io: { hid: { openHid } } });
  return {
    driver, reasonMentions: 'HID keypad',
    level: async (key, isDown) => {
      if (isDown) down.add(key); else down.delete(key);
      const report = Buffer.alloc(8);
      [...down].slice(0, 6).forEach((k, i) => { report[2 + i] = usage[k] as number; });
      const seen = rawSeen(driver, key, isDown);
      device!.emit('data', report);
      await seen;
    },
    unplug: async () => { present = false; down.clear(); device!.emit('error', new Error('could not read from HID device')); },
    replug: async () => { present = true; },
    cleanup: async () => driver.stop(),
  };
};

const firmataRig: RigFactory = async (extra, deps, dir) => {
  const hostLink = join(dir, 'ttyHOST');
  const boardLink = join(dir, 'ttyBOARD');
  const pins: Record<string, number> = { very_satisfied: 2, satisfied: 3, basically_satisfied: 4, dissatisfied: 7, very_dissatisfied: 8 };
  const { SerialPort } = await import('serialport');
  let socat: ChildProcess | undefined;
  let board: InstanceType<typeof SerialPort> | undefined;
  let emulator: FirmataBoardEmulator | undefined;
  const plug = async () => {
    socat = spawn('socat', [`pty,raw,echo=0,link=${hostLink}`, `pty,raw,echo=0,link=${boardLink}`], { stdio: 'ignore' });
    const deadline = Date.now() + WAIT_MS;
    while (!(existsSync(hostLink) && existsSync(boardLink))) {
      if (Date.now() > deadline) throw new Error('socat did not create the pty pair');
      await new Promise((r) => setTimeout(r, 20));
    }
    const port = new SerialPort({ path: boardLink, baudRate: 57600, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    port.on('error', () => undefined);
    const emu = new FirmataBoardEmulator((b) => { port.write(b); });
    port.on('data', (b: Buffer) => emu.receive(b));
    board = port;
    emulator = emu;
  };
  const unplugNow = async () => {
    const port = board;
    board = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    if (socat && socat.exitCode === null) { const exited = once(socat, 'exit'); socat.kill('SIGTERM'); await exited; }
    socat = undefined;
  };
  await plug();
  const driver = createButtonsDriver(config({ ...extra, backend: 'firmata', firmata: { port: hostLink, baud: 57600, pins, pullup: true, handshake_ms: 5000, heartbeat_ms: 0 } }, dir), deps);
  // heartbeat_ms 0: under manual time the board cannot answer within one advance(); the heartbeat
  // has its own real-time tests in test/unit/buttons-firmata.test.ts.
  return {
    driver, reasonMentions: hostLink,
    level: async (key, down) => {
      const seen = rawSeen(driver, key, down);
      emulator!.setPin(pins[key] as number, !down);
      await seen;
    },
    unplug: unplugNow,
    replug: plug,
    cleanup: async () => { await driver.stop(); await unplugNow(); },
  };
};

// ---- the contract --------------------------------------------------------------------------

function contract(name: string, rigFactory: RigFactory): void {
  describe(`buttons contract: ${name}`, () => {
    async function withRig(fn: (rig: Rig, timers: ManualScheduler, events: ButtonEvent[]) => Promise<void>): Promise<void> {
      const dir = mkdtempSync(join(root, `${name.replace(/\W+/g, '-')}-`));
      const clock = new ManualClock();
      const timers = new ManualScheduler(clock);
      const rig = await rigFactory({}, { logger: memoryLogger(), clock, scheduler: timers }, dir);
      const events: ButtonEvent[] = [];
      rig.driver.on('button', (e) => events.push(e));
      try {
        await rig.driver.start();
        assert.equal(rig.driver.status().state, 'ok', `started: ${rig.driver.status().reason ?? ''}`);
        await fn(rig, timers, events);
      } finally {
        await rig.cleanup();
      }
    }

    test('a press and release arrive as events with the configured key', async () => {
      await withRig(async (rig, timers, events) => {
        await rig.level('basically_satisfied', true);
        timers.advance(DEBOUNCE);
        assert.deepEqual(events.map((e) => [e.kind, e.key]), [['press', 'basically_satisfied']]);
        timers.advance(200);
        await rig.level('basically_satisfied', false);
        timers.advance(DEBOUNCE);
        assert.deepEqual(events.map((e) => [e.kind, e.key, e.held_ms]), [['press', 'basically_satisfied', undefined], ['release', 'basically_satisfied', DEBOUNCE + 200]]);
        await rig.level('very_dissatisfied', true);
        timers.advance(DEBOUNCE);
        assert.deepEqual(events.at(-1)?.key, 'very_dissatisfied');
        assert.equal(rig.driver.status().backend, name.split(' ')[0]);
      });
    });

    test('debounce collapses contact chatter into one press and one release', async () => {
      await withRig(async (rig, timers, events) => {
        for (const down of [true, false, true, false, true]) { await rig.level('satisfied', down); timers.advance(5); }
        timers.advance(DEBOUNCE);
        for (const down of [false, true, false]) { await rig.level('satisfied', down); timers.advance(4); }
        timers.advance(DEBOUNCE);
        assert.deepEqual(events.map((e) => `${e.kind}:${e.key}`), ['press:satisfied', 'release:satisfied']);
      });
    });

    test('long hold and stuck fire, and stuck shows in the status detail until released', async () => {
      await withRig(async (rig, timers, events) => {
        await rig.level('dissatisfied', true);
        timers.advance(HOLD);
        assert.deepEqual(events.map((e) => e.kind), ['press', 'hold']);
        timers.advance(STUCK);
        assert.deepEqual(events.map((e) => e.kind), ['press', 'hold', 'stuck']);
        assert.deepEqual(events[2], { kind: 'stuck', key: 'dissatisfied', mono_ms: events[0]!.mono_ms + STUCK, held_ms: STUCK });
        assert.deepEqual(rig.driver.status().detail?.stuck, ['dissatisfied']);
        await rig.level('dissatisfied', false);
        timers.advance(DEBOUNCE);
        assert.equal(events.at(-1)?.kind, 'release');
        assert.deepEqual(rig.driver.status().detail?.stuck, []);
      });
    });

    test('unplug gives a fault with a reason; replug recovers and keys work again', async () => {
      await withRig(async (rig, timers, events) => {
        const fault = statusSeen(rig.driver, 'fault');
        await rig.unplug();
        const s = await fault;
        assert.ok(s.reason && s.reason.includes(rig.reasonMentions), `reason names the device: ${s.reason}`);
        const ok = statusSeen(rig.driver, 'ok');
        await rig.replug();
        // The reopen waits for its backoff (retry_max_ms 100) on the manual scheduler.
        for (let i = 0; i < 50 && rig.driver.status().state !== 'ok'; i++) await timers.advanceAsync(100);
        await ok;
        await rig.level('very_satisfied', true);
        timers.advance(DEBOUNCE);
        assert.deepEqual(events.map((e) => `${e.kind}:${e.key}`), ['press:very_satisfied']);
      });
    });

    test('LEDs: a configured LED lights, a missing one is reported in status, never thrown', async () => {
      await withRig(async (rig) => {
        assert.match(JSON.stringify(rig.driver.status().detail?.leds), /missing-led/);
        rig.driver.setLed('very_satisfied', 'on');
        rig.driver.setLed('satisfied', { blink_ms: 500 });
        rig.driver.setLed('*', 'off');
        rig.driver.beep(100);
        assert.equal(rig.driver.status().state, 'ok');
      });
    });
  });
}

contract('sim', simRig);
contract('evdev (64-bit input_event)', evdevRig(24));
contract('evdev (32-bit input_event)', evdevRig(16));
contract('onoff (fake module, fake sysfs chip tree)', onoffRig);
contract('hid (fake node-hid device)', hidRig);
contract('firmata (socat pty, board emulator)', firmataRig);
