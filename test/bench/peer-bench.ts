// The peer a user would pick: mqtt.js with mqtt-level-store against our SqliteOutbox + MqttSync, on
// the same broker, the same events and the same outage. Each side fills its store while the broker
// is unreachable, is killed with -9 halfway (after it was told at least half the events are kept),
// then restarts against the broker and drains. A subscriber on the broker counts what arrives.
// Figures per side: events it was told are kept, of those lost, duplicates, drain events/s after
// the restart. Run alone: `npx tsx test/bench/peer-bench.ts [--quick]`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectAsync } from 'mqtt';
import { freePort, hasMosquitto, startAedes, startMosquitto } from '../helpers/brokers.ts';

export interface PeerSide { kept_reported: number; lost: number; duplicates: number; drain_eps: number; drain_seconds: number }
export interface PeerFigures { events: number; broker: string; ours: PeerSide; peer: PeerSide }

const childPath = new URL('./peer-child.ts', import.meta.url).pathname;

function startChild(args: string[]): { p: ChildProcess; lines: string[]; onLine: (cb: (l: string) => void) => void } {
  const p = spawn(process.execPath, ['--import', 'tsx', childPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const subs: ((l: string) => void)[] = [];
  let buf = '';
  p.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) { const l = buf.slice(0, nl); buf = buf.slice(nl + 1); lines.push(l); for (const s of subs) s(l); }
  });
  p.stderr!.on('data', (d: Buffer) => process.stderr.write(`[peer-child] ${d.toString()}`));
  return { p, lines, onLine: (cb) => subs.push(cb) };
}

const exited = (p: ChildProcess) => new Promise<void>((r) => { if (p.exitCode !== null || p.signalCode !== null) r(); else p.once('exit', () => r()); });

async function runSide(side: 'ours' | 'peer', brokerUrl: string, protocol: 4 | 5, events: number): Promise<PeerSide> {
  const stateDir = mkdtempSync(join(tmpdir(), `ce-peer-${side}-`));
  // Subscribed before anything is published; QoS 1 so the broker queues nothing away.
  const received = new Map<number, number>();
  let first = 0;
  let last = 0;
  const sub = await connectAsync(brokerUrl, { protocolVersion: protocol, clean: true, reconnectPeriod: 0 });
  sub.on('message', (_topic, payload) => {
    let id: unknown;
    try { id = (JSON.parse(payload.toString()) as { data?: { case_id?: unknown } }).data?.case_id; } catch { return; }
    if (typeof id !== 'string' || !id.startsWith('P')) return;
    const n = Number(id.slice(1));
    received.set(n, (received.get(n) ?? 0) + 1);
    last = performance.now();
    if (!first) first = last;
  });
  await sub.subscribeAsync('zwfw/#', { qos: 1 });
  try {
    // 1. The outage: nothing listens on this port.
    const deadUrl = `mqtt://127.0.0.1:${await freePort()}`;
    const fill = startChild([side, 'fill', deadUrl, stateDir, String(events), String(protocol)]);
    let kept = 0;
    await new Promise<void>((resolve, reject) => {
      fill.onLine((l) => {
        if (l.startsWith('A ')) kept = Math.max(kept, Number(l.slice(2)));
        if (kept >= events / 2) resolve();
      });
      fill.p.once('exit', (code) => reject(new Error(`${side} fill child exited ${code} before it kept half the events`)));
    });
    fill.p.kill('SIGKILL');
    await exited(fill.p);
    // 2. The network is back: the same state, the real broker.
    const drain = startChild([side, 'drain', brokerUrl, stateDir, '0', String(protocol)]);
    const t0 = performance.now();
    const covered = () => { let c = 0; for (let i = 0; i < kept; i++) if (received.has(i)) c++; return c; };
    // Until every kept event arrived, or nothing new for 5 s (what was lost stays lost), at most 180 s.
    while (performance.now() - t0 < 180_000) {
      await new Promise((r) => setTimeout(r, 200));
      if (covered() >= kept) break;
      const quietSince = last || t0;
      if (performance.now() - quietSince > 5_000 && performance.now() - t0 > 10_000) break;
    }
    drain.p.kill('SIGTERM');
    await exited(drain.p);
    const got = covered();
    let duplicates = 0;
    for (const n of received.values()) duplicates += n - 1;
    const seconds = first && last > first ? (last - first) / 1000 : NaN;
    return { kept_reported: kept, lost: kept - got, duplicates, drain_eps: Math.round(received.size / seconds), drain_seconds: Math.round(seconds * 10) / 10 };
  } finally {
    await sub.endAsync(true);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export async function benchPeer(opts: { quick: boolean }): Promise<PeerFigures> {
  const useMosquitto = hasMosquitto();
  const broker = useMosquitto ? await startMosquitto() : await startAedes();
  const protocol: 4 | 5 = useMosquitto ? 5 : 4;
  const events = opts.quick ? 10_000 : 40_000;
  try {
    const ours = await runSide('ours', broker.url, protocol, events);
    const peer = await runSide('peer', broker.url, protocol, events);
    return { events, broker: useMosquitto ? 'mosquitto (MQTT 5)' : 'aedes (MQTT 3.1.1)', ours, peer };
  } finally {
    await broker.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await benchPeer({ quick: process.argv.includes('--quick') }), null, 2) + '\n');
}
