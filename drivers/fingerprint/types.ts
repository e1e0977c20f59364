// The fingerprint attendance reader interface (指纹考勤). Every backend implements FingerprintDriver.
// Only a staff id, a slot number and a match score ever leave the driver; templates stay on the module.
import type { Driver, DriverStatus } from '../driver.ts';

export interface MatchEvent {
  staff_id: string;
  /** Library slot on the module that matched. */
  slot: number;
  /** The module's match score (higher is more certain). */
  score: number;
  /** Monotonic ms (Clock.monoMs) when the finger was matched. */
  mono_ms: number;
}

export interface NoMatchEvent {
  mono_ms: number;
  /** not_found | unmapped_slot | image_messy | few_features | image_fail | ... (see codes.ts). */
  reason: string;
}

/** Progress of an enrolment, so a technician can be told what to do with the finger. */
export interface EnrolStepEvent {
  staff_id: string;
  step: 'place' | 'lift' | 'place_again' | 'storing';
}

export interface FingerprintParams {
  capacity: number;
  security: number;
  address: number;
  packet_size: number;
  baud: number;
}

export interface EnrolledFinger { staff_id: string; slot: number }

export type LightState = 'ready' | 'matched' | 'not_matched' | 'off';

export interface FingerprintDriver extends Driver {
  on(event: 'match', listener: (e: MatchEvent) => void): this;
  on(event: 'no_match', listener: (e: NoMatchEvent) => void): this;
  on(event: 'enrol_step', listener: (e: EnrolStepEvent) => void): this;
  on(event: 'status', listener: (s: DriverStatus) => void): this;
  off(event: 'match', listener: (e: MatchEvent) => void): this;
  off(event: 'no_match', listener: (e: NoMatchEvent) => void): this;
  off(event: 'enrol_step', listener: (e: EnrolStepEvent) => void): this;
  off(event: 'status', listener: (s: DriverStatus) => void): this;
  /** Two captures of the same finger, merged and stored at `slot` or the first free slot. */
  enrol(staffId: string, slot?: number): Promise<{ slot: number }>;
  /** Deletes every template of the staff member; resolves with the slots freed. */
  remove(staffId: string): Promise<{ slots: number[] }>;
  list(): Promise<EnrolledFinger[]>;
  /** Templates stored on the module (its own count). */
  count(): Promise<number>;
  params(): Promise<FingerprintParams>;
  /** R503 ring light; a no-op on modules without one. */
  setLight(state: LightState): Promise<void>;
}

/** The simulated backend also takes touches from the local API, the simulator page and tests. */
export interface SimulatedFingerprint extends FingerprintDriver {
  /** A finger of this staff member (or a finger nobody enrolled) touches the sensor. */
  touch(staffId: string | 'unknown'): void;
}

export function isSimulatedFingerprint(d: FingerprintDriver): d is SimulatedFingerprint {
  return typeof (d as Partial<SimulatedFingerprint>).touch === 'function';
}

/** A byte pipe to the module: a serial port, or the in-process emulator. */
export interface ByteTransport {
  /** Human-readable place, e.g. /dev/serial0 (used in every error message). */
  readonly where: string;
  write(buf: Buffer): Promise<void>;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  /** The device went away (unplug, I/O error); the error says why when known. */
  on(event: 'close', listener: (err?: Error) => void): this;
  close(): Promise<void>;
}

export type TransportOpener = () => Promise<ByteTransport>;
