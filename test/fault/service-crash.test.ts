// Issue #2 item 7a and the last will: the real service, killed with SIGKILL at random moments
// while presses flow, loses nothing it committed. The broker is a separate process (mosquitto;
// aedes in this test process when mosquitto is missing) so it outlives every kill.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startCollector, type Collector, type Received, type TestBroker, startPreferredBroker } from '../helpers/brokers.ts';
import { writeTestConfig, TEST_KEYS, type TestConfig } from '../helpers/test-config.ts';
import { killAllServices, ServiceProcess, sleep, startService } from '../helpers/service-process.ts';
import { serviceCommand } from '../helpers/service-build.ts';

const CYCLES = 22;
/** Stop starting new kill cycles after this much time (a loaded machine starts slowly); never below 20. */
const CYCLE_BUDGET_MS = 60_000;
/**
 * 20 cycles take ~60 s on an idle 2-core machine; the timeout leaves room for a loaded one
 * (up to ~12 s per start-and-kill cycle) rather than trading cycles for time.
 */
const KILL_TEST_TIMEOUT_MS = 300_000;
const MIN_CYCLES = 20;
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a seeded PRNG, so a failing kill schedule can be replayed with FAULT_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Evt { seq: number; event_id: string; boot: number; type: string }

let broker: TestBroker;
let protocolVersion: 4 | 5;
before(async () => {
  // Compile the service first (once per source version, see service-build.ts), so no kill cycle's
  // start-up and no cycle budget pays for it.
  await serviceCommand();
  ({ broker, protocolVersion } = await startPreferredBroker());
});
after(async () => {
  await killAllServices();
  await broker.stop();
});

/** Presses keys in a loop (two in parallel) until the service dies; counts the presses it answered 200. */
function pressWhileAlive(service: ServiceProcess): { stop(): Promise<number> } {
  let accepted = 0;
  let running = true;
  const loop = async (offset: number) => {
    for (let i = offset; running && service.running; i += 2) {
      try {
        if (await service.press(TEST_KEYS[i % TEST_KEYS.length]!) === 200) accepted++;
      } catch {
        // The process was killed mid-request; that press was never answered, so never counted.
      }
    }
  };
  const loops = Promise.all([loop(0), loop(1)]);
  return { async stop() { running = false; await loops; return accepted; } };
}

function eventsOf(messages: Received[], root: string): Array<Evt & { at: number }> {
  const out: Array<Evt & { at: number }> = [];
  messages.forEach((m, at) => {
    if (!m.topic.startsWith(`${root}evt/`)) return;
    const e = m.json as Evt;
    out.push({ seq: e.seq, event_id: e.event_id, boot: e.boot, type: e.type, at });
  });
  return out;
}

function readDatabase(path: string): Evt[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT seq, event_id, type FROM events ORDER BY seq').all() as Array<{ seq: number; event_id: string; type: string }>;
    return rows.map((r) => ({ ...r, boot: Number(r.event_id.split('-').at(-2)) }));
  } finally {
    db.close();
  }
}

test(`kill -9 at random moments, ${CYCLES} cycles while presses flow: every committed event arrives, in order, seq never reused`, { timeout: KILL_TEST_TIMEOUT_MS }, async (t) => {
  const random = rng(SEED);
  const cfg: TestConfig = await writeTestConfig({ mqttUrl: broker.url, protocolVersion, window: 'K01' });
  const sub: Collector = await startCollector(broker.url, [`${cfg.root}#`], { protocolVersion });
  t.after(async () => { await sub.stop(); await cfg.cleanup(); });

  const committed = new Map<number, string>();
  let accepted = 0;
  let killedBeforeReady = 0;
  const started = Date.now();
  let cycles = 0;
  for (; cycles < CYCLES; cycles++) {
    if (cycles >= MIN_CYCLES && Date.now() - started > CYCLE_BUDGET_MS) break;
    const service = new ServiceProcess({ configPath: cfg.path });
    // One cycle in five is killed at a random moment of its start (outbox open, seq mark, connect).
    if (random() < 0.2) {
      await Promise.race([service.ready.catch(() => undefined), sleep(random() * 1200)]);
      if (!service.apiPort) killedBeforeReady++;
    } else {
      await service.ready;
    }
    if (service.apiPort) {
      const stream = service.watchCommitted();
      const presses = pressWhileAlive(service);
      await sleep(100 + random() * 900);
      await service.kill9();
      accepted += await presses.stop();
      stream.stop();
      for (const e of stream.events) committed.set(e.seq, e.event_id);
    }
    const exit = await service.kill9();
    assert.equal(exit.signal, 'SIGKILL', `cycle ${cycles}: the service must have died by SIGKILL, not on its own (code ${exit.code})\n${service.stderrTail()}`);
  }

  // A clean run drains whatever the killed runs committed but never published.
  const final = await startService({ configPath: cfg.path });
  const drained = await final.waitForHealth((h) => h.mqtt.connected && h.outbox.pending === 0 && h.outbox.last_published_seq === h.outbox.last_seq, 30_000, 'the backlog to drain');
  const exit = await final.terminate();
  assert.deepEqual(exit, { code: 0, signal: null }, `clean stop must exit 0\n${final.stderrTail()}`);

  const stored = readDatabase(cfg.dbPath);
  assert.ok(stored.length > 0, 'the outbox database holds the committed events');
  await sub.waitFor(() => new Set(eventsOf(sub.messages, cfg.root).map((e) => e.event_id)).size >= stored.length, 20_000, `all ${stored.length} stored events at the subscriber`);
  const received = eventsOf(sub.messages, cfg.root);
  const receivedIds = new Set(received.map((e) => e.event_id));

  // 1. Everything the service committed (the database, and what it announced as committed) arrived.
  const missing = stored.filter((e) => !receivedIds.has(e.event_id));
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} committed events never reached the broker`);
  for (const [seq, id] of committed) {
    assert.ok(receivedIds.has(id), `event ${id} (seq ${seq}) was announced as committed but never arrived`);
    assert.ok(stored.some((e) => e.seq === seq && e.event_id === id), `event ${id} was announced as committed but is not in the database`);
  }
  // 2. Nothing arrived that was not committed, and after dedupe by event_id no seq appears twice.
  const storedIds = new Set(stored.map((e) => e.event_id));
  assert.deepEqual([...receivedIds].filter((id) => !storedIds.has(id)), [], 'events arrived that the database does not hold');
  const seqOwner = new Map<number, string>();
  for (const e of received) {
    const owner = seqOwner.get(e.seq);
    assert.ok(owner === undefined || owner === e.event_id, `seq ${e.seq} used by two events: ${owner} and ${e.event_id}`);
    seqOwner.set(e.seq, e.event_id);
  }
  // 3. Within one connection (between two birth messages) events go out in strictly increasing seq order.
  let connections = 0;
  let lastSeq = -1;
  const births = new Set<number>();
  sub.messages.forEach((m, i) => { if (m.topic === `${cfg.root}birth`) births.add(i); });
  for (let i = 0; i < sub.messages.length; i++) {
    if (births.has(i)) { connections++; lastSeq = -1; continue; }
    const m = sub.messages[i]!;
    if (!m.topic.startsWith(`${cfg.root}evt/`)) continue;
    const seq = (m.json as Evt).seq;
    assert.ok(seq > lastSeq, `connection ${connections}: seq ${seq} published after seq ${lastSeq}`);
    lastSeq = seq;
  }
  // 4. Per boot the seqs are gap-free, and every boot's seqs lie above every earlier boot's.
  const byBoot = new Map<number, number[]>();
  for (const e of stored) byBoot.set(e.boot, [...(byBoot.get(e.boot) ?? []), e.seq]);
  const boots = [...byBoot.keys()].sort((a, b) => a - b);
  let previousMax = 0;
  for (const boot of boots) {
    const seqs = byBoot.get(boot)!.sort((a, b) => a - b);
    assert.equal(seqs.at(-1)! - seqs[0]! + 1, seqs.length, `boot ${boot}: seqs ${seqs[0]}..${seqs.at(-1)} have gaps (${seqs.length} events)`);
    assert.ok(seqs[0]! > previousMax, `boot ${boot} starts at seq ${seqs[0]}, not above the earlier boots' highest ${previousMax}`);
    const first = stored.find((e) => e.seq === seqs[0]);
    assert.equal(first?.type, 'device.started', `boot ${boot} begins with device.started`);
    previousMax = seqs.at(-1)!;
  }
  const presses = stored.filter((e) => e.type === 'evaluation.unsolicited').length;
  const duplicates = received.length - receivedIds.size;
  t.diagnostic(`seed ${SEED}: ${cycles} kill cycles (${killedBeforeReady} before ready), ${boots.length} boots with events, ` +
    `${accepted} presses answered 200, ${committed.size} events announced committed, ${stored.length} stored (${presses} presses), ` +
    `${received.length} received (${duplicates} duplicates), ${connections} connections, last seq ${drained.outbox.last_seq}, ${Math.round((Date.now() - started) / 1000)} s`);
  assert.ok(presses > 0 && committed.size > 0, 'presses were committed during the kill cycles');
});

test('kill -9 → the broker publishes the last will: retained status offline, reason lwt', { timeout: 60_000 }, async (t) => {
  const cfg = await writeTestConfig({ mqttUrl: broker.url, protocolVersion, window: 'K02' });
  t.after(() => cfg.cleanup());
  const service = await startService({ configPath: cfg.path });
  const { boot } = await service.waitForHealth((h) => h.mqtt.connected, 20_000, 'the MQTT connection');
  const online = await startCollector(broker.url, [`${cfg.root}status`], { protocolVersion });
  await online.waitFor((m) => (m.json as { state?: string }).state === 'online' && (m.json as { boot?: number }).boot === boot, 10_000, 'status online');
  await online.stop();
  await service.kill9();

  // A subscriber arriving after the death finds the will as the retained status.
  const deadline = Date.now() + 20_000;
  let status: { state?: string; reason?: string; boot?: number } = {};
  while (Date.now() < deadline) {
    const late = await startCollector(broker.url, [`${cfg.root}status`], { protocolVersion });
    const got = await late.waitFor((m) => m.retain, 2000, 'a retained status').catch(() => undefined);
    await late.stop();
    status = (got?.json ?? {}) as typeof status;
    if (status.state === 'offline') break;
    await sleep(200);
  }
  assert.deepEqual(status, { state: 'offline', boot, reason: 'lwt' });
});
