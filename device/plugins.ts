// The counter's services beyond the spine, one plugin per part (see AppPlugin in app.ts).
// The counter's rules (counter-shell.ts) decide attendance, the window, the nameplate, cases,
// evaluation and papers; attendance.ts keeps the fingerprint technician routes and the reader's
// light, nameplate.ts the panel's routes; the print queue prints the rules' papers via the link.
import type { AppPlugin } from './app.ts';
import { attendancePlugin } from './services/attendance.ts';
import { nameplatePlugin } from './services/nameplate.ts';
import { printQueuePlugin } from './print-queue-plugin.ts';
import { counterShellPlugin } from './counter-shell.ts';
import { PrintLink } from './print-link.ts';
import type { CounterViewFeed } from './counter-view.ts';

export function counterPlugins(stateDir: string, feed?: CounterViewFeed): AppPlugin[] {
  const print = new PrintLink();
  return [attendancePlugin, nameplatePlugin, printQueuePlugin(stateDir, print), counterShellPlugin({ stateDir, print, ...(feed ? { feed } : {}) })];
}
