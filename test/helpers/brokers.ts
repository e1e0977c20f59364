// Real brokers for integration tests and benchmarks: aedes in-process (always available) and the
// mosquitto binary (when installed), each on a free port, plus a TCP proxy that can cut or refuse
// connections to simulate a flaky network. Everything started here is stopped by its stop().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { MqttSchema, type Config } from '../../config/schema.ts';

export interface TestBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops and starts again on the same port, forgetting everything (no persistence). */
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  return (server.address() as { port: number }).port;
}

/** The mqtt config section with schema defaults and test-friendly timings (fast reconnects). */
export function mqttConfig(url: string, over: Partial<Config['mqtt']> = {}): Config['mqtt'] {
  const base = Value.Default(MqttSchema, { url }) as Config['mqtt'];
  return { ...base, reconnect_min_ms: 50, reconnect_max_ms: 300, keepalive_s: 5, connect_timeout_ms: 3000, ...over };
}

// ---------- aedes ----------

export interface AedesOptions {
  /** Accept only this user/password (anything else gets "Not authorized"). */
  credentials?: { username: string; password: string };
  /** Installs hooks on each new aedes instance (authorizePublish, authorizeSubscribe, ...). */
  configure?: (broker: import('aedes').Aedes) => void;
}

export async function startAedes(opts: AedesOptions = {}): Promise<TestBroker> {
  const { Aedes } = await import('aedes');
  let port = 0;
  let current: { server: Server; sockets: Set<Socket>; close(): Promise<void> } | undefined;
  const boot = async () => {
    const broker = await Aedes.createBroker();
    opts.configure?.(broker);
    if (opts.credentials) {
      const { username, password } = opts.credentials;
      broker.authenticate = (_client, user, pass, done) => {
        if (user === username && pass?.toString() === password) { done(null, true); return; }
        const err = Object.assign(new Error('Not authorized'), { returnCode: 5 as const });
        done(err, null);
      };
    }
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      broker.handle(socket);
    });
    port = await listen(server, port);
    current = {
      server, sockets,
      async close() {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        await closed;
      },
    };
  };
  await boot();
  return {
    get url() { return `mqtt://127.0.0.1:${port}`; },
    get port() { return port; },
    async stop() { await current?.close(); current = undefined; },
    async restart() { await current?.close(); await boot(); },
  };
}

// ---------- mosquitto ----------

export function mosquittoPath(): string | undefined {
  if (process.env.MOSQUITTO_BIN) return existsSync(process.env.MOSQUITTO_BIN) ? process.env.MOSQUITTO_BIN : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/opt/homebrew/sbin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'mosquitto'))) return join(dir, 'mosquitto');
  }
  return undefined;
}

export function hasMosquitto(): boolean { return mosquittoPath() !== undefined; }

export interface MosquittoOptions {
  persistence?: boolean;
  /** Users for a password file (mosquitto_passwd must exist); anonymous access is then refused. */
  users?: Record<string, string>;
  /** ACL file content (mosquitto acl_file syntax). */
  acl?: string;
  /** Extra lines for mosquitto.conf. */
  extra?: string[];
}

/** A Mosquitto process the test can also stop and start on the same port. */
export interface MosquittoBroker extends TestBroker {
  readonly running: boolean;
  /** Stops the broker process (SIGTERM; with persistence it saves its sessions first). */
  down(): Promise<void>;
  /** Starts it again on the same port. */
  up(): Promise<void>;
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const bin = mosquittoPath();
  if (!bin) throw new Error('mosquitto binary not found (set MOSQUITTO_BIN or install mosquitto)');
  const dir = await mkdtemp(join(tmpdir(), 'counter-edge-mosquitto-'));
  const port = await freePort();
  const lines = [
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${opts.users ? 'false' : 'true'}`,
    // Nagle on the broker side adds milliseconds to every PUBACK (design §6).
    'set_tcp_nodelay true',
    `persistence ${opts.persistence ? 'true' : 'false'}`,
    `persistence_location ${dir}/`,
    // Test subscribers read thousands of QoS 1 messages; mosquitto's default queue of 1000 would drop some.
    'max_queued_messages 0',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
  ];
  // Started as root, mosquitto switches to the "mosquitto" user, which cannot read our temp files.
  if (process.getuid?.() === 0) lines.push('user root');
  if (opts.users) {
    const passwd = spawnSync('mosquitto_passwd', ['-h'], { encoding: 'utf8' });
    if (passwd.error) {
      await rm(dir, { recursive: true, force: true });
      throw new Error('mosquitto_passwd not found: needed for a password file');
    }
    const file = join(dir, 'passwd');
    await writeFile(file, '');
    for (const [user, pass] of Object.entries(opts.users)) {
      const r = spawnSync('mosquitto_passwd', ['-b', file, user, pass], { encoding: 'utf8' });
      if (r.status !== 0) {
        await rm(dir, { recursive: true, force: true });
        throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
      }
    }
    lines.push(`password_file ${file}`);
  }
  if (opts.acl !== undefined) {
    await writeFile(join(dir, 'acl'), opts.acl);
    lines.push(`acl_file ${join(dir, 'acl')}`);
  }
  lines.push(...(opts.extra ?? []));
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, lines.join('\n') + '\n');

  let child: ChildProcess | undefined;
  const launch = async () => {
    const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${stderr}`))));
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port, 10_000), exited]);
  };
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  };
  try {
    await launch();
  } catch (err) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    get running() { return child !== undefined; },
    down: kill,
    up: launch,
    async stop() { await kill(); await rm(dir, { recursive: true, force: true }); },
    async restart() { await kill(); await launch(); },
  };
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing accepted connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------- a TCP proxy to break the network on purpose ----------

export interface TcpProxy {
  url: string;
  port: number;
  /** Destroys every open connection abruptly (both sides: the broker sees a dead client). */
  cut(): void;
  /** While refusing, new connections are closed at once. */
  setRefusing(refusing: boolean): void;
  stop(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  const server = createServer((inbound) => {
    if (refusing) { inbound.destroy(); return; }
    const outbound = createConnection({ port: targetPort, host: '127.0.0.1' });
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    const close = () => { inbound.destroy(); outbound.destroy(); pairs.delete(pair); };
    inbound.on('error', close).on('close', close);
    outbound.on('error', close).on('close', close);
    inbound.setNoDelay(true);
    outbound.setNoDelay(true);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  const port = await listen(server, 0);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    cut() { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } pairs.clear(); },
    setRefusing(r) { refusing = r; },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const [a, b] of pairs) { a.destroy(); b.destroy(); }
      pairs.clear();
      await closed;
    },
  };
}

// ---------- a subscriber that records what it sees ----------

export interface Received { topic: string; text: string; json: unknown; retain: boolean; at: number }

export interface Collector {
  messages: Received[];
  client: import('mqtt').MqttClient;
  /** Resolves with the first message (from now or already seen) that matches; rejects after timeoutMs. */
  waitFor(match: (m: Received) => boolean, timeoutMs: number, what: string, fromIndex?: number): Promise<Received>;
  stop(): Promise<void>;
}

export async function startCollector(url: string, filters: string[], opts: { protocolVersion?: 4 | 5 } = {}): Promise<Collector> {
  const { connectAsync } = await import('mqtt');
  const client = await connectAsync(url, { protocolVersion: opts.protocolVersion ?? 4, reconnectPeriod: 100, clean: true });
  const messages: Received[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8');
    let json: unknown;
    try { json = JSON.parse(text); } catch { json = undefined; }
    messages.push({ topic, text, json, retain: packet.retain, at: Date.now() });
    for (const w of waiters) w();
  });
  client.on('error', () => undefined);
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    messages,
    client,
    waitFor(match, timeoutMs, what, fromIndex = 0) {
      return new Promise((resolve, reject) => {
        let i = fromIndex;
        const check = () => {
          for (; i < messages.length; i++) {
            if (match(messages[i]!)) { done(); resolve(messages[i]!); return; }
          }
        };
        const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
        const done = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
    async stop() { await client.endAsync(true); },
  };
}

/** The broker a test file shares: Mosquitto with MQTT 5 when installed, else aedes with 3.1.1. */
export async function startPreferredBroker(): Promise<{ broker: TestBroker; protocolVersion: 4 | 5 }> {
  return hasMosquitto() ? { broker: await startMosquitto(), protocolVersion: 5 } : { broker: await startAedes(), protocolVersion: 4 };
}
