// One MQTT connection to the center's broker, reconnected by us (not by mqtt.js) with capped
// exponential backoff and jitter. Every attempt gets a fresh mqtt.js client so nothing from a dead
// connection (its in-flight store, its offline queue) is ever replayed: the outbox is the queue.
import { EventEmitter } from 'node:events';
import { readFile as fsReadFile } from 'node:fs/promises';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import type { Clock } from '../core/clock.ts';
import type { Scheduler, TimerHandle } from '../core/scheduler.ts';
import { defaultClock, defaultScheduler, waitUntil } from './sync-time.ts';
import { backoffMs } from '../drivers/driver.ts';
import { brokerUrls, ConnectPlan, isVersionRefusal, protocolName, type NextStep, type ProtocolVersion } from './mqtt-connect-plan.ts';

export type MqttConfig = Config['mqtt'];

export interface ConnectionDeps {
  config: MqttConfig;
  clientId: string;
  /** Sent only with a password or when config.username is set (brokers refuse a user with an empty password). */
  username: string;
  /** Resolved secret; when absent, config.password or config.password_file is used. */
  password?: string;
  /** Retained last will (the service's offline status); a diagnostic connection has none. */
  will?: { topic: string; payload: string };
  logger: Logger;
  readFile?: (path: string) => Promise<Buffer>;
  /** A connection that lasted this long resets the backoff (a flapping one keeps backing off). */
  stableAfterMs?: number;
  random?: () => number;
  /** Time and timers (default: the system's). */
  clock?: Clock;
  scheduler?: Scheduler;
}

/** Largest packet we accept from the broker (MQTT 5 tells the broker; bigger ones are never sent). */
export const MAX_INCOMING_PACKET = 256 * 1024;

/**
 * Events: 'up' (client) after CONNACK, 'down' (reason) when an established connection ends,
 * 'message' (topic, payload) for every incoming publish.
 */
export class MqttConnection extends EventEmitter {
  private client: MqttClient | undefined;
  private isConnected = false;
  private stopped = true;
  private gen = 0;
  private attempt = 0;
  private connectedAt = 0;
  private retryTimer: TimerHandle | undefined;
  private guardTimer: TimerHandle | undefined;
  private secrets: { password?: string; ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined;
  private lastLoggedReason: string | undefined;
  private pendingReason: string | undefined;
  private successfulConnects = 0;
  private plan: ConnectPlan | undefined;
  private versionRefused: string | undefined;
  private sentUsername: string | undefined;
  /** The simulator cut the link: no connection is attempted until resume(). */
  private paused = false;
  lastError: string | undefined;

  private readonly clock: Clock;
  private readonly scheduler: Scheduler;

  constructor(private readonly deps: ConnectionDeps) {
    super();
    this.clock = defaultClock(deps.clock);
    this.scheduler = defaultScheduler(deps.scheduler);
  }

  /** URL of the broker in use (or tried next) without user info, safe for logs. */
  get safeUrl(): string { return safeUrl(this.plan?.target.url ?? brokerUrls(this.deps.config)[0]!); }
  get connected(): boolean { return this.isConnected; }
  /** The MQTT version of the established connection. */
  get protocolVersion(): ProtocolVersion | undefined { return this.isConnected ? this.plan?.target.protocolVersion : undefined; }
  /** The user name the last attempt sent (none without a password unless mqtt.username is set). */
  get username(): string | undefined { return this.sentUsername; }
  get current(): MqttClient | undefined { return this.isConnected ? this.client : undefined; }
  /** Connections established after the first one. */
  get reconnects(): number { return Math.max(0, this.successfulConnects - 1); }

  async start(): Promise<void> {
    this.stopped = false;
    const { tls, protocol_version } = this.deps.config;
    const urls = brokerUrls(this.deps.config);
    this.plan ??= new ConnectPlan(urls, protocol_version);
    for (const url of urls) {
      if (tls && /^(mqtt|tcp|ws):/.test(url)) {
        this.deps.logger.warn(`mqtt: tls settings are ignored because the url ${safeUrl(url)} is not mqtts:// or wss://`);
      }
    }
    this.attemptConnect();
  }

  /** Ends the connection: politely (DISCONNECT, so the broker drops the will) within timeoutMs, then by force. */
  async stop(timeoutMs = 1000): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    const client = this.client;
    const wasConnected = this.isConnected;
    this.gen++;
    this.client = undefined;
    this.isConnected = false;
    if (!client) return;
    if (wasConnected) {
      await waitUntil(this.scheduler, (done) => client.end(false, {}, done), timeoutMs);
      this.emit('down', 'stop');
    }
    discard(client);
  }

  /** Drops the current connection (e.g. the broker refused a publish) and reconnects with backoff. */
  drop(reason: string): void {
    const client = this.client;
    if (!client || this.stopped) return;
    this.pendingReason = reason;
    this.onClosed(this.gen, client);
  }

  /**
   * The simulator's "pull the cable" (demo only): the connection goes without a DISCONNECT, so the
   * broker publishes the will as it would for a real loss, and none is attempted until resume().
   */
  pause(reason = 'link cut (simulator)'): void {
    if (this.paused) return;
    this.paused = true;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    const client = this.client;
    if (client) {
      this.pendingReason = reason;
      this.onClosed(this.gen, client);
    }
  }

  /** Ends a pause: connects at once, with a fresh backoff. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.attempt = 0;
    if (!this.stopped && !this.client && !this.retryTimer) this.attemptConnect();
  }

  get isPaused(): boolean { return this.paused; }

  private attemptConnect(): void {
    this.retryTimer = undefined;
    if (this.stopped || this.paused) return;
    const gen = ++this.gen;
    this.loadSecrets().then(
      (secrets) => { if (gen === this.gen && !this.stopped && !this.paused) this.open(gen, secrets); },
      (err: Error) => { if (gen === this.gen) { this.noteError(err.message); this.scheduleRetry(); } },
    );
  }

  private open(gen: number, secrets: NonNullable<MqttConnection['secrets']>): void {
    const { config } = this.deps;
    const target = this.plan!.target;
    this.versionRefused = undefined;
    const opts: IClientOptions = {
      protocolVersion: target.protocolVersion,
      clientId: config.client_id ?? this.deps.clientId,
      clean: true,
      keepalive: config.keepalive_s,
      connectTimeout: config.connect_timeout_ms,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
    };
    const will = this.deps.will;
    if (will) opts.will = { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true };
    // RabbitMQ and ejabberd refuse a user name that comes with an empty password: send none then.
    const password = secrets.password === '' ? undefined : secrets.password;
    if (password !== undefined) opts.password = password;
    if (password !== undefined || config.username !== undefined) opts.username = config.username ?? this.deps.username;
    this.sentUsername = opts.username;
    if (target.protocolVersion === 5) opts.properties = { maximumPacketSize: MAX_INCOMING_PACKET };
    if (config.tls) {
      opts.rejectUnauthorized = config.tls.reject_unauthorized;
      if (secrets.ca) opts.ca = secrets.ca;
      if (secrets.cert) opts.cert = secrets.cert;
      if (secrets.key) opts.key = secrets.key;
      if (config.tls.servername) opts.servername = config.tls.servername;
    }
    let client: MqttClient;
    try {
      client = connect(target.url, opts);
    } catch (err) {
      const url = this.safeUrl;
      this.noteError(describeMqttError(err), false, url);
      this.scheduleRetry(this.plan!.failed('other', describeMqttError(err)));
      return;
    }
    this.client = client;
    // mqtt.js has its own connect timeout; this guard covers a socket that neither connects nor closes.
    this.guardTimer = this.scheduler.timeout(config.connect_timeout_ms + 2000, () => {
      if (gen === this.gen && !this.isConnected) { this.pendingReason = 'connect timed out'; this.onClosed(gen, client); }
    });
    client.on('connect', () => {
      if (gen !== this.gen) return;
      this.guardTimer?.cancel();
      this.isConnected = true;
      this.connectedAt = this.clock.monoMs();
      this.successfulConnects++;
      const refused = this.plan!.fallbackReason;
      const proto = `${protocolName(target.protocolVersion)}${refused ? `; the broker refused MQTT 5: ${refused}` : ''}`;
      this.plan!.connected();
      if (this.lastError) this.deps.logger.info(`mqtt: connected to ${this.safeUrl} (${proto}) (after: ${this.lastError})`);
      else this.deps.logger.info(`mqtt: connected to ${this.safeUrl} (${proto})`);
      this.lastError = undefined;
      this.lastLoggedReason = undefined;
      this.emit('up', client);
    });
    client.on('message', (topic, payload) => { if (gen === this.gen) this.emit('message', topic, payload); });
    client.on('error', (err) => {
      if (gen !== this.gen) return;
      this.pendingReason = describeMqttError(err);
      if (!this.isConnected && isVersionRefusal((err as { code?: unknown }).code)) this.versionRefused = `CONNACK code ${String((err as { code?: unknown }).code)} (${this.pendingReason})`;
    });
    client.on('disconnect', (packet) => {
      if (gen !== this.gen) return;
      const code = packet.reasonCode ?? 0;
      const why = packet.properties?.reasonString;
      this.pendingReason = `broker sent DISCONNECT (reason code ${code}${why ? `: ${why}` : ''})`;
    });
    client.on('close', () => this.onClosed(gen, client));
  }

  private onClosed(gen: number, client: MqttClient): void {
    if (gen !== this.gen) return;
    this.gen++;
    this.guardTimer?.cancel();
    const wasConnected = this.isConnected;
    this.isConnected = false;
    this.client = undefined;
    // A broker that cannot parse an MQTT 5 CONNECT (RabbitMQ < 3.13) just closes: no error, no CONNACK.
    const closedOnV5 = !wasConnected && this.pendingReason === undefined && this.plan!.target.protocolVersion === 5;
    const byConnack = this.versionRefused !== undefined;
    const refusal = this.versionRefused ?? (closedOnV5 ? 'it closed the connection without a CONNACK' : undefined);
    const reason = this.pendingReason ?? (wasConnected ? 'connection lost' : 'connection closed before CONNACK');
    this.pendingReason = undefined;
    this.versionRefused = undefined;
    if (wasConnected && this.clock.monoMs() - this.connectedAt >= (this.deps.stableAfterMs ?? 10_000)) this.attempt = 0;
    // 'down' first, so listeners forget the client before mqtt.js fails its pending callbacks.
    if (wasConnected && !this.stopped) this.emit('down', reason);
    discard(client);
    if (this.stopped) return;
    const url = this.safeUrl;
    if (wasConnected) this.plan!.lost();
    const step: NextStep = wasConnected ? 'backoff' : this.plan!.failed(refusal ? 'protocol' : 'other', refusal ?? reason);
    const fixed5 = refusal !== undefined && this.deps.config.protocol_version === 5;
    // A CONNACK says so for certain; a bare close only suggests it.
    const hint = !fixed5 ? '' : byConnack
      ? ' (the broker does not speak MQTT 5: set mqtt.protocol_version to auto or 4)'
      : ' (a broker that does not speak MQTT 5 does this: try mqtt.protocol_version auto or 4)';
    if (step === 'fallback') this.deps.logger.info(`mqtt: ${url} refused MQTT 5 (${refusal}); trying MQTT 3.1.1`);
    else this.noteError(reason + hint, wasConnected, url);
    this.scheduleRetry(step);
  }

  private noteError(reason: string, wasConnected = false, url = this.safeUrl): void {
    this.lastError = reason;
    // Repeating the same failure every few seconds would flood the journal: log a reason once.
    if (`${url} ${reason}` === this.lastLoggedReason && !wasConnected) {
      this.deps.logger.debug(`mqtt: still cannot connect to ${url}: ${reason}`);
      return;
    }
    this.lastLoggedReason = `${url} ${reason}`;
    const line = wasConnected ? `mqtt: connection to ${url} lost: ${reason}` : `mqtt: cannot connect to ${url}: ${reason}`;
    this.deps.logger.warn(line, { url });
  }

  /** 3.1.1 after a refused 5 goes at once; the next URL of a round after reconnect_min_ms; a failed round backs off. */
  private scheduleRetry(step: NextStep = 'backoff'): void {
    if (this.stopped || this.paused || this.retryTimer) return;
    const { reconnect_min_ms: min, reconnect_max_ms: max } = this.deps.config;
    const delay = step === 'fallback' ? 0 : step === 'next-url' ? min : backoffMs(this.attempt++, min, Math.max(min, max), this.deps.random);
    this.retryTimer = this.scheduler.timeout(delay, () => this.attemptConnect());
  }

  private clearTimers(): void {
    this.retryTimer?.cancel();
    this.guardTimer?.cancel();
    this.retryTimer = undefined;
    this.guardTimer = undefined;
  }

  /** Files are read once they can be; a missing CA file is retried like an unreachable broker. */
  private async loadSecrets(): Promise<NonNullable<MqttConnection['secrets']>> {
    if (this.secrets) return this.secrets;
    const { config } = this.deps;
    const read = this.deps.readFile ?? fsReadFile;
    const load = async (key: string, path: string | undefined): Promise<Buffer | undefined> => {
      if (!path) return undefined;
      try { return await read(path); } catch (err) {
        throw new Error(`cannot read mqtt.${key} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    };
    let password = this.deps.password ?? config.password;
    if (password === undefined && config.password_file) {
      password = (await load('password_file', config.password_file))!.toString('utf8').replace(/\r?\n$/, '');
    }
    const secrets = {
      password,
      ca: await load('tls.ca_file', config.tls?.ca_file),
      cert: await load('tls.cert_file', config.tls?.cert_file),
      key: await load('tls.key_file', config.tls?.key_file),
    };
    this.secrets = secrets;
    return secrets;
  }
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|ALTNAME|ERR_SSL|ERR_TLS|EPROTO/;

/** One line a technician can act on: "Not authorized", "certificate verify failed: ...", ... */
export function describeMqttError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string') {
    if (TLS_CODES.test(code)) return `certificate verify failed: ${err.message} (${code})`;
    if (code === 'ECONNREFUSED') return 'connection refused (is the broker running?)';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found (${code})`;
    if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `network unreachable (${code})`;
    return `${err.message} (${code})`;
  }
  // mqtt.js reports CONNACK refusals as "Connection refused: Not authorized" with a numeric code.
  return err.message.replace(/^Connection refused: /, '');
}

export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

function discard(client: MqttClient): void {
  client.removeAllListeners();
  // A late socket error on a client we no longer use must not become an uncaught exception.
  client.on('error', () => undefined);
  client.end(true);
}
