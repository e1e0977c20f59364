// Commands from the center (cmd/<name> → cmd_res/<name>): validated with the registered TypeBox
// schema, idempotent by cmd_id, recorded as command.received, and never able to crash the service.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { Clock } from '../core/clock.ts';
import { isoWithOffset } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import { defaultScheduler } from './sync-time.ts';
import type { Outbox } from './outbox.ts';
import { nameProblem } from './mqtt-topics.ts';
import { describeCmdIdProblem, MAX_COMMAND_BYTES, parseJsonObject, readCmdId, readExpiresAt } from './mqtt-payload.ts';

export interface CommandContext {
  name: string;
  cmd_id: string;
  /** Epoch ms, when the center set one. */
  expires_at?: number;
}

export type CommandHandler<T extends TSchema = TSchema> = (payload: Static<T>, ctx: CommandContext) => Promise<unknown>;

export interface CommandResult {
  cmd_id: string | null;
  status: 'ok' | 'error';
  error?: string;
  data?: unknown;
  /** Set on a repeat's answer when the first answer's data was too big to remember. */
  data_omitted?: true;
}

interface Registered { schema: TSchema; check: TypeCheck<TSchema>; handler: CommandHandler; timeoutMs?: number }

/** What the service can be told to do. Parts of the service register their commands before start. */
export class CommandRegistry {
  private readonly commands = new Map<string, Registered>();

  /**
   * The schema describes the payload without cmd_id and expires_at (those are checked here and
   * removed before validation), so `additionalProperties: false` schemas work as written.
   */
  register<T extends TSchema>(name: string, schema: T, handler: CommandHandler<T>, opts: { timeoutMs?: number } = {}): void {
    const problem = nameProblem(name);
    if (problem) throw new Error(`command name "${name}" ${problem} (it becomes topic levels)`);
    if (this.commands.has(name)) throw new Error(`command "${name}" is already registered`);
    this.commands.set(name, { schema, check: TypeCompiler.Compile(schema), handler: handler as CommandHandler, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  }

  get(name: string): Registered | undefined { return this.commands.get(name); }
  names(): string[] { return [...this.commands.keys()]; }
}

export interface CommandProcessorDeps {
  registry: CommandRegistry;
  outbox: Outbox;
  clock: Clock;
  /** Handler time limits (default: the system's timers). */
  scheduler?: Scheduler;
  logger: Logger;
  utcOffsetMinutes?: number;
  /** Results remembered for idempotency in memory. */
  cacheSize?: number;
  /** Keeps the answers of commands that ran across restarts (see command-journal.ts). */
  journal?: { record(e: { cmd_id: string; name: string; result: CommandResult }): void };
  maxPayloadBytes?: number;
  /** A handler that has not settled by then is answered with an error. */
  handlerTimeoutMs?: number;
}

const MAX_ERROR_CHARS = 500;
/** What one remembered answer may take; a bigger one is kept without its data (see keptResult). */
export const MAX_KEPT_RESULT_BYTES = 8 * 1024;
/** All remembered answers together (in memory), besides the count limit. */
export const MAX_KEPT_TOTAL_BYTES = 1024 * 1024;

interface Kept { name: string; result: Promise<CommandResult>; bytes: number }
interface Accepted { command: Registered; args: Record<string, unknown>; expiresAt?: number }

export class CommandProcessor {
  /**
   * Answers of commands that ran (or are running), for idempotency by cmd_id. Refused commands are
   * not remembered: a flood of unknown or invalid ones must neither grow memory nor push out the
   * answers of commands that really ran (then re-sent after a restart, those would run again).
   */
  private readonly results = new Map<string, Kept>();
  private keptBytes = 0;
  private rejectLog = { since: Number.NEGATIVE_INFINITY, logged: 0, suppressed: 0 };

  private readonly scheduler: Scheduler;

  constructor(private readonly deps: CommandProcessorDeps) {
    this.scheduler = defaultScheduler(deps.scheduler);
  }

  /** Answers remembered from the last run (the journal), oldest first. */
  preload(entries: Array<{ cmd_id: string; name: string; result: CommandResult }>): void {
    for (const e of entries) {
      const kept = keptResult(e.result);
      this.remember(e.cmd_id, e.name, Promise.resolve(kept.result), kept.bytes);
    }
  }

  /** Bytes taken by remembered answers (bounded by MAX_KEPT_TOTAL_BYTES). */
  get rememberedBytes(): number { return this.keptBytes; }
  get remembered(): number { return this.results.size; }

  /**
   * A command whose topic levels are no valid name (too long, non-ASCII, an empty level): refused
   * without being remembered, answered with the cmd_id when the payload has a readable one.
   */
  refuseName(levels: string, error: string, payload: Buffer): CommandResult {
    const parsed = parseJsonObject(payload, this.deps.maxPayloadBytes ?? MAX_COMMAND_BYTES);
    const cmdId = parsed.ok ? readCmdId(parsed.body) ?? null : null;
    return this.reject(levels, cmdId, `invalid command name "${levels}": ${error}`);
  }

  /** Always resolves with the answer to publish on cmd_res/<name>. */
  handle(name: string, payload: Buffer): Promise<CommandResult> {
    const parsed = parseJsonObject(payload, this.deps.maxPayloadBytes ?? MAX_COMMAND_BYTES);
    if (!parsed.ok) {
      // A body we cannot read has no trustworthy cmd_id; say so with cmd_id null.
      return Promise.resolve(this.reject(name, null, parsed.error));
    }
    const body = parsed.body;
    const cmdId = readCmdId(body);
    if (cmdId === undefined) return Promise.resolve(this.reject(name, null, describeCmdIdProblem(body)));
    const seen = this.results.get(cmdId);
    if (seen) {
      if (seen.name !== name) return Promise.resolve(this.reject(name, cmdId, `cmd_id ${cmdId} was already used for command "${seen.name}"`));
      this.results.delete(cmdId);
      this.results.set(cmdId, seen);
      return seen.result;
    }
    const accepted = this.accept(name, cmdId, body);
    if ('status' in accepted) return Promise.resolve(accepted);
    const result = this.run(name, cmdId, accepted);
    // Kept at a placeholder size while running; the real size once the answer is known.
    this.remember(cmdId, name, result, 256);
    void result.then((r) => {
      const kept = keptResult(r);
      const entry = this.results.get(cmdId);
      if (entry?.result === result) {
        this.keptBytes += kept.bytes - entry.bytes;
        this.results.set(cmdId, { name, result: Promise.resolve(kept.result), bytes: kept.bytes });
        this.trim();
      }
      this.deps.journal?.record({ cmd_id: cmdId, name, result: kept.result });
    });
    return result;
  }

  /** Everything that can refuse a command before it runs; a refusal is answered, not remembered. */
  private accept(name: string, cmdId: string, body: Record<string, unknown>): Accepted | CommandResult {
    const command = this.deps.registry.get(name);
    if (!command) return this.reject(name, cmdId, `unknown command "${name}"`);
    const expires = readExpiresAt(body);
    if (!expires.ok) return this.reject(name, cmdId, expires.error);
    if (expires.at !== undefined) {
      // With a clock that was never synchronised (a Pi without RTC after a power cut starts in the
      // past or at 1970), "not yet expired" means nothing: refuse rather than run a stale command.
      if (this.deps.clock.timeQuality() === 'unsynced') {
        return this.reject(name, cmdId, 'cannot judge expires_at: the counter\'s clock is not synchronised (time quality unsynced); send the command without expires_at or retry once the clock is synchronised');
      }
      if (expires.at <= this.deps.clock.now()) {
        return this.reject(name, cmdId, `command expired at ${isoWithOffset(expires.at, this.deps.utcOffsetMinutes)}`);
      }
    }
    const args: Record<string, unknown> = { ...body };
    delete args.cmd_id;
    delete args.expires_at;
    const withDefaults = Value.Default(command.schema, args) as Record<string, unknown>;
    if (!command.check.Check(withDefaults)) {
      const problems = [...command.check.Errors(withDefaults)].slice(0, 3).map((e) => `${clip(e.path || '/', 80)}: ${e.message}`);
      return this.reject(name, cmdId, `invalid payload: ${problems.join('; ')}`);
    }
    return { command, args: withDefaults, ...(expires.at !== undefined ? { expiresAt: expires.at } : {}) };
  }

  private async run(name: string, cmdId: string, accepted: Accepted): Promise<CommandResult> {
    this.record(name, cmdId);
    const ctx: CommandContext = { name, cmd_id: cmdId };
    if (accepted.expiresAt !== undefined) ctx.expires_at = accepted.expiresAt;
    try {
      const data = await this.withTimeout(accepted.command.handler(accepted.args, ctx), name, accepted.command.timeoutMs);
      if (data !== undefined) JSON.stringify(data);
      this.deps.logger.info(`mqtt: command ${name} ${cmdId} done`);
      return data === undefined ? { cmd_id: cmdId, status: 'ok' } : { cmd_id: cmdId, status: 'ok', data };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.deps.logger.warn(`mqtt: command ${name} ${cmdId} failed: ${clip(message, MAX_ERROR_CHARS)}`);
      return { cmd_id: cmdId, status: 'error', error: clip(message, MAX_ERROR_CHARS) || 'handler failed' };
    }
  }

  /** command.received goes to the outbox before the handler runs; never the payload (it may hold secrets). */
  private record(name: string, cmdId: string): void {
    try {
      const { durable } = this.deps.outbox.append({ type: 'command.received', data: { name, cmd_id: cmdId } });
      durable.catch(() => undefined);
    } catch (err) {
      this.deps.logger.error(`mqtt: could not record command.received for ${name} ${cmdId}: ${(err as Error).message}`);
    }
  }

  private reject(name: string, cmdId: string | null, fullError: string): CommandResult {
    const error = clip(fullError, MAX_ERROR_CHARS);
    // A flood of bad commands must not flood the journal: 20 lines a minute, then a count.
    const now = this.deps.clock.monoMs();
    const log = this.rejectLog;
    if (now - log.since >= 60_000) {
      if (log.suppressed > 0) this.deps.logger.warn(`mqtt: ${log.suppressed} more rejected commands were not logged in the last minute`);
      this.rejectLog = { since: now, logged: 0, suppressed: 0 };
    }
    if (this.rejectLog.logged < 20) {
      this.rejectLog.logged++;
      this.deps.logger.warn(`mqtt: command ${name.slice(0, 64)} rejected: ${error}`, { cmd_id: cmdId });
    } else {
      this.rejectLog.suppressed++;
    }
    return { cmd_id: cmdId, status: 'error', error };
  }

  private remember(cmdId: string, name: string, result: Promise<CommandResult>, bytes: number): void {
    const old = this.results.get(cmdId);
    if (old) this.keptBytes -= old.bytes;
    this.results.set(cmdId, { name, result, bytes });
    this.keptBytes += bytes;
    this.trim();
  }

  /** Oldest answers go first, beyond the count or the byte limit. */
  private trim(): void {
    const max = this.deps.cacheSize ?? 1000;
    while (this.results.size > 0 && (this.results.size > max || this.keptBytes > MAX_KEPT_TOTAL_BYTES)) {
      const [oldest, kept] = this.results.entries().next().value!;
      this.results.delete(oldest);
      this.keptBytes -= kept.bytes;
    }
  }

  private async withTimeout<T>(p: Promise<T>, name: string, own?: number): Promise<T> {
    const ms = own ?? this.deps.handlerTimeoutMs ?? 30_000;
    let timer: TimerHandle | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = this.scheduler.timeout(ms, () => reject(new Error(`command ${name} did not finish within ${ms} ms`)));
        }),
      ]);
    } finally {
      timer?.cancel();
    }
  }
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/**
 * The answer as remembered (in memory and in the journal): bounded in bytes. A bigger one keeps its
 * status and a bounded error but not its data, and says so, so a repeat is still answered (and the
 * command still not run twice).
 */
export function keptResult(result: CommandResult): { result: CommandResult; bytes: number } {
  const json = JSON.stringify(result);
  if (json.length <= MAX_KEPT_RESULT_BYTES) return { result, bytes: json.length * 2 };
  const kept: CommandResult = { cmd_id: result.cmd_id, status: result.status, ...(result.error !== undefined ? { error: clip(result.error, MAX_ERROR_CHARS) } : {}), data_omitted: true };
  return { result: kept, bytes: JSON.stringify(kept).length * 2 };
}
