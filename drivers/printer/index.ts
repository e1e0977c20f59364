// Builds the configured printer. Only the chosen transport's code runs; serialport is imported
// lazily inside the serial transport's open().
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Scheduler } from '../../core/scheduler.ts';
import type { PrinterConfig } from './config.ts';
import { EscPosPrinter, type SimPrinter } from './driver.ts';
import { EscPosEmulator } from './emulator-core.ts';
import { SimTransport, type PrinterTransport } from './transport.ts';
import { TcpTransport } from './transport-tcp.ts';
import { DeviceFileTransport } from './transport-device.ts';
import { SerialTransport } from './transport-serial.ts';

export { EscPosPrinter, type SimPrinter } from './driver.ts';
export type { PrinterDriver } from './types.ts';
export { PrinterNotReadyError, PrintInterruptedError } from './types.ts';

export interface CreatePrinterDeps {
  logger: Logger;
  clock: Clock;
  scheduler: Scheduler;
  fontCandidates?: string[];
}

export function createPrinter(config: PrinterConfig, deps: CreatePrinterDeps): { printer: EscPosPrinter; sim?: SimPrinter } {
  let transport: () => PrinterTransport;
  let sim: SimPrinter | undefined;
  switch (config.backend) {
    case 'sim': {
      const s: SimPrinter = { emulator: new EscPosEmulator(), link: { plugged: true } };
      sim = s;
      transport = () => new SimTransport(s.emulator, deps.scheduler, s.link);
      break;
    }
    case 'tcp': transport = () => new TcpTransport(config.host, config.port, deps.scheduler, Math.max(1000, config.status_timeout_ms)); break;
    case 'device': transport = () => new DeviceFileTransport(config.device_path, deps); break;
    case 'serial': transport = () => new SerialTransport(config.serial_path, config.baud_rate, deps.scheduler); break;
  }
  const printer = new EscPosPrinter({ config, logger: deps.logger.child({ part: 'printer' }), clock: deps.clock, scheduler: deps.scheduler, transport, ...(deps.fontCandidates ? { fontCandidates: deps.fontCandidates } : {}), ...(sim ? { sim } : {}) });
  return sim ? { printer, sim } : { printer };
}

/** For the composition root: the driver alone (the sim backend's emulator is on `.sim`). */
export function createPrinterDriver(config: PrinterConfig, deps: CreatePrinterDeps): EscPosPrinter {
  return createPrinter(config, deps).printer;
}
