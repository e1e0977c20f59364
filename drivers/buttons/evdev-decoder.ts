// Pure decoder of Linux `struct input_event` records. The layout depends on the reading process:
// 64-bit (arm64, x64): timeval of two 8-byte longs → 24 bytes; 32-bit (armhf userspace, even on a
// 64-bit kernel, which serves it the compat layout): two 4-byte longs → 16 bytes. Little-endian.

export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const EV_MSC = 0x04;
/** Highest event type the kernel defines; anything above means a wrong layout or garbage. */
export const EV_MAX = 0x1f;

export type InputEventLayout = 16 | 24;

export interface InputEvent {
  sec: number;
  usec: number;
  type: number;
  code: number;
  value: number;
}

/** The record size this process reads, from its pointer width. */
export function layoutForArch(arch: string = process.arch): InputEventLayout {
  return ['arm', 'ia32', 'mips', 'mipsel', 'ppc', 's390'].includes(arch) ? 16 : 24;
}

export function decodeInputEvent(buf: Buffer, offset: number, layout: InputEventLayout): InputEvent {
  if (layout === 24) {
    return {
      sec: Number(buf.readBigInt64LE(offset)),
      usec: Number(buf.readBigInt64LE(offset + 8)),
      type: buf.readUInt16LE(offset + 16),
      code: buf.readUInt16LE(offset + 18),
      value: buf.readInt32LE(offset + 20),
    };
  }
  return {
    sec: buf.readInt32LE(offset),
    usec: buf.readInt32LE(offset + 4),
    type: buf.readUInt16LE(offset + 8),
    code: buf.readUInt16LE(offset + 10),
    value: buf.readInt32LE(offset + 12),
  };
}

export function encodeInputEvent(ev: InputEvent, layout: InputEventLayout): Buffer {
  const buf = Buffer.alloc(layout);
  if (layout === 24) {
    buf.writeBigInt64LE(BigInt(ev.sec), 0);
    buf.writeBigInt64LE(BigInt(ev.usec), 8);
    buf.writeUInt16LE(ev.type, 16);
    buf.writeUInt16LE(ev.code, 18);
    buf.writeInt32LE(ev.value, 20);
  } else {
    buf.writeInt32LE(ev.sec, 0);
    buf.writeInt32LE(ev.usec, 4);
    buf.writeUInt16LE(ev.type, 8);
    buf.writeUInt16LE(ev.code, 10);
    buf.writeInt32LE(ev.value, 12);
  }
  return buf;
}

/** Splits a byte stream into records; a record split across reads (pipes do that) is kept until complete. */
export class InputEventDecoder {
  private rest: Buffer = Buffer.alloc(0);

  constructor(readonly layout: InputEventLayout) {}

  push(chunk: Buffer): InputEvent[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const out: InputEvent[] = [];
    let off = 0;
    for (; off + this.layout <= buf.length; off += this.layout) {
      const ev = decodeInputEvent(buf, off, this.layout);
      if (ev.type > EV_MAX) {
        this.rest = Buffer.alloc(0);
        throw new Error(`input_event type ${ev.type} at byte ${off} is not a Linux event type: wrong record layout (${this.layout} bytes) or not an input device`);
      }
      out.push(ev);
    }
    this.rest = Buffer.from(buf.subarray(off));
    return out;
  }

  /** Bytes of an incomplete record waiting for the next read. */
  get pending(): number { return this.rest.length; }
}
