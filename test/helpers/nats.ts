// nats-server with its MQTT listener, started by a test on free ports with a temp JetStream directory.
// NATS's MQTT needs JetStream (sessions, QoS 1 and retained messages live in streams) and, with
// JetStream, a server_name. The machine's own nats-server (port 4222) is never used.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './brokers.ts';
import { findBinary, processRunner, type ProcessBroker } from './broker-process.ts';

export function natsServerPath(): string | undefined { return findBinary('NATS_SERVER_BIN', ['nats-server']); }

/** `nats-server --version` → "2.9.10", or undefined. */
export function natsVersion(): string | undefined {
  const bin = natsServerPath();
  if (!bin) return undefined;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return /v?(\d+\.\d+\.\d+)/.exec(r.stdout ?? '')?.[1];
}

export interface NatsBroker extends ProcessBroker { dir: string }

export async function startNats(): Promise<NatsBroker> {
  const bin = natsServerPath();
  if (!bin) throw new Error('nats-server not found (set NATS_SERVER_BIN or install nats-server)');
  const dir = await mkdtemp(join(tmpdir(), 'counter-edge-nats-'));
  const port = await freePort();
  const clientPort = await freePort();
  const conf = join(dir, 'nats.conf');
  await writeFile(conf, [
    `server_name: counter-edge-test-${port}`,
    `listen: 127.0.0.1:${clientPort}`,
    `jetstream { store_dir: ${JSON.stringify(join(dir, 'js'))}, max_memory_store: 64MB, max_file_store: 512MB }`,
    `mqtt { listen: 127.0.0.1:${port} }`,
    '',
  ].join('\n'));
  const runner = processRunner({ what: 'nats-server', bin, args: ['-c', conf], port, startTimeoutMs: 30_000, stopTimeoutMs: 10_000 });
  try {
    await runner.launch();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    get running() { return runner.running; },
    down: () => runner.kill(),
    up: () => runner.launch(),
    async restart() { await runner.kill(); await runner.launch(); },
    async stop() { await runner.kill(); await rm(dir, { recursive: true, force: true }); },
  };
}
