// firmata backend: an Arduino-class board running StandardFirmata, over serial (serialport 13,
// loaded lazily), speaking the own codec in firmata-codec.ts.
import type { TimerHandle } from '../../core/scheduler.ts';
import { ButtonsBase, type ButtonsDeps } from './buttons-base.ts';
import type { ButtonsConfig, FirmataConfig } from './config.ts';
import {
  FirmataDecoder, PIN_MODE_INPUT, PIN_MODE_INPUT_PULLUP, encodeQueryFirmware, encodeQueryVersion, encodeReportDigital, encodeSetPinMode,
} from './firmata-codec.ts';

/** The part of serialport's SerialPort this backend uses. */
export interface SerialLike {
  open(cb: (err: Error | null) => void): void;
  write(data: Buffer): unknown;
  close(cb?: (err: Error | null) => void): void;
  readonly isOpen: boolean;
  on(event: 'data', cb: (b: Buffer) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  on(event: 'close', cb: (err?: Error & { disconnected?: boolean }) => void): unknown;
  removeAllListeners(): unknown;
}

export interface FirmataIo { createPort?: (path: string, baudRate: number) => Promise<SerialLike> }

async function createSerialPort(path: string, baudRate: number): Promise<SerialLike> {
  let mod: { SerialPort: new (opts: { path: string; baudRate: number; autoOpen: boolean }) => unknown };
  try {
    mod = (await import('serialport')) as unknown as typeof mod;
  } catch (err) {
    throw new Error(`buttons backend firmata needs serialport: ${(err as Error).message.split('\n')[0]}`);
  }
  return new mod.SerialPort({ path, baudRate, autoOpen: false }) as SerialLike;
}

const RESEND_QUERY_MS = 1000;

export class FirmataButtons extends ButtonsBase {
  private port: SerialLike | undefined;
  private heartbeat: TimerHandle | undefined;

  constructor(cfg: ButtonsConfig, deps: ButtonsDeps, private readonly io: FirmataIo = {}) { super('firmata', cfg, deps); }

  protected async open(): Promise<void> {
    this.assertConfig();
    const fc = this.cfg.firmata as FirmataConfig;
    const port = await (this.io.createPort ?? createSerialPort)(fc.port, fc.baud);
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`cannot open ${fc.port}: ${err.message}`)) : resolve())));
    this.port = port;
    const decoder = new FirmataDecoder();
    const levels = new Map<number, number>();
    let version: string | undefined;
    let firmware: string | undefined;
    let onVersion: (() => void) | undefined;
    let lastReply = this.clock.monoMs();
    port.on('data', (chunk) => {
      if (this.port !== port) return;
      for (const m of decoder.push(chunk)) {
        if (m.type === 'version') { version = `${m.major}.${m.minor}`; lastReply = this.clock.monoMs(); onVersion?.(); }
        else if (m.type === 'firmware') {
          firmware = m.name;
          // The name often arrives after the version that ended the handshake.
          if (!onVersion) this.setBackendDetail({ port: fc.port, firmata: version, firmware });
        }
        else if (m.type === 'digital') this.onPort(m.port, m.levels, levels);
      }
    });
    // During the handshake a lost port fails open() itself (DriverBase retries); afterwards it is
    // a deviceLost. Either way only this open's port is touched.
    let failHandshake: ((err: Error) => void) | undefined;
    const lost = (reason: string) => {
      if (this.port !== port) return;
      if (failHandshake) failHandshake(new Error(reason));
      else this.deviceLost(reason);
    };
    port.on('error', (err) => lost(`${fc.port}: ${err.message}`));
    port.on('close', (err) => lost(`${fc.port} closed${err?.disconnected ? ' (board unplugged)' : ''}`));

    // Most boards reset when the port opens and miss bytes while the bootloader runs, so the
    // query is repeated until the firmware answers.
    try {
      let outcome: Error | 'answered' | undefined;
      const answered = new Promise<void>((resolve, reject) => { onVersion = resolve; failHandshake = reject; })
        .then(() => { outcome = 'answered'; }, (err: Error) => { outcome = err; });
      const send = () => port.write(Buffer.concat([encodeQueryVersion(), encodeQueryFirmware()]));
      const started = this.clock.monoMs();
      send();
      // A sleep, not an unref'd timer: this wait is live work and keeps the process up until it ends.
      while (outcome === undefined) {
        const left = fc.handshake_ms - (this.clock.monoMs() - started);
        if (left <= 0) { outcome = new Error(`no Firmata reply from ${fc.port} within ${fc.handshake_ms} ms (StandardFirmata loaded? baud ${fc.baud}?)`); break; }
        await Promise.race([answered, this.scheduler.sleep(Math.min(RESEND_QUERY_MS, left))]);
        if (outcome === undefined && this.clock.monoMs() - started < fc.handshake_ms) send();
      }
      onVersion = undefined;
      failHandshake = undefined;
      if (outcome instanceof Error) throw outcome;
      if (this.port !== port) throw new Error(`${fc.port} was closed while opening`);
    } catch (err) {
      if (this.port === port) this.port = undefined;
      await closePort(port);
      throw err;
    }
    const mode = fc.pullup ? PIN_MODE_INPUT_PULLUP : PIN_MODE_INPUT;
    const ports = new Set<number>();
    for (const pin of Object.values(fc.pins)) { port.write(encodeSetPinMode(pin, mode)); ports.add(pin >> 3); }
    for (const p of ports) port.write(encodeReportDigital(p, true));
    if (fc.heartbeat_ms > 0) {
      // Monotonic time: a wall-clock step (NTP) must not look like a silent board.
      lastReply = this.clock.monoMs();
      this.heartbeat = this.scheduler.interval(fc.heartbeat_ms, () => {
        if (this.port !== port) return;
        const silent = Math.round(this.clock.monoMs() - lastReply);
        if (silent > 2 * fc.heartbeat_ms) this.deviceLost(`no reply from the board on ${fc.port} for ${silent} ms`);
        else port.write(encodeQueryVersion());
      });
    }
    this.setBackendDetail({ port: fc.port, firmata: version, firmware });
    this.logger.info('firmata buttons open', { port: fc.port, version, firmware });
  }

  protected async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    this.heartbeat?.cancel();
    this.heartbeat = undefined;
    if (port) await closePort(port);
  }

  private onPort(portNo: number, bits: number, levels: Map<number, number>): void {
    const fc = this.cfg.firmata as FirmataConfig;
    for (const [key, pin] of Object.entries(fc.pins)) {
      if (pin >> 3 !== portNo) continue;
      const level = (bits >> (pin & 7)) & 1;
      if (levels.get(pin) === level) continue;
      levels.set(pin, level);
      // With a pull-up the button closes to ground: pressed reads low.
      this.input(key, fc.pullup ? level === 0 : level === 1);
    }
  }
}

async function closePort(port: SerialLike): Promise<void> {
  port.removeAllListeners();
  port.on('error', () => undefined);
  if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}
