// Shared by the counter rule tests: a default env (config defaults, China's calendar), a roster,
// and a driver that plays inputs through step() with ticks exactly at each nextDeadline(), as the
// shell's single timer would.
import { Value } from '@sinclair/typebox/value';
import { CounterConfigSchema, type CounterConfig } from '../../config/schema-counter.ts';
import { NameplateBoardSchema } from '../../drivers/eink/config.ts';
import type { PlateContent } from '../../drivers/eink/plate-content.ts';
import { chinaCalendar } from '../../core/calendar.ts';
import { initialCounterState, nextDeadline, step, type CounterEnv, type CounterState } from '../../device/counter/counter.ts';
import type { At, CounterInput, CounterOutput, WorkingCalendar } from '../../device/counter/types.ts';

export const ROSTER = [
  { staff_id: 'S01', name: '王芳', job_number: 'GZ0101', position: '综合受理员', duties: '社保医保业务受理', phone: '13800000001', regular: true },
  { staff_id: 'S02', name: '李强', job_number: 'GZ0102', position: '综合受理员', duties: '企业开办业务受理', phone: '13800000002', regular: true },
  { staff_id: 'S03', name: '赵敏', job_number: 'GZ0103', position: '后台审核员', duties: '顶岗补位', phone: '13800000003', regular: false },
  { staff_id: 'S04', name: '陈刚', job_number: 'GZ0104', position: '综合受理员', duties: '不动产登记受理', phone: '', regular: true },
];

export function makeEnv(counter: Record<string, unknown> = {}, calendar?: WorkingCalendar): CounterEnv {
  const c = Value.Default(CounterConfigSchema, structuredClone({ roster: ROSTER, ...counter })) as CounterConfig;
  if (!Value.Check(CounterConfigSchema, c)) throw new Error(`test config invalid: ${[...Value.Errors(CounterConfigSchema, c)].map((e) => `${e.path} ${e.message}`).join('; ')}`);
  const board = Value.Default(NameplateBoardSchema, { supervision_phone: '020-12345678' }) as CounterEnv['board'];
  return {
    window: { id: 'A07', name: '综合受理窗口', utc_offset_minutes: 480 },
    counter: c,
    board,
    calendar: calendar ?? chinaCalendar({ holidays: c.calendar.holidays, workdays: c.calendar.workdays, completeYears: c.calendar.complete_years }),
  };
}

/** Hall local time "YYYY-MM-DD HH:MM[:SS]" (+08:00) → At. */
export function at(local: string): At {
  const iso = local.length === 16 ? `${local}:00` : local;
  const wallMs = Date.parse(`${iso.replace(' ', 'T')}+08:00`);
  if (Number.isNaN(wallMs)) throw new Error(`bad time ${local}`);
  return { wallMs, monoMs: wallMs - Date.parse('2026-01-01T00:00:00+08:00'), quality: 'ntp' };
}

export const hhmm = (wallMs: number): string => new Date(wallMs + 480 * 60_000).toISOString().slice(11, 19);

export type Ev = [type: string, staff: string | undefined, data: Record<string, unknown>];
export const eventsOf = (outs: CounterOutput[]): Ev[] =>
  outs.flatMap((o) => (o.kind === 'event' ? [[o.event.type, o.event.staff_id, o.event.data ?? {}] as Ev] : []));
export const plateOf = (outs: CounterOutput[]): PlateContent | undefined =>
  outs.flatMap((o) => (o.kind === 'plate' ? [o.content] : [])).at(-1);
export const retainedOf = (outs: CounterOutput[]) =>
  outs.flatMap((o) => (o.kind === 'retained' ? [o.value] : [])).at(-1);

export interface Played {
  /** Local time of the step, "HH:MM:SS". */
  time: string;
  input: string;
  outputs: CounterOutput[];
}

/** Plays a counter: inputs at times, with a tick at every deadline in between. */
export class CounterPlayer {
  state: CounterState = initialCounterState();
  log: Played[] = [];
  constructor(public env: CounterEnv) {}

  /** Ticks exactly at each deadline up to (and including) wallMs. */
  runUntil(wallMs: number): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const d = nextDeadline(this.state, this.env);
      if (d === undefined || d > wallMs) return;
      this.apply({ kind: 'tick', at: { wallMs: d, monoMs: d, quality: 'ntp' } }, 'tick');
    }
    throw new Error('deadlines never settle');
  }

  /** Runs due deadlines, then the input. */
  send(input: CounterInput, label?: string): CounterOutput[] {
    this.runUntil(input.at.wallMs - 1);
    return this.apply(input, label ?? describe(input));
  }

  /** The input alone, as a shell whose timer fired late would deliver it (step catches up itself). */
  deliver(input: CounterInput): CounterOutput[] {
    return this.apply(input, describe(input));
  }

  private apply(input: CounterInput, label: string): CounterOutput[] {
    const r = step(this.state, input, this.env);
    this.state = r.state;
    this.log.push({ time: hhmm(input.at.wallMs), input: label, outputs: r.outputs });
    return r.outputs;
  }
}

function describe(i: CounterInput): string {
  if (i.kind === 'finger') return `finger ${i.staffId ?? '?'}`;
  if (i.kind === 'staffKey') return `key ${i.key}`;
  if (i.kind === 'command') return `cmd ${i.name}`;
  if (i.kind === 'link') return `link ${i.online ? 'up' : 'down'}`;
  return i.kind;
}

export const finger = (time: string, staffId: string | undefined): CounterInput => ({ kind: 'finger', at: at(time), staffId });
export const key = (time: string, k: string): CounterInput => ({ kind: 'staffKey', at: at(time), key: k });
export const cmd = (time: string, name: string, payload: Record<string, unknown>, cmdId = `c-${name}-${time}`): CounterInput =>
  ({ kind: 'command', at: at(time), name, cmdId, payload });
export const tick = (time: string): CounterInput => ({ kind: 'tick', at: at(time) });
