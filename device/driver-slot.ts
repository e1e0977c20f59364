// The one way to follow a driver across config reloads. The app keeps one slot per driver kind and
// puts the running driver in it; a reload swaps it. Services ask a slot for the driver running now
// (current/require), or attach to every driver that enters it (onSwap): what an attach returns is
// run when that driver leaves, before it is stopped, so nothing listens to a stopped driver.
import { EventEmitter } from 'node:events';
import { HttpError } from '../core/http-router.ts';
import type { Driver, DriverStatus } from '../drivers/driver.ts';
import type { ButtonsDriver } from '../drivers/buttons/types.ts';
import type { FingerprintDriver } from '../drivers/fingerprint/types.ts';
import type { PrinterDriver } from '../drivers/printer/types.ts';
import type { EinkDriver } from '../drivers/eink/driver.ts';

/** What the nameplate service needs of the e-ink driver (its show() takes whatever the driver draws). */
export type NameplateDriver = Driver & Pick<EinkDriver, 'show' | 'lastPng'>;

/** The driver interface of each kind. */
export interface DriverTypes {
  buttons: ButtonsDriver;
  fingerprint: FingerprintDriver;
  printer: PrinterDriver;
  eink: NameplateDriver;
}
export type DriverKind = keyof DriverTypes;
export const DRIVER_KINDS: readonly DriverKind[] = ['buttons', 'fingerprint', 'printer', 'eink'];

/** Drivers as built from a config: one per enabled kind. */
export type DriverSet = { [K in DriverKind]?: DriverTypes[K] };

/** Undoes an attach (removes the listeners it added to one driver). */
export type Detach = () => void;

export interface DriverSlot<D extends Driver> {
  readonly kind: DriverKind;
  /** The driver running now, if this kind is enabled and started. */
  current(): D | undefined;
  /** The driver running now; an HttpError 503 naming the kind when there is none. */
  require(): D;
  /**
   * `attach` runs for the driver in the slot now (if any) and for every driver a reload puts in
   * later, before that driver starts; the Detach it returns runs when that driver leaves.
   * Returns a function that stops following (and detaches from the current driver).
   */
  onSwap(attach: (driver: D) => Detach | void): () => void;
}

export type DriverSlots = { readonly [K in DriverKind]: Slot<DriverTypes[K]> };

type Attach<D> = (driver: D) => Detach | void;

/** A DriverSlot the app fills; services see it as DriverSlot (without put). */
export class Slot<D extends Driver> implements DriverSlot<D> {
  private driver: D | undefined;
  private readonly attached = new Map<Attach<D>, Detach | undefined>();

  constructor(readonly kind: DriverKind, private readonly onError: (what: string, err: unknown) => void) {}

  current(): D | undefined { return this.driver; }

  require(): D {
    if (!this.driver) throw new HttpError(503, `${this.kind} is not enabled in the config or not started`);
    return this.driver;
  }

  onSwap(attach: Attach<D>): () => void {
    this.attached.set(attach, this.driver ? this.run(attach, this.driver) : undefined);
    return () => {
      if (!this.attached.has(attach)) return;
      this.detach(this.attached.get(attach));
      this.attached.delete(attach);
    };
  }

  /** The app's side: the driver leaving is detached from first, then the new one attached to. */
  put(driver: D | undefined): void {
    for (const [attach, detach] of this.attached) {
      this.detach(detach);
      this.attached.set(attach, undefined);
    }
    this.driver = driver;
    if (!driver) return;
    for (const attach of this.attached.keys()) this.attached.set(attach, this.run(attach, driver));
  }

  private run(attach: Attach<D>, driver: D): Detach | undefined {
    try {
      return attach(driver) ?? undefined;
    } catch (err) {
      // One service's broken wiring must not keep the driver (or the other services) from running.
      this.onError(`wiring the ${this.kind} driver failed`, err);
      return undefined;
    }
  }

  private detach(detach: Detach | undefined): void {
    try { detach?.(); } catch (err) { this.onError(`unwiring the ${this.kind} driver failed`, err); }
  }
}

export function createDriverSlots(onError: (what: string, err: unknown) => void): DriverSlots {
  return {
    buttons: new Slot<ButtonsDriver>('buttons', onError),
    fingerprint: new Slot<FingerprintDriver>('fingerprint', onError),
    printer: new Slot<PrinterDriver>('printer', onError),
    eink: new Slot<NameplateDriver>('eink', onError),
  };
}

/**
 * A driver-shaped view of a slot, for driver-layer code (routes, queues) that holds one driver
 * object for its whole life: calls go to the driver in the slot, and its events are relayed from
 * whichever driver is there (start() begins following, stop() ends it). Subclasses add the kind's
 * methods and relay its other events.
 */
export abstract class SlotView<D extends Driver> extends EventEmitter implements Driver {
  private unfollow: (() => void) | undefined;

  constructor(protected readonly slot: DriverSlot<D>) { super(); }

  get kind(): string { return this.slot.kind; }

  async start(): Promise<void> {
    this.unfollow ??= this.slot.onSwap((d) => this.relay(d));
  }

  async stop(): Promise<void> {
    this.unfollow?.();
    this.unfollow = undefined;
  }

  status(): DriverStatus {
    return this.slot.current()?.status() ?? { kind: this.slot.kind, backend: 'none', state: 'stopped', since: 0, reason: `no ${this.slot.kind} driver running` };
  }

  /** Relays the driver's events to this view's listeners; returns how to stop. */
  protected relay(d: D): Detach {
    const onStatus = (s: DriverStatus) => this.emit('status', s);
    d.on('status', onStatus);
    return () => d.off('status', onStatus);
  }
}
