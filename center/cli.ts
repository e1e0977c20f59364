// `counter-edge center run|report`: the center's commands. Options come from flags (--mqtt-url,
// --db, --hall, …, one per CenterSchema key with dashes) and a few environment variables for what
// should not sit on a command line (COUNTER_EDGE_CENTER_DB, COUNTER_EDGE_CENTER_MQTT_PASSWORD).
import { writeFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { CenterSchema, type CenterConfig } from '../config/schema.ts';
import { systemClock } from '../core/clock.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { systemScheduler } from '../core/scheduler.ts';
import { HallBoard } from './board.ts';
import { CenterIngest } from './ingest.ts';
import { buildMonthReport } from './report.ts';
import { reportCsv, reportHtml } from './report-format.ts';
import { openSqlDb } from './sql.ts';
import { CenterStore } from './store.ts';
import { checkDates } from './working-days.ts';

export const CENTER_USAGE = `usage: counter-edge center <command> [--option value …]
  run                        ingest (store every event once, ack each window) and serve the hall board
  report --month YYYY-MM [--format csv|html] [--out FILE]   monthly assessment facts from the stored events
options: --db FILE|postgres://… (env COUNTER_EDGE_CENTER_DB), --mqtt-url URL, --hall ID|+ , --group G (shared
  subscription), --client-id ID, --username U (env COUNTER_EDGE_CENTER_MQTT_PASSWORD), --board-port N,
  --board-host H, --holidays D,D --workdays D,D, --answer-working-days N, --utc-offset-minutes N`;

const LISTS = new Set(['holidays', 'workdays']);

/** Flags and env → a validated CenterConfig, or every problem at once. */
export function centerConfig(flags: Record<string, string>, env: NodeJS.ProcessEnv): { ok: true; config: CenterConfig } | { ok: false; errors: string[] } {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) raw[k.replace(/-/g, '_')] = LISTS.has(k) ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
  if (env.COUNTER_EDGE_CENTER_DB && raw.db === undefined) raw.db = env.COUNTER_EDGE_CENTER_DB;
  if (env.COUNTER_EDGE_CENTER_MQTT_URL && raw.mqtt_url === undefined) raw.mqtt_url = env.COUNTER_EDGE_CENTER_MQTT_URL;
  if (env.COUNTER_EDGE_CENTER_MQTT_PASSWORD) raw.password = env.COUNTER_EDGE_CENTER_MQTT_PASSWORD;
  const value = Value.Convert(CenterSchema, Value.Default(CenterSchema, raw));
  const errors = [...Value.Errors(CenterSchema, value)].map((e) => {
    const key = e.path.replace(/^\//, '').replace(/\/\d+$/, '').replace(/_/g, '-');
    // Never echo a password back.
    return `--${key || '?'}: ${e.message}${key === 'password' ? '' : e.value !== undefined && typeof e.value !== 'object' ? ` (got ${JSON.stringify(e.value)})` : ''}`;
  });
  if (errors.length) return { ok: false, errors };
  const config = value as CenterConfig;
  try { checkDates(config.holidays, '--holidays'); checkDates(config.workdays, '--workdays'); } catch (err) { return { ok: false, errors: [(err as Error).message] }; }
  return { ok: true, config };
}

export function parseFlags(args: string[]): { positional: string[]; flags: Record<string, string>; error?: string } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    if (eq > 0) { flags[a.slice(2, eq)] = a.slice(eq + 1); continue; }
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) return { positional, flags, error: `${a} needs a value` };
    flags[a.slice(2)] = v;
    i++;
  }
  return { positional, flags };
}

export async function centerMain(args: string[], env: NodeJS.ProcessEnv, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  const { positional, flags, error } = parseFlags(args);
  const sub = positional[0];
  if (error) { err(error); return 2; }
  if (!sub || sub === 'help') { out(CENTER_USAGE); return sub ? 0 : 2; }
  const { month, format = 'csv', out: outFile, ...rest } = flags;
  const cfg = centerConfig(rest, env);
  if (!cfg.ok) { for (const e of cfg.errors) err(`center: ${e}`); return 2; }
  const c = cfg.config;
  if (sub === 'report') {
    if (!month) { err('center report: --month YYYY-MM is required'); return 2; }
    if (format !== 'csv' && format !== 'html') { err(`center report: --format must be csv or html (got "${format}")`); return 2; }
    const store = new CenterStore(await openSqlDb(c.db));
    try {
      await store.migrate();
      const report = await buildMonthReport(store, { month, ...(c.hall !== '+' ? { hall: c.hall } : {}), utcOffsetMinutes: c.utc_offset_minutes,
        answerWorkingDays: c.answer_working_days, calendar: { holidays: c.holidays, workdays: c.workdays } });
      const text = format === 'html' ? reportHtml(report) : reportCsv(report);
      if (outFile) await writeFile(outFile, text); else process.stdout.write(text);
      return 0;
    } catch (e) {
      err(`center report: ${(e as Error).message}`);
      return 1;
    } finally {
      await store.close();
    }
  }
  if (sub === 'run') return runCenter(c);
  err(`center: unknown command "${sub}"\n${CENTER_USAGE}`);
  return 2;
}

export interface RunningCenter {
  store: CenterStore;
  /** The board's port (the one asked for, or the one the system gave for 0). */
  boardPort: number;
  stop(): Promise<void>;
}

/** Store, ingest and board started in that order; on a failed start nothing is left running (the error is thrown). */
export async function startCenter(c: CenterConfig, logger: Logger): Promise<RunningCenter> {
  const clock = systemClock();
  const scheduler = systemScheduler();
  const store = new CenterStore(await openSqlDb(c.db));
  await store.migrate();
  const ingest = new CenterIngest({ store, clock, scheduler, logger, options: {
    url: c.mqtt_url, protocolVersion: c.mqtt_protocol_version, prefix: c.prefix, hall: c.hall, ...(c.group ? { group: c.group } : {}), clientId: c.client_id,
    ...(c.username ? { username: c.username } : {}), ...(c.password ? { password: c.password } : {}),
    sessionExpiryS: c.session_expiry_s, batchMax: c.batch_max, flushMs: c.flush_ms, maxBuffered: c.max_buffered, utcOffsetMinutes: c.utc_offset_minutes } });
  const board = new HallBoard({ store, ingest, clock, scheduler, logger, options: { host: c.board_host, port: c.board_port, utcOffsetMinutes: c.utc_offset_minutes,
    answerWorkingDays: c.answer_working_days, calendar: { holidays: c.holidays, workdays: c.workdays } } });
  try {
    await ingest.start();
    await board.start();
  } catch (e) {
    logger.error('center cannot start', { err: e, db: store.db.where });
    await board.stop().catch(() => undefined);
    await ingest.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw e;
  }
  return {
    store, boardPort: board.port,
    async stop() {
      await board.stop();
      await ingest.stop();
      await store.close();
    },
  };
}

async function runCenter(c: CenterConfig): Promise<number> {
  const logger = createLogger({ level: 'info', bindings: { part: 'center' } });
  let center: RunningCenter;
  try { center = await startCenter(c, logger); } catch { return 1; }
  process.stderr.write(`\n  hall board: http://${c.board_host}:${center.boardPort}/   (store ${center.store.db.where})\n\n`);
  return new Promise<number>((resolve) => {
    const stop = () => {
      void center.stop().then(() => resolve(0), (e: unknown) => { logger.error('center stop failed', { err: e }); resolve(1); });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
