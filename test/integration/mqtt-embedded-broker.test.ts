// The demo broker of `npm start`: MQTT 3.1.1, retained messages served, stops cleanly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { startEmbeddedBroker } from '../../sync/embedded-broker.ts';
import { MqttSync } from '../../sync/mqtt-sync.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';
import { mqttConfig, startCollector } from '../helpers/brokers.ts';

describe('embedded broker', { timeout: 30_000 }, () => {
  it('serves a connecting counter and its retained status to a later subscriber', async () => {
    const logger = memoryLogger();
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger });
    assert.ok(broker.port > 0);
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const clock = systemClock();
    const outbox = new MemoryOutbox({ clock });
    await outbox.start();
    const sync = new MqttSync({ config: mqttConfig(url, { protocol_version: 4 }), window: { id: 'A07', hall: 'main' }, logger, clock, outbox, boot: 1, version: 'v', configHash: 'h' });
    try {
      const connected = new Promise<void>((r) => sync.once('connected', () => r()));
      await sync.start();
      await connected;
      outbox.append({ type: 'evaluation.submitted', data: { level: 1 } });
      const sub = await startCollector(url, ['zwfw/v1/main/A07/status', 'zwfw/v1/main/A07/evt/#']);
      try {
        const st = await sub.waitFor((m) => m.topic.endsWith('/status'), 5000, 'retained status');
        assert.ok(st.retain);
        assert.equal((st.json as { state: string }).state, 'online');
      } finally { await sub.stop(); }
    } finally {
      await sync.stop();
      await broker.stop();
    }
    assert.ok(logger.records.some((r) => /embedded MQTT broker .* listening on 127\.0\.0\.1:/.test(String(r.msg))));
  });

  it('names the address when the port is taken', async () => {
    const logger = memoryLogger();
    const first = await startEmbeddedBroker({ port: 0, logger });
    try {
      await assert.rejects(startEmbeddedBroker({ port: first.port, logger }), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${first.port}: port already in use`));
    } finally { await first.stop(); }
  });
});
