// hid backend: raw HID evaluator keypads through the optional `node-hid` package (hidraw on Linux,
// prebuilt for arm/arm64). Vendor/product id and the report→key mapping come from config.
import { ButtonsBase, type ButtonsDeps } from './buttons-base.ts';
import type { ButtonsConfig, HidConfig } from './config.ts';
import { keysDownInReport, reportEdges } from './hid-decoder.ts';

/** The part of node-hid's HIDAsync this backend uses. */
export interface HidDeviceLike {
  on(event: 'data', cb: (report: Buffer) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
  close(): Promise<void> | void;
}

export interface HidIo { openHid?: (cfg: HidConfig) => Promise<HidDeviceLike> }

const hex = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

async function openWithNodeHid(cfg: HidConfig): Promise<HidDeviceLike> {
  interface HidAsyncStatic { open(...args: Array<string | number>): Promise<unknown> }
  let mod: { HIDAsync?: HidAsyncStatic; default?: { HIDAsync?: HidAsyncStatic } };
  try {
    mod = (await import('node-hid')) as unknown as typeof mod;
  } catch (err) {
    throw new Error(`buttons backend hid needs the optional package node-hid: ${(err as Error).message.split('\n')[0]}`);
  }
  const HIDAsync = mod.HIDAsync ?? mod.default?.HIDAsync;
  if (!HIDAsync) throw new Error('buttons backend hid: node-hid has no HIDAsync (node-hid ≥ 3 is needed)');
  try {
    return (cfg.path ? await HIDAsync.open(cfg.path) : await HIDAsync.open(cfg.vendor_id, cfg.product_id)) as HidDeviceLike;
  } catch (err) {
    const where = cfg.path ?? `${hex(cfg.vendor_id)}:${hex(cfg.product_id)}`;
    throw new Error(`cannot open HID keypad ${where}: ${(err as Error).message} (plugged in? udev rule for hidraw access?)`);
  }
}

export class HidButtons extends ButtonsBase {
  private device: HidDeviceLike | undefined;
  private down = new Set<string>();

  constructor(cfg: ButtonsConfig, deps: ButtonsDeps, private readonly io: HidIo = {}) { super('hid', cfg, deps); }

  protected async open(): Promise<void> {
    this.assertConfig();
    const hc = this.cfg.hid as HidConfig;
    const device = await (this.io.openHid ?? openWithNodeHid)(hc);
    this.device = device;
    this.down = new Set();
    const where = hc.path ?? `${hex(hc.vendor_id)}:${hex(hc.product_id)}`;
    device.on('data', (report) => {
      if (this.device !== device) return;
      const next = keysDownInReport(report, hc.keys);
      const edges = reportEdges(this.down, next, this.cfg.keys);
      this.down = next;
      for (const e of edges) this.input(e.key, e.down);
    });
    device.on('error', (err) => {
      if (this.device === device) this.deviceLost(`HID keypad ${where}: ${err.message}`);
    });
    this.setBackendDetail({ device: where });
    this.logger.info('hid buttons open', { device: where });
  }

  protected async close(): Promise<void> {
    const device = this.device;
    this.device = undefined;
    this.down = new Set();
    if (!device) return;
    device.removeAllListeners();
    // A closed HIDAsync may emit 'error' later; keep a listener so it is not an uncaught error.
    device.on('error', () => undefined);
    try { await device.close(); } catch { /* unplugged devices fail to close */ }
  }
}
