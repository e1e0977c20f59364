// Topic layout of design §6: everything a counter says or hears lives under <prefix>/<hall>/<window>/.
// Kept in one place so the publisher, the command subscriber, tests, the README and the center agree.
// No topic level contains a dot: NATS (before 2.10) refuses such topics and RabbitMQ reads `.` as a
// level separator. Dotted names (event types, command names) become several levels instead:
// `evaluation.submitted` → `evt/evaluation/submitted`, `nameplate.show` → `cmd/nameplate/show`.
// Pure functions only (no I/O), so a center can import them.

/** Longest dotted name (event type, command name) in characters; keeps every topic far below 65,535 bytes. */
export const MAX_NAME_CHARS = 64;
/** One level of a dotted name, and a whole state part: ASCII letters, digits, `_` and `-`. */
const LEVEL = /^[A-Za-z0-9_-]+$/;

/** Why `name` cannot be a dotted event type or command name, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_NAME_CHARS) return `is ${name.length} characters long (at most ${MAX_NAME_CHARS})`;
  const parts = name.split('.');
  const bad = parts.findIndex((p) => !LEVEL.test(p));
  if (bad >= 0) {
    return parts[bad] === ''
      ? 'has an empty part (leading, trailing or doubled dot)'
      : `part ${bad + 1} may hold only ASCII letters, digits, "_" and "-"`;
  }
  return undefined;
}

/** A dotted name as topic levels: `nameplate.show` → `nameplate/show`. Throws on an invalid name. */
export function nameToLevels(name: string): string {
  const problem = nameProblem(name);
  if (problem) throw new Error(`name "${excerpt(name)}" ${problem}`);
  return name.split('.').join('/');
}

/** Topic levels back to the dotted name: `nameplate/show` → `nameplate.show`, or why they are no name. */
export function levelsToName(levels: string): { ok: true; name: string } | { ok: false; error: string } {
  if (levels.length > MAX_NAME_CHARS) return { ok: false, error: `name is ${levels.length} characters long (at most ${MAX_NAME_CHARS})` };
  const parts = levels.split('/');
  if (parts.some((p) => p.includes('.'))) return { ok: false, error: 'a topic level contains "."' };
  const name = parts.join('.');
  const problem = nameProblem(name);
  return problem ? { ok: false, error: `name ${problem}` } : { ok: true, name };
}

/** Command name → topic levels after `cmd/` and `cmd_res/` (throws on an invalid name). */
export const commandToLevels = nameToLevels;

/**
 * Event type → topic levels after `evt/`. Event types come from our own services, and a type that is
 * not a valid name would make every publish of it fail and stall the queue behind it; so instead of
 * throwing, each part is made safe (other characters become `_`, an empty part `_`, the whole bounded).
 */
export function eventTypeToLevels(type: string): string {
  if (nameProblem(type) === undefined) return type.split('.').join('/');
  const parts = type.slice(0, MAX_NAME_CHARS).split('.').map((p) => p.replace(/[^A-Za-z0-9_-]/g, '_') || '_');
  return parts.join('/');
}

/** Topic levels after `evt/` → the event type (the payload's `type` is authoritative). */
export function eventLevelsToType(levels: string): string {
  return levels.split('/').join('.');
}

/** State parts are one topic level. */
export function statePartProblem(part: string): string | undefined {
  if (part.length === 0 || part.length > MAX_NAME_CHARS) return `must be 1–${MAX_NAME_CHARS} characters`;
  return LEVEL.test(part) ? undefined : 'may hold only ASCII letters, digits, "_" and "-" (it is one topic level)';
}

export type TopicKind = 'status' | 'birth' | 'ack' | 'state' | 'evt' | 'cmd' | 'cmd_res';
const KINDS: ReadonlySet<string> = new Set<TopicKind>(['status', 'birth', 'ack', 'state', 'evt', 'cmd', 'cmd_res']);
const LEAF_KINDS: ReadonlySet<string> = new Set<TopicKind>(['status', 'birth', 'ack']);

export interface ParsedTopic {
  hall: string;
  window: string;
  kind: TopicKind;
  /** The dotted event type or command name, or the state part; absent for status/birth/ack. */
  name?: string;
  /** Set when the levels after `evt/`, `cmd/`, `cmd_res/` or `state/` are no valid name. */
  error?: string;
}

/**
 * Any topic under `<prefix>/<hall>/<window>/` (e.g. what a center receives on `zwfw/v1/+/+/evt/#`),
 * hall and window taken from the topic; undefined when it is not one of ours. The bare `cmd_res`
 * (answers to commands whose name was invalid) parses as kind `cmd_res` without a name.
 */
export function parseTopic(prefix: string, topic: string): ParsedTopic | undefined {
  const head = `${cleanPrefix(prefix)}/`;
  if (!topic.startsWith(head)) return undefined;
  const [hall, window, kind, ...rest] = topic.slice(head.length).split('/');
  if (!hall || !window || !kind || !KINDS.has(kind)) return undefined;
  const base = { hall, window, kind: kind as TopicKind };
  if (LEAF_KINDS.has(kind)) return rest.length === 0 ? base : undefined;
  if (rest.length === 0) return kind === 'cmd_res' ? base : undefined;
  const levels = rest.join('/');
  if (kind === 'state') {
    const problem = rest.length === 1 ? statePartProblem(levels) : 'is several levels';
    return problem ? { ...base, error: `state part ${problem}` } : { ...base, name: levels };
  }
  const named = levelsToName(levels);
  return named.ok ? { ...base, name: named.name } : { ...base, error: named.error };
}

export interface Topics {
  root: string;
  status: string;
  birth: string;
  ack: string;
  /** Subscription filter for every command addressed to this window (`cmd/#`). */
  cmdFilter: string;
  /** Where a command whose name is invalid is answered (no name level: its name cannot be one). */
  cmdResInvalid: string;
  state(part: string): string;
  evt(type: string): string;
  /** Throws on an invalid command name (use cmdResInvalid for those). */
  cmdRes(name: string): string;
  /** What an incoming topic is, relative to this window's root; undefined when it is not ours. */
  parse(topic: string): { kind: 'cmd'; name: string } | { kind: 'cmd'; error: string; levels: string } | { kind: 'ack' } | undefined;
}

export function buildTopics(prefix: string, hall: string, window: string): Topics {
  const root = `${cleanPrefix(prefix)}/${hall}/${window}/`;
  const cmdRoot = `${root}cmd/`;
  return {
    root,
    status: `${root}status`,
    birth: `${root}birth`,
    ack: `${root}ack`,
    cmdFilter: `${cmdRoot}#`,
    cmdResInvalid: `${root}cmd_res`,
    state: (part) => `${root}state/${part}`,
    evt: (type) => `${root}evt/${eventTypeToLevels(type)}`,
    cmdRes: (name) => `${root}cmd_res/${commandToLevels(name)}`,
    parse(topic) {
      if (topic === `${root}ack`) return { kind: 'ack' };
      // `cmd/#` also matches the bare `cmd` (MQTT: `#` includes the parent level): answered, not dropped.
      if (topic === `${root}cmd`) return { kind: 'cmd', error: 'name is empty', levels: '' };
      if (!topic.startsWith(cmdRoot)) return undefined;
      const levels = topic.slice(cmdRoot.length);
      const named = levelsToName(levels);
      return named.ok ? { kind: 'cmd', name: named.name } : { kind: 'cmd', error: named.error, levels: excerpt(levels) };
    },
  };
}

function cleanPrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

/** A bounded, printable excerpt of a hostile name for messages. */
export function excerpt(s: string, max = 40): string {
  const printable = s.slice(0, max).replace(/[\u0000-\u001f\u007f]/g, '?');
  return s.length > max ? `${printable}… (${s.length} chars)` : printable;
}
