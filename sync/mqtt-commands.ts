// Commands from the center (cmd/<name> → cmd_res/<name>): validated with the registered TypeBox
// schema, idempotent by cmd_id, recorded as command.received, and never able to crash the service.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { Clock } from '../core/clock.ts';
import { isoWithOffset } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
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

export class CommandProcessor {
  private readonly results = new Map<string, { name: string; result: Promise<CommandResult> }>();
  private rejectLog = { since: 0, logged: 0, suppressed: 0 };

  constructor(private readonly deps: CommandProcessorDeps) {}

  /** Answers remembered from the last run (the journal), oldest first. */
  preload(entries: Array<{ cmd_id: string; name: string; result: CommandResult }>): void {
    for (const e of entries) this.remember(e.cmd_id, e.name, Promise.resolve(e.result));
  }

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
    const result = this.run(name, cmdId, body);
    this.remember(cmdId, name, result);
    if (this.deps.journal) void result.then((r) => this.deps.journal!.record({ cmd_id: cmdId, name, result: r }));
    return result;
  }

  private async run(name: string, cmdId: string, body: Record<string, unknown>): Promise<CommandResult> {
    const command = this.deps.registry.get(name);
    if (!command) return this.reject(name, cmdId, `unknown command "${name}"`);
    const expires = readExpiresAt(body);
    if (!expires.ok) return this.reject(name, cmdId, expires.error);
    const now = this.deps.clock.now();
    if (expires.at !== undefined && expires.at <= now) {
      return this.reject(name, cmdId, `command expired at ${isoWithOffset(expires.at, this.deps.utcOffsetMinutes)}`);
    }
    const args: Record<string, unknown> = { ...body };
    delete args.cmd_id;
    delete args.expires_at;
    const withDefaults = Value.Default(command.schema, args);
    if (!command.check.Check(withDefaults)) {
      const problems = [...command.check.Errors(withDefaults)].slice(0, 3).map((e) => `${e.path || '/'}: ${e.message}`);
      return this.reject(name, cmdId, `invalid payload: ${problems.join('; ')}`);
    }
    this.record(name, cmdId);
    const ctx: CommandContext = { name, cmd_id: cmdId };
    if (expires.at !== undefined) ctx.expires_at = expires.at;
    try {
      const data = await this.withTimeout(command.handler(withDefaults, ctx), name, command.timeoutMs);
      if (data !== undefined) JSON.stringify(data);
      this.deps.logger.info(`mqtt: command ${name} ${cmdId} done`);
      return data === undefined ? { cmd_id: cmdId, status: 'ok' } : { cmd_id: cmdId, status: 'ok', data };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.deps.logger.warn(`mqtt: command ${name} ${cmdId} failed: ${message}`);
      return { cmd_id: cmdId, status: 'error', error: message.slice(0, MAX_ERROR_CHARS) || 'handler failed' };
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

  private reject(name: string, cmdId: string | null, error: string): CommandResult {
    // A flood of bad commands must not flood the journal: 20 lines a minute, then a count.
    const now = Date.now();
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

  private remember(cmdId: string, name: string, result: Promise<CommandResult>): void {
    this.results.set(cmdId, { name, result });
    const max = this.deps.cacheSize ?? 1000;
    while (this.results.size > max) this.results.delete(this.results.keys().next().value!);
  }

  private async withTimeout<T>(p: Promise<T>, name: string, own?: number): Promise<T> {
    const ms = own ?? this.deps.handlerTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`command ${name} did not finish within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
