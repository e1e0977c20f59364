// The few Firmata 2.x messages a button board needs (firmata.org protocol.md), encoded and decoded
// here instead of pulling johnny-five (unmaintained, depends on serialport 8). All data bytes are
// 7-bit; a byte with the top bit set starts a message.

export const DIGITAL_MESSAGE = 0x90; // | port: 2 data bytes, pins 0-6 then pin 7
export const ANALOG_MESSAGE = 0xe0; // | pin
export const REPORT_ANALOG = 0xc0; // | pin
export const REPORT_DIGITAL = 0xd0; // | port
export const START_SYSEX = 0xf0;
export const SET_PIN_MODE = 0xf4;
export const SET_DIGITAL_PIN_VALUE = 0xf5;
export const END_SYSEX = 0xf7;
export const REPORT_VERSION = 0xf9;
export const SYSTEM_RESET = 0xff;
export const REPORT_FIRMWARE = 0x79;

export const PIN_MODE_INPUT = 0x00;
export const PIN_MODE_OUTPUT = 0x01;
export const PIN_MODE_INPUT_PULLUP = 0x0b;

export const encodeQueryVersion = (): Buffer => Buffer.from([REPORT_VERSION]);
export const encodeQueryFirmware = (): Buffer => Buffer.from([START_SYSEX, REPORT_FIRMWARE, END_SYSEX]);
export const encodeSetPinMode = (pin: number, mode: number): Buffer => Buffer.from([SET_PIN_MODE, pin & 0x7f, mode & 0x7f]);
export const encodeReportDigital = (port: number, on: boolean): Buffer => Buffer.from([REPORT_DIGITAL | (port & 0x0f), on ? 1 : 0]);
export const encodeDigitalPort = (port: number, levels: number): Buffer =>
  Buffer.from([DIGITAL_MESSAGE | (port & 0x0f), levels & 0x7f, (levels >> 7) & 0x01]);
export const encodeSetDigitalPinValue = (pin: number, high: boolean): Buffer => Buffer.from([SET_DIGITAL_PIN_VALUE, pin & 0x7f, high ? 1 : 0]);
export const encodeVersion = (major: number, minor: number): Buffer => Buffer.from([REPORT_VERSION, major & 0x7f, minor & 0x7f]);

/** Sysex REPORT_FIRMWARE reply: major, minor, then the name as 7-bit LSB/MSB pairs. */
export function encodeFirmwareReport(major: number, minor: number, name: string): Buffer {
  const bytes = [START_SYSEX, REPORT_FIRMWARE, major & 0x7f, minor & 0x7f];
  for (const ch of Buffer.from(name, 'latin1')) bytes.push(ch & 0x7f, (ch >> 7) & 0x7f);
  bytes.push(END_SYSEX);
  return Buffer.from(bytes);
}

export type FirmataMessage =
  | { type: 'digital'; port: number; levels: number }
  | { type: 'analog'; pin: number; value: number }
  | { type: 'version'; major: number; minor: number }
  | { type: 'firmware'; major: number; minor: number; name: string }
  | { type: 'sysex'; command: number; data: Buffer }
  | { type: 'set_pin_mode'; pin: number; mode: number }
  | { type: 'report_digital'; port: number; on: boolean }
  | { type: 'report_analog'; pin: number; on: boolean }
  | { type: 'set_digital_pin_value'; pin: number; high: boolean }
  | { type: 'query_version' }
  | { type: 'reset' };

/** Which end wrote the bytes: the version query from the host has no data, the board's reply two. */
export type FirmataSource = 'board' | 'host';

/** Data bytes each command byte takes; undefined = not a command this codec knows. */
function dataLength(cmd: number, source: FirmataSource): number | undefined {
  if (cmd < 0xf0) {
    const hi = cmd & 0xf0;
    if (hi === DIGITAL_MESSAGE || hi === ANALOG_MESSAGE) return 2;
    if (hi === REPORT_DIGITAL || hi === REPORT_ANALOG) return 1;
    return undefined;
  }
  if (cmd === REPORT_VERSION) return source === 'board' ? 2 : 0;
  if (cmd === SET_PIN_MODE || cmd === SET_DIGITAL_PIN_VALUE) return 2;
  if (cmd === SYSTEM_RESET) return 0;
  return undefined;
}

/** Streaming decoder for both directions; bytes outside a known message are counted and skipped. */
export class FirmataDecoder {
  private cmd: number | undefined;
  private need = 0;
  private data: number[] = [];
  private inSysex = false;
  /** Bytes dropped as noise (line garbage, unknown commands, broken sysex). */
  skipped = 0;

  constructor(private readonly source: FirmataSource = 'board') {}

  push(chunk: Uint8Array): FirmataMessage[] {
    const out: FirmataMessage[] = [];
    for (const b of chunk) {
      if (this.inSysex) {
        if (b === END_SYSEX) { this.inSysex = false; out.push(decodeSysex(Buffer.from(this.data))); this.data = []; continue; }
        if (b < 0x80) { this.data.push(b); continue; }
        this.skipped += this.data.length + 1; // a command inside sysex: the sysex was cut off
        this.inSysex = false;
        this.data = [];
      }
      if (b >= 0x80) {
        if (this.cmd !== undefined) this.skipped += 1 + this.data.length;
        this.cmd = undefined;
        this.data = [];
        if (b === START_SYSEX) { this.inSysex = true; continue; }
        const n = dataLength(b, this.source);
        if (n === undefined) { this.skipped++; continue; }
        this.cmd = b;
        this.need = n;
        if (n === 0) this.finish(out);
        continue;
      }
      if (this.cmd === undefined) { this.skipped++; continue; }
      this.data.push(b);
      if (this.data.length === this.need) this.finish(out);
    }
    return out;
  }

  private finish(out: FirmataMessage[]): void {
    const cmd = this.cmd as number;
    const [d0 = 0, d1 = 0] = this.data;
    this.cmd = undefined;
    this.data = [];
    const hi = cmd & 0xf0;
    if (cmd < 0xf0) {
      const ch = cmd & 0x0f;
      if (hi === DIGITAL_MESSAGE) out.push({ type: 'digital', port: ch, levels: d0 | (d1 << 7) });
      else if (hi === ANALOG_MESSAGE) out.push({ type: 'analog', pin: ch, value: d0 | (d1 << 7) });
      else if (hi === REPORT_DIGITAL) out.push({ type: 'report_digital', port: ch, on: d0 !== 0 });
      else if (hi === REPORT_ANALOG) out.push({ type: 'report_analog', pin: ch, on: d0 !== 0 });
      return;
    }
    if (cmd === REPORT_VERSION) out.push(this.source === 'board' ? { type: 'version', major: d0, minor: d1 } : { type: 'query_version' });
    else if (cmd === SET_PIN_MODE) out.push({ type: 'set_pin_mode', pin: d0, mode: d1 });
    else if (cmd === SET_DIGITAL_PIN_VALUE) out.push({ type: 'set_digital_pin_value', pin: d0, high: d1 !== 0 });
    else if (cmd === SYSTEM_RESET) out.push({ type: 'reset' });
  }
}

function decodeSysex(body: Buffer): FirmataMessage {
  const command = body[0] ?? 0;
  if (command === REPORT_FIRMWARE && body.length >= 3) {
    let name = '';
    for (let i = 3; i + 1 < body.length; i += 2) name += String.fromCharCode((body[i] as number) | ((body[i + 1] as number) << 7));
    return { type: 'firmware', major: body[1] as number, minor: body[2] as number, name };
  }
  return { type: 'sysex', command, data: Buffer.from(body.subarray(1)) };
}
