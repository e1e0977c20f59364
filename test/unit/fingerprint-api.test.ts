// Local API routes, MQTT command handlers and the technician CLI (through the API and direct).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from '../../config/schema.ts';
import { systemClock } from '../../core/clock.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { ApiRouter, HttpError } from '../../core/http-router.ts';
import { memoryLogger } from '../../core/logger.ts';
import type { CliContext } from '../../config/cli-context.ts';
import { registerFingerprintRoutes } from '../../drivers/fingerprint/api.ts';
import { parseFingerprintArgs, runFingerprintCli } from '../../drivers/fingerprint/cli.ts';
import { fingerprintCommands } from '../../drivers/fingerprint/commands.ts';
import { fingerprintDefaults } from '../../drivers/fingerprint/config.ts';
import { ModuleEmulator } from '../../drivers/fingerprint/emulator.ts';
import { SimFingerprintDriver } from '../../drivers/fingerprint/index.ts';

// The driver's timers (poll loop, command timeouts) come from systemScheduler() and are unref'd,
// as in the service, where the server keeps the process up; here the test holds it up instead.
const keepAlive = setInterval(() => undefined, 60_000);
after(() => clearInterval(keepAlive));

let dir: string;
let emulator: ModuleEmulator;
let driver: SimFingerprintDriver;
let router: ApiRouter;
let server: http.Server;
let apiBase: string;

/** A minimal stand-in for the service's HTTP server: JSON in, JSON out, HttpError → status + {error}. */
function serve(r: ApiRouter): http.Server {
  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = r.match(req.method ?? 'GET', url.pathname);
    const send = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (!m || !('route' in m)) return send(404, { error: 'no route' });
    try {
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      send(200, await m.route.json!({ method: req.method!, path: url.pathname, params: m.params, query: url.searchParams, body }));
    } catch (err) {
      send(err instanceof HttpError ? err.status : 500, { error: (err as Error).message });
    }
  });
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fp-api-'));
  emulator = new ModuleEmulator();
  driver = new SimFingerprintDriver({ config: fingerprintDefaults({ poll_ms: 20 }), logger: memoryLogger(), clock: systemClock(), scheduler: systemScheduler(), staffMapFile: path.join(dir, 'staff.json') }, emulator);
  driver.on('enrol_step', (e) => { if (e.step === 'place' || e.step === 'place_again') driver.touch(e.staff_id); });
  await driver.start();
  router = new ApiRouter();
  registerFingerprintRoutes(router, driver);
  server = serve(router);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await driver.stop();
  await rm(dir, { recursive: true, force: true });
});

function ctxFor(base: string, fingerprint: Record<string, unknown> = {}): CliContext & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  const config = Value.Default(ConfigSchema, { window: { id: 'A07' }, state_dir: dir, fingerprint }) as Config;
  return { config, configPath: 'test.yaml', logger: memoryLogger(), out: (l) => lines.push(l), err: (l) => errors.push(l), apiBase: base, interrupted: new Promise(() => undefined), lines, errors };
}

test('API: enrol, list, delete and the sim finger route', async () => {
  const post = (p: string, body: unknown) => fetch(apiBase + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const enrolled = await post('/api/fingerprint/enrol', { staff_id: 'S0100' });
  assert.equal(enrolled.status, 200);
  assert.deepEqual(await enrolled.json(), { slot: 0 });
  assert.deepEqual(await (await fetch(apiBase + '/api/fingerprint/list')).json(), { fingers: [{ staff_id: 'S0100', slot: 0 }] });
  const matched = new Promise<{ staff_id: string }>((r) => driver.once('match', r));
  assert.equal((await post('/api/sim/finger', { staff_id: 'S0100' })).status, 200);
  assert.equal((await matched).staff_id, 'S0100');
  const bad = await post('/api/fingerprint/enrol', { staff_id: 'no spaces', slot: 1 });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /fingerprint\.enrol: staff_id: /);
  const extra = await post('/api/fingerprint/enrol', { staff_id: 'S1', colour: 'red' });
  assert.equal(extra.status, 400);
  const missing = await post('/api/fingerprint/delete', { staff_id: 'S9999' });
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /staff S9999 has no enrolled finger/);
  const deleted = await post('/api/fingerprint/delete', { staff_id: 'S0100' });
  assert.deepEqual(await deleted.json(), { staff_id: 'S0100', slots: [0] });
});

test('MQTT commands: names, schemas and handlers', async () => {
  const cmds = fingerprintCommands(driver);
  assert.deepEqual(cmds.map((c) => c.name), ['fingerprint.enrol', 'fingerprint.delete', 'fingerprint.list']);
  assert.ok(Value.Check(cmds[0]!.schema, { staff_id: 'S1', slot: 4 }));
  assert.ok(!Value.Check(cmds[0]!.schema, { staff_id: 'S1', slot: -1 }));
  assert.deepEqual(await cmds[0]!.handler({ staff_id: 'S0200', slot: 4 }), { slot: 4 });
  assert.deepEqual(await cmds[2]!.handler({}), { fingers: [{ staff_id: 'S0200', slot: 4 }] });
  await assert.rejects(cmds[1]!.handler({ staff: 'S0200' }), /fingerprint\.delete: /);
  assert.deepEqual(await cmds[1]!.handler({ staff_id: 'S0200' }), { staff_id: 'S0200', slots: [4] });
});

test('CLI goes through the running service when it answers', async () => {
  const ctx = ctxFor(apiBase);
  assert.equal(await runFingerprintCli(['enrol', '--staff', 'S0300', '--slot', '12'], ctx), 0);
  assert.equal(await runFingerprintCli(['list'], ctx), 0);
  assert.equal(await runFingerprintCli(['delete', '--staff=S0301'], ctx), 1);
  assert.deepEqual(ctx.lines.slice(1), ['enrolled staff S0300 at slot 12', 'slot 12\tS0300']);
  assert.match(ctx.errors[0]!, /fingerprint delete failed: staff S0301 has no enrolled finger/);
  assert.equal(emulator.hasTemplate(12), true, 'the service (not the CLI) drove the module');
});

test('CLI opens the reader itself when no service answers', async () => {
  // A port that was just free: nothing listens there.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const deadBase = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((r) => probe.close(() => r()));
  const mapFile = path.join(dir, 'direct-staff.json');
  await writeFile(mapFile, JSON.stringify({ version: 1, slots: { 5: 'S0500' } }));
  const ctx = ctxFor(deadBase, { backend: 'sim', staff_map_file: mapFile });
  assert.equal(await runFingerprintCli(['list'], ctx), 0);
  assert.deepEqual(ctx.lines, ['slot 5\tS0500']);
  assert.equal(await runFingerprintCli(['enrol', '--staff', 'S0600'], ctx), 1);
  assert.match(ctx.errors[0]!, /sim reader lives inside the service/);
});

test('CLI usage errors exit 2 with a message', async () => {
  const ctx = ctxFor(apiBase);
  assert.equal(await runFingerprintCli(['enrol'], ctx), 2);
  assert.equal(await runFingerprintCli(['enrol', '--staff', 'S1', '--slot', 'x'], ctx), 2);
  assert.equal(await runFingerprintCli(['frobnicate'], ctx), 2);
  assert.match(ctx.errors.join('\n'), /enrol needs --staff ID[\s\S]*--slot must be a whole number[\s\S]*unknown fingerprint command "frobnicate"/);
  assert.deepEqual(parseFingerprintArgs(['enrol', '--staff', 'S1', '--slot', '3']), { kind: 'enrol', staff_id: 'S1', slot: 3 });
});
