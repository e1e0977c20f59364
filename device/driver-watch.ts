// Turns driver status changes into events (device.fault / device.recovered) and retained
// state/<kind> messages, so one failing driver is visible and degrades alone.
import type { Driver, DriverStatus } from '../drivers/driver.ts';
import type { EventInput } from '../core/events.ts';

export interface DriverWatchSinks {
  append(e: EventInput): void;
  setState(part: string, value: unknown): void;
}

/** Subscribes to a driver's status; returns the unsubscribe function. */
export function watchDriver(driver: Driver, sinks: DriverWatchSinks): () => void {
  let lastState: DriverStatus['state'] | undefined;
  let lastReason: string | undefined;
  const onStatus = (s: DriverStatus) => {
    sinks.setState(s.kind, s);
    if (s.state === 'fault' && (lastState !== 'fault' || lastReason !== s.reason)) {
      sinks.append({ type: 'device.fault', data: { part: s.kind, backend: s.backend, reason: s.reason ?? 'unknown' } });
    } else if (s.state === 'ok' && lastState === 'fault') {
      sinks.append({ type: 'device.recovered', data: { part: s.kind, backend: s.backend } });
    }
    if (s.state !== 'starting') { lastState = s.state; lastReason = s.reason; }
  };
  driver.on('status', onStatus);
  onStatus(driver.status());
  return () => driver.off('status', onStatus);
}
