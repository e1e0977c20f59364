// The whole counter's rules: the presence family (counter.ts) and the service family (service.ts)
// composed into one state, one step and one deadline. Pure, like both families.
//
// Fixed order inside a step:
//   1. presence (window, attendance, away/pause, calendar): its deadlines up to the input's time,
//      then the input — so a clock-in or a return is known before a case key is looked at;
//   2. service (cases → evaluation → papers), told who serves now (servingStaffId after step 1);
//   3. the plate: presence's content with the evaluation prompt (invite / reason / thanks) as the
//      banner line while one shows; sent when it changed (or on state.republish).
// Outputs keep the contract's order: events first (presence's, then service's), then retained,
// lights, plate and print. A command belongs to one family; the other hears a tick at the same time
// (its deadlines only). A refusal by either gives only `reject` and the state as it was.
import type { Config } from '../../config/schema.ts';
import type { CounterInput, CounterOutput, StepResult, WorkingCalendar } from './types.ts';
import type { PaperTemplate } from './paper-templates.ts';
import type { ServiceEnv, StaffInfo } from './service-env.ts';
import { COUNTER_COMMANDS, counterEnv, initialCounterState, nextDeadline, restoreCounterState, servingStaffId, step, type CounterEnv, type CounterState } from './counter.ts';
import { initialServiceState, nextServiceDeadline, stepService, type ServiceState } from './service.ts';
import { CaseCommandSchemas } from './cases.ts';
import { PaperCommandSchemas } from './papers.ts';
import { evaluationPrompt } from './evaluation.ts';
import { plateContent } from './nameplate.ts';
import { staffEntry } from './state.ts';
import { chinaCalendar } from './calendar.ts';

export interface RulesState {
  presence: CounterState;
  service: ServiceState;
  /** JSON of the plate last sent (a new process sends it again). */
  shownPlate?: string;
}

export interface RulesEnv {
  presence: CounterEnv;
  /** The service env without the staff member, who comes from the presence state at each step. */
  service: Omit<ServiceEnv, 'staff'>;
}

/** Every command of the counter, name → payload schema: presence's, cases', papers'. */
export const RULES_COMMANDS = { ...COUNTER_COMMANDS, ...CaseCommandSchemas, ...PaperCommandSchemas };
export type RulesCommandName = keyof typeof RULES_COMMANDS;

export const initialRulesState = (): RulesState => ({ presence: initialCounterState(), service: initialServiceState() });

/** One env for both families: the same calendar (China's days with the hall's overrides) for both. */
export function rulesEnv(config: Pick<Config, 'window' | 'counter' | 'eink' | 'service'>, templates: ReadonlyMap<string, PaperTemplate>, calendar?: WorkingCalendar): RulesEnv {
  const c = config.counter.calendar;
  const cal = calendar ?? chinaCalendar({ holidays: c.holidays, workdays: c.workdays, completeYears: c.complete_years });
  return {
    presence: counterEnv(config, cal),
    service: {
      config: config.service, calendar: cal, templates,
      window: { id: config.window.id, name: config.window.name, utcOffsetMinutes: config.window.utc_offset_minutes },
    },
  };
}

/** The staff member the service rules stamp on cases and papers: whoever the nameplate shows. */
export function servingStaff(s: CounterState, env: CounterEnv): StaffInfo | undefined {
  const id = servingStaffId(s);
  const e = staffEntry(s, env, id);
  if (!id) return undefined;
  return e ? { id, name: e.name, jobNumber: e.job_number } : { id, name: id };
}

const isPresenceCommand = (name: string) => Object.hasOwn(COUNTER_COMMANDS, name);
const isServiceCommand = (name: string) => Object.hasOwn(CaseCommandSchemas, name) || Object.hasOwn(PaperCommandSchemas, name);

export function stepRules(state: RulesState, input: CounterInput, env: RulesEnv): StepResult<RulesState> {
  const tick: CounterInput = { kind: 'tick', at: input.at };
  let toPresence = input;
  let toService = input;
  if (input.kind === 'command') {
    if (isPresenceCommand(input.name)) toService = tick;
    else if (isServiceCommand(input.name)) toPresence = tick;
    else return { state, outputs: [{ kind: 'reject', reason: `unknown command ${input.name}` }] };
  }
  const p = step(state.presence, toPresence, env.presence);
  if (p.outputs.some((o) => o.kind === 'reject')) return { state, outputs: p.outputs.filter((o) => o.kind === 'reject') };
  const staff = servingStaff(p.state, env.presence);
  const s = stepService(state.service, toService, { ...env.service, staff });
  if (s.outputs.some((o) => o.kind === 'reject')) return { state, outputs: s.outputs.filter((o) => o.kind === 'reject') };

  const all = [...p.outputs, ...s.outputs].filter((o) => o.kind !== 'plate');
  const outputs: CounterOutput[] = [...all.filter((o) => o.kind === 'event'), ...all.filter((o) => o.kind !== 'event')];
  const next: RulesState = { presence: p.state, service: s.state, ...(state.shownPlate !== undefined ? { shownPlate: state.shownPlate } : {}) };
  const plate = rulesPlate(next, env, input.at.wallMs);
  const json = JSON.stringify(plate);
  const force = input.kind === 'command' && input.name === 'state.republish';
  if (force || json !== state.shownPlate) {
    next.shownPlate = json;
    // The plate goes before a print: the citizen sees the thanks while the slip prints.
    const at = outputs.findIndex((o) => o.kind === 'print');
    outputs.splice(at < 0 ? outputs.length : at, 0, { kind: 'plate', content: plate });
  }
  return { state: next, outputs };
}

/** The nameplate: presence's content, with the evaluation prompt as the banner line while one shows. */
export function rulesPlate(s: RulesState, env: RulesEnv, nowMs: number) {
  const plate = plateContent(s.presence, env.presence, nowMs);
  const prompt = evaluationPrompt(s.service.evaluation, env.service.config.evaluation);
  if (prompt) plate.banner = { ...plate.banner, lines: [prompt] };
  return plate;
}

export function nextRulesDeadline(s: RulesState, env: RulesEnv): number | undefined {
  const t = [nextDeadline(s.presence, env.presence), nextServiceDeadline(s.service)].filter((x): x is number => x !== undefined);
  return t.length ? Math.min(...t) : undefined;
}

export const serializeRulesState = (s: RulesState): string => JSON.stringify({ v: 2, presence: s.presence, service: s.service });

/**
 * Reads what serializeRulesState wrote (v: 2), or a presence-only file of the shell before the
 * service rules ran (v: 1: the service starts empty). Another shape is refused with what is wrong.
 */
export function restoreRulesState(json: string): RulesState {
  if (json.length > 16_000_000) throw new Error(`counter state: ${json.length} characters is more than any real state (16 MB cap)`);
  let v: unknown;
  try { v = JSON.parse(json); } catch (err) { throw new Error(`counter state: not JSON (${(err as Error).message})`); }
  const o = v as { v?: unknown; presence?: unknown; service?: Partial<ServiceState> } | null;
  if (o && typeof o === 'object' && o.v === 1) return { presence: restoreCounterState(json), service: initialServiceState() };
  if (!o || typeof o !== 'object' || o.v !== 2) throw new Error('counter state: unknown version (expected v: 2)');
  const presence = restoreCounterState(JSON.stringify(o.presence ?? null));
  const sv = o.service;
  if (!sv || typeof sv !== 'object') throw new Error('counter state: service missing');
  const init = initialServiceState();
  for (const k of ['cases', 'evaluation', 'papers'] as const) {
    if (!sv[k] || typeof sv[k] !== 'object') throw new Error(`counter state: service.${k} must be an object`);
  }
  if (!sv.papers!.numbering || !Array.isArray(sv.papers!.issued)) throw new Error('counter state: service.papers needs numbering and issued[]');
  if (!Array.isArray(sv.evaluation!.rated) || !Array.isArray(sv.evaluation!.presses)) throw new Error('counter state: service.evaluation needs rated[] and presses[]');
  if (!Array.isArray(sv.cases!.accepted)) throw new Error('counter state: service.cases needs accepted[]');
  return { presence, service: { cases: { ...init.cases, ...sv.cases }, evaluation: { ...init.evaluation, ...sv.evaluation }, papers: { ...init.papers, ...sv.papers } } as ServiceState };
}
