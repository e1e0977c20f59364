// The module's UART through serialport 13, imported lazily so the service runs where the native
// binding is missing. 8N1 at the configured baud; the port is locked so it has one owner.
import { EventEmitter } from 'node:events';
import type { ByteTransport, TransportOpener } from './types.ts';

interface PortLike {
  open(cb: (err: Error | null) => void): void;
  write(buf: Buffer, cb: (err: Error | null | undefined) => void): boolean;
  drain(cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  readonly isOpen: boolean;
}

class SerialTransport extends EventEmitter implements ByteTransport {
  private gone = false;

  constructor(readonly where: string, private readonly port: PortLike) {
    super();
  }

  wire(): void {
    this.port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    // serialport reports an unplug as 'close' with err.disconnected, sometimes after an 'error'.
    this.port.on('close', (err?: Error) => this.lost(err));
    this.port.on('error', (err: Error) => this.lost(err));
  }

  write(buf: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.gone) { reject(new Error(`${this.where} is closed`)); return; }
      this.port.write(buf, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): Promise<void> {
    this.gone = true;
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }

  private lost(err?: Error): void {
    if (this.gone) return;
    this.gone = true;
    this.emit('close', err);
  }
}

export function serialOpener(path: string, baud: number): TransportOpener {
  return async () => {
    let mod: typeof import('serialport');
    try {
      mod = await import('serialport');
    } catch (err) {
      throw new Error(`fingerprint reader at ${path}: the serialport package is not installed or failed to load: ${(err as Error).message}`);
    }
    const port = new mod.SerialPort({ path, baudRate: baud, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(explainOpenError(path, err)) : resolve())));
    const t = new SerialTransport(path, port as unknown as PortLike);
    t.wire();
    return t;
  };
}

function explainOpenError(path: string, err: Error): Error {
  const msg = err.message;
  const hint = /ENOENT|No such file/i.test(msg) ? ' (no such device: is the UART enabled with enable_uart=1 and the module wired?)'
    : /EACCES|Permission denied/i.test(msg) ? ' (permission denied: add the service user to the dialout group)'
      : /lock/i.test(msg) ? ' (the port is in use: is the counter-edge service running? stop it or use its local API)'
        : '';
  return new Error(`fingerprint reader at ${path}: cannot open: ${msg}${hint}`);
}
