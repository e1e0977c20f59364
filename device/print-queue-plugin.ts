// Wires the print queue into the counter: POST /api/print, /api/printer/last.{png,txt}, the
// simulator's printer switches, MQTT cmd/print, and print.done / print.failed as outbox events.
// The queue outlives the printer driver (a config reload may replace it), so it talks to whichever
// printer driver runs now through CurrentPrinter.
import { EventEmitter } from 'node:events';
import type { AppContext, AppPlugin } from './app.ts';
import { PrintQueue } from './print-queue.ts';
import type { Driver, DriverStatus } from '../drivers/driver.ts';
import type { PrintDocument } from '../drivers/printer/document.ts';
import { paperGeometry } from '../drivers/printer/config.ts';
import { printCommands, registerPrinterRoutes } from '../drivers/printer/api.ts';
import { PrinterNotReadyError, type PrinterDriver } from '../drivers/printer/types.ts';
import type { SimPrinter } from '../drivers/printer/driver.ts';

/** A PrinterDriver that forwards to the printer driver attached last; "stopped" when there is none. */
export class CurrentPrinter extends EventEmitter implements PrinterDriver {
  readonly kind = 'printer';
  private current: PrinterDriver | undefined;
  private readonly relay = (s: DriverStatus) => this.emit('status', s);

  constructor(private readonly fallbackGeometry: () => { cols: number; dots: number }) { super(); }

  attach(driver: PrinterDriver): void {
    this.current?.off('status', this.relay);
    this.current = driver;
    driver.on('status', this.relay);
  }

  get driver(): PrinterDriver | undefined { return this.current; }
  get geometry(): { cols: number; dots: number } { return this.current?.geometry ?? this.fallbackGeometry(); }
  async start(): Promise<void> { /* the app starts the real driver */ }
  async stop(): Promise<void> { this.current?.off('status', this.relay); }
  status(): DriverStatus { return this.current?.status() ?? { kind: 'printer', backend: 'none', state: 'stopped', since: 0, reason: 'no printer driver running' }; }
  print(doc: PrintDocument): Promise<void> {
    return this.current ? this.current.print(doc) : Promise.reject(new PrinterNotReadyError('no printer driver running'));
  }
  checkStatus() { return this.current ? this.current.checkStatus() : Promise.resolve(undefined); }
  lastPrinted() { return this.current?.lastPrinted(); }
}

/** The print queue as an App plugin; its database is print-queue.db in `stateDir`. */
export function printQueuePlugin(stateDir: string): AppPlugin {
  return async (ctx: AppContext) => {
    if (!ctx.config.printer.enabled) return;
    const printer = new CurrentPrinter(() => paperGeometry(ctx.config.printer));
    ctx.wireDriver('printer', (d: Driver) => printer.attach(d as PrinterDriver));
    const c = ctx.config.printer;
    const queue = new PrintQueue({
      dir: stateDir, printer, logger: ctx.logger.child({ part: 'print-queue' }), clock: ctx.clock,
      emit: (type, data) => ctx.append({ type, data }),
      expireAfterMs: c.queue_expire_after_ms, keepMs: c.queue_keep_days * 86_400_000,
    });
    await queue.start();
    registerPrinterRoutes(ctx.router, {
      queue, printer,
      get config() { return ctx.config.printer; },
      sim: () => (printer.driver as { sim?: SimPrinter } | undefined)?.sim,
    });
    for (const cmd of printCommands(queue)) ctx.mqtt.commands.register(cmd.name, cmd.schema, cmd.handler);
    return async () => {
      await queue.stop();
      await printer.stop();
    };
  };
}
