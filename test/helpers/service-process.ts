// The real service as a child process (`node <build>/device/main.js run --config FILE`, compiled
// once by service-build.ts) for fault tests: spawn, learn the API port from the "counter started"
// log line (the config asks for port 0, so no port is ever guessed), talk to the local API, watch
// committed events, kill -9 or stop it with SIGTERM. Also a subscriber with a persistent session, for tests where the broker
// goes away (the broker itself: startMosquitto in brokers.ts, with down()/up()).
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import type { EventEnvelope } from '../../core/events.ts';
import type { Received } from './brokers.ts';
import { serviceCommand } from './service-build.ts';

const live = new Set<ServiceProcess>();

export interface Exit { code: number | null; signal: NodeJS.Signals | null }
export interface Health {
  state: string;
  boot: number;
  outbox: { pending: number; last_seq: number; last_published_seq: number; write_error: string | null; cap_reached: boolean; bytes: number };
  mqtt: { connected: boolean; lastError?: string };
  [k: string]: unknown;
}

export interface SpawnOptions {
  configPath: string;
  env?: Record<string, string>;
  /** How long `ready` waits for the "counter started" line after the spawn (default 30 s). */
  readyTimeoutMs?: number;
}

export class ServiceProcess {
  /** The child process, once spawned (the first start in a test process waits for the build). */
  child: ChildProcess | undefined;
  /** Parsed JSON log lines from stderr (the service logs JSON lines there). */
  readonly logs: Array<Record<string, unknown>> = [];
  /** Resolves with the API port once the service logged "counter started"; rejects if it exits or times out first. */
  readonly ready: Promise<number>;
  readonly exited: Promise<Exit>;
  /** Resolves once the child is spawned (or could not be). */
  readonly spawned: Promise<void>;
  private tail = '';
  private port = 0;
  private exit: Exit | undefined;
  private killRequested = false;

  constructor(opts: SpawnOptions) {
    live.add(this);
    let exited!: (e: Exit) => void;
    this.exited = new Promise<Exit>((resolve) => { exited = resolve; });
    void this.exited.then(() => live.delete(this));
    let readyResolve!: (port: number) => void;
    let readyReject!: (err: Error) => void;
    this.ready = new Promise<number>((resolve, reject) => { readyResolve = resolve; readyReject = reject; });
    this.ready.catch(() => undefined);
    this.spawned = serviceCommand().then((cmd) => {
      if (this.killRequested) { this.exit = { code: null, signal: 'SIGKILL' }; exited(this.exit); readyReject(new Error('killed before it was spawned')); return; }
      const child = spawn(cmd.execPath, [...cmd.args, 'run', '--config', opts.configPath], {
        cwd: cmd.cwd,
        env: { ...inheritedEnv(), ...opts.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      this.child = child;
      child.once('exit', (code, signal) => { this.exit = { code, signal }; exited(this.exit); });
      // The ready timer starts at the spawn: the one-time build is not the service's start-up.
      const timeoutMs = opts.readyTimeoutMs ?? 30_000;
      const timer = setTimeout(() => readyReject(new Error(`service did not start within ${timeoutMs} ms (${cmd.how})\n${this.stderrTail()}`)), timeoutMs);
      void this.exited.then((e) => { clearTimeout(timer); readyReject(new Error(`service exited before it was ready (code ${e.code}, signal ${e.signal})\n${this.stderrTail()}`)); });
      let partial = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        this.tail = (this.tail + text).slice(-8000);
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.startsWith('{')) continue;
          let rec: Record<string, unknown>;
          try { rec = JSON.parse(line) as Record<string, unknown>; } catch { continue; }
          this.logs.push(rec);
          if (rec.msg === 'counter started' && typeof rec.api_port === 'number') {
            this.port = rec.api_port;
            clearTimeout(timer);
            readyResolve(rec.api_port);
          }
        }
      });
    }, (err: Error) => {
      this.exit = { code: null, signal: null };
      exited(this.exit);
      readyReject(err);
    });
  }

  get pid(): number { return this.child?.pid ?? -1; }
  get apiPort(): number { return this.port; }
  get running(): boolean { return this.exit === undefined; }
  stderrTail(): string { return this.tail.split('\n').slice(-25).join('\n'); }

  async api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    if (!this.port) throw new Error('service API port not known yet (await ready first)');
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers: method === 'POST' ? { 'content-type': 'application/json' } : {}, timeout: 10_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => {
          let json: unknown;
          try { json = JSON.parse(text); } catch { json = text; }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  async health(): Promise<Health> {
    const r = await this.api('GET', '/api/health');
    if (r.status !== 200) throw new Error(`GET /api/health answered ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json as Health;
  }

  /** A simulated key press; resolves with the HTTP status (200 = the service took it). */
  async press(button: string, holdMs = 0): Promise<number> {
    return (await this.api('POST', '/api/sim/press', { button, hold_ms: holdMs })).status;
  }

  /** Polls /api/health until `match` holds; the error names `what` and shows the last health seen. */
  async waitForHealth(match: (h: Health) => boolean, timeoutMs: number, what: string): Promise<Health> {
    const deadline = Date.now() + timeoutMs;
    let last: Health | undefined;
    let lastErr: unknown;
    for (;;) {
      if (!this.running) throw new Error(`service exited while waiting for ${what}\n${this.stderrTail()}`);
      try {
        last = await this.health();
        if (match(last)) return last;
      } catch (err) { lastErr = err; }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last health: ${JSON.stringify(last ?? String(lastErr))}`);
      }
      await sleep(100);
    }
  }

  /**
   * Streams committed events from GET /api/events (server-sent events, sent after the outbox
   * commit): the service's own statement of what it has made durable.
   */
  watchCommitted(): CommittedStream {
    const events: EventEnvelope[] = [];
    let res: IncomingMessage | undefined;
    const req = request({ host: '127.0.0.1', port: this.port, method: 'GET', path: '/api/events' }, (r) => {
      res = r;
      let buf = '';
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          // Unnamed frames are committed events; named ones (event: health) are something else.
          const lines = frame.split('\n');
          if (lines.some((l) => l.startsWith('event: '))) continue;
          for (const line of lines) {
            if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as EventEnvelope);
          }
        }
      });
      r.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.end();
    return { events, stop() { res?.destroy(); req.destroy(); } };
  }

  /** SIGKILL: no cleanup, no DISCONNECT, nothing flushed. */
  async kill9(): Promise<Exit> {
    this.killRequested = true;
    await this.spawned;
    if (this.running) this.child?.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM and wait; SIGKILL after timeoutMs so a hung stop cannot hang the test run. */
  async terminate(timeoutMs = 20_000): Promise<Exit> {
    await this.spawned;
    if (!this.running || !this.child) return this.exited;
    const child = this.child;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

/** The test runner's environment minus anything that would steer the service (overrides, systemd). */
function inheritedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('COUNTER_EDGE_') && !['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'].includes(k)) env[k] = v;
  }
  return env;
}

export interface CommittedStream { events: EventEnvelope[]; stop(): void }

/** Spawns the service and waits until it is ready. */
export async function startService(opts: SpawnOptions): Promise<ServiceProcess> {
  const service = new ServiceProcess(opts);
  await service.ready;
  return service;
}

/** Kills every service this module started that is still running (for after() hooks). */
export async function killAllServices(): Promise<void> {
  await Promise.all([...live].map((s) => s.kill9()));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------- a subscriber with a persistent session ----------

export interface SessionSubscriber {
  messages: Received[];
  client: import('mqtt').MqttClient;
  waitFor(match: (m: Received) => boolean, timeoutMs: number, what: string): Promise<Received>;
  stop(): Promise<void>;
}

/**
 * MQTT 5, clean start off and a long session expiry: the broker keeps queueing QoS 1 messages for
 * it while it is disconnected (and across a broker restart when the broker persists sessions).
 */
export async function startSessionSubscriber(url: string, filter: string, clientId: string): Promise<SessionSubscriber> {
  const { connectAsync } = await import('mqtt');
  const client = await connectAsync(url, {
    protocolVersion: 5, clientId, clean: false, reconnectPeriod: 100, connectTimeout: 3000,
    properties: { sessionExpiryInterval: 3600 },
  });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8');
    let json: unknown;
    try { json = JSON.parse(text); } catch { json = undefined; }
    messages.push({ topic, text, json, retain: packet.retain, at: Date.now() });
  });
  client.on('error', () => undefined);
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    messages, client,
    async waitFor(match, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(50);
      }
    },
    async stop() { await client.endAsync(true); },
  };
}
