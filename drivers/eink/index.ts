// Builds the configured e-ink driver (sim panel emulator or a Waveshare panel on SPI + GPIO).
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Scheduler } from '../../core/scheduler.ts';
import type { EinkConfig } from './config.ts';
import { PanelEinkDriver } from './driver.ts';
import type { EinkDriver } from './types.ts';

export function createEinkDriver(config: EinkConfig, deps: { logger: Logger; clock: Clock; scheduler: Scheduler; utcOffsetMinutes?: number }): EinkDriver {
  return new PanelEinkDriver({ config, ...deps });
}

export { PanelEinkDriver } from './driver.ts';
export type { EinkDriver, RefreshKind, ShowResult } from './types.ts';
export type { PlateContent, PlateField } from './plate-content.ts';
