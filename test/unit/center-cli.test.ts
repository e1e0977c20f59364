// `counter-edge center …` options: flags and env into the one CenterSchema, every problem at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centerConfig, parseFlags } from '../../center/cli.ts';

test('flags become the validated center options, with schema defaults', () => {
  const r = centerConfig({ 'mqtt-protocol-version': '4', 'board-port': '9000', holidays: '2026-10-01, 2026-10-02', group: 'ingest' }, { COUNTER_EDGE_CENTER_DB: 'postgres://center@db/center' });
  assert.ok(r.ok);
  assert.equal(r.config.mqtt_protocol_version, 4);
  assert.equal(r.config.board_port, 9000);
  assert.deepEqual(r.config.holidays, ['2026-10-01', '2026-10-02']);
  assert.equal(r.config.db, 'postgres://center@db/center');
  assert.equal(r.config.answer_working_days, 3, 'seed 002_79de1a0ec8043ff1.txt: complaints answered within 3 working days');
  assert.equal(r.config.hall, '+');
});

test('every bad option is named at once; a password is never echoed', () => {
  const r = centerConfig({ 'board-port': 'x', bogus: '1', group: 'a/b', holidays: '2026-1-1' }, { COUNTER_EDGE_CENTER_MQTT_PASSWORD: 'sekrit' });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.ok(r.errors.some((e) => e.startsWith('--board-port: Expected integer (got "x")')));
  assert.ok(r.errors.some((e) => e.startsWith('--bogus: Unexpected property')));
  assert.ok(r.errors.some((e) => e.startsWith('--group: ')));
  assert.ok(r.errors.some((e) => e.startsWith('--holidays: ')));
  assert.ok(r.errors.every((e) => !e.includes('sekrit')));
  const p = centerConfig({ password: 'x'.repeat(3) , 'mqtt-url': 'http://nope' }, {});
  assert.ok(!p.ok && p.errors.every((e) => !e.includes('xxx')));
});

test('flag parsing: --key value, --key=value, and a missing value', () => {
  assert.deepEqual(parseFlags(['report', '--month', '2026-11', '--format=html']), { positional: ['report'], flags: { month: '2026-11', format: 'html' } });
  assert.equal(parseFlags(['report', '--month']).error, '--month needs a value');
});
