// The shape every rule family of the counter shares (design §11): inputs carry their time, a step
// returns the new state and outputs, and nextDeadline says when a rule must look again. No I/O,
// no Date.now, no timers in device/counter/: the shell in device/ does those.
import type { TimeQuality } from '../../core/clock.ts';
import type { EventInput } from '../../core/events.ts';
import type { PlateContent } from '../../drivers/eink/plate-content.ts';
import type { PrintDocument } from '../../drivers/printer/document.ts';

/** When an input happened: wall ms (epoch), monotonic ms and how far the wall clock is trusted. */
export interface At {
  wallMs: number;
  monoMs: number;
  quality: TimeQuality;
}

// The working-day calendar lives in core/ (the center counts the same days); its types are the rules' too.
export type { LocalDate, WorkingCalendar } from '../../core/calendar.ts';

/** An output that becomes an outbox event (appended before anything else is applied). */
export interface EventOutput {
  kind: 'event';
  event: EventInput;
  /** A high-priority event (e.g. evaluation.complaint) the shell may publish ahead of telemetry. */
  urgent?: boolean;
}

export interface RetainedOutput {
  kind: 'retained';
  /** state/<part> on MQTT (retained). */
  part: string;
  value: Record<string, unknown>;
}

export interface RejectOutput {
  kind: 'reject';
  /** Why a command was refused; a command that is rejected changes no state and emits no event. */
  reason: string;
}

/** What the rules hear. Every input carries its time; the shell makes them from drivers and commands. */
export type CounterInput =
  /** A finger on the reader: a roster staff id, or undefined for a finger the module does not know. */
  | { kind: 'finger'; at: At; staffId: string | undefined; score?: number }
  /** A citizen's evaluation button (a key of the configured level set). */
  | { kind: 'evalKey'; at: At; key: string }
  /** A staff key (呼叫, 完成, 重呼, 过号, 暂停, 离岗, 补打 …, from config). */
  | { kind: 'staffKey'; at: At; key: string }
  /** A validated command from the center or the local API (payload already schema-checked). */
  | { kind: 'command'; at: At; name: string; cmdId: string; payload: Record<string, unknown> }
  /** What became of a print job the rules asked for. */
  | { kind: 'printResult'; at: At; docId: string; ok: boolean; reason?: string }
  /** Whether the center is reachable (for the nameplate's "last synced" mark). */
  | { kind: 'link'; at: At; online: boolean }
  /** A deadline from nextDeadline came due (or any time the shell wants the rules to look again). */
  | { kind: 'tick'; at: At };

/** Light patterns for the evaluation buttons (e.g. all lit while a rating is invited). */
export interface LightsOutput {
  kind: 'lights';
  /** key → mode; keys not named are off. */
  pattern: Record<string, 'on' | 'off' | { blink_ms: number } | { flash_ms: number }>;
}

export interface PlateOutput {
  kind: 'plate';
  content: PlateContent;
}

export interface PrintOutput {
  kind: 'print';
  /** Idempotency key of the paper (a reprint has its own). */
  docId: string;
  document: PrintDocument;
}

export type CounterOutput = EventOutput | RetainedOutput | RejectOutput | LightsOutput | PlateOutput | PrintOutput;

/**
 * The shape of each rule family (window, attendance, away, cases, evaluation, papers):
 * step(state, input, env) → { state, outputs }; nextDeadline(state) → wall ms or undefined.
 * counter.ts composes the families in a fixed order.
 */
export interface StepResult<S> {
  state: S;
  outputs: CounterOutput[];
}
