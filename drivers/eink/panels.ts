// Pure panel protocol: what each Waveshare panel needs, as a list of steps (reset pulse, command
// with data, wait for BUSY, delay). Sequences follow Waveshare's reference drivers
// (RaspberryPi_JetsonNano/c/lib/e-Paper/EPD_7in5_V2.c and python/lib/waveshare_epd/epd4in2_V2.py).
import { cropRegion, invertBytes, type Frame, type Region } from './frame.ts';

export type PanelId = 'waveshare_7in5_v2' | 'waveshare_4in2_v2';

export type Step =
  | { op: 'reset'; ms: [number, number, number] }
  | { op: 'cmd'; code: number; data?: Uint8Array }
  | { op: 'wait' }
  | { op: 'delay'; ms: number };

export interface PanelSpec {
  id: PanelId;
  width: number;
  height: number;
  /** The BUSY line level that means "busy". 7.5" V2 (UC8179): low; 4.2" V2 (SSD1683): high. */
  busyLevel: 0 | 1;
  /** Reset and wait until the controller answers idle (used to probe the panel on open). */
  probe(): Step[];
  /** Init, whole frame, full-waveform refresh, deep sleep. */
  full(frame: Frame): Step[];
  /** Init, changed region (7.5") or whole RAM (4.2"), partial-waveform refresh, deep sleep. */
  partial(frame: Frame, prev: Frame, region: Region): Step[];
}

const cmd = (code: number, ...data: number[]): Step => (data.length ? { op: 'cmd', code, data: Uint8Array.from(data) } : { op: 'cmd', code });
const cmdBytes = (code: number, data: Uint8Array): Step => ({ op: 'cmd', code, data });
const WAIT: Step = { op: 'wait' };
const delay = (ms: number): Step => ({ op: 'delay', ms });

function checkFrame(spec: { id: string; width: number; height: number }, f: Frame): void {
  if (f.width !== spec.width || f.height !== spec.height) throw new Error(`${spec.id}: frame is ${f.width}x${f.height}, panel is ${spec.width}x${spec.height}`);
}

/** Waveshare 7.5" V2, 800×480, UC8179-class. Data for 0x13 is 1 = black; 0x10 ("old") takes the inverse. */
export const WAVESHARE_7IN5_V2: PanelSpec = {
  id: 'waveshare_7in5_v2',
  width: 800,
  height: 480,
  busyLevel: 0,
  probe: () => [{ op: 'reset', ms: [20, 2, 20] }, WAIT],
  full(frame) {
    checkFrame(this, frame);
    return [
      { op: 'reset', ms: [20, 2, 20] },
      cmd(0x01, 0x07, 0x07, 0x3f, 0x3f), // power setting: VGH/VGL ±20 V, VDH/VDL ±15 V
      cmd(0x06, 0x17, 0x17, 0x28, 0x17), // booster soft start
      cmd(0x04), delay(100), WAIT, // power on
      cmd(0x00, 0x1f), // panel setting: KW mode, LUT from OTP
      cmd(0x61, 0x03, 0x20, 0x01, 0xe0), // resolution 800×480
      cmd(0x15, 0x00),
      cmd(0x50, 0x10, 0x07), // VCOM and data interval
      cmd(0x60, 0x22), // TCON
      cmdBytes(0x10, invertBytes(frame.data)),
      cmdBytes(0x13, frame.data),
      cmd(0x12), delay(100), WAIT, // display refresh
      ...sleep75(),
    ];
  },
  partial(frame, _prev, r) {
    checkFrame(this, frame);
    const xe = r.x + r.width - 1, ye = r.y + r.height - 1;
    return [
      { op: 'reset', ms: [20, 2, 20] },
      cmd(0x00, 0x1f),
      cmd(0x04), delay(100), WAIT,
      cmd(0xe0, 0x02), cmd(0xe5, 0x6e), // cascade setting + force temperature: selects the fast waveform
      cmd(0x50, 0xa9, 0x07),
      cmd(0x91), // enter partial mode
      cmd(0x90, r.x >> 8, r.x & 0xff, xe >> 8, xe & 0xff, r.y >> 8, r.y & 0xff, ye >> 8, ye & 0xff, 0x01),
      cmdBytes(0x13, cropRegion(frame, r)),
      cmd(0x12), delay(100), WAIT,
      ...sleep75(),
    ];
  },
};

function sleep75(): Step[] {
  return [cmd(0x50, 0xf7), cmd(0x02), WAIT, cmd(0x07, 0xa5)]; // border floating, power off, deep sleep
}

/** Waveshare 4.2" V2, 400×300, SSD1683-class. RAM bit 1 = white, so our frame is inverted. */
export const WAVESHARE_4IN2_V2: PanelSpec = {
  id: 'waveshare_4in2_v2',
  width: 400,
  height: 300,
  busyLevel: 1,
  probe: () => [{ op: 'reset', ms: [100, 2, 100] }, WAIT],
  full(frame) {
    checkFrame(this, frame);
    const ram = invertBytes(frame.data);
    return [
      ...init42(),
      cmdBytes(0x24, ram), // new image
      ...cursor42(),
      cmdBytes(0x26, ram), // "previous" image = new, so the next partial compares against it
      cmd(0x22, 0xf7), cmd(0x20), WAIT, // full update sequence
      cmd(0x10, 0x01), // deep sleep mode 1 (RAM kept)
    ];
  },
  // Waveshare's partial refresh on this panel rewrites the whole RAM with the partial waveform;
  // the region only decides that a partial is allowed. The previous frame goes to 0x26 because the
  // reset before each refresh may not leave the old image there.
  partial(frame, prev) {
    checkFrame(this, frame);
    checkFrame(this, prev);
    return [
      ...init42(),
      cmd(0x3c, 0x80), cmd(0x21, 0x00, 0x00), cmd(0x3c, 0x80),
      ...window42(),
      cmdBytes(0x26, invertBytes(prev.data)),
      ...cursor42(),
      cmdBytes(0x24, invertBytes(frame.data)),
      cmd(0x22, 0xff), cmd(0x20), WAIT, // partial update sequence
      cmd(0x10, 0x01),
    ];
  },
};

const cursor42 = (): Step[] => [cmd(0x4e, 0x00), cmd(0x4f, 0x00, 0x00)];
// RAM window: X 0..49 bytes (400 px), Y 0..299.
const window42 = (): Step[] => [cmd(0x44, 0x00, 0x31), cmd(0x45, 0x00, 0x00, 0x2b, 0x01), ...cursor42()];

function init42(): Step[] {
  return [
    { op: 'reset', ms: [100, 2, 100] }, WAIT,
    cmd(0x12), WAIT, // software reset
    cmd(0x21, 0x40, 0x00), // display update control: bypass red RAM as 0
    cmd(0x3c, 0x05), // border waveform
    cmd(0x11, 0x03), // data entry: X then Y increment
    ...window42(), WAIT,
  ];
}

export const PANELS: Record<PanelId, PanelSpec> = {
  waveshare_7in5_v2: WAVESHARE_7IN5_V2,
  waveshare_4in2_v2: WAVESHARE_4IN2_V2,
};

export function panelSize(id: PanelId): '800x480' | '400x300' {
  return id === 'waveshare_7in5_v2' ? '800x480' : '400x300';
}
