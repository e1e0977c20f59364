// A slow SD card: the counter (compiled build, all simulated drivers, real broker) with every
// fsync/fdatasync of its state directory taking 0, 5 and 20 ms, through an LD_PRELOAD shim
// (slow-fsync.c) compiled here into a temporary directory. Reports append throughput, append →
// commit at 200 ev/s and press → LED for each delay; the 0 ms run is the baseline of the same run.
// Run alone: `npx tsx test/bench/sd-latency.ts [--quick]`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasMosquitto, startAedes, startMosquitto } from '../helpers/brokers.ts';
import { buildOnce } from './build-once.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from './service-rss.ts';

export interface SdRun {
  fsync_delay_ms: number; append_eps: number; commit_p50_ms: number; commit_p99_ms: number; rate_eps: number;
  press_to_led_p50_ms: number; press_to_led_p99_ms: number; presses: number; slowed_syncs: number;
  loop_delay_p99_ms: number; main_thread_sqlite_loop_delay_p99_ms: number;
}

export interface SdFigures { runs: SdRun[] }

/** Compiles the shim; undefined (with the reason on stderr) when no C compiler is here. */
function buildShim(dir: string): string | undefined {
  const so = join(dir, 'slow-fsync.so');
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', so, new URL('./slow-fsync.c', import.meta.url).pathname, '-ldl'], { stdio: 'pipe' });
    return so;
  } catch (err) {
    process.stderr.write(`sd-latency: cannot build the fsync shim (${(err as Error).message.split('\n')[0]}); skipped\n`);
    return undefined;
  }
}

async function runChild(brokerUrl: string, shim: string, delayMs: number, appendTotal: number, seconds: number, countFile: string): Promise<SdRun> {
  const child = new URL('./sd-latency-child.mjs', import.meta.url).pathname;
  const match = 'ce-sd-outbox';
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, [...SERVICE_NODE_FLAGS, child, brokerUrl, String(appendTotal), String(seconds), match], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...SERVICE_ENV, LD_PRELOAD: shim, CE_FSYNC_DELAY_MS: String(delayMs), CE_FSYNC_MATCH: match, CE_FSYNC_COUNT_FILE: countFile },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`sd-latency child exited ${code}: ${stderr.slice(-2000)}`))));
  });
  const figures = JSON.parse(out.trim().split('\n').pop()!) as Omit<SdRun, 'fsync_delay_ms' | 'slowed_syncs'>;
  const slowed = Number(readFileSync(countFile, 'utf8').trim());
  // The shim must have slowed the outbox's syncs, or the figure would claim a slow disk it never had.
  if (delayMs > 0 && !(slowed > 0)) throw new Error(`the fsync shim slowed no call at ${delayMs} ms (LD_PRELOAD not applied?)`);
  return { fsync_delay_ms: delayMs, ...figures, slowed_syncs: slowed };
}

export async function benchSdLatency(opts: { quick: boolean; delays?: number[] }): Promise<SdFigures | undefined> {
  const tmp = mkdtempSync(join(tmpdir(), 'ce-sd-shim-'));
  try {
    const shim = buildShim(tmp);
    if (!shim) return undefined;
    buildOnce();
    const broker = hasMosquitto() ? await startMosquitto() : await startAedes();
    try {
      const runs: SdRun[] = [];
      for (const delay of opts.delays ?? [0, 5, 20]) {
        runs.push(await runChild(broker.url, shim, delay, opts.quick ? 20_000 : 100_000, opts.quick ? 3 : 10, join(tmp, `count-${delay}`)));
      }
      return { runs };
    } finally {
      await broker.stop();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchSdLatency({ quick: process.argv.includes('--quick') });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
