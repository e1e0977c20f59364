// An in-process byte pipe (two linked ends), so the real codec and driver run against the
// emulator without a serial port. Writes arrive asynchronously and, when asked, split into
// pieces, the way a UART delivers them.
import { EventEmitter } from 'node:events';
import type { ByteTransport } from './types.ts';

export class MemoryTransport extends EventEmitter implements ByteTransport {
  peer: MemoryTransport | undefined;
  private open = true;

  constructor(readonly where: string, private readonly split: () => number[] | undefined = () => undefined) { super(); }

  static pair(where: string, split?: () => number[] | undefined): [MemoryTransport, MemoryTransport] {
    const a = new MemoryTransport(where, split);
    const b = new MemoryTransport(where, split);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  get isOpen(): boolean { return this.open; }

  async write(buf: Buffer): Promise<void> {
    if (!this.open || !this.peer?.open) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    const peer = this.peer;
    const copy = Buffer.from(buf);
    const cuts = this.split()?.filter((c) => c > 0 && c < copy.length).sort((x, y) => x - y) ?? [];
    let from = 0;
    for (const to of [...cuts, copy.length]) {
      const piece = copy.subarray(from, to);
      from = to;
      setImmediate(() => { if (peer.open) peer.emit('data', piece); });
    }
  }

  async close(): Promise<void> { this.disconnect(); }

  /** Both ends go away; the other end hears 'close' with the reason (an unplug). */
  disconnect(reason?: Error): void {
    if (!this.open) return;
    this.open = false;
    const peer = this.peer;
    if (peer?.open) {
      peer.open = false;
      setImmediate(() => peer.emit('close', reason));
    }
  }
}
