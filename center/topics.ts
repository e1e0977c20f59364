// The topic contract as the center reads it (design §6): `<prefix>/<hall>/<window>/<kind>[/levels]`.
// No level contains a `.`: a dotted event type or command name becomes levels
// (`evaluation.submitted` → `evt/evaluation/submitted`, `nameplate.show` → `cmd/nameplate/show`),
// because NATS (before 2.10) refuses dotted topics and RabbitMQ reads `.` as a separator.

/** Hall and window ids as the device config allows them (ASCII, no separators). */
export const ID = /^[A-Za-z0-9_-]{1,32}$/;

export type CenterTopic =
  | { kind: 'status' | 'birth' | 'ack'; hall: string; window: string }
  | { kind: 'state'; hall: string; window: string; part: string }
  | { kind: 'evt'; hall: string; window: string; type: string }
  | { kind: 'cmd' | 'cmd_res'; hall: string; window: string; name: string };

const cleanPrefix = (prefix: string) => prefix.replace(/^\/+|\/+$/g, '');

/** A dotted name (event type, command name) as topic levels. */
export const dottedToLevels = (name: string): string => name.split('.').join('/');

/** Topic levels back to the dotted name, or undefined when a level is empty or not plain ASCII. */
export function levelsToDotted(levels: string[]): string | undefined {
  if (levels.length === 0 || levels.length > 8) return undefined;
  return levels.every((l) => /^[A-Za-z0-9_-]{1,64}$/.test(l)) ? levels.join('.') : undefined;
}

/** What a topic under the prefix is, or undefined when it is not part of the contract. */
export function parseCenterTopic(prefix: string, topic: string): CenterTopic | undefined {
  const root = cleanPrefix(prefix) + '/';
  if (!topic.startsWith(root)) return undefined;
  const [hall, window, kind, ...rest] = topic.slice(root.length).split('/');
  if (!hall || !window || !kind || !ID.test(hall) || !ID.test(window)) return undefined;
  if ((kind === 'status' || kind === 'birth' || kind === 'ack') && rest.length === 0) return { kind, hall, window };
  if (kind === 'state' && rest.length === 1 && /^[A-Za-z0-9_-]{1,64}$/.test(rest[0]!)) return { kind, hall, window, part: rest[0]! };
  const dotted = levelsToDotted(rest);
  if (!dotted) return undefined;
  if (kind === 'evt') return { kind, hall, window, type: dotted };
  if (kind === 'cmd' || kind === 'cmd_res') return { kind, hall, window, name: dotted };
  return undefined;
}

export interface CenterTopics {
  /** Subscriptions every instance holds itself (retained: a shared subscription gets no retained messages). */
  own: string[];
  /** Subscriptions that may be shared across instances (`$share/<group>/…`): each message to one instance. */
  shared: string[];
  ack(hall: string, window: string): string;
  cmd(hall: string, window: string, name: string): string;
}

/**
 * Filters for one hall (or '+' for every hall). With a group, events, births and command answers
 * go through an MQTT 5 shared subscription so several ingest instances split the load.
 */
export function centerTopics(prefix: string, hall: string | '+', group?: string): CenterTopics {
  if (hall !== '+' && !ID.test(hall)) throw new Error(`center: hall "${hall}" is not an ASCII id (letters, digits, _ and -)`);
  if (group !== undefined && !ID.test(group)) throw new Error(`center: share group "${group}" is not an ASCII id`);
  const p = cleanPrefix(prefix);
  const base = `${p}/${hall}/+`;
  const share = (f: string) => (group ? `$share/${group}/${f}` : f);
  return {
    own: [`${base}/status`, `${base}/state/+`],
    shared: [`${base}/evt/#`, `${base}/birth`, `${base}/cmd_res/#`].map(share),
    ack: (h, w) => `${p}/${h}/${w}/ack`,
    cmd: (h, w, name) => `${p}/${h}/${w}/cmd/${dottedToLevels(name)}`,
  };
}
