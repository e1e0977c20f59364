// The e-ink panel's routes (GET /api/nameplate.png, status). What the nameplate shows is decided by
// the counter's rules (device/counter/nameplate.ts, drawn by counter-shell.ts): the former
// `nameplate.show` command and POST /api/nameplate are gone — the center sets the window's state with
// `window.set_state` (pause, close, back in service), and the person comes from attendance.
import type { AppContext } from '../app.ts';
import { registerEinkRoutes } from '../../drivers/eink/api.ts';

export function nameplatePlugin(ctx: AppContext): void {
  // The last frame, from whichever panel driver runs now.
  const eink = ctx.drivers.eink;
  registerEinkRoutes(ctx.router, { lastPng: () => eink.require().lastPng(), status: () => eink.require().status() });
}
