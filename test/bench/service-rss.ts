// RSS of the counter process itself (not of the benchmark harness): idle, and after N events went
// through outbox and broker. Runs the composition in a child process started with --expose-gc.
import { spawn } from 'node:child_process';
import { hasMosquitto, startAedes, startMosquitto } from '../helpers/brokers.ts';
import { buildOnce } from './build-once.ts';

// The node flags and glibc setting systemd/counter-edge.service runs the service with, so this
// bench measures what the unit runs; keep the two in step.
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size'];
export const SERVICE_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '65536' };

export interface RssFigures { rss_idle_mb: number; rss_after_mb: number; rss_peak_mb: number; events: number; pending_left: number }

export async function benchServiceRss(opts: { quick: boolean; drivers?: 'spine' | 'all' }): Promise<RssFigures> {
  const broker = hasMosquitto() ? await startMosquitto() : await startAedes();
  try {
    // Measure what a Pi runs: the compiled build on plain node.
    buildOnce();
    const child = new URL('./service-rss-child.mjs', import.meta.url).pathname;
    const total = opts.quick ? 200_000 : 1_000_000;
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, ['--expose-gc', ...SERVICE_NODE_FLAGS, child, broker.url, String(total), opts.drivers ?? 'spine'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...SERVICE_ENV } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); if (process.env.RSS_DEBUG) process.stderr.write(d); });
      p.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`rss child exited ${code}: ${stderr.slice(-2000)}`))));
    });
    return JSON.parse(out.trim().split('\n').pop()!) as RssFigures;
  } finally {
    await broker.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchServiceRss({ quick: process.argv.includes('--quick'), drivers: process.argv.includes('--all') ? 'all' : 'spine' });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
