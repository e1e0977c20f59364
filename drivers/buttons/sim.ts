// Simulated evaluator: presses come from the local API and tests, and run through the same
// debounce/hold/stuck logic and fault handling as the hardware backends.
import { ButtonsBase, type ButtonsDeps } from './buttons-base.ts';
import type { ButtonsConfig } from './config.ts';
import type { TimerHandle } from '../../core/scheduler.ts';
import type { ButtonKey, SimulatedButtons } from './types.ts';

export class SimButtons extends ButtonsBase implements SimulatedButtons {
  private plugged = true;
  private releases = new Set<TimerHandle>();

  constructor(cfg: ButtonsConfig, deps: ButtonsDeps) { super('sim', cfg, deps); }

  simulatePress(key: ButtonKey, holdMs = 120): void {
    this.checkKey(key);
    this.simulateLevel(key, true);
    const t = this.scheduler.timeout(Math.max(0, holdMs), () => { this.releases.delete(t); this.simulateLevel(key, false); });
    this.releases.add(t);
  }

  simulateLevel(key: ButtonKey, down: boolean): void {
    this.checkKey(key);
    if (!this.plugged || this.status().state !== 'ok') return;
    this.input(key, down);
  }

  simulateUnplug(): void {
    this.plugged = false;
    this.clearReleases();
    this.deviceLost('simulated evaluator unplugged');
  }

  simulateReplug(): void { this.plugged = true; }

  protected async open(): Promise<void> {
    this.assertConfig();
    if (!this.plugged) throw new Error('simulated evaluator not present');
    this.setBackendDetail({ simulated: true });
  }

  protected async close(): Promise<void> { this.clearReleases(); }

  private clearReleases(): void {
    for (const t of this.releases) t.cancel();
    this.releases.clear();
  }

  private checkKey(key: ButtonKey): void {
    if (!this.cfg.keys.includes(key)) throw new Error(`unknown evaluation key '${key}' (configured: ${this.cfg.keys.join(', ')})`);
  }
}

/** For the app and the local API: does this driver accept simulated presses? */
export function isSimulatedButtons(d: unknown): d is SimulatedButtons {
  return d instanceof SimButtons;
}
