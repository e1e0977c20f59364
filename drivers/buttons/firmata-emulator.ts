// A StandardFirmata board at the byte level: answers version/firmware queries, honours pin modes
// and REPORT_DIGITAL, and sends digital port messages when a simulated button changes a pin.
// Tests put it on the far end of a pty pair so the real serial backend talks to it.
import {
  FirmataDecoder, PIN_MODE_INPUT_PULLUP, encodeDigitalPort, encodeFirmwareReport, encodeVersion,
} from './firmata-codec.ts';

export class FirmataBoardEmulator {
  private readonly decoder = new FirmataDecoder('host');
  private readonly modes = new Map<number, number>();
  private readonly reporting = new Set<number>();
  /** Pin levels as the board reads them (1 = high); unset pins float high like INPUT_PULLUP. */
  private readonly levels = new Map<number, number>();
  /** Everything the host asked for, in order (for assertions). */
  readonly received: string[] = [];

  constructor(private readonly send: (bytes: Buffer) => void, private readonly firmware = 'StandardFirmata.ino') {}

  /** Bytes written by the host. */
  receive(bytes: Uint8Array): void {
    for (const m of this.decoder.push(bytes)) {
      this.received.push(m.type);
      if (m.type === 'query_version') this.send(encodeVersion(2, 5));
      else if (m.type === 'sysex' && m.command === 0x79) this.send(Buffer.concat([encodeVersion(2, 5), encodeFirmwareReport(2, 5, this.firmware)]));
      else if (m.type === 'set_pin_mode') this.modes.set(m.pin, m.mode);
      else if (m.type === 'report_digital') {
        if (m.on) { this.reporting.add(m.port); this.sendPort(m.port); } else this.reporting.delete(m.port);
      }
    }
  }

  /** Pressing a button wired to ground pulls the pin low. */
  setPin(pin: number, high: boolean): void {
    this.levels.set(pin, high ? 1 : 0);
    const port = pin >> 3;
    if (this.reporting.has(port)) this.sendPort(port);
  }

  pinMode(pin: number): number | undefined { return this.modes.get(pin); }

  private sendPort(port: number): void {
    let v = 0;
    for (let bit = 0; bit < 8; bit++) {
      const pin = port * 8 + bit;
      const floating = this.modes.get(pin) === PIN_MODE_INPUT_PULLUP ? 1 : 0;
      if ((this.levels.get(pin) ?? floating) === 1) v |= 1 << bit;
    }
    this.send(encodeDigitalPort(port, v));
  }
}
