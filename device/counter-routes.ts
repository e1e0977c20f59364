// The counter on the local API, for the simulator page and a technician:
//   GET  /api/counter                          → the view (device/counter-view.ts)
//   POST /api/counter/key {"key": "<staff key>"} → a staff key press (400 for a key that is not one)
//   POST /api/counter/command {"name", "payload"} → a command as if from the center: the same
//        registered schema and handler, answered {status: 'ok', data} or {status: 'error', error}.
import type { AppContext } from './app.ts';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { HttpError } from '../core/http-router.ts';
import type { CounterView } from './counter-view.ts';

export interface CounterRouteDeps {
  view(): CounterView;
  staffKey(key: string): CounterView;
  /** The counter's commands (the same schemas and handlers as registered for cmd/<name>). */
  commands: ReadonlyMap<string, { schema: TSchema; handler: (payload: Record<string, unknown>, c: { cmd_id: string }) => Promise<unknown> }>;
}

export function registerCounterRoutes(ctx: AppContext, deps: CounterRouteDeps): void {
  let localSeq = 0;
  ctx.router.route('GET', '/api/counter', () => deps.view());
  ctx.router.route('POST', '/api/counter/key', (req) => {
    const key = (req.body as { key?: unknown } | undefined)?.key;
    if (typeof key !== 'string' || key.length > 64) throw new HttpError(400, 'body must be {"key":"<staff key>"}');
    return deps.staffKey(key);
  });
  ctx.router.route('POST', '/api/counter/command', async (req) => {
    const body = req.body as { name?: unknown; payload?: unknown } | undefined;
    const name = body?.name;
    if (typeof name !== 'string' || name.length > 100) throw new HttpError(400, 'body must be {"name":"<command>","payload":{...}}');
    const cmd = deps.commands.get(name);
    if (!cmd) return { status: 'error', error: `unknown command ${name}; the counter's commands: ${[...deps.commands.keys()].join(', ')}` };
    // As the center's path does: defaults filled in, then the schema checked (sync/mqtt-commands.ts).
    const payload = Value.Default(cmd.schema, structuredClone(body?.payload ?? {}));
    if (!Value.Check(cmd.schema, payload)) {
      const problems = [...Value.Errors(cmd.schema, payload)].slice(0, 3).map((e) => `${e.path || '/'}: ${e.message}`);
      return { status: 'error', error: `invalid payload: ${problems.join('; ')}` };
    }
    try {
      const data = await cmd.handler(payload as Record<string, unknown>, { cmd_id: `local-${++localSeq}` });
      return { status: 'ok', ...(data !== undefined ? { data } : {}) };
    } catch (err) {
      return { status: 'error', error: (err as Error).message };
    }
  });
}
