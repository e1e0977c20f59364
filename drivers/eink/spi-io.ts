// The real panel lines: SPI through spi-device (loaded lazily: it is an optional native module)
// and DC/RST/BUSY/PWR as sysfs GPIO, numbered BCM and mapped through the header chip's base
// (0 on old kernels, 512+ since 6.6 and on the Pi 5). CS is the kernel's CE0/CE1.
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Scheduler } from '../../core/scheduler.ts';
import { bcmToSysfsGpio, findHeaderChip } from '../buttons/gpio-chip.ts';
import type { PanelIo } from './panel-io.ts';

interface SpiMessage { sendBuffer: Buffer; byteLength: number; speedHz?: number }
interface SpiDevice {
  transfer(msg: SpiMessage[], cb: (err: Error | null) => void): void;
  close(cb: (err: Error | null) => void): void;
}
interface SpiModule { open(bus: number, dev: number, opts: Record<string, unknown>, cb: (err: Error | null) => void): SpiDevice; MODE0: number }

export interface SpiPanelIoOptions {
  bus: number;
  device: number;
  speedHz: number;
  pins: { dc: number; rst: number; busy: number; pwr: number };
  sysfsRoot: string;
  /** Reset pulses, BUSY polling and udev waits sleep on it. */
  scheduler: Scheduler;
}

export class SpiPanelIo implements PanelIo {
  private spi: SpiDevice | undefined;
  private lines = new Map<string, string>(); // role → /sys/class/gpio/gpioN

  constructor(private readonly o: SpiPanelIoOptions) {}

  describe(): string {
    return `/dev/spidev${this.o.bus}.${this.o.device}, DC=BCM${this.o.pins.dc} RST=BCM${this.o.pins.rst} BUSY=BCM${this.o.pins.busy}`;
  }

  async open(): Promise<void> {
    const path = `/dev/spidev${this.o.bus}.${this.o.device}`;
    try {
      await access(path);
    } catch {
      throw new Error(`${path} not found (enable SPI: dtparam=spi=on in /boot/firmware/config.txt, then reboot)`);
    }
    let mod: SpiModule;
    try {
      const imported = (await import('spi-device')) as unknown as { default?: SpiModule } & SpiModule;
      mod = imported.default ?? imported;
    } catch (err) {
      throw new Error(`spi-device is not installed or failed to build (${(err as Error).message}); npm install spi-device on the Pi`);
    }
    this.spi = await new Promise<SpiDevice>((resolve, reject) => {
      const dev = mod.open(this.o.bus, this.o.device, { mode: mod.MODE0, maxSpeedHz: this.o.speedHz }, (err) => (err ? reject(new Error(`${path}: ${err.message}`)) : resolve(dev)));
    });
    const chip = findHeaderChip(this.o.sysfsRoot);
    const roles: Array<[string, number, 'in' | 'out']> = [['dc', this.o.pins.dc, 'out'], ['rst', this.o.pins.rst, 'out'], ['busy', this.o.pins.busy, 'in']];
    if (this.o.pins.pwr >= 0) roles.push(['pwr', this.o.pins.pwr, 'out']);
    for (const [role, bcm, dir] of roles) this.lines.set(role, await this.exportLine(bcmToSysfsGpio(chip, bcm), dir, role, bcm));
    await this.setPwr(true);
  }

  private async exportLine(n: number, dir: 'in' | 'out', role: string, bcm: number): Promise<string> {
    const gpioDir = join(this.o.sysfsRoot, 'class', 'gpio', `gpio${n}`);
    try {
      await access(gpioDir);
    } catch {
      await writeFile(join(this.o.sysfsRoot, 'class', 'gpio', 'export'), String(n)).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`GPIO ${role} (BCM${bcm} = gpio${n}): export failed: ${err.code ?? err.message}`);
      });
    }
    // udev sets the group permissions a moment after export; retry briefly before giving up.
    for (let i = 0; ; i++) {
      try {
        await writeFile(join(gpioDir, 'direction'), dir === 'out' ? 'low' : 'in');
        return gpioDir;
      } catch (err) {
        if (i >= 20) throw new Error(`GPIO ${role} (BCM${bcm} = gpio${n}): cannot set direction: ${(err as NodeJS.ErrnoException).code ?? String(err)} (is the user in group gpio?)`);
        await this.delay(50);
      }
    }
  }

  private async write(role: string, level: 0 | 1): Promise<void> {
    const dir = this.lines.get(role);
    if (!dir) throw new Error(`GPIO ${role} is not open`);
    await writeFile(join(dir, 'value'), level ? '1' : '0');
  }

  async close(): Promise<void> {
    try { if (this.lines.has('pwr')) await this.setPwr(false); } catch { /* best effort */ }
    const spi = this.spi;
    this.spi = undefined;
    this.lines.clear();
    if (spi) await new Promise<void>((resolve) => spi.close(() => resolve()));
  }

  async spiWrite(bytes: Uint8Array): Promise<void> {
    const spi = this.spi;
    if (!spi) throw new Error(`${this.describe()}: SPI is not open`);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await new Promise<void>((resolve, reject) =>
      spi.transfer([{ sendBuffer: buf, byteLength: buf.length, speedHz: this.o.speedHz }], (err) => (err ? reject(new Error(`SPI write to /dev/spidev${this.o.bus}.${this.o.device}: ${err.message}`)) : resolve())));
  }

  setDc(level: 0 | 1): Promise<void> { return this.write('dc', level); }
  setRst(level: 0 | 1): Promise<void> { return this.write('rst', level); }
  async setPwr(on: boolean): Promise<void> { if (this.lines.has('pwr')) await this.write('pwr', on ? 1 : 0); }

  async readBusy(): Promise<0 | 1> {
    const dir = this.lines.get('busy');
    if (!dir) throw new Error('GPIO busy is not open');
    return (await readFile(join(dir, 'value'), 'utf8')).trim() === '1' ? 1 : 0;
  }

  delay(ms: number): Promise<void> { return this.o.scheduler.sleep(ms); }
}
