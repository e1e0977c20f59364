// `counter-edge demo hall` (npm run demo:hall) as a user runs it: one process with the broker, three
// counters and the center. The board lists the three windows online; a press on one counter reaches
// the board and the center's ack reaches that counter's outbox; Ctrl-C (SIGINT) stops everything,
// the center has stored each counter's clean offline status, and no port is left open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfigFile } from '../../config/loader.ts';
import { memoryLogger } from '../../core/logger.ts';
import { DEMO_WINDOWS, demoHallOptions, startDemoHall, writeCounterConfig } from '../../device/demo-hall.ts';
import { freePort } from '../helpers/brokers.ts';
import { connect, createServer } from 'node:net';

const main = new URL('../../device/main.ts', import.meta.url).pathname;

const waitFor = async <T>(what: string, get: () => Promise<T | undefined | false>, ms: number, detail: () => string = () => ''): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};
const getJson = async <T>(url: string): Promise<T> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
};
const portOpen = (port: number) => new Promise<boolean>((resolve) => {
  const s = connect(port, '127.0.0.1');
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

interface Tile { window: string; online: boolean | null; acked_seq: number | null }
interface Health { outbox: { last_seq: number; last_acked_seq: number } }

test('options: ports and the state dir are options; bad ones say which and why', () => {
  const o = demoHallOptions(['--state-dir', 'x', '--mqtt-port', '0', '--board-port', '9000', '--api-ports', '1,2,3']);
  assert.deepEqual([o.stateDir, o.mqttPort, o.boardPort, o.apiPorts], ['x', 0, 9000, [1, 2, 3]]);
  assert.deepEqual(demoHallOptions([]).apiPorts, [8481, 8482, 8483]);
  assert.equal(demoHallOptions([]).boardPort, 8490);
  assert.throws(() => demoHallOptions(['--board-port', '70000']), /--board-port: expected a port 0–65535, got "70000"/);
  assert.throws(() => demoHallOptions(['--api-ports', '1,2']), /--api-ports: give 3 ports/);
  assert.throws(() => demoHallOptions(['--mqtt-prot', '1']), /unknown option --mqtt-prot/);
});

test('the three counter configs: valid, distinct windows and rosters, acks required, the board linked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-demo-hall-cfg-'));
  try {
    const configs = await Promise.all(DEMO_WINDOWS.map(async (w, i) => (await loadConfigFile(await writeCounterConfig(w,
      { stateDir: dir, brokerUrl: 'mqtt://127.0.0.1:1', apiPort: 8481 + i, boardUrl: 'http://127.0.0.1:8490/' }), {})).config));
    assert.deepEqual(configs.map((c) => c.window.id), ['A01', 'A02', 'A03']);
    assert.deepEqual(configs.map((c) => c.api.port), [8481, 8482, 8483]);
    assert.equal(new Set(configs.map((c) => c.state_dir)).size, 3);
    assert.equal(new Set(configs.map((c) => c.counter.roster.map((s) => s.staff_id).join())).size, 3, 'rosters differ');
    for (const c of configs) {
      assert.equal(c.outbox.require_ack, true);
      assert.equal(c.mqtt.embedded_broker, false);
      assert.equal(c.mqtt.protocol_version, 4);
      assert.equal(c.api.hall_board_url, 'http://127.0.0.1:8490/');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a port in use: the demo refuses to start, says which window and port, and leaves nothing listening', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-demo-hall-busy-'));
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  const busyPort = (busy.address() as { port: number }).port;
  try {
    const [mqttPort, boardPort] = [await freePort(), await freePort()];
    await assert.rejects(startDemoHall({ stateDir: dir, host: '127.0.0.1', mqttPort, boardPort, apiPorts: [0, busyPort, 0] }, memoryLogger()),
      new RegExp(`A02: its simulator page cannot listen on 127\\.0\\.0\\.1:${busyPort}`));
    assert.equal(await portOpen(mqttPort), false, 'the broker stopped');
    assert.equal(await portOpen(boardPort), false, 'the board stopped');
  } finally {
    busy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demo hall: three counters online on the board, a press reaches it and is acked, Ctrl-C stops all', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-demo-hall-'));
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'demo', 'hall', '--state-dir', dir, '--mqtt-port', '0', '--board-port', '0', '--api-ports', '0,0,0'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COUNTER_EDGE_API_PORT: '1' } });
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs = () => `stdout:\n${stdout}\nstderr (tail):\n${stderr.slice(-2000)}`;
  try {
    // The addresses, the board's last.
    const lines = await waitFor('the demo’s addresses', async () => (/hall board: (\S+)/.test(stdout) ? stdout.trim().split('\n') : undefined), 60_000, logs);
    const board = /hall board: (\S+)/.exec(lines.at(-1)!)?.[1];
    assert.ok(board, `the board's address is the last line printed:\n${stdout}`);
    const sims = new Map([...stdout.matchAll(/simulator (A\d\d) \S+: (\S+)/g)].map((m) => [m[1]!, m[2]!]));
    assert.deepEqual([...sims.keys()], ['A01', 'A02', 'A03']);
    const broker = Number(/broker mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);

    const tiles = async () => (await getJson<{ tiles: Tile[] }>(`${board}api/board`)).tiles;
    await waitFor('three windows online on the board', async () => {
      const t = await tiles();
      return t.length === 3 && t.every((x) => x.online === true);
    }, 30_000, logs);

    // Each simulator page is told where the board is (COUNTER_EDGE_API_PORT in the demo's environment is not applied to its counters).
    const a2 = sims.get('A02')!;
    const simConfig = await getJson<{ window: { id: string }; hall_board_url: string | null }>(`${a2}api/sim/config`);
    assert.deepEqual([simConfig.window.id, simConfig.hall_board_url], ['A02', board]);

    const before = await getJson<Health>(`${a2}api/health`);
    const res = await fetch(`${a2}api/sim/press`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ button: 'satisfied' }) });
    assert.equal(res.status, 200);
    const seq = await waitFor('the press committed on A02', async () => {
      const h = await getJson<Health>(`${a2}api/health`);
      return h.outbox.last_seq > before.outbox.last_seq ? h.outbox.last_seq : undefined;
    }, 10_000, logs);
    await waitFor(`A02's tile acknowledged up to seq ${seq}`, async () => ((await tiles()).find((t) => t.window === 'A02')?.acked_seq ?? 0) >= seq, 20_000, logs);
    await waitFor(`the center's ack in A02's outbox (seq ${seq})`, async () => (await getJson<Health>(`${a2}api/health`)).outbox.last_acked_seq >= seq, 20_000, logs);
    assert.ok(before.outbox.last_acked_seq < seq, 'the acknowledged seq rose');

    const ports = [broker, Number(new URL(board).port), ...[...sims.values()].map((u) => Number(new URL(u).port))];
    for (const p of ports) assert.equal(await portOpen(p), true, `port ${p} open while running`);

    child.kill('SIGINT');
    let hung: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'hung'>((r) => { hung = setTimeout(() => r('hung'), 30_000); })]);
    clearTimeout(hung);
    assert.equal(code, 0, `the demo exits 0 on Ctrl-C\n${logs()}`);
    for (const p of ports) assert.equal(await portOpen(p), false, `port ${p} closed after the stop`);
    // One process: nothing else was started, and it is gone.
    assert.throws(() => process.kill(child.pid!, 0), /ESRCH/);

    // The counters stopped before the center: it stored each one's own offline status (not the last will).
    const db = new Database(join(dir, 'center.db'), { readonly: true });
    try {
      const statuses = db.prepare("SELECT window_id AS window, payload FROM retained WHERE part = 'status' ORDER BY window_id").all() as Array<{ window: string; payload: string }>;
      assert.deepEqual(statuses.map((s) => [s.window, (JSON.parse(s.payload) as { state: string; reason: string }).state, (JSON.parse(s.payload) as { reason: string }).reason]),
        [['A01', 'offline', 'stop'], ['A02', 'offline', 'stop'], ['A03', 'offline', 'stop']]);
    } finally {
      db.close();
    }
    assert.match(readFileSync(join(dir, 'A02.yaml'), 'utf8'), /require_ack: true/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; }
    rmSync(dir, { recursive: true, force: true });
  }
});
