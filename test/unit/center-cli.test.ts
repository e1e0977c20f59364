// `counter-edge center …` options: flags and env into the one CenterSchema, every problem at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { centerConfig, centerMain, parseFlags } from '../../center/cli.ts';
import { openSqlDb } from '../../center/sql.ts';
import { CenterStore } from '../../center/store.ts';
import { batchOf, stored } from '../helpers/center-fixtures.ts';

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

test('center report writes CSV or A4 HTML from the stored events, and says what is wrong with its arguments', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-center-cli-'));
  try {
    const db = join(dir, 'center.db');
    const store = new CenterStore(await openSqlDb(db));
    await store.migrate();
    await store.commit(batchOf([
      stored({ seq: 1, type: 'attendance.clock', ts: '2026-11-02T08:50:00.000+08:00', staff_id: 'S0123', data: { direction: 'in' } }),
      stored({ seq: 2, type: 'evaluation.submitted', ts: '2026-11-02T10:00:00.000+08:00', staff_id: 'S0123', data: { satisfaction: 5, level: 'very_satisfied' } }),
    ]), 1);
    await store.close();
    const errs: string[] = [];
    const run = (...args: string[]) => centerMain(args, {}, () => undefined, (l) => errs.push(l));
    assert.equal(await run('report', '--month', '2026-11', '--db', db, '--out', join(dir, 'm.csv')), 0);
    const csv = readFileSync(join(dir, 'm.csv'), 'utf8').split('\n');
    assert.match(csv[1]!, /^staff,S0123,A07,1,/);
    assert.equal(await run('report', '--month', '2026-11', '--db', db, '--format', 'html', '--out', join(dir, 'm.html')), 0);
    assert.match(readFileSync(join(dir, 'm.html'), 'utf8'), /size: A4 landscape/);
    assert.equal(await run('report', '--db', db), 2);
    assert.equal(await run('report', '--month', '2026-11', '--db', db, '--format', 'pdf'), 2);
    assert.equal(await run('report', '--month', '11/2026', '--db', db), 1);
    assert.deepEqual(errs, ['center report: --month YYYY-MM is required', 'center report: --format must be csv or html (got "pdf")',
      'center report: --month "11/2026" is not a month YYYY-MM (e.g. 2026-11)']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
