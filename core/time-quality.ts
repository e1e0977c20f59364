// How far the wall clock can be trusted (design §4 time_quality). A Pi before the 5 has no RTC and
// boots with the last saved time, so events stamped before NTP sync must say so. Checked on a timer,
// never per event: the envelope reads the cached answer.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import type { TimeQuality } from './clock.ts';
import type { Scheduler, TimerHandle } from './scheduler.ts';

export interface TimeQualityProbeDeps {
  scheduler: Scheduler;
  /** systemd-timesyncd touches this file once the clock is synchronised. */
  syncedFlag?: string;
  rtcDevice?: string;
  intervalMs?: number;
  exists?: (path: string) => Promise<boolean>;
  /**
   * Asks systemd-timedated whether the kernel clock is NTP-synchronised, whichever daemon keeps it
   * (chrony and ntpd leave no timesyncd flag). Resolves 'yes', 'no' or undefined when it cannot say.
   */
  ntpSynchronized?: () => Promise<string | undefined>;
}

/** `timedatectl show -p NTPSynchronized --value`, bounded to 2 s; undefined where there is no timedated. */
const askTimedated = (): Promise<string | undefined> => new Promise((resolve) => {
  execFile('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 2000 }, (err, stdout) => {
    resolve(err ? undefined : stdout.trim());
  });
});

const fileExists = (p: string) => access(p).then(() => true, () => false);

export class TimeQualityProbe {
  private quality: TimeQuality = 'unsynced';
  private timer: TimerHandle | undefined;
  constructor(private readonly deps: TimeQualityProbeDeps) {}

  current(): TimeQuality { return this.quality; }

  async start(): Promise<void> {
    await this.check();
    this.timer ??= this.deps.scheduler.interval(this.deps.intervalMs ?? 30_000, () => {
      // A failing probe keeps the last answer; the next tick asks again.
      this.check().catch(() => undefined);
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  async check(): Promise<TimeQuality> {
    const exists = this.deps.exists ?? fileExists;
    if (await exists(this.deps.syncedFlag ?? '/run/systemd/timesync/synchronized')) this.quality = 'ntp';
    else if ((await (this.deps.ntpSynchronized ?? askTimedated)()) === 'yes') this.quality = 'ntp';
    else if (await exists(this.deps.rtcDevice ?? '/dev/rtc0')) this.quality = 'rtc';
    else this.quality = 'unsynced';
    return this.quality;
  }
}
