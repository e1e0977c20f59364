// The hardware lines a panel needs, behind one small interface so the SPI backend and the
// emulator are interchangeable, and the step runner that drives them.
import type { PanelSpec, Step } from './panels.ts';

export interface PanelIo {
  /** Opens SPI and the GPIO lines; throws naming the device path that is missing. */
  open(): Promise<void>;
  /** Releases everything; must not throw. */
  close(): Promise<void>;
  spiWrite(bytes: Uint8Array): Promise<void>;
  setDc(level: 0 | 1): Promise<void>;
  setRst(level: 0 | 1): Promise<void>;
  /** The HAT's PWR line (rev 2.3+); a no-op where there is none. */
  setPwr(on: boolean): Promise<void>;
  readBusy(): Promise<0 | 1>;
  delay(ms: number): Promise<void>;
  /** "/dev/spidev0.0, BUSY=GPIO24" — for error messages. */
  describe(): string;
}

/** Largest SPI transfer: the spidev driver's default bufsiz is 4096 bytes. */
export const SPI_CHUNK = 4096;

export class BusyTimeoutError extends Error {
  constructor(readonly waitedMs: number, where: string) {
    super(`BUSY never released after ${waitedMs} ms (${where})`);
  }
}

export interface RunOptions { busyLevel: 0 | 1; busyTimeoutMs: number; busyPollMs: number }

export async function waitIdle(io: PanelIo, o: RunOptions): Promise<void> {
  let waited = 0;
  while ((await io.readBusy()) === o.busyLevel) {
    if (waited >= o.busyTimeoutMs) throw new BusyTimeoutError(waited, io.describe());
    await io.delay(o.busyPollMs);
    waited += o.busyPollMs;
  }
}

/** Runs steps in order: command byte with DC low, data with DC high in chunks ≤ 4096 bytes. */
export async function runSteps(io: PanelIo, steps: Step[], o: RunOptions): Promise<void> {
  for (const s of steps) {
    switch (s.op) {
      case 'reset':
        await io.setRst(1); await io.delay(s.ms[0]);
        await io.setRst(0); await io.delay(s.ms[1]);
        await io.setRst(1); await io.delay(s.ms[2]);
        break;
      case 'cmd':
        await io.setDc(0);
        await io.spiWrite(Uint8Array.of(s.code));
        if (s.data?.length) {
          await io.setDc(1);
          for (let i = 0; i < s.data.length; i += SPI_CHUNK) await io.spiWrite(s.data.subarray(i, i + SPI_CHUNK));
        }
        break;
      case 'wait':
        await waitIdle(io, o);
        break;
      case 'delay':
        await io.delay(s.ms);
        break;
    }
  }
}

export const runOptions = (spec: PanelSpec, busyTimeoutMs: number, busyPollMs: number): RunOptions =>
  ({ busyLevel: spec.busyLevel, busyTimeoutMs, busyPollMs });
