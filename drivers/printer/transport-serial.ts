// RS-232 / USB-serial printers through `serialport`, imported lazily so the service runs where the
// native binding is missing.
import type { Scheduler } from '../../core/scheduler.ts';
import { ReplyBuffer, type PrinterTransport } from './transport.ts';

interface SerialLike {
  open(cb: (err: Error | null) => void): void;
  write(data: Buffer, cb: (err: Error | null | undefined) => void): boolean;
  drain(cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
  on(ev: 'data', cb: (d: Buffer) => void): this;
  on(ev: 'close', cb: (err?: Error | null) => void): this;
  on(ev: 'error', cb: (err: Error) => void): this;
  readonly isOpen: boolean;
}

export class SerialTransport implements PrinterTransport {
  readonly description: string;
  private port: SerialLike | undefined;
  private readonly replies: ReplyBuffer;
  private closing = false;
  onLost?: (reason: string) => void;

  constructor(private readonly path: string, private readonly baudRate: number, scheduler: Scheduler) {
    this.description = `serial ${path}`;
    this.replies = new ReplyBuffer(scheduler);
  }

  async open(): Promise<void> {
    let SerialPort: new (o: { path: string; baudRate: number; autoOpen: boolean }) => SerialLike;
    try {
      ({ SerialPort } = (await import('serialport')) as unknown as { SerialPort: typeof SerialPort });
    } catch (err) {
      throw new Error(`printer ${this.description}: the serialport package cannot be loaded (${(err as Error).message})`);
    }
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`printer ${this.description}: open failed: ${err.message}`)) : resolve())));
    this.closing = false;
    port.on('data', (d) => this.replies.push(d));
    port.on('error', () => undefined);
    port.on('close', () => {
      if (this.closing || this.port !== port) return;
      this.port = undefined;
      this.onLost?.(`printer ${this.description} closed (unplugged?)`);
    });
    this.port = port;
  }

  async write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port) throw new Error(`printer ${this.description} is not open`);
    await new Promise<void>((resolve, reject) => {
      port.write(data, (err) => { if (err) reject(new Error(`printer ${this.description}: write failed: ${err.message}`)); });
      port.drain((err) => (err ? reject(new Error(`printer ${this.description}: write failed: ${err.message}`)) : resolve()));
    });
  }

  async query(request: Buffer, timeoutMs: number): Promise<number> {
    this.replies.clear();
    await this.write(request);
    return this.replies.next(timeoutMs, `printer ${this.description}`);
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    this.closing = true;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
