// JSON-lines logger to stderr (journald keeps it). Passed in, never imported as a singleton.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

// Keys whose values must never reach a log line (credentials, keys, biometric data).
const SECRET_KEY = /pass(word)?|secret|token|private|^key$|template|image/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as NodeJS.ErrnoException).code };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
  /** json: one object per line (journald, pipes); pretty: short lines for a person at a terminal. */
  format?: LogFormat;
  /** ANSI colours in pretty lines. */
  color?: boolean;
}

/**
 * The format a person or a journal wants: COUNTER_EDGE_LOG_FORMAT decides when set; otherwise pretty
 * only on a terminal that is not systemd's journal stream (JOURNAL_STREAM is set under systemd).
 */
export function logFormatFor(env: NodeJS.ProcessEnv, isTty: boolean): { format: LogFormat; color: boolean } {
  const asked = env.COUNTER_EDGE_LOG_FORMAT;
  const format: LogFormat = asked === 'json' || asked === 'pretty' ? asked : isTty && !env.JOURNAL_STREAM ? 'pretty' : 'json';
  const color = format === 'pretty' && isTty && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return { format, color };
}

const COLOURS: Record<LogLevel, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

function prettyValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

/** "09:15:02.113 WARN  mqtt  connect failed  url=mqtts://b:8883" — time, level, part, message, fields. */
function prettyLine(rec: Record<string, unknown>, color: boolean): string {
  const { t, level, msg, part, driver, ...rest } = rec;
  const lv = String(level) as LogLevel;
  const time = typeof t === 'string' ? t.slice(11, 23) : '';
  const who = part ?? driver;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${prettyValue(v)}`).join(' ');
  const head = `${time} ${lv.toUpperCase().padEnd(5)}`;
  const line = [color ? `${COLOURS[lv] ?? ''}${head}\x1b[0m` : head, who === undefined ? '' : String(who), String(msg), fields]
    .filter((x) => x !== '').join('  ');
  return line;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const bindings = opts.bindings ?? {};
  const pretty = opts.format === 'pretty';
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    // t, level and msg lead the line and cannot be replaced by a field of the same name.
    const rec: Record<string, unknown> = { t: new Date().toISOString(), level, msg };
    for (const [k, v] of Object.entries({ ...bindings, ...(fields ? (redact(fields) as object) : {}) })) if (!(k in rec)) rec[k] = v;
    write(pretty ? prettyLine(rec, opts.color === true) : JSON.stringify(rec));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (b) => createLogger({ ...opts, bindings: { ...bindings, ...b } }),
  };
}

/** A logger that keeps records in memory, for tests. */
export function memoryLogger(): Logger & { records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const base = createLogger({ level: 'debug', write: (l) => records.push(JSON.parse(l)) });
  return Object.assign(base, { records });
}
