// Picks the configured buttons backend. Hardware libraries load only inside each backend's open().
import type { ButtonsDeps } from './buttons-base.ts';
import type { ButtonsConfig } from './config.ts';
import { EvdevButtons, type EvdevIo } from './evdev.ts';
import { FirmataButtons, type FirmataIo } from './firmata.ts';
import { HidButtons, type HidIo } from './hid.ts';
import { OnoffButtons, type OnoffIo } from './onoff.ts';
import { SimButtons } from './sim.ts';
import type { ButtonsDriver } from './types.ts';

export interface ButtonsFactoryDeps extends ButtonsDeps {
  /** Test seams per backend (fake onoff module, fake HID device, serial binding, grab). */
  io?: { evdev?: EvdevIo; onoff?: OnoffIo; hid?: HidIo; firmata?: FirmataIo };
}

export function createButtonsDriver(cfg: ButtonsConfig, deps: ButtonsFactoryDeps): ButtonsDriver {
  switch (cfg.backend) {
    case 'sim': return new SimButtons(cfg, deps);
    case 'evdev': return new EvdevButtons(cfg, deps, deps.io?.evdev);
    case 'onoff': return new OnoffButtons(cfg, deps, deps.io?.onoff);
    case 'hid': return new HidButtons(cfg, deps, deps.io?.hid);
    case 'firmata': return new FirmataButtons(cfg, deps, deps.io?.firmata);
    default: throw new Error(`buttons.backend: unknown backend '${String((cfg as { backend: unknown }).backend)}'`);
  }
}

export { SimButtons, EvdevButtons, OnoffButtons, HidButtons, FirmataButtons };
export { validateButtonsConfig, ButtonsConfigSchema, type ButtonsConfig } from './config.ts';
export type { ButtonEvent, ButtonKey, ButtonsDriver, LedMode, RawButtonInput, SimulatedButtons } from './types.ts';
export { isSimulatedButtons } from './sim.ts';
