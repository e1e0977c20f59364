// Start-up: process start → READY=1 on $NOTIFY_SOCKET (sd_notify, as systemd waits for it with
// Type=notify), running the compiled build with the unit's node flags and all four simulated
// drivers, once with the broker up and once with nothing listening (the network not up yet).
// Baseline of the same run: a bare node process (same flags) from spawn to its first output.
// Run alone: `npx tsx test/bench/startup.ts [--quick]`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, hasMosquitto, startAedes, startMosquitto } from '../helpers/brokers.ts';
import { buildOnce } from './build-once.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from './service-rss.ts';

interface DgramServer { bind(path: string): void; on(e: 'message', cb: (buf: Buffer) => void): void; on(e: 'error', cb: (err: Error) => void): void; off(e: 'message', cb: (buf: Buffer) => void): void; close(): void }

export interface StartupFigures { ready_ms: number; ready_no_network_ms: number; bare_node_ms: number; runs: number }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Resolves with ms from spawn to READY=1, then stops the service with SIGTERM. */
async function timeToReady(configPath: string, sock: string, server: DgramServer): Promise<number> {
  const bin = new URL('../../bin/counter-edge.js', import.meta.url).pathname;
  let onReady!: () => void;
  const ready = new Promise<void>((r) => { onReady = r; });
  const listener = (buf: Buffer) => { if (buf.toString().includes('READY=1')) onReady(); };
  server.on('message', listener);
  const t0 = performance.now();
  const p = spawn(process.execPath, [...SERVICE_NODE_FLAGS, bin, '--config', configPath, 'run'], {
    env: { ...process.env, ...SERVICE_ENV, NOTIFY_SOCKET: sock }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  p.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no READY=1 within 60 s: ${log.slice(-1000)}`)), 60_000).unref());
  try {
    await Promise.race([ready, timeout, exited.then((code) => { throw new Error(`service exited ${code} before READY: ${log.slice(-1000)}`); })]);
    return performance.now() - t0;
  } finally {
    server.off('message', listener);
    p.kill('SIGTERM');
    await exited;
  }
}

async function bareNode(): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '-e', 'process.stdout.write("up")'], { stdio: ['ignore', 'pipe', 'ignore'] });
    p.stdout.once('data', () => resolve());
    p.once('error', reject);
  });
  return performance.now() - t0;
}

export async function benchStartup(opts: { quick: boolean }): Promise<StartupFigures | undefined> {
  let unixDgram: { createSocket(type: 'unix_dgram'): DgramServer };
  try {
    unixDgram = createRequire(import.meta.url)('unix-dgram') as typeof unixDgram;
  } catch {
    process.stderr.write('startup: unix-dgram (optional dependency) not built here; skipped\n');
    return undefined;
  }
  buildOnce();
  const dir = mkdtempSync(join(tmpdir(), 'ce-startup-'));
  const server = unixDgram.createSocket('unix_dgram');
  server.on('error', (err) => process.stderr.write(`startup: notify socket: ${err.message}\n`));
  const sock = join(dir, 'notify.sock');
  server.bind(sock);
  const broker = hasMosquitto() ? await startMosquitto() : await startAedes();
  try {
    const config = (url: string, name: string) => {
      const path = join(dir, `${name}.yaml`);
      writeFileSync(path, `window: { id: ST1 }\nstate_dir: ${join(dir, `state-${name}`)}\nlog_level: error\nmqtt: { url: "${url}" }\napi: { port: 0 }\n`);
      return path;
    };
    const up = config(broker.url, 'up');
    const down = config(`mqtt://127.0.0.1:${await freePort()}`, 'down');
    const runs = opts.quick ? 1 : 3;
    const ready: number[] = [];
    const readyNoNet: number[] = [];
    const bare: number[] = [];
    // The first start of each creates the state directory and database: not counted.
    await timeToReady(up, sock, server);
    await timeToReady(down, sock, server);
    for (let i = 0; i < runs; i++) {
      ready.push(await timeToReady(up, sock, server));
      readyNoNet.push(await timeToReady(down, sock, server));
      bare.push(await bareNode());
    }
    const r = (x: number) => Math.round(x);
    return { ready_ms: r(median(ready)), ready_no_network_ms: r(median(readyNoNet)), bare_node_ms: r(median(bare)), runs };
  } finally {
    server.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await benchStartup({ quick: process.argv.includes('--quick') }), null, 2) + '\n');
}
