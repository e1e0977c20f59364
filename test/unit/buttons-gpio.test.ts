// BCM → sysfs GPIO numbers on fake /sys trees of real Pi kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bcmToSysfsGpio, findHeaderChip } from '../../drivers/buttons/gpio-chip.ts';

function fakeSys(chips: Array<[number, string, number]>): string {
  const root = mkdtempSync(join(tmpdir(), 'gpio-sys-'));
  for (const [base, label, ngpio] of chips) {
    const dir = join(root, 'class', 'gpio', `gpiochip${base}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'base'), `${base}\n`);
    writeFileSync(join(dir, 'label'), `${label}\n`);
    writeFileSync(join(dir, 'ngpio'), `${ngpio}\n`);
  }
  mkdirSync(join(root, 'class', 'gpio', 'gpio529'), { recursive: true }); // an exported line is not a chip
  return root;
}

const cases: Array<[string, Array<[number, string, number]>, string, number]> = [
  ['Pi 4, kernel 6.6+', [[512, 'pinctrl-bcm2711', 58], [570, 'raspberrypi-exp-gpio', 8]], 'pinctrl-bcm2711', 529],
  ['Pi 4, kernel 6.1', [[0, 'pinctrl-bcm2711', 58], [504, 'raspberrypi-exp-gpio', 8]], 'pinctrl-bcm2711', 17],
  ['Pi 3 / Zero 2, kernel 6.6+', [[512, 'pinctrl-bcm2835', 54], [566, 'raspberrypi-exp-gpio', 8]], 'pinctrl-bcm2835', 529],
  ['Pi 5 (header on RP1)', [[512, 'gpio-brcmstb@107d508500', 32], [544, 'gpio-brcmstb@107d517c00', 15], [571, 'pinctrl-rp1', 54]], 'pinctrl-rp1', 588],
];

for (const [name, chips, label, gpio17] of cases) {
  test(`BCM 17 → sysfs GPIO on ${name}`, () => {
    const root = fakeSys(chips);
    try {
      const chip = findHeaderChip(root);
      assert.equal(chip.label, label);
      assert.equal(bcmToSysfsGpio(chip, 17), gpio17);
    } finally { rmSync(root, { recursive: true, force: true }); }
  });
}

test('no Pi pin controller, or a pin past the chip, is a clear error', () => {
  const root = fakeSys([[0, 'gpio-mockup-A', 8]]);
  try {
    assert.throws(() => findHeaderChip(root), /no Raspberry Pi pin controller .* \(found: gpio-mockup-A@0\)/);
    assert.throws(() => findHeaderChip(join(root, 'nope')), /cannot list .*class\/gpio: ENOENT/);
    assert.throws(() => bcmToSysfsGpio({ dir: '', label: 'pinctrl-bcm2835', base: 512, ngpio: 54 }, 54), /BCM pin 54 is outside pinctrl-bcm2835 \(0\.\.53\)/);
  } finally { rmSync(root, { recursive: true, force: true }); }
});
