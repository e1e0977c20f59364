// Topic layout of design §6: everything a counter says or hears lives under <prefix>/<hall>/<window>/.
// Kept in one place so the publisher, the command subscriber, tests and the README agree.

/** Command and state-part names become one topic level: ASCII, no wildcards, no separators. */
export const TOPIC_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface Topics {
  root: string;
  status: string;
  birth: string;
  ack: string;
  /** Subscription filter for every command addressed to this window. */
  cmdFilter: string;
  state(part: string): string;
  evt(type: string): string;
  cmdRes(name: string): string;
  /** What an incoming topic is, relative to this window's root; undefined when it is not ours. */
  parse(topic: string): { kind: 'cmd'; name: string } | { kind: 'ack' } | undefined;
}

export function buildTopics(prefix: string, hall: string, window: string): Topics {
  const cleanPrefix = prefix.replace(/^\/+|\/+$/g, '');
  const root = `${cleanPrefix}/${hall}/${window}/`;
  const cmdRoot = `${root}cmd/`;
  return {
    root,
    status: `${root}status`,
    birth: `${root}birth`,
    ack: `${root}ack`,
    cmdFilter: `${cmdRoot}+`,
    state: (part) => `${root}state/${part}`,
    evt: (type) => `${root}evt/${eventTopicLevel(type)}`,
    cmdRes: (name) => `${root}cmd_res/${name}`,
    parse(topic) {
      if (topic === `${root}ack`) return { kind: 'ack' };
      if (topic.startsWith(cmdRoot)) {
        const name = topic.slice(cmdRoot.length);
        if (name.length > 0 && !name.includes('/')) return { kind: 'cmd', name };
      }
      return undefined;
    },
  };
}

/**
 * Event types come from our own services, but a type with a wildcard or control character would
 * make every publish of it fail and stall the queue behind it, so such characters are replaced.
 */
export function eventTopicLevel(type: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = type.replace(/[+#/\u0000-\u001f\u007f]/g, '_');
  return safe.length > 0 ? safe : 'unknown';
}
