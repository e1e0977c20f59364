// sd_notify for real: the service as a child process with NOTIFY_SOCKET pointing at a datagram
// socket that socat reads, as systemd would. READY after start, WATCHDOG pings, STOPPING on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/brokers.ts';

const hasSocat = spawnSync('socat', ['-V']).status === 0;
const main = new URL('../../device/main.ts', import.meta.url).pathname;

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('READY, WATCHDOG and STOPPING reach the notify socket', { skip: hasSocat ? false : 'socat not installed (.ci/run installs it)', timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-notify-'));
  const sock = join(dir, 'notify.sock');
  const brokerPort = await freePort();
  writeFileSync(join(dir, 'c.yaml'), `window: { id: N01 }\nstate_dir: ${join(dir, 'state')}\nmqtt: { url: "mqtt://127.0.0.1:${brokerPort}", embedded_broker: true }\napi: { port: 0 }\nfingerprint: { enabled: false }\nprinter: { enabled: false }\neink: { enabled: false }\n`);
  const listener = spawn('socat', ['-u', `UNIX-RECV:${sock}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let got = '';
  listener.stdout.on('data', (d: Buffer) => { got += d.toString(); });
  await until(() => spawnSync('test', ['-S', sock]).status === 0, 5000, 'the socket');
  const svc = spawn(process.execPath, ['--import', 'tsx', main, '--config', join(dir, 'c.yaml'), 'run'], {
    env: { ...process.env, NOTIFY_SOCKET: sock, WATCHDOG_USEC: '400000' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  svc.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  try {
    await until(() => got.includes('READY=1'), 30_000, `READY=1 (service log: ${log.slice(-500)})`);
    assert.match(got, new RegExp(`MAINPID=${svc.pid}`));
    await until(() => (got.match(/WATCHDOG=1/g) ?? []).length >= 2, 10_000, 'two watchdog pings');
    const exited = new Promise<number | null>((r) => svc.once('exit', (code) => r(code)));
    svc.kill('SIGTERM');
    assert.equal(await exited, 0);
    await until(() => got.includes('STOPPING=1'), 5000, 'STOPPING=1');
  } finally {
    svc.kill('SIGKILL');
    listener.kill();
  }
});
