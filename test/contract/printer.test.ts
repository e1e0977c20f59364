// One contract for every printer backend that can run here: sim (in-process emulator), tcp (the
// real TCP transport against the loopback emulator), device (the real device-file transport on a
// pty that socat joins to the emulator) and serial (serialport on such a pty).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { PrinterConfigSchema, type PrinterConfig } from '../../drivers/printer/config.ts';
import { createPrinter, PrinterNotReadyError, type EscPosPrinter } from '../../drivers/printer/index.ts';
import { PrinterEmulatorServer, type EscPosEmulator } from '../../drivers/printer/emulator.ts';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import type { PrintDocument } from '../../drivers/printer/document.ts';
import { systemScheduler } from '../../core/scheduler.ts';

// The driver's timers (status poll, reply timeouts, reopen) come from systemScheduler() and are
// unref'd, as in the service, where the server keeps the process up; here the test holds it up.
const keepAlive = setInterval(() => undefined, 60_000);
after(() => clearInterval(keepAlive));

const waitFor = async (what: string, cond: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const receipt: PrintDocument = { blocks: [
  { type: 'title', text: '业务办理回执' },
  { type: 'kv', rows: [{ key: '办理窗口', value: 'A07' }, { key: '工号', value: 'S0123' }] },
  { type: 'qr', data: 'T0457' },
] };

interface Rig {
  config: Partial<PrinterConfig>;
  emulator: () => EscPosEmulator;
  /** The printer stops answering (switched off behind a device file) or answers again. */
  mute: (on: boolean) => void;
  setup?: () => Promise<void>;
  teardown?: () => Promise<void>;
}

const hasSocat = spawnSync('socat', ['-V']).status === 0;

function socatPty(dir: string, port: number): Promise<{ path: string; proc: ChildProcess }> {
  const path = join(dir, 'lp0');
  const proc = spawn('socat', [`pty,raw,echo=0,link=${path}`, `tcp:127.0.0.1:${port}`], { stdio: 'ignore' });
  return waitFor('socat pty', () => existsSync(path), 10_000).then(() => ({ path, proc }));
}

function emulatorRig(kind: 'tcp' | 'device' | 'serial'): Rig {
  const server = new PrinterEmulatorServer();
  const dir = mkdtempSync(join(tmpdir(), 'printer-contract-'));
  let socat: ChildProcess | undefined;
  const rig: Rig = {
    config: { backend: kind },
    emulator: () => server.printer,
    mute: (on) => { server.mute = on; },
    setup: async () => {
      const port = await server.start(0);
      if (kind === 'tcp') { rig.config = { ...rig.config, port }; return; }
      const pty = await socatPty(dir, port);
      socat = pty.proc;
      rig.config = kind === 'device' ? { ...rig.config, device_path: pty.path } : { ...rig.config, serial_path: pty.path, baud_rate: 115200 };
    },
    teardown: async () => {
      socat?.kill();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

function contract(name: string, makeRig: () => Rig, skip: string | false = false) {
  describe(`printer contract: ${name}`, { skip }, () => {
    const rig = makeRig();
    let printer: EscPosPrinter;
    let sim: ReturnType<typeof createPrinter>['sim'];
    const emu = () => sim?.emulator ?? rig.emulator();

    before(async () => {
      await rig.setup?.();
      const config = Value.Default(PrinterConfigSchema, { retry_min_ms: 20, retry_max_ms: 200, status_timeout_ms: 1000, status_interval_ms: 60_000, ...rig.config }) as PrinterConfig;
      const made = createPrinter(config, { logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler() });
      printer = made.printer;
      sim = made.sim;
      await printer.start();
    });
    after(async () => {
      await printer.stop();
      await rig.teardown?.();
    });
    const setSwitch = (s: Parameters<EscPosEmulator['set']>[0]) => emu().set(s);
    const mute = (on: boolean) => (sim ? (sim.link.mute = on) : rig.mute(on));

    test('opens ok after asking DLE EOT status, and prints a document the emulator decodes back', async () => {
      assert.equal(printer.status().state, 'ok', printer.status().reason);
      assert.equal(printer.status().detail?.paper, 'ok');
      const before = emu().statusQueries;
      await printer.print(receipt);
      await waitFor('printed lines', () => emu().lines().some((l) => l.includes('[CUT')));
      const lines = emu().lines();
      assert.ok(lines.includes('[B 2x2]   业务办理回执'), lines.join('\n'));
      assert.ok(lines.includes('办理窗口：A07'));
      assert.ok(lines.includes('工号    ：S0123'));
      assert.ok(lines.includes('[QR M/6] T0457'));
      assert.ok(emu().statusQueries >= before + 3, 'status asked before the job and confirmed after');
      assert.deepEqual(printer.lastPrinted()?.doc, receipt);
    });

    test('a large job (80 raster lines, ~90 KB) goes through whole, past the link buffers', async () => {
      emu().clear();
      const rare: PrintDocument = { blocks: Array.from({ length: 80 }, (_, i) => ({ type: 'text' as const, text: `${i} 张𠮷` })), cut: true };
      const bytes = printer.encode(rare);
      assert.ok(bytes.length > 80 * 1152, `${bytes.length} bytes`);
      await printer.print(rare);
      await waitFor('all raster lines', () => emu().lines().some((l) => l.includes('[CUT')));
      assert.equal(emu().items().filter((i) => i.kind === 'raster').length, 80);
    });

    test('paper near end is reported in the status detail but still prints', async () => {
      setSwitch({ paperNearEnd: true });
      await printer.checkStatus();
      assert.equal(printer.status().state, 'ok');
      assert.equal(printer.status().detail?.paper, 'near_end');
      setSwitch({ paperNearEnd: false });
      await printer.checkStatus();
      assert.equal(printer.status().detail?.paper, 'ok');
    });

    test('paper out: fault with the reason, jobs refused as not ready, recovery when paper is back', async () => {
      emu().clear();
      setSwitch({ paperOut: true });
      await printer.checkStatus();
      assert.equal(printer.status().state, 'fault');
      assert.match(printer.status().reason ?? '', /^paper out/);
      assert.equal(printer.status().detail?.paper, 'out');
      await assert.rejects(printer.print(receipt), PrinterNotReadyError);
      assert.deepEqual(emu().lines(), [], 'nothing was sent');
      setSwitch({ paperOut: false });
      await waitFor('recovery', () => printer.status().state === 'ok');
      await printer.print(receipt);
      await waitFor('printed', () => emu().lines().length > 0);
    });

    test('cover open is a fault with its reason, checked before the job', async () => {
      setSwitch({ coverOpen: true });
      await assert.rejects(printer.print(receipt), /cover open/);
      assert.equal(printer.status().state, 'fault');
      assert.match(printer.status().reason ?? '', /cover open/);
      setSwitch({ coverOpen: false });
      await waitFor('recovery', () => printer.status().state === 'ok');
    });

    test('a printer that stops answering status is a fault naming where; it recovers when it answers again', async () => {
      mute(true);
      await printer.checkStatus();
      assert.equal(printer.status().state, 'fault');
      assert.match(printer.status().reason ?? '', /no status reply within 1000 ms/);
      mute(false);
      await waitFor('recovery', () => printer.status().state === 'ok');
    });
  });
}

contract('sim', () => ({ config: { backend: 'sim' }, emulator: () => { throw new Error('sim has its own'); }, mute: () => undefined }));
contract('tcp', () => emulatorRig('tcp'));
contract('device file on a pty (socat → emulator)', () => emulatorRig('device'), hasSocat ? false : 'socat not installed');
contract('serial on a pty (socat → emulator)', () => emulatorRig('serial'), hasSocat ? false : 'socat not installed');

describe('printer faults specific to a transport', () => {
  test('tcp: a dropped connection is a fault, and the driver reconnects', async () => {
    const server = new PrinterEmulatorServer();
    const port = await server.start(0);
    const config = Value.Default(PrinterConfigSchema, { backend: 'tcp', port, retry_min_ms: 20, retry_max_ms: 200 }) as PrinterConfig;
    const { printer } = createPrinter(config, { logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler() });
    const states: string[] = [];
    printer.on('status', (s) => states.push(`${s.state}${s.reason ? `: ${s.reason}` : ''}`));
    try {
      await printer.start();
      assert.equal(printer.status().state, 'ok');
      server.dropConnections();
      await waitFor('fault then ok', () => states.some((s) => s.startsWith('fault')) && printer.status().state === 'ok');
      assert.ok(states.some((s) => /fault: printer at tcp 127\.0\.0\.1:\d+ closed the connection/.test(s)), states.join('\n'));
      await printer.print(receipt);
    } finally {
      await printer.stop();
      await server.stop();
    }
  });

  test('tcp: nothing listening is a fault naming the address, retried', async () => {
    const server = new PrinterEmulatorServer();
    const port = await server.start(0);
    await server.stop();
    const config = Value.Default(PrinterConfigSchema, { backend: 'tcp', port, retry_min_ms: 20, retry_max_ms: 100 }) as PrinterConfig;
    const { printer } = createPrinter(config, { logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler() });
    try {
      await printer.start();
      assert.equal(printer.status().state, 'fault');
      assert.match(printer.status().reason!, new RegExp(`cannot connect to printer at tcp 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    } finally {
      await printer.stop();
    }
  });

  test('device: a missing device file is a fault that says unplugged', async () => {
    const config = Value.Default(PrinterConfigSchema, { backend: 'device', device_path: join(tmpdir(), 'no-such-lp9') }) as PrinterConfig;
    const { printer } = createPrinter(config, { logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler() });
    try {
      await printer.start();
      assert.equal(printer.status().state, 'fault');
      assert.match(printer.status().reason!, /printer device .*no-such-lp9: open failed: not found \(printer unplugged/);
    } finally {
      await printer.stop();
    }
  });

  test('sim: unplugging faults, plugging back recovers', async () => {
    const config = Value.Default(PrinterConfigSchema, { backend: 'sim', retry_min_ms: 20, retry_max_ms: 100 }) as PrinterConfig;
    const { printer, sim } = createPrinter(config, { logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler() });
    try {
      await printer.start();
      sim!.link.plugged = false;
      await printer.checkStatus();
      assert.equal(printer.status().state, 'fault');
      assert.match(printer.status().reason!, /unplugged/);
      sim!.link.plugged = true;
      await waitFor('recovery', () => printer.status().state === 'ok');
    } finally {
      await printer.stop();
    }
  });
});
