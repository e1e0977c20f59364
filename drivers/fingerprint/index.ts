// Builds the configured fingerprint driver: `serial` (a real module on a UART) or `sim` (the same
// driver against the in-process module emulator, with touch() for the simulator and tests).
import path from 'node:path';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Scheduler } from '../../core/scheduler.ts';
import type { FingerprintConfig } from './config.ts';
import { R30xFingerprintDriver, type FingerprintDeps } from './driver.ts';
import { ModuleEmulator } from './emulator.ts';
import { serialOpener } from './serial-transport.ts';
import type { FingerprintDriver, SimulatedFingerprint } from './types.ts';

export class SimFingerprintDriver extends R30xFingerprintDriver implements SimulatedFingerprint {
  constructor(deps: Omit<FingerprintDeps, 'openTransport' | 'backend'>, readonly emulator: ModuleEmulator) {
    super({ ...deps, backend: 'sim', openTransport: () => emulator.connect() });
  }

  touch(staffId: string | 'unknown'): void { this.emulator.touch(staffId); }
}

export interface CreateFingerprintDeps {
  logger: Logger;
  clock: Clock;
  scheduler: Scheduler;
  /** The service's state directory; the staff map goes there unless fingerprint.staff_map_file says otherwise. */
  stateDir: string;
}

export function staffMapFile(config: FingerprintConfig, stateDir: string): string {
  return config.staff_map_file ?? path.join(stateDir, 'fingerprint-staff.json');
}

export function createFingerprintDriver(config: FingerprintConfig, deps: CreateFingerprintDeps): FingerprintDriver {
  const base = { config, logger: deps.logger, clock: deps.clock, scheduler: deps.scheduler, staffMapFile: staffMapFile(config, deps.stateDir) };
  if (config.backend === 'serial') {
    return new R30xFingerprintDriver({ ...base, backend: 'serial', openTransport: serialOpener(config.path, config.baud) });
  }
  const emulator = new ModuleEmulator({ model: config.model, address: config.address, password: config.password });
  return new SimFingerprintDriver(base, emulator);
}

export { R30xFingerprintDriver } from './driver.ts';
export { ModuleEmulator } from './emulator.ts';
export type * from './types.ts';
