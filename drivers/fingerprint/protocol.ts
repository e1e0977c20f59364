// Packet codec of the R30x / R503 / AS608 fingerprint module family (pure, no I/O).
//
// Frame (R503 user manual §"Instruction format"; R30x manual §4.1; AS608 manual §5.1):
//   EF 01 | address (4, big-endian) | PID (1) | length (2, BE) | payload | checksum (2, BE)
// length counts payload + checksum; checksum = 16-bit sum of PID, both length bytes and the payload.
// PIDs: 01 command, 02 data, 07 acknowledge, 08 end of data.
//
// Only the commands the driver needs are built here. There is deliberately no builder for
// UpChar (0x08) or UpImage (0x0A): templates and images never leave the module.

export const HEADER_HI = 0xef;
export const HEADER_LO = 0x01;
/** The module sends this single byte after power-up (R503 manual: "handshake signal 0x55"). */
export const BOOT_BYTE = 0x55;
export const DEFAULT_ADDRESS = 0xffffffff;

export const PID = { command: 0x01, data: 0x02, ack: 0x07, end: 0x08 } as const;

export const CMD = {
  GenImg: 0x01,
  Img2Tz: 0x02,
  Search: 0x04,
  RegModel: 0x05,
  Store: 0x06,
  DeleteChar: 0x0c,
  Empty: 0x0d,
  ReadSysPara: 0x0f,
  VfyPwd: 0x13,
  TemplateNum: 0x1d,
  ReadIndexTable: 0x1f,
  AuraLedConfig: 0x35,
  HandShake: 0x40,
} as const;

export type CommandName = keyof typeof CMD;

const NAME_OF = new Map<number, CommandName>(Object.entries(CMD).map(([k, v]) => [v, k as CommandName]));
export function commandName(code: number): string {
  return NAME_OF.get(code) ?? `0x${code.toString(16).padStart(2, '0')}`;
}

/** Longest payload accepted from the wire: 256-byte data packets are the largest the family sends. */
export const MAX_PAYLOAD = 256;
/** Commands and acknowledgements are short (the longest, ReadIndexTable's answer, is 33 bytes). */
export const MAX_SHORT_PAYLOAD = 64;

function plausibleLength(pid: number, lengthField: number): boolean {
  if (lengthField < 2) return false;
  if (pid === PID.command || pid === PID.ack) return lengthField <= MAX_SHORT_PAYLOAD + 2;
  if (pid === PID.data || pid === PID.end) return lengthField <= MAX_PAYLOAD + 2;
  return false;
}

export interface Packet {
  address: number;
  pid: number;
  payload: Buffer;
}

function checksum(pid: number, lengthField: number, payload: Buffer): number {
  let sum = pid + (lengthField >> 8) + (lengthField & 0xff);
  for (const b of payload) sum += b;
  return sum & 0xffff;
}

export function encodePacket(pid: number, payload: Buffer | number[], address = DEFAULT_ADDRESS): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  if (body.length > MAX_PAYLOAD) throw new RangeError(`fingerprint packet payload of ${body.length} bytes exceeds ${MAX_PAYLOAD}`);
  const lengthField = body.length + 2;
  const out = Buffer.alloc(9 + lengthField);
  out[0] = HEADER_HI;
  out[1] = HEADER_LO;
  out.writeUInt32BE(address >>> 0, 2);
  out[6] = pid;
  out.writeUInt16BE(lengthField, 7);
  body.copy(out, 9);
  out.writeUInt16BE(checksum(pid, lengthField, body), 9 + body.length);
  return out;
}

// ---- command builders (payload = instruction code + parameters, all big-endian) ----

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function checkRange(what: string, n: number, min: number, max: number): void {
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${what} must be an integer ${min}..${max}, got ${n}`);
}

export interface Command {
  name: CommandName;
  bytes: Buffer;
}

const cmd = (name: CommandName, params: number[], address: number): Command =>
  ({ name, bytes: encodePacket(PID.command, [CMD[name], ...params], address) });

export const build = {
  genImg: (address = DEFAULT_ADDRESS) => cmd('GenImg', [], address),
  /** Extract features of the image into CharBuffer 1 or 2. */
  img2Tz: (buffer: 1 | 2, address = DEFAULT_ADDRESS) => cmd('Img2Tz', [buffer], address),
  search: (buffer: 1 | 2, startPage: number, pageCount: number, address = DEFAULT_ADDRESS) => {
    checkRange('Search start page', startPage, 0, 0xffff);
    checkRange('Search page count', pageCount, 1, 0xffff);
    return cmd('Search', [buffer, ...u16(startPage), ...u16(pageCount)], address);
  },
  regModel: (address = DEFAULT_ADDRESS) => cmd('RegModel', [], address),
  store: (buffer: 1 | 2, slot: number, address = DEFAULT_ADDRESS) => {
    checkRange('Store slot', slot, 0, 0xffff);
    return cmd('Store', [buffer, ...u16(slot)], address);
  },
  deleteChar: (slot: number, count = 1, address = DEFAULT_ADDRESS) => {
    checkRange('DeleteChar slot', slot, 0, 0xffff);
    checkRange('DeleteChar count', count, 1, 0xffff);
    return cmd('DeleteChar', [...u16(slot), ...u16(count)], address);
  },
  empty: (address = DEFAULT_ADDRESS) => cmd('Empty', [], address),
  readSysPara: (address = DEFAULT_ADDRESS) => cmd('ReadSysPara', [], address),
  vfyPwd: (password: number, address = DEFAULT_ADDRESS) => {
    checkRange('password', password, 0, 0xffffffff);
    return cmd('VfyPwd', u32(password), address);
  },
  templateNum: (address = DEFAULT_ADDRESS) => cmd('TemplateNum', [], address),
  /** Page 0..3, 256 slots each. */
  readIndexTable: (page: number, address = DEFAULT_ADDRESS) => {
    checkRange('index table page', page, 0, 3);
    return cmd('ReadIndexTable', [page], address);
  },
  auraLedConfig: (ctrl: number, speed: number, color: number, count: number, address = DEFAULT_ADDRESS) => {
    for (const [what, n] of [['LED control', ctrl], ['LED speed', speed], ['LED colour', color], ['LED count', count]] as const) checkRange(what, n, 0, 255);
    return cmd('AuraLedConfig', [ctrl, speed, color, count], address);
  },
  handShake: (address = DEFAULT_ADDRESS) => cmd('HandShake', [], address),
};

/** R503 aura LED control codes and colour indexes (R503 manual, AuraLedConfig). */
export const AURA = {
  breathing: 0x01, flashing: 0x02, on: 0x03, off: 0x04, gradualOn: 0x05, gradualOff: 0x06,
} as const;
export const AURA_COLOR = { red: 1, blue: 2, purple: 3, green: 4, yellow: 5, cyan: 6, white: 7 } as const;
export type AuraColor = keyof typeof AURA_COLOR;

// ---- acknowledgement parsers ----

export interface SearchResult { slot: number; score: number }
export interface SysParams {
  status_register: number;
  system_id: number;
  capacity: number;
  security: number;
  address: number;
  packet_size: number;
  baud: number;
}

function need(payload: Buffer, n: number, what: string): void {
  if (payload.length < n) throw new Error(`fingerprint ${what} answer too short: ${payload.length} bytes, expected ${n}`);
}

export const parse = {
  search(payload: Buffer): SearchResult {
    need(payload, 5, 'Search');
    return { slot: payload.readUInt16BE(1), score: payload.readUInt16BE(3) };
  },
  templateNum(payload: Buffer): number {
    need(payload, 3, 'TemplateNum');
    return payload.readUInt16BE(1);
  },
  sysPara(payload: Buffer): SysParams {
    need(payload, 17, 'ReadSysPara');
    const sizeCode = payload.readUInt16BE(13);
    return {
      status_register: payload.readUInt16BE(1),
      system_id: payload.readUInt16BE(3),
      capacity: payload.readUInt16BE(5),
      security: payload.readUInt16BE(7),
      address: payload.readUInt32BE(9),
      // Packet size code N means 32 << N bytes (0 = 32 ... 3 = 256).
      packet_size: sizeCode <= 3 ? 32 << sizeCode : 0,
      // Baud setting N means N × 9600 bps.
      baud: payload.readUInt16BE(15) * 9600,
    };
  },
  /** Occupied slots of one index page; bit i of byte j is slot page*256 + j*8 + i. */
  indexTable(payload: Buffer, page: number): number[] {
    need(payload, 33, 'ReadIndexTable');
    const slots: number[] = [];
    for (let j = 0; j < 32; j++) {
      const byte = payload[1 + j]!;
      for (let i = 0; i < 8; i++) if (byte & (1 << i)) slots.push(page * 256 + j * 8 + i);
    }
    return slots;
  },
};

// ---- streaming decoder ----

export interface DecoderStats {
  packets: number;
  /** 0x55 power-up bytes skipped between packets. */
  boot_bytes: number;
  /** Other bytes skipped while looking for a header. */
  garbage_bytes: number;
  bad_checksums: number;
  /** Headers with an unknown PID or an impossible length for their PID. */
  bad_lengths: number;
}

/**
 * Turns a byte stream into packets. Bytes before a header are skipped (the 0x55 boot byte
 * counted on its own); a frame with a bad checksum or impossible length is dropped by skipping
 * only its first header byte, so a real frame hidden inside it is still found.
 */
export class PacketDecoder {
  private buf = Buffer.alloc(0);
  readonly stats: DecoderStats = { packets: 0, boot_bytes: 0, garbage_bytes: 0, bad_checksums: 0, bad_lengths: 0 };

  constructor(private readonly onPacket: (p: Packet) => void, private readonly onBadChecksum: () => void = () => undefined) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    for (;;) {
      const start = this.findHeader();
      if (start < 0) return;
      if (this.buf.length - start < 9) { this.buf = this.buf.subarray(start); return; }
      const lengthField = this.buf.readUInt16BE(start + 7);
      // A corrupt PID or length would otherwise make the decoder wait for bytes that never come.
      if (!plausibleLength(this.buf[start + 6]!, lengthField)) {
        this.stats.bad_lengths++;
        this.buf = this.buf.subarray(start + 1);
        continue;
      }
      const end = start + 9 + lengthField;
      if (this.buf.length < end) { this.buf = this.buf.subarray(start); return; }
      const pid = this.buf[start + 6]!;
      const payload = Buffer.from(this.buf.subarray(start + 9, end - 2));
      const expected = this.buf.readUInt16BE(end - 2);
      if (checksum(pid, lengthField, payload) !== expected) {
        this.stats.bad_checksums++;
        this.buf = this.buf.subarray(start + 1);
        this.onBadChecksum();
        continue;
      }
      const address = this.buf.readUInt32BE(start + 2);
      this.buf = this.buf.subarray(end);
      this.stats.packets++;
      this.onPacket({ address, pid, payload });
    }
  }

  /** Forget a partial frame (after a timeout, so a late half-answer cannot join the next one). */
  reset(): void { this.buf = Buffer.alloc(0); }

  /** Index of the next EF 01, skipping (and counting) everything before it; -1 keeps a trailing EF. */
  private findHeader(): number {
    let i = 0;
    while (i < this.buf.length) {
      const b = this.buf[i]!;
      if (b === HEADER_HI) {
        if (i + 1 >= this.buf.length) break;
        if (this.buf[i + 1] === HEADER_LO) { this.buf = this.buf.subarray(i); return 0; }
      }
      if (b === BOOT_BYTE) this.stats.boot_bytes++;
      else this.stats.garbage_bytes++;
      i++;
    }
    this.buf = this.buf.subarray(i);
    return -1;
  }
}
