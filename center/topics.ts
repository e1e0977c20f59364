// The topic contract as the center reads it (design §6), built on the shared pure helpers of
// sync/mqtt-topics.ts so device and center cannot drift: `<prefix>/<hall>/<window>/<kind>[/levels]`,
// no level contains a `.` (`evaluation.submitted` → `evt/evaluation/submitted`,
// `nameplate.show` → `cmd/nameplate/show` → `cmd_res/nameplate/show`).
import { commandToLevels, parseTopic } from '../sync/mqtt-topics.ts';

/** Hall and window ids as the device config allows them (ASCII, no separators). */
export const ID = /^[A-Za-z0-9_-]{1,32}$/;

export type CenterTopic =
  | { kind: 'status' | 'birth' | 'ack'; hall: string; window: string }
  | { kind: 'state'; hall: string; window: string; part: string }
  | { kind: 'evt'; hall: string; window: string; type: string }
  | { kind: 'cmd' | 'cmd_res'; hall: string; window: string; name: string };

const cleanPrefix = (prefix: string) => prefix.replace(/^\/+|\/+$/g, '');

/** What a topic under the prefix is, or undefined when it is not part of the contract. */
export function parseCenterTopic(prefix: string, topic: string): CenterTopic | undefined {
  const t = parseTopic(prefix, topic);
  if (!t || t.error !== undefined || !ID.test(t.hall) || !ID.test(t.window)) return undefined;
  const { hall, window } = t;
  switch (t.kind) {
    case 'status': case 'birth': case 'ack': return { kind: t.kind, hall, window };
    case 'state': return t.name ? { kind: 'state', hall, window, part: t.name } : undefined;
    case 'evt': return t.name ? { kind: 'evt', hall, window, type: t.name } : undefined;
    case 'cmd': case 'cmd_res': return t.name ? { kind: t.kind, hall, window, name: t.name } : undefined;
  }
}

export interface CenterTopics {
  /** Subscriptions every instance holds itself (retained: a shared subscription gets no retained messages). */
  own: string[];
  /** Subscriptions that may be shared across instances (`$share/<group>/…`): each message to one instance. */
  shared: string[];
  ack(hall: string, window: string): string;
  /** Throws on an invalid command name. */
  cmd(hall: string, window: string, name: string): string;
}

/**
 * Filters for one hall (or '+' for every hall). With a group, events, births and command answers
 * go through an MQTT 5 shared subscription so several ingest instances split the load.
 */
export function centerTopics(prefix: string, hall: string, group?: string): CenterTopics {
  if (hall !== '+' && !ID.test(hall)) throw new Error(`center: hall "${hall}" is not an ASCII id (letters, digits, _ and -)`);
  if (group !== undefined && !ID.test(group)) throw new Error(`center: share group "${group}" is not an ASCII id`);
  const p = cleanPrefix(prefix);
  const base = `${p}/${hall}/+`;
  const share = (f: string) => (group ? `$share/${group}/${f}` : f);
  return {
    own: [`${base}/status`, `${base}/state/+`],
    shared: [`${base}/evt/#`, `${base}/birth`, `${base}/cmd_res/#`].map(share),
    ack: (h, w) => `${p}/${h}/${w}/ack`,
    cmd: (h, w, name) => `${p}/${h}/${w}/cmd/${commandToLevels(name)}`,
  };
}
