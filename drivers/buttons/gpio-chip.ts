// BCM pin → Linux sysfs GPIO number. The SoC's pin controller registers a gpiochip whose `base`
// is 0 on old kernels but 512+ since 6.6 (and on the Pi 5, where the header is on the RP1 chip),
// so "GPIO17" is base + 17. The sysfs root is injectable so tests use a fake tree.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Labels of the chips that carry the 40-pin header's BCM GPIOs (Pi 1–4, Pi 5). */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

export interface GpioChip { dir: string; label: string; base: number; ngpio: number }

export function listGpioChips(sysfsRoot: string): GpioChip[] {
  const dir = join(sysfsRoot, 'class', 'gpio');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (err) {
    throw new Error(`cannot list ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (kernel without sysfs GPIO?)`);
  }
  const chips: GpioChip[] = [];
  for (const n of names) {
    const chipDir = join(dir, n);
    try {
      const label = readFileSync(join(chipDir, 'label'), 'utf8').trim();
      const base = Number.parseInt(readFileSync(join(chipDir, 'base'), 'utf8'), 10);
      const ngpio = Number.parseInt(readFileSync(join(chipDir, 'ngpio'), 'utf8'), 10);
      if (Number.isInteger(base) && Number.isInteger(ngpio)) chips.push({ dir: chipDir, label, base, ngpio });
    } catch { /* a chip without readable attributes is not ours */ }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** The header's pin controller chip; throws naming the labels found when there is none. */
export function findHeaderChip(sysfsRoot: string): GpioChip {
  const chips = listGpioChips(sysfsRoot);
  for (const label of HEADER_CHIP_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  throw new Error(`no Raspberry Pi pin controller among GPIO chips in ${join(sysfsRoot, 'class', 'gpio')} (found: ${chips.map((c) => `${c.label}@${c.base}`).join(', ') || 'none'})`);
}

export function bcmToSysfsGpio(chip: GpioChip, bcm: number): number {
  if (!Number.isInteger(bcm) || bcm < 0 || bcm >= chip.ngpio) throw new Error(`BCM pin ${bcm} is outside ${chip.label} (0..${chip.ngpio - 1})`);
  return chip.base + bcm;
}
