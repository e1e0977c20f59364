// Which broker URL and which MQTT version the next connection attempt uses.
// URLs (a cluster without a load balancer) are tried in turn; under protocol_version 'auto' each URL
// is tried with MQTT 5 first and with 3.1.1 at once when the broker refuses 5. How brokers refuse 5
// (tried here): NATS 2.9 and aedes answer CONNACK return code 1 "Unacceptable protocol version";
// RabbitMQ 3.10 closes the socket without a CONNACK (it cannot parse the CONNECT). mqtt.js reports
// the first as an 'error' whose code is the CONNACK code, the second as a 'close' with no error.
import type { Config } from '../config/schema.ts';

export type ProtocolSetting = Config['mqtt']['protocol_version'];
export type ProtocolVersion = 4 | 5;

export interface ConnectTarget { url: string; protocolVersion: ProtocolVersion }

/** How an attempt that never got a CONNACK ended. */
export type AttemptFailure = 'protocol' | 'other';

/** What to do after a failed attempt: 3.1.1 on the same URL at once, the next URL soon, or back off. */
export type NextStep = 'fallback' | 'next-url' | 'backoff';

/** CONNACK codes that mean "not this protocol version": 3.1.1's 1 and MQTT 5's 0x84. */
const VERSION_REFUSED = new Set([1, 0x84]);

export function isVersionRefusal(code: unknown): boolean {
  return typeof code === 'number' && VERSION_REFUSED.has(code);
}

/** The broker list of an mqtt config section: `urls` when given, else `url`. */
export function brokerUrls(config: Pick<Config['mqtt'], 'url' | 'urls'>): string[] {
  return config.urls && config.urls.length > 0 ? [...config.urls] : [config.url];
}

export const protocolName = (v: ProtocolVersion): string => (v === 5 ? 'MQTT 5' : 'MQTT 3.1.1');

export class ConnectPlan {
  private index = 0;
  /** The version each URL last connected with (auto only): a reconnect starts there. */
  private readonly learned = new Map<string, ProtocolVersion>();
  private fallback = false;
  private failuresInRound = 0;
  /** Why the current target is 3.1.1 although 5 was tried first (for the log and health). */
  private refusedWith: string | undefined;

  constructor(private readonly urls: readonly string[], private readonly setting: ProtocolSetting) {
    if (urls.length === 0) throw new Error('ConnectPlan: at least one broker URL is needed');
  }

  get target(): ConnectTarget {
    const url = this.urls[this.index]!;
    if (this.setting !== 'auto') return { url, protocolVersion: this.setting };
    if (this.fallback) return { url, protocolVersion: 4 };
    return { url, protocolVersion: this.learned.get(url) ?? 5 };
  }

  /** Set when the current target fell back to 3.1.1: what the broker did with MQTT 5. */
  get fallbackReason(): string | undefined { return this.refusedWith; }

  /** The attempt got its CONNACK. */
  connected(): void {
    const { url, protocolVersion } = this.target;
    if (this.setting === 'auto') this.learned.set(url, protocolVersion);
    this.failuresInRound = 0;
  }

  /** The attempt ended before a CONNACK; `why` says what the broker did, for the log. */
  failed(how: AttemptFailure, why: string): NextStep {
    const { url, protocolVersion } = this.target;
    this.fallback = false;
    if (how === 'protocol') this.learned.delete(url);
    if (this.setting === 'auto' && how === 'protocol' && protocolVersion === 5) {
      this.fallback = true;
      this.refusedWith = why;
      return 'fallback';
    }
    this.refusedWith = undefined;
    this.index = (this.index + 1) % this.urls.length;
    this.failuresInRound++;
    if (this.failuresInRound >= this.urls.length) {
      this.failuresInRound = 0;
      return 'backoff';
    }
    return 'next-url';
  }

  /** An established connection ended: the reconnect goes to the next URL in turn. */
  lost(): void {
    this.fallback = false;
    this.failuresInRound = 0;
    this.index = (this.index + 1) % this.urls.length;
    this.refusedWith = undefined;
  }
}
