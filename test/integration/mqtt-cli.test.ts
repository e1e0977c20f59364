// `counter-edge mqtt check` against a live and a dead broker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../config/loader.ts';
import type { CliContext } from '../../config/cli-context.ts';
import { memoryLogger } from '../../core/logger.ts';
import { mqttCheckCommand } from '../../sync/mqtt-cli.ts';
import { freePort, startAedes } from '../helpers/brokers.ts';

function context(url: string, extra = '  protocol_version: 4\n') {
  const { config } = parseConfig(`window:\n  id: A07\nmqtt:\n  url: ${url}\n${extra}  reconnect_min_ms: 50\n  reconnect_max_ms: 200\n`, 'test.yaml');
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    config, configPath: 'test.yaml', logger: memoryLogger(), out: (l) => out.push(l), err: (l) => err.push(l),
    apiBase: 'http://127.0.0.1:1', interrupted: new Promise(() => undefined),
  };
  return { ctx, out, err };
}

describe('mqtt check', { timeout: 30_000 }, () => {
  it('exits 0 and says so when the broker accepts the counter', async () => {
    const broker = await startAedes();
    try {
      const { ctx, out } = context(broker.url);
      assert.equal(await mqttCheckCommand([], ctx), 0);
      assert.match(out.join('\n'), new RegExp(`^ok: connected to ${broker.url} \\(MQTT 3\\.1\\.1\\) without a user name$`));
    } finally { await broker.stop(); }
  });

  it('reports the version protocol_version auto settled on and the user name sent with a password', async () => {
    const broker = await startAedes({ credentials: { username: 'A07', password: 'pw' } });
    try {
      const { ctx, out } = context(broker.url, '  password: pw\n');
      assert.equal(await mqttCheckCommand([], ctx), 0);
      assert.match(out.join('\n'), new RegExp(`^ok: connected to ${broker.url} \\(MQTT 3\\.1\\.1\\) as A07$`));
    } finally { await broker.stop(); }
  });

  it('exits 1 with the reason when nothing listens, and 2 on a bad argument', async () => {
    const port = await freePort();
    const { ctx, err } = context(`mqtt://127.0.0.1:${port}`);
    assert.equal(await mqttCheckCommand(['--timeout=1500'], ctx), 1);
    assert.match(err.join('\n'), /failed: cannot connect to mqtt:\/\/127\.0\.0\.1:\d+ \(MQTT 3\.1\.1\) within 1500 ms: connection refused/);
    assert.equal(await mqttCheckCommand(['--timeout=soon'], ctx), 2);
  });
});
