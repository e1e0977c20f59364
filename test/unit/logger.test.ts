import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../core/logger.ts';

test('log lines are JSON with t, level, msg first; secrets are redacted; fields cannot replace msg or level', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => lines.push(l) }).child({ part: 'mqtt' });
  log.debug('hidden');
  log.warn('connect failed', { url: 'mqtts://b:8883', password: 'hunter2', tls: { key: 'PEM' }, msg: 'spoof', level: 'debug' });
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!);
  assert.deepEqual(Object.keys(rec).slice(0, 3), ['t', 'level', 'msg']);
  assert.equal(rec.msg, 'connect failed');
  assert.equal(rec.level, 'warn');
  assert.equal(rec.part, 'mqtt');
  assert.equal(rec.password, '[redacted]');
  assert.equal(rec.tls.key, '[redacted]');
  assert.ok(!lines[0]!.includes('hunter2'));
});
