import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, logFormatFor } from '../../core/logger.ts';

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

test('pretty lines for a terminal: time, level, part, message, fields; secrets still redacted', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => lines.push(l), format: 'pretty' }).child({ part: 'mqtt' });
  log.warn('connect failed', { url: 'mqtts://b:8883', password: 'hunter2', note: 'two words' });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} WARN {3}mqtt {2}connect failed {2}url=mqtts:\/\/b:8883 password=\[redacted\] note="two words"$/);
  assert.ok(!lines[0]!.includes('\x1b['), 'no colour unless asked');
  const coloured: string[] = [];
  createLogger({ write: (l) => coloured.push(l), format: 'pretty', color: true }).error('boom');
  assert.ok(coloured[0]!.startsWith('\x1b[31m'));
});

test('log format: env wins; a terminal gets pretty, systemd and pipes get JSON', () => {
  assert.deepEqual(logFormatFor({}, true), { format: 'pretty', color: true });
  assert.deepEqual(logFormatFor({ NO_COLOR: '1' }, true), { format: 'pretty', color: false });
  assert.deepEqual(logFormatFor({}, false), { format: 'json', color: false });
  assert.deepEqual(logFormatFor({ JOURNAL_STREAM: '8:1234' }, true), { format: 'json', color: false });
  assert.deepEqual(logFormatFor({ COUNTER_EDGE_LOG_FORMAT: 'json' }, true), { format: 'json', color: false });
  assert.deepEqual(logFormatFor({ COUNTER_EDGE_LOG_FORMAT: 'pretty' }, false), { format: 'pretty', color: false });
});
