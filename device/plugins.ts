// The counter's services beyond the spine, one plugin per part (see AppPlugin in app.ts).
import type { AppPlugin } from './app.ts';
import { attendancePlugin } from './services/attendance.ts';
import { nameplatePlugin } from './services/nameplate.ts';
import { printQueuePlugin } from './print-queue-plugin.ts';

export function counterPlugins(stateDir: string): AppPlugin[] {
  return [attendancePlugin, nameplatePlugin, printQueuePlugin(stateDir)];
}
