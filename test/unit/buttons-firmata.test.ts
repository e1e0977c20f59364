// The firmata backend against the board emulator through a fake serial port (no pty needed):
// handshake retries, handshake timeout, heartbeat silence. Real time: these watch a device's timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Value } from '@sinclair/typebox/value';
import { systemClock } from '../../core/clock.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { memoryLogger } from '../../core/logger.ts';
import { ButtonsConfigSchema, type ButtonsConfig } from '../../drivers/buttons/config.ts';
import { FirmataButtons, type SerialLike } from '../../drivers/buttons/firmata.ts';
import { FirmataBoardEmulator } from '../../drivers/buttons/firmata-emulator.ts';
import { PIN_MODE_INPUT_PULLUP } from '../../drivers/buttons/firmata-codec.ts';
import type { DriverStatus } from '../../drivers/driver.ts';

class FakePort extends EventEmitter implements SerialLike {
  isOpen = false;
  muted = false;
  readonly emulator = new FirmataBoardEmulator((b) => setImmediate(() => this.emit('data', b)));
  open(cb: (err: Error | null) => void) { this.isOpen = true; setImmediate(() => cb(null)); }
  write(data: Buffer) { if (!this.muted) this.emulator.receive(data); return true; }
  close(cb?: (err: Error | null) => void) { this.isOpen = false; setImmediate(() => cb?.(null)); }
}

function setup(firmata: Record<string, unknown>, port = new FakePort()) {
  const cfg = Value.Default(ButtonsConfigSchema, {
    backend: 'firmata', keys: ['good', 'bad'], debounce_ms: 0, retry_min_ms: 5000, retry_max_ms: 5000,
    firmata: { port: '/dev/ttyACM0', pins: { good: 2, bad: 10 }, ...firmata },
  }) as ButtonsConfig;
  const d = new FirmataButtons(cfg, { logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler() }, { createPort: async () => port });
  return { d, port };
}

test('the handshake is repeated until a resetting board answers, then inputs get pull-ups and reporting', async () => {
  const port = new FakePort();
  port.muted = true; // bootloader running
  setTimeout(() => { port.muted = false; }, 300);
  const { d } = setup({ handshake_ms: 4000 }, port);
  await d.start();
  try {
    assert.equal(d.status().state, 'ok', d.status().reason);
    assert.equal(d.status().detail?.firmata, '2.5');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(d.status().detail?.firmware, 'StandardFirmata.ino');
    assert.equal(port.emulator.pinMode(2), PIN_MODE_INPUT_PULLUP);
    assert.equal(port.emulator.pinMode(10), PIN_MODE_INPUT_PULLUP);
    const seen: string[] = [];
    d.on('button', (e) => seen.push(`${e.kind}:${e.key}`));
    port.emulator.setPin(10, false);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, ['press:bad'], 'port 1 (pin 10) was enabled for reporting');
  } finally { await d.stop(); }
});

test('a port without Firmata firmware is a fault that says so', async () => {
  const port = new FakePort();
  port.muted = true;
  const { d } = setup({ handshake_ms: 300 }, port);
  await d.start();
  assert.equal(d.status().state, 'fault');
  assert.match(d.status().reason ?? '', /no Firmata reply from \/dev\/ttyACM0 within 300 ms/);
  assert.equal(port.isOpen, false, 'the port is closed again for the retry');
  await d.stop();
});

test('a board that stops answering the heartbeat is a fault', async () => {
  const { d, port } = setup({ heartbeat_ms: 100 });
  await d.start();
  assert.equal(d.status().state, 'ok');
  const fault = new Promise<DriverStatus>((resolve) => d.on('status', (s) => { if (s.state === 'fault') resolve(s); }));
  port.muted = true;
  const keepAlive = setTimeout(() => undefined, 10_000); // the heartbeat timer is unref'd
  const s = await fault;
  clearTimeout(keepAlive);
  assert.match(s.reason ?? '', /no reply from the board on \/dev\/ttyACM0 for \d+ ms/);
  await d.stop();
});

test('a port that closes during the handshake fails that open at once, and the retry opens a fresh port', async () => {
  const ports: FakePort[] = [];
  const cfg = Value.Default(ButtonsConfigSchema, {
    backend: 'firmata', keys: ['good', 'bad'], debounce_ms: 0, retry_min_ms: 20, retry_max_ms: 20,
    firmata: { port: '/dev/ttyUSB0', pins: { good: 2, bad: 3 }, handshake_ms: 10_000 },
  }) as ButtonsConfig;
  const d = new FirmataButtons(cfg, { logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler() }, {
    createPort: async () => {
      const p = new FakePort();
      if (ports.length === 0) { p.muted = true; setTimeout(() => { p.isOpen = false; p.emit('close', Object.assign(new Error('gone'), { disconnected: true })); }, 50); }
      ports.push(p);
      return p;
    },
  });
  const statuses: string[] = [];
  d.on('status', (s) => statuses.push(`${s.state}${s.reason ? `: ${s.reason}` : ''}`));
  const started = Date.now();
  await d.start();
  assert.ok(Date.now() - started < 5000, 'did not wait for the handshake timeout');
  assert.ok(statuses.includes('fault: /dev/ttyUSB0 closed (board unplugged)'), statuses.join(' | '));
  const keepAlive = setTimeout(() => undefined, 10_000);
  while (d.status().state !== 'ok') await new Promise((r) => setTimeout(r, 10));
  clearTimeout(keepAlive);
  assert.equal(ports.length, 2);
  assert.equal(ports[1]!.isOpen, true, 'the retry port stays open');
  await d.stop();
  assert.equal(ports[1]!.isOpen, false);
});
