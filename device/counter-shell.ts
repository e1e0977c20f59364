// The shell around the counter's pure rules (design §11): turns fingerprint matches, the link to the
// center and the counter's commands into inputs carrying their time; applies the outputs in the
// contract's order — events appended to the outbox first, then retained state and the plate — keeps
// one scheduler timer on nextDeadline, and persists the rules' state (roster version, leave,
// substitutes, who is clocked in, open aways) in the state directory so a restart goes on.
//
// Not registered in counterPlugins() yet: attendance.ts still appends attendance.clock on a match and
// nameplate.ts still draws the nameplate itself; the integrator swaps them for this plugin (and gives
// `showPlate` the e-ink driver's PlateContent renderer once it has one).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppContext, AppPlugin } from './app.ts';
import type { TimerHandle } from '../core/scheduler.ts';
import type { PlateContent } from '../drivers/eink/plate-content.ts';
import type { MatchEvent } from '../drivers/fingerprint/types.ts';
import { COUNTER_COMMANDS, counterEnv, initialCounterState, nextDeadline, restoreCounterState, serializeCounterState, step, type CounterState } from './counter/counter.ts';
import type { At, CounterInput, WorkingCalendar } from './counter/types.ts';

export const COUNTER_STATE_FILE = 'counter-state.json';

export interface CounterShellOptions {
  stateDir: string;
  /** Draws the nameplate content (the e-ink driver's PlateContent renderer); errors are logged. */
  showPlate?: (content: PlateContent) => Promise<unknown> | void;
  /** Default: China's calendar with the config's overrides (rebuilt on reload). */
  calendar?: WorkingCalendar;
}

export interface CounterShell {
  /** Feeds one input; returns the refusal reason of a refused command. */
  feed(input: CounterInput): string | undefined;
  state(): CounterState;
  /** The pending state write (tests and stop wait for it). */
  flushed(): Promise<void>;
}

export function counterShellPlugin(opts: CounterShellOptions, expose?: (shell: CounterShell) => void): AppPlugin {
  return async (ctx: AppContext) => {
    const file = join(opts.stateDir, COUNTER_STATE_FILE);
    // A new process has shown nothing yet: the first step sends retained state and plate again.
    let state: CounterState = { ...(await loadState(file, ctx)), shown: {} };
    let saved = serializeCounterState(state);
    let writing: Promise<void> = Promise.resolve();
    let timer: TimerHandle | undefined;
    let stopped = false;
    const env = () => counterEnv(ctx.config, opts.calendar);
    const now = (): At => ({ wallMs: ctx.clock.now(), monoMs: ctx.clock.monoMs(), quality: ctx.clock.timeQuality() });

    const persist = () => {
      const json = serializeCounterState(state);
      if (json === saved) return;
      saved = json;
      // Written whole to a temp file then renamed: a power cut leaves the old file or the new one.
      writing = writing
        .then(() => writeFile(`${file}.tmp`, json, { mode: 0o600 }))
        .then(() => rename(`${file}.tmp`, file))
        .catch((err) => ctx.logger.error('counter: state not saved', { err, file }));
    };

    const schedule = () => {
      timer?.cancel();
      timer = undefined;
      if (stopped) return;
      const due = nextDeadline(state, env());
      if (due === undefined) return;
      timer = ctx.scheduler.timeout(Math.max(0, due - ctx.clock.now()), () => { feed({ kind: 'tick', at: now() }); });
    };

    const feed = (input: CounterInput): string | undefined => {
      const r = step(state, input, env());
      const refused = r.outputs.find((o) => o.kind === 'reject');
      if (refused) return refused.reason;
      // The outbox first: nobody is told of a fact before it is appended.
      for (const o of r.outputs) if (o.kind === 'event') ctx.append(o.event);
      state = r.state;
      persist();
      for (const o of r.outputs) {
        if (o.kind === 'retained') ctx.mqtt.setState(o.part, o.value);
        if (o.kind === 'plate' && opts.showPlate) {
          Promise.resolve(opts.showPlate(o.content)).catch((err) => ctx.logger.warn('counter: nameplate not shown', { err }));
        }
      }
      schedule();
      return undefined;
    };

    const detachReader = ctx.drivers.fingerprint.onSwap((reader) => {
      const onMatch = (m: MatchEvent) => { feed({ kind: 'finger', at: now(), staffId: m.staff_id, score: m.score }); };
      const onNoMatch = () => { feed({ kind: 'finger', at: now(), staffId: undefined }); };
      reader.on('match', onMatch).on('no_match', onNoMatch);
      return () => { reader.off('match', onMatch).off('no_match', onNoMatch); };
    });
    const onUp = () => { feed({ kind: 'link', at: now(), online: true }); };
    const onDown = () => { feed({ kind: 'link', at: now(), online: false }); };
    ctx.mqtt.on('connected', onUp).on('disconnected', onDown);
    for (const [name, schema] of Object.entries(COUNTER_COMMANDS)) {
      // The command layer passes its context (cmd_id) as a second argument.
      ctx.mqtt.commands.register(name, schema, async (payload: Record<string, unknown>, c?: { cmd_id?: string }) => {
        const refused = feed({ kind: 'command', at: now(), name, cmdId: c?.cmd_id ?? '', payload });
        if (refused !== undefined) throw new Error(refused);
        return { window: state.window.state };
      });
    }
    feed({ kind: 'tick', at: now() });
    expose?.({ feed, state: () => state, flushed: () => writing });

    return async () => {
      stopped = true;
      timer?.cancel();
      detachReader();
      ctx.mqtt.off('connected', onUp).off('disconnected', onDown);
      await writing;
    };
  };
}

async function loadState(file: string, ctx: AppContext): Promise<CounterState> {
  let json: string;
  try {
    json = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.logger.error('counter: state unreadable, starting afresh', { err, file });
    return initialCounterState();
  }
  try {
    return restoreCounterState(json);
  } catch (err) {
    // Kept aside for a person to look at; the counter starts with the config's roster.
    await rename(file, `${file}.bad`).catch(() => undefined);
    ctx.logger.error('counter: state file invalid, moved aside', { err, file });
    ctx.append({ type: 'device.fault', data: { part: 'counter', reason: (err as Error).message } });
    return initialCounterState();
  }
}
