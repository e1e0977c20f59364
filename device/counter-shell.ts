// The shell around the counter's pure rules (design §11, device/counter/rules.ts): turns fingerprint
// matches, button presses (staff keys → staffKey, the rest → evalKey), the link to the center, print
// results and commands into inputs carrying their time; applies the outputs in the contract's order —
// events appended to the outbox first, then the state written durably, then retained state, lights
// and the plate, and only then the papers handed to the print queue (a paper number is never printed
// before it is saved) — and keeps one scheduler timer on the rules' next deadline.
import { open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import type { AppContext, AppPlugin } from './app.ts';
import type { TimerHandle } from '../core/scheduler.ts';
import { HttpError } from '../core/http-router.ts';
import type { PlateContent } from '../drivers/eink/plate-content.ts';
import type { MatchEvent } from '../drivers/fingerprint/types.ts';
import type { ButtonEvent, ButtonsDriver } from '../drivers/buttons/types.ts';
import type { At, CounterInput, CounterOutput, LightsOutput, WorkingCalendar } from './counter/types.ts';
import type { PaperTemplate } from './counter/paper-templates.ts';
import { initialRulesState, nextRulesDeadline, restoreRulesState, RULES_COMMANDS, rulesEnv, serializeRulesState, stepRules, type RulesEnv, type RulesState } from './counter/rules.ts';
import { loadPaperTemplates } from './paper-templates-files.ts';
import { counterView, staffKeys, type CounterView, type CounterViewFeed } from './counter-view.ts';
import type { PrintLink } from './print-link.ts';
import { registerCounterRoutes } from './counter-routes.ts';

export const COUNTER_STATE_FILE = 'counter-state.json';

export interface CounterShellOptions {
  stateDir: string;
  /** Draws the nameplate content; default: the e-ink driver running now. Errors are logged. */
  showPlate?: (content: PlateContent) => Promise<unknown> | void;
  /** Default: China's calendar with the config's overrides (rebuilt on reload). */
  calendar?: WorkingCalendar;
  /** The durable print queue the rules' papers go to (device/print-link.ts). */
  print?: PrintLink;
  /** Where the view goes on every change (the simulator's event stream). */
  feed?: CounterViewFeed;
  /** Paper templates; default: loaded from service.papers.templates_dir (or the shipped set). */
  templates?: ReadonlyMap<string, PaperTemplate>;
}

export interface CounterShell {
  /** Feeds one input; returns the refusal reason of a refused command. */
  feed(input: CounterInput): string | undefined;
  state(): RulesState;
  view(): CounterView;
  /** The pending state write and the prints waiting for it (tests and stop wait for it). */
  flushed(): Promise<void>;
}

export function counterShellPlugin(opts: CounterShellOptions, expose?: (shell: CounterShell) => void): AppPlugin {
  return async (ctx: AppContext) => {
    const file = join(opts.stateDir, COUNTER_STATE_FILE);
    const templates = opts.templates ?? await loadTemplates(ctx);
    // A new process has shown nothing yet: the first step sends retained state and plate again.
    const loaded = await loadState(file, ctx);
    let state: RulesState = { presence: { ...loaded.presence, shown: {} }, service: loaded.service };
    let saved = serializeRulesState(state);
    let writing: Promise<void> = Promise.resolve();
    let timer: TimerHandle | undefined;
    let stopped = false;
    let envFor: { config: unknown; env: RulesEnv } | undefined;
    // The calendar is built once per config (a reload gives a new config object).
    const env = (): RulesEnv => {
      if (envFor?.config !== ctx.config) envFor = { config: ctx.config, env: rulesEnv(ctx.config, templates, opts.calendar) };
      return envFor.env;
    };
    const now = (): At => ({ wallMs: ctx.clock.now(), monoMs: ctx.clock.monoMs(), quality: ctx.clock.timeQuality() });
    let lastPlate: PlateContent | undefined;
    const showPlate = opts.showPlate ?? ((c: PlateContent) => ctx.drivers.eink.current()?.show(c));

    const persist = (): Promise<void> => {
      const json = serializeRulesState(state);
      if (json !== saved) {
        saved = json;
        writing = writing.then(() => writeDurably(file, json)).catch((err) => ctx.logger.error('counter: state not saved', { err, file }));
      }
      return writing;
    };

    const schedule = () => {
      timer?.cancel();
      timer = undefined;
      if (stopped) return;
      const due = nextRulesDeadline(state, env());
      if (due === undefined) return;
      timer = ctx.scheduler.timeout(Math.max(0, due - ctx.clock.now()), () => { feed({ kind: 'tick', at: now() }); });
    };

    const print = (o: Extract<CounterOutput, { kind: 'print' }>) => {
      const link = opts.print;
      try {
        if (!link) throw new Error('counter print: no print queue is wired');
        link.submit(o.docId, o.document, 'counter print');
      } catch (err) {
        ctx.logger.error('counter: paper not queued', { err, doc_id: o.docId });
        feed({ kind: 'printResult', at: now(), docId: o.docId, ok: false, reason: (err as Error).message });
      }
    };

    const feed = (input: CounterInput): string | undefined => {
      const r = stepRules(state, input, env());
      const refused = r.outputs.find((o) => o.kind === 'reject');
      if (refused) return refused.reason;
      // The outbox first: nobody is told of a fact before it is appended.
      for (const o of r.outputs) if (o.kind === 'event') ctx.append(o.event);
      state = r.state;
      const durable = persist();
      for (const o of r.outputs) {
        if (o.kind === 'retained') ctx.mqtt.setState(o.part, o.value);
        if (o.kind === 'lights') setLights(o);
        if (o.kind === 'plate') {
          lastPlate = o.content;
          Promise.resolve().then(() => showPlate(o.content)).catch((err) => ctx.logger.warn('counter: nameplate not shown', { err }));
        }
      }
      const prints = r.outputs.filter((o) => o.kind === 'print');
      // A paper's number is saved before the paper exists: a restart never issues it again.
      if (prints.length) writing = durable.then(() => { if (!stopped) for (const o of prints) print(o); });
      opts.feed?.set(view());
      schedule();
      return undefined;
    };

    const setLights = (o: LightsOutput) => {
      const b = ctx.drivers.buttons.current();
      if (!b) return;
      b.setLed('*', 'off');
      for (const [key, mode] of Object.entries(o.pattern)) b.setLed(key, mode);
    };
    const view = () => ({ ...counterView(state, env(), ctx.config), link_online: state.presence.link.online });

    const detachReader = ctx.drivers.fingerprint.onSwap((reader) => {
      const onMatch = (m: MatchEvent) => { feed({ kind: 'finger', at: now(), staffId: m.staff_id, score: m.score }); };
      const onNoMatch = () => { feed({ kind: 'finger', at: now(), staffId: undefined }); };
      reader.on('match', onMatch).on('no_match', onNoMatch);
      return () => { reader.off('match', onMatch).off('no_match', onNoMatch); };
    });
    // The rules decide what a press means: the app records none itself while this runs.
    const releasePresses = ctx.claimPresses();
    const detachButtons = ctx.drivers.buttons.onSwap((b: ButtonsDriver) => {
      const onButton = (e: ButtonEvent) => {
        if (e.kind !== 'press') return;
        const staff = staffKeys(ctx.config).some((k) => k.key === e.key);
        feed({ kind: staff ? 'staffKey' : 'evalKey', at: now(), key: e.key });
      };
      b.on('button', onButton);
      return () => { b.off('button', onButton); };
    });
    // A panel that comes (back) gets the last plate.
    const detachPanel = ctx.drivers.eink.onSwap(() => {
      if (lastPlate) { const c = lastPlate; Promise.resolve().then(() => showPlate(c)).catch((err) => ctx.logger.warn('counter: nameplate not shown', { err })); }
    });
    const detachPrints = opts.print?.onResult((p) => { feed({ kind: 'printResult', at: now(), docId: p.docId, ok: p.ok, ...(p.reason ? { reason: p.reason } : {}) }); });
    const onUp = () => { feed({ kind: 'link', at: now(), online: true }); };
    const onDown = () => { feed({ kind: 'link', at: now(), online: false }); };
    ctx.mqtt.on('connected', onUp).on('disconnected', onDown);
    const commands = new Map<string, { schema: TSchema; handler: (payload: Record<string, unknown>, c?: { cmd_id?: string }) => Promise<unknown> }>();
    for (const [name, schema] of Object.entries(RULES_COMMANDS)) {
      // Decided before acting: a refusal is the command's error answer and records nothing.
      const handler = async (payload: Record<string, unknown>, c?: { cmd_id?: string }) => {
        const refused = feed({ kind: 'command', at: now(), name, cmdId: c?.cmd_id ?? '', payload });
        if (refused !== undefined) throw new Error(refused);
        return { window: state.presence.window.state };
      };
      commands.set(name, { schema, handler });
      ctx.mqtt.commands.register(name, schema, handler);
    }
    registerCounterRoutes(ctx, {
      view, commands,
      staffKey: (key) => {
        const known = staffKeys(ctx.config);
        if (!known.some((k) => k.key === key)) throw new HttpError(400, `unknown staff key "${key}"; staff keys: ${known.map((k) => k.key).join(', ')}`);
        feed({ kind: 'staffKey', at: now(), key });
        return view();
      },
    });
    feed({ kind: 'tick', at: now() });
    expose?.({ feed, state: () => state, view, flushed: () => writing });

    return async () => {
      stopped = true;
      timer?.cancel();
      detachReader();
      detachButtons();
      detachPanel();
      detachPrints?.();
      releasePresses();
      ctx.mqtt.off('connected', onUp).off('disconnected', onDown);
      await writing;
    };
  };
}

/** Temp file, fsync, rename, fsync of the directory: after a power cut the old state or the new one. */
async function writeDurably(file: string, json: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(json);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(dirname(file), 'r');
  try { await dir.sync(); } finally { await dir.close(); }
}

async function loadTemplates(ctx: AppContext): Promise<ReadonlyMap<string, PaperTemplate>> {
  try {
    return await loadPaperTemplates(...(ctx.config.service.papers.templates_dir ? [ctx.config.service.papers.templates_dir] : []));
  } catch (err) {
    // The counter still runs; every paper is then refused with paper.refused naming the missing template.
    ctx.logger.error('counter: paper templates not loaded', { err });
    ctx.append({ type: 'device.fault', data: { part: 'papers', reason: (err as Error).message } });
    return new Map();
  }
}

async function loadState(file: string, ctx: AppContext): Promise<RulesState> {
  let json: string;
  try {
    json = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.logger.error('counter: state unreadable, starting afresh', { err, file });
    return initialRulesState();
  }
  try {
    return restoreRulesState(json);
  } catch (err) {
    // Kept aside for a person to look at; the counter starts with the config's roster.
    await rename(file, `${file}.bad`).catch(() => undefined);
    ctx.logger.error('counter: state file invalid, moved aside', { err, file });
    ctx.append({ type: 'device.fault', data: { part: 'counter', reason: (err as Error).message } });
    return initialRulesState();
  }
}
