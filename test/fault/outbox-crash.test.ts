import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { makeOutbox, rows, tempDir } from '../unit/outbox-fixture.ts';

const tmp = tempDir('outbox-crash-');
after(() => tmp.cleanup());
const child = fileURLToPath(new URL('./outbox-crash-child.ts', import.meta.url));

/** Runs the child until it has reported `atLeast` durable seqs, then SIGKILLs it; returns the last report. */
function runAndKill(path: string, atLeast: number): Promise<{ boot: number; startSeq: number; durable: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let last = { boot: 0, startSeq: 0, durable: 0 };
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`child too slow; stderr: ${stderr}`)); }, 60_000);
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        const m = /^(start|durable) (\d+) (\d+)$/.exec(line);
        if (m?.[1] === 'start') last = { boot: Number(m[2]), startSeq: Number(m[3]), durable: 0 };
        else if (m) last = { ...last, durable: Math.max(last.durable, Number(m[3])) };
      }
      if (!killed && last.durable >= atLeast) { killed = true; proc.kill('SIGKILL'); }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve(last);
      else reject(new Error(`child exited by itself (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

describe('SqliteOutbox after a crash', { timeout: 120_000 }, () => {
  it('keeps every durable event and continues seq above it after SIGKILL, twice', async () => {
    const path = join(tmp.dir, 'kill', 'outbox.db');
    let previousDurable = 0;
    let boot = 0;
    for (let crash = 1; crash <= 2; crash++) {
      const report = await runAndKill(path, previousDurable + 400);
      assert.equal(report.boot, ++boot);
      const { outbox } = makeOutbox(path);
      const info = await outbox.start();
      assert.equal(info.boot, ++boot, 'boot increments across a crash');
      assert.ok(info.lastSeq >= report.durable, `lastSeq ${info.lastSeq} ≥ durable ${report.durable}`);
      const stored = rows(path).map((r) => r.seq);
      const storedSet = new Set(stored);
      for (let s = report.startSeq + 1; s <= report.durable; s++) assert.ok(storedSet.has(s), `durable seq ${s} survived`);
      const next = outbox.append({ type: 'device.recovered' });
      assert.ok(next.envelope.seq > Math.max(...stored), 'the next seq is above everything stored');
      await next.durable;
      await outbox.stop();
      previousDurable = next.envelope.seq;
    }
  });

  it('continues above every committed seq even when the database files are lost after a crash', async () => {
    const path = join(tmp.dir, 'lost', 'outbox.db');
    const report = await runAndKill(path, 300);
    const highest = Math.max(...rows(path).map((r) => r.seq));
    assert.ok(highest >= report.durable);
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    const { outbox } = makeOutbox(path);
    const info = await outbox.start();
    assert.equal(info.boot, 2, 'boot comes from the side file');
    assert.ok(info.lastSeq >= highest, `side file mark ${info.lastSeq} covers committed seq ${highest}`);
    await outbox.stop();
  });

  it('recovers from a worker that ends without closing (in-process crash)', async () => {
    const path = join(tmp.dir, 'worker', 'outbox.db');
    const first = makeOutbox(path);
    await first.outbox.start();
    await Promise.all(Array.from({ length: 25 }, () => first.outbox.append({ type: 'attendance.clock' }).durable));
    await first.outbox.crashForTest();
    const second = makeOutbox(path);
    const info = await second.outbox.start();
    assert.equal(info.boot, 2);
    assert.ok(info.lastSeq >= 25);
    assert.deepEqual(rows(path).map((r) => r.seq), Array.from({ length: 25 }, (_, i) => i + 1));
    assert.equal(second.outbox.health().pending, 25);
    await second.outbox.stop();
  });

  it('restarts a worker that ended unexpectedly, keeps the boot, and commits what was waiting', async () => {
    const path = join(tmp.dir, 'restart', 'outbox.db');
    const { outbox, logger } = makeOutbox(path);
    const info = await outbox.start();
    await outbox.append({ type: 'window.state' }).durable;
    // Reach the thread the way an out-of-memory kill would: from outside the outbox's own API.
    const worker = (outbox as unknown as { client: { worker: Worker } }).client.worker;
    const appended = Array.from({ length: 40 }, () => outbox.append({ type: 'evaluation.submitted' }));
    await worker.terminate();
    await Promise.all(appended.map((a) => a.durable));
    assert.ok(logger.records.some((r) => r.msg === 'outbox worker restarted'));
    assert.equal(outbox.health().writeError, undefined);
    assert.deepEqual(rows(path).map((r) => r.seq), Array.from({ length: 41 }, (_, i) => i + 1), 'each committed once');
    const next = outbox.append({ type: 'window.state' });
    assert.equal(next.envelope.boot, info.boot);
    await next.durable;
    await outbox.stop();
  });
});
