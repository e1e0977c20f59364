// Wires the print queue into the counter: POST /api/print, /api/printer/last.{png,txt}, the
// simulator's printer switches, MQTT cmd/print, and print.done / print.failed as outbox events.
// The queue outlives the printer driver (a config reload may replace it), so it holds a
// PrinterSlotView: a printer-shaped view of the app's printer slot.
import type { AppContext, AppPlugin } from './app.ts';
import { PrintQueue } from './print-queue.ts';
import { SlotView, type DriverSlot } from './driver-slot.ts';
import type { PrintDocument } from '../drivers/printer/document.ts';
import { paperGeometry } from '../drivers/printer/config.ts';
import { printCommands, registerPrinterRoutes } from '../drivers/printer/api.ts';
import { PrinterNotReadyError, type PrinterDriver } from '../drivers/printer/types.ts';
import { EscPosPrinter } from '../drivers/printer/driver.ts';
import type { PrinterHealth } from '../drivers/printer/status.ts';
import type { PrintLink } from './print-link.ts';

/** A PrinterDriver that prints on the printer in the slot now; "not ready" when there is none. */
export class PrinterSlotView extends SlotView<PrinterDriver> implements PrinterDriver {
  constructor(slot: DriverSlot<PrinterDriver>, private readonly fallbackGeometry: () => { cols: number; dots: number }) { super(slot); }

  get geometry(): { cols: number; dots: number } { return this.slot.current()?.geometry ?? this.fallbackGeometry(); }

  print(doc: PrintDocument): Promise<void> {
    const printer = this.slot.current();
    // Not ready, not broken: the queue keeps the job until a printer is back.
    return printer ? printer.print(doc) : Promise.reject(new PrinterNotReadyError('no printer driver running'));
  }

  checkStatus(): Promise<PrinterHealth | undefined> { return this.slot.current()?.checkStatus() ?? Promise.resolve(undefined); }
  lastPrinted(): { doc: PrintDocument; at: number } | undefined { return this.slot.current()?.lastPrinted(); }
}

/**
 * The print queue as an App plugin; its database is print-queue.db in `stateDir`. With a `link`, the
 * counter's rules submit their papers to this queue and hear what became of them.
 */
export function printQueuePlugin(stateDir: string, link?: PrintLink): AppPlugin {
  return async (ctx: AppContext) => {
    if (!ctx.config.printer.enabled) return;
    const printer = new PrinterSlotView(ctx.drivers.printer, () => paperGeometry(ctx.config.printer));
    await printer.start();
    const c = ctx.config.printer;
    const queue = new PrintQueue({
      dir: stateDir, printer, logger: ctx.logger.child({ part: 'print-queue' }), clock: ctx.clock, scheduler: ctx.scheduler,
      emit: (type, data) => { ctx.append({ type, data }); link?.report(type, data); },
      expireAfterMs: c.queue_expire_after_ms, keepMs: c.queue_keep_days * 86_400_000,
    });
    await queue.start();
    link?.attach(queue);
    registerPrinterRoutes(ctx.router, {
      queue, printer,
      get config() { return ctx.config.printer; },
      // The simulator's switches exist only on the sim backend's emulator (looked up per request).
      sim: () => {
        const d = ctx.drivers.printer.current();
        return d instanceof EscPosPrinter ? d.sim : undefined;
      },
    });
    for (const cmd of printCommands(queue)) ctx.mqtt.commands.register(cmd.name, cmd.schema, cmd.handler);
    return async () => {
      link?.attach(undefined);
      await queue.stop();
      await printer.stop();
    };
  };
}
