// onoff backend: sysfs GPIO edges through the optional `onoff` package (epoll on the value file).
// onoff cannot set pull-ups: the gpio overlay / `pinctrl set <pin> ip pu` does (docs/buttons.md).
import { ButtonsBase, type ButtonsDeps } from './buttons-base.ts';
import type { ButtonsConfig, OnoffConfig } from './config.ts';
import { bcmToSysfsGpio, findHeaderChip } from './gpio-chip.ts';

/** The part of onoff's Gpio this backend uses (so tests can pass a fake module). */
export interface OnoffGpio {
  readSync(): number;
  watch(cb: (err: Error | null | undefined, value: number) => void): void;
  unwatchAll(): void;
  unexport(): void;
}
export interface OnoffModule {
  Gpio: new (gpio: number, direction: 'in', edge: 'both', options: { activeLow: boolean }) => OnoffGpio;
}

export interface OnoffIo { loadOnoff?: () => Promise<OnoffModule> }

async function importOnoff(): Promise<OnoffModule> {
  try {
    const mod = (await import('onoff')) as unknown as Partial<OnoffModule> & { default?: OnoffModule };
    return (mod.Gpio ? mod : mod.default) as OnoffModule;
  } catch (err) {
    throw new Error(`buttons backend onoff needs the optional package onoff: ${(err as Error).message.split('\n')[0]}`);
  }
}

export class OnoffButtons extends ButtonsBase {
  private gpios: OnoffGpio[] = [];

  constructor(cfg: ButtonsConfig, deps: ButtonsDeps, private readonly io: OnoffIo = {}) { super('onoff', cfg, deps); }

  protected async open(): Promise<void> {
    this.assertConfig();
    const oc = this.cfg.onoff as OnoffConfig;
    const chip = findHeaderChip(oc.sysfs_root);
    const onoff = await (this.io.loadOnoff ?? importOnoff)();
    const lines: Record<string, number> = {};
    try {
      for (const [key, bcm] of Object.entries(oc.pins)) {
        const n = bcmToSysfsGpio(chip, bcm);
        lines[key] = n;
        let gpio: OnoffGpio;
        try {
          // activeLow makes onoff report 1 for a pressed button that pulls the line to ground.
          gpio = new onoff.Gpio(n, 'in', 'both', { activeLow: oc.active_low });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          throw new Error(`GPIO${bcm} (sysfs ${n}) for '${key}': ${e.code ?? ''} ${e.message}${e.code === 'EACCES' ? ' (add the service user to group gpio)' : ''}`.trim());
        }
        this.gpios.push(gpio);
        gpio.watch((err, value) => {
          if (err) return this.deviceLost(`GPIO${bcm} (sysfs ${n}) for '${key}': ${err.message}`);
          this.input(key, value === 1);
        });
        if (gpio.readSync() === 1) this.input(key, true);
      }
    } catch (err) {
      this.releaseAll();
      throw err;
    }
    this.setBackendDetail({ chip: chip.label, chip_base: chip.base, sysfs_gpio: lines });
    this.logger.info('onoff buttons open', { chip: chip.label, base: chip.base, lines });
  }

  protected async close(): Promise<void> { this.releaseAll(); }

  private releaseAll(): void {
    for (const g of this.gpios) {
      try { g.unwatchAll(); g.unexport(); } catch { /* already gone */ }
    }
    this.gpios = [];
  }
}
