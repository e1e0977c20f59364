// For technician commands that print live events until Ctrl-C: the drivers' timers are unref'd
// (in the service the server holds the process up), so a simulated backend alone would let the
// process end at once. A sleep on the scheduler is live work and keeps it up until interrupted.
import type { Scheduler } from '../core/scheduler.ts';

export async function untilInterrupted(interrupted: Promise<void>, scheduler: Scheduler): Promise<void> {
  let done = false;
  void interrupted.then(() => { done = true; });
  while (!done) await Promise.race([interrupted, scheduler.sleep(1000)]);
}
