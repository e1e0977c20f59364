// Issue #2 item 7d and 7e: the outbox's disk misbehaves under the real service. A corrupt database
// is moved aside and the counter starts fresh above the old seqs; a full disk (a real 2 MB tmpfs)
// degrades the counter but never crashes it, and every press taken meanwhile arrives afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCollector, type Collector, type Received, type TestBroker, startPreferredBroker } from '../helpers/brokers.ts';
import { writeTestConfig, TEST_KEYS, type TestConfig } from '../helpers/test-config.ts';
import { killAllServices, sleep, startService, type ServiceProcess } from '../helpers/service-process.ts';

let broker: TestBroker;
let protocolVersion: 4 | 5;
before(async () => ({ broker, protocolVersion } = await startPreferredBroker()));
after(async () => {
  await killAllServices();
  await broker.stop();
});

interface Evt { seq: number; boot: number; type: string; data: Record<string, unknown> }
const evt = (m: Received) => m.json as Evt;

async function pressAll(service: ServiceProcess, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.equal(await service.press(TEST_KEYS[i % TEST_KEYS.length]!), 200, `press ${i} accepted`);
}

/** Runs the service once so the database holds events; returns the highest seq it used. */
async function seedDatabase(cfg: TestConfig): Promise<number> {
  const service = await startService({ configPath: cfg.path });
  await pressAll(service, 12);
  const h = await service.waitForHealth((x) => x.mqtt.connected && x.outbox.pending === 0 && x.outbox.last_seq >= 13, 20_000, 'the seeded events published');
  assert.deepEqual(await service.terminate(), { code: 0, signal: null });
  return h.outbox.last_seq;
}

async function checkRecovered(cfg: TestConfig, sub: Collector, oldMax: number): Promise<void> {
  const service = await startService({ configPath: cfg.path });
  const h = await service.waitForHealth((x) => x.state === 'ok', 20_000, 'health ok after recovery');
  const aside = (await readdir(cfg.stateDir)).filter((f) => /^outbox\.db\.corrupt-/.test(f));
  assert.ok(aside.length >= 1, `the corrupt file is kept aside (state dir holds: ${(await readdir(cfg.stateDir)).join(', ')})`);
  const fault = await sub.waitFor((m) => evt(m)?.type === 'device.fault' && evt(m).boot === h.boot, 10_000, 'device.fault for the outbox');
  assert.equal(evt(fault).data.part, 'outbox');
  assert.match(String(evt(fault).data.moved_to), /outbox\.db\.corrupt-/);
  assert.ok(evt(fault).seq > oldMax, `the fault event's seq ${evt(fault).seq} is above the old highest ${oldMax}`);
  const started = await sub.waitFor((m) => evt(m)?.type === 'device.started' && evt(m).boot === h.boot, 10_000, 'device.started of the new boot');
  assert.ok(evt(started).seq > oldMax, `seq continues above the old highest: ${evt(started).seq} > ${oldMax}`);
  assert.equal(await service.press('satisfied'), 200);
  const press = await sub.waitFor((m) => evt(m)?.type === 'evaluation.unsolicited' && evt(m).boot === h.boot, 10_000, 'a press after recovery');
  assert.ok(evt(press).seq > evt(fault).seq);
  assert.deepEqual(await service.terminate(), { code: 0, signal: null });
}

test('garbage written over the outbox database → service starts, file kept aside, device.fault published, seq continues', { timeout: 60_000 }, async (t) => {
  const cfg = await writeTestConfig({ mqttUrl: broker.url, protocolVersion, window: 'D01' });
  const sub = await startCollector(broker.url, [`${cfg.root}evt/#`], { protocolVersion });
  t.after(async () => { await sub.stop(); await cfg.cleanup(); });
  const oldMax = await seedDatabase(cfg);
  const size = (await stat(cfg.dbPath)).size;
  await writeFile(cfg.dbPath, randomBytes(Math.max(size, 8192)));
  await checkRecovered(cfg, sub, oldMax);
});

test('damaged pages behind an intact header → moved aside the same way', { timeout: 60_000 }, async (t) => {
  const cfg = await writeTestConfig({ mqttUrl: broker.url, protocolVersion, window: 'D02' });
  const sub = await startCollector(broker.url, [`${cfg.root}evt/#`], { protocolVersion });
  t.after(async () => { await sub.stop(); await cfg.cleanup(); });
  const oldMax = await seedDatabase(cfg);
  const original = await readFile(cfg.dbPath);
  assert.ok(original.length > 8192, `the seeded database has pages beyond the first (${original.length} bytes)`);
  const fh = await open(cfg.dbPath, 'r+');
  await fh.write(randomBytes(original.length - 4096), 0, original.length - 4096, 4096);
  await fh.close();
  await checkRecovered(cfg, sub, oldMax);
});

/** Mounts a tmpfs of `size` on dir; the reason when this machine does not allow it. */
function mountTmpfs(dir: string, size: string): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `tmpfs mounts need Linux (this is ${process.platform})` };
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `cannot run mount: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: `mount -t tmpfs refused (needs root or CAP_SYS_ADMIN): ${r.stderr.trim()}` };
  return { ok: true };
}

async function unmount(dir: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (spawnSync('umount', [dir]).status === 0) return;
    await sleep(250);
  }
  spawnSync('umount', ['-l', dir]);
}

/** Writes until the filesystem says ENOSPC, down to single 512-byte blocks; returns the bytes written. */
async function fillDisk(file: string): Promise<number> {
  const fh = await open(file, 'w');
  let written = 0;
  try {
    for (const chunk of [65536, 4096, 512]) {
      const buf = Buffer.alloc(chunk, 0x5a);
      for (;;) {
        try {
          const { bytesWritten } = await fh.write(buf, 0, chunk, written);
          written += bytesWritten;
          if (bytesWritten === 0) break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
  return written;
}

test('full disk → the service stays up with write_error set; after space returns every press arrives', { timeout: 90_000 }, async (t) => {
  const cfg = await writeTestConfig({ mqttUrl: broker.url, protocolVersion, window: 'E01' });
  const mountDir = join(cfg.dir, 'tmpfs');
  await mkdir(mountDir);
  const mounted = mountTmpfs(mountDir, '2m');
  if (!mounted.ok) {
    await cfg.cleanup();
    t.skip(`full disk not simulated: ${mounted.reason}`);
    return;
  }
  const cfgOnTmpfs = await writeTestConfig({ mqttUrl: broker.url, protocolVersion, window: 'E01', stateDir: join(mountDir, 'state') });
  const sub = await startCollector(broker.url, [`${cfgOnTmpfs.root}evt/#`], { protocolVersion });
  t.after(async () => {
    await sub.stop();
    await killAllServices();
    await unmount(mountDir);
    await cfgOnTmpfs.cleanup();
    await cfg.cleanup();
  });

  const service = await startService({ configPath: cfgOnTmpfs.path });
  await pressAll(service, 4);
  const before = await service.waitForHealth((h) => h.mqtt.connected && h.outbox.pending === 0 && h.outbox.last_seq >= 5, 20_000, 'the first presses published');

  const filler = join(mountDir, 'filler');
  const filled = await fillDisk(filler);
  const PRESSES = 30;
  await pressAll(service, PRESSES / 2);
  const full = await service.waitForHealth((h) => h.outbox.write_error !== null, 20_000, 'write_error in health while the disk is full');
  assert.equal(full.state, 'degraded');
  // More presses while commits keep failing and retrying: still taken, still no crash.
  await pressAll(service, PRESSES / 2);
  await sleep(1500);
  assert.ok(service.running, `the service is still running on a full disk\n${service.stderrTail()}`);
  const still = await service.health();
  assert.notEqual(still.outbox.write_error, null, 'the disk is still full');
  assert.equal(still.outbox.last_seq, before.outbox.last_seq + PRESSES, 'every press was taken (seq assigned)');

  await rm(filler);
  await service.waitForHealth((h) => h.outbox.write_error === null && h.outbox.pending === 0 && h.outbox.last_published_seq === h.outbox.last_seq, 30_000, 'commits and publishing to recover after space returned');
  const isPress = (m: Received) => evt(m)?.type === 'evaluation.unsolicited' && evt(m).seq > before.outbox.last_seq;
  await sub.waitFor(() => new Set(sub.messages.filter(isPress).map((m) => evt(m).seq)).size >= PRESSES, 20_000, `${PRESSES} presses at the subscriber`);
  const seqs = [...new Set(sub.messages.filter(isPress).map((m) => evt(m).seq))].sort((a, b) => a - b);
  assert.deepEqual(seqs, Array.from({ length: PRESSES }, (_, i) => before.outbox.last_seq + 1 + i), 'every press taken on the full disk arrived');
  t.diagnostic(`tmpfs 2 MB: filler ${filled} bytes; write_error was "${full.outbox.write_error}"; ${PRESSES} presses on the full disk all delivered`);
  assert.deepEqual(await service.terminate(), { code: 0, signal: null });
});
