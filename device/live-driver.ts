// Routes and commands are registered once, but a reload may replace a driver. A live handle
// forwards every call to the driver running now, so nothing holds on to a stopped one.
import { HttpError } from '../core/http-router.ts';
import type { AppContext, DriverKind } from './app.ts';

export function liveDriver<T extends object>(ctx: AppContext, kind: DriverKind): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      const current = ctx.drivers[kind] as Record<string | symbol, unknown> | undefined;
      // Not a thenable, not serialisable by accident: only method names get the "not running" stub.
      if (typeof prop === 'symbol' || prop === 'then' || prop === 'toJSON') return current?.[prop];
      if (!current) return () => { throw new HttpError(503, `${kind} is not enabled in the config or not started`); };
      const value = current[prop];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
    has(_target, prop) {
      const current = ctx.drivers[kind];
      return current ? prop in current : false;
    },
  });
}
