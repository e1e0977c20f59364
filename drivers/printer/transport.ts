// How bytes reach a printer. One interface for the device file, TCP, serial and the in-process
// emulator, so the driver's job and status logic is the same for all of them.
import type { Scheduler } from '../../core/scheduler.ts';
import type { EscPosEmulator } from './emulator-core.ts';

export interface PrinterTransport {
  /** Where it goes, for messages: "device /dev/usb/lp0", "tcp 10.0.0.5:9100", ... */
  readonly description: string;
  /** Throws with a clear message naming the device when it cannot be opened. */
  open(): Promise<void>;
  write(data: Buffer): Promise<void>;
  /** Send a real-time request (DLE EOT n) and resolve with the first byte that comes back. */
  query(request: Buffer, timeoutMs: number): Promise<number>;
  /** Must not throw. */
  close(): Promise<void>;
  /** Set by the driver: called when the link drops by itself (cable pulled, printer off). */
  onLost?: (reason: string) => void;
}

/** Bytes from the printer, handed out one at a time to whoever waits for a reply. */
export class ReplyBuffer {
  private bytes: number[] = [];
  private waiter: ((b: number) => void) | undefined;

  constructor(private readonly scheduler: Scheduler) {}

  push(data: Buffer | number[]): void {
    for (const b of data) {
      const w = this.waiter;
      if (w) { this.waiter = undefined; w(b); } else this.bytes.push(b);
    }
  }

  /** Forget unsolicited bytes (automatic status back, noise) before asking a question. */
  clear(): void { this.bytes = []; }

  next(timeoutMs: number, what: string): Promise<number> {
    const b = this.bytes.shift();
    if (b !== undefined) return Promise.resolve(b);
    return new Promise((resolve, reject) => {
      const timer = this.scheduler.timeout(timeoutMs, () => { this.waiter = undefined; reject(new Error(`${what}: no status reply within ${timeoutMs} ms`)); });
      this.waiter = (v) => { timer.cancel(); resolve(v); };
    });
  }
}

/** The `sim` backend's link: the in-process emulator, with a plug a test or the simulator page can pull. */
export class SimTransport implements PrinterTransport {
  readonly description = 'sim (in-process ESC/POS emulator)';
  private readonly replies: ReplyBuffer;
  private isOpen = false;
  onLost?: (reason: string) => void;

  constructor(readonly emulator: EscPosEmulator, scheduler: Scheduler, readonly link: { plugged: boolean; mute?: boolean } = { plugged: true }) {
    this.replies = new ReplyBuffer(scheduler);
  }

  async open(): Promise<void> {
    if (!this.link.plugged) throw new Error('sim printer is unplugged');
    this.isOpen = true;
  }

  async write(data: Buffer): Promise<void> {
    if (!this.isOpen || !this.link.plugged) throw new Error('sim printer is unplugged');
    const reply = this.emulator.receive(data);
    // Replies arrive later than the write returns, as they would over a wire.
    if (reply.length && !this.link.mute) setImmediate(() => this.replies.push(reply));
  }

  async query(request: Buffer, timeoutMs: number): Promise<number> {
    this.replies.clear();
    await this.write(request);
    return this.replies.next(timeoutMs, this.description);
  }

  async close(): Promise<void> { this.isOpen = false; }
}
