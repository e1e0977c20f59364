// Config reload (SIGHUP or the `config.reload` command): a bad new file is rejected and the running
// config stays; a good one restarts only the drivers whose section changed.
import { Type } from '@sinclair/typebox';
import { loadConfigFile, ConfigError, formatIssue } from '../config/loader.ts';
import type { Config } from '../config/schema.ts';
import type { App, AppContext } from './app.ts';
import { DRIVER_KINDS } from './driver-slot.ts';

/** Sections the running process cannot swap in place; they take effect at the next start. */
const RESTART_SECTIONS = ['window', 'state_dir', 'mqtt', 'outbox', 'api', 'log_level', 'watchdog_ms'] as const;

export interface ReloadResult { status: 'applied' | 'rejected' | 'unchanged'; errors?: string[]; changed?: string[]; restart_required?: string[]; hash?: string }

/** `running` is the config as loaded from the file (before the composition root adjusts it, e.g. for an embedded broker). */
export async function reloadConfig(app: App, ctx: AppContext, path: string, env: NodeJS.ProcessEnv, running: { hash: string; config: Config }): Promise<ReloadResult> {
  let next;
  try {
    next = await loadConfigFile(path, env);
  } catch (err) {
    const errors = err instanceof ConfigError ? err.issues.map(formatIssue) : [(err as Error).message];
    ctx.logger.error('config reload rejected; the running config stays', { file: path, errors });
    ctx.append({ type: 'config.rejected', data: { file: path, errors: errors.slice(0, 50) } });
    return { status: 'rejected', errors };
  }
  if (next.hash === running.hash) return { status: 'unchanged', hash: next.hash };
  const current = app.currentConfig;
  const changed = (Object.keys(next.config) as Array<keyof Config>).filter((k) => JSON.stringify(next.config[k]) !== JSON.stringify(running.config[k]));
  const drivers = DRIVER_KINDS.filter((k) => changed.includes(k));
  const restartRequired = RESTART_SECTIONS.filter((k) => changed.includes(k));
  // What cannot change live keeps its running value (as adjusted at start, e.g. for an embedded
  // broker), so the app's config always matches what is in effect.
  const effective = { ...next.config } as Record<string, unknown>;
  for (const k of RESTART_SECTIONS) effective[k] = current[k];
  await app.applyDriverConfig(effective as Config, drivers);
  app.setConfigHash(next.hash);
  running.hash = next.hash;
  // Sections that need a restart stay as they run, so the next reload still reports them.
  running.config = { ...next.config, ...Object.fromEntries(RESTART_SECTIONS.map((k) => [k, running.config[k]])) } as Config;
  ctx.logger.info('config reloaded', { changed, restart_required: restartRequired });
  ctx.append({ type: 'config.applied', data: { file: path, hash: next.hash, changed, restart_required: restartRequired } });
  return { status: 'applied', changed, restart_required: [...restartRequired], hash: next.hash };
}

/** SIGHUP handler and the `config.reload` MQTT command. */
export function registerConfigCommands(ctx: AppContext, app: App, loaded: { path: string; hash: string; config: Config }, env: NodeJS.ProcessEnv): () => Promise<void> {
  const { path } = loaded;
  const running = { hash: loaded.hash, config: loaded.config };
  let busy: Promise<unknown> = Promise.resolve();
  // One reload at a time; a failed one must not poison the ones after it.
  const reload = () => (busy = busy.catch(() => undefined).then(() => reloadConfig(app, ctx, path, env, running)));
  const onHup = () => { reload().catch((err) => ctx.logger.error('config reload failed', { err })); };
  process.on('SIGHUP', onHup);
  ctx.mqtt.commands.register('config.reload', Type.Object({}, { additionalProperties: false }), async () => {
    const r = (await reload()) as ReloadResult;
    if (r.status === 'rejected') throw new Error(`config rejected: ${r.errors?.join('; ')}`);
    return r;
  });
  ctx.router.route('POST', '/api/config/reload', () => reload());
  return async () => { process.off('SIGHUP', onHup); await busy.catch(() => undefined); };
}
