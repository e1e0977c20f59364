// USB printers through the kernel's usblp driver (/dev/usb/lp0). Opened non-blocking: usblp's
// read() returns the printer's status replies and would otherwise block a libuv thread forever
// when the printer says nothing; writes that would block return EAGAIN and are retried.
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Clock } from '../../core/clock.ts';
import type { Scheduler } from '../../core/scheduler.ts';
import type { PrinterTransport } from './transport.ts';
const POLL_MS = 10;

function explain(path: string, err: unknown, doing: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'not found (printer unplugged or usblp not loaded?)'
    : code === 'EACCES' ? 'permission denied (add the service user to group lp)'
    : code === 'ENODEV' || code === 'EIO' ? 'device gone (printer unplugged or switched off)'
    : code === 'EBUSY' ? 'busy (another program has it open, e.g. CUPS)'
    : (err as Error).message;
  return new Error(`printer device ${path}: ${doing} failed: ${why}`);
}

export class DeviceFileTransport implements PrinterTransport {
  readonly description: string;
  private fh: FileHandle | undefined;
  onLost?: (reason: string) => void;

  constructor(private readonly path: string, private readonly time: { clock: Clock; scheduler: Scheduler }, private readonly writeTimeoutMs = 10_000) {
    this.description = `device ${path}`;
  }

  async open(): Promise<void> {
    try {
      this.fh = await fs.open(this.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (err) {
      throw explain(this.path, err, 'open');
    }
  }

  async write(data: Buffer): Promise<void> {
    const started = this.time.clock.monoMs();
    let off = 0;
    while (off < data.length) {
      const fh = this.handle();
      try {
        const { bytesWritten } = await fh.write(data, off, data.length - off);
        off += bytesWritten;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw this.lost(explain(this.path, err, 'write'));
        // The printer is not taking data (buffer full, paper out): wait, but not forever.
        if (this.time.clock.monoMs() - started > this.writeTimeoutMs) throw new Error(`printer device ${this.path}: write stalled for ${this.writeTimeoutMs} ms with ${data.length - off} bytes left`);
        await this.time.scheduler.sleep(POLL_MS);
      }
    }
  }

  async query(request: Buffer, timeoutMs: number): Promise<number> {
    await this.drain();
    await this.write(request);
    const deadline = this.time.clock.monoMs() + timeoutMs;
    const one = Buffer.alloc(1);
    for (;;) {
      const n = await this.readSome(one);
      if (n > 0) return one[0]!;
      if (this.time.clock.monoMs() > deadline) throw new Error(`printer device ${this.path}: no status reply within ${timeoutMs} ms`);
      await this.time.scheduler.sleep(POLL_MS);
    }
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => undefined);
  }

  private handle(): FileHandle {
    if (!this.fh) throw new Error(`printer device ${this.path} is not open`);
    return this.fh;
  }

  private async readSome(buf: Buffer): Promise<number> {
    try {
      return (await this.handle().read(buf, 0, buf.length, null)).bytesRead;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
      throw this.lost(explain(this.path, err, 'read'));
    }
  }

  /** Discard bytes the printer sent unasked, so the next byte read answers our question. */
  private async drain(): Promise<void> {
    const buf = Buffer.alloc(64);
    for (let i = 0; i < 100; i++) if ((await this.readSome(buf)) === 0) return;
  }

  private lost(err: Error): Error {
    this.onLost?.(err.message);
    return err;
  }
}
