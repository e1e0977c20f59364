// The counter's shell in the whole app (test/helpers/counter-harness.ts): a fingerprint touch and
// the center's commands become inputs, events reach the outbox, the one timer fires at each
// deadline, the retained state follows, and the state survives in the state directory.
// Rules: 001_3340ef5167649bf2.txt (指纹考勤), 002_79de1a0ec8043ff1.txt (离岗 > 30 min, one-person window).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCounter } from '../helpers/counter-harness.ts';
import { COUNTER_STATE_FILE, counterShellPlugin, type CounterShell } from '../../device/counter-shell.ts';
import { restoreRulesState } from '../../device/counter/rules.ts';
import type { PlateContent } from '../../drivers/eink/plate-content.ts';

const ROSTER = [{ staff_id: 'S01', name: '王芳', job_number: 'GZ0101', position: '综合受理员', duties: '社保医保业务受理', phone: '13800000001', regular: true }];
const MIN = 60_000;

async function start(prepare?: (stateDir: string) => void) {
  const plates: PlateContent[] = [];
  let shell!: CounterShell;
  const h = await startCounter({
    config: { counter: { roster: ROSTER }, printer: { enabled: false } },
    plugins: (stateDir) => {
      prepare?.(stateDir);
      return [counterShellPlugin({ stateDir, showPlate: (c) => { plates.push(c); } }, (s) => { shell = s; })];
    },
  });
  return { h, plates, shell: () => shell };
}
const types = (evs: Array<{ type: string }>) => evs.map((e) => e.type).filter((t) => t !== 'command.received');

test('shell: touch, opening by the timer, away by command, refusal, retained state and nameplate (001, 002)', async () => {
  const { h, plates, shell } = await start();
  try {
    assert.equal((h.mqtt.retained.get('window') as { state: string }).state, 'not_open');
    assert.equal(plates.at(-1)!.banner.title, '未开始服务');
    await h.enrol('S01');
    const touched = await h.finger('S01');
    assert.deepEqual(touched.map((e) => [e.type, e.staff_id, e.data]), [['attendance.clock', 'S01', { direction: 'in', session: 0 }]]);
    assert.equal(plates.at(-1)!.person!.name, '王芳');
    // 08:30 → 09:00: the shell's one timer fires at the opening.
    const mark = h.mark();
    await h.advance(30 * MIN);
    assert.deepEqual(h.since(mark).map((e) => [e.type, e.data.to]), [['window.state', 'in_service']]);
    assert.equal((h.mqtt.retained.get('window') as { state: string }).state, 'in_service');
    const away = await h.command('away.start', { reason: 'meeting', minutes: 45 });
    assert.equal(away.res.status, 'ok');
    assert.deepEqual(types(away.events), ['away.started', 'window.violation', 'window.state']);
    assert.equal(plates.at(-1)!.banner.title, '离岗');
    const refused = await h.command('roster.update', { version: 0, staff: [] });
    assert.equal(refused.res.status, 'error');
    const refusedAgain = await h.command('roster.update', { version: 1, staff: ROSTER });
    assert.equal(refusedAgain.res.status, 'ok');
    const old = await h.command('roster.update', { version: 1, staff: [] });
    assert.deepEqual([old.res.status, old.res.error, types(old.events)], ['error', 'roster version 1 is not newer than 1', []]);
    // 30 minutes into the away without the formal notice: escalated, by the timer.
    const m2 = h.mark();
    await h.advance(30 * MIN);
    assert.ok(types(h.since(m2)).includes('away.escalated'), `got ${types(h.since(m2)).join(', ')}`);
    await shell().flushed();
    const saved = restoreRulesState(await readFile(join(h.stateDir, COUNTER_STATE_FILE), 'utf8')).presence;
    assert.deepEqual([saved.roster?.version, saved.aways.map((a) => a.staff_id)], [1, ['S01']]);
  } finally {
    await h.stop();
  }
});

test('shell: a restart goes on from the saved state; an unreadable state file is moved aside with a fault event', async () => {
  const first = await start();
  let json: string;
  try {
    await first.h.enrol('S01');
    await first.h.finger('S01');
    await first.shell().flushed();
    json = await readFile(join(first.h.stateDir, COUNTER_STATE_FILE), 'utf8');
  } finally {
    await first.h.stop();
  }
  const again = await start((dir) => writeFileSync(join(dir, COUNTER_STATE_FILE), json));
  try {
    assert.deepEqual((again.h.mqtt.retained.get('window') as { present: string[] }).present, ['S01']);
  } finally {
    await again.h.stop();
  }
  const bad = await start((dir) => writeFileSync(join(dir, COUNTER_STATE_FILE), '{"v":9}'));
  try {
    assert.deepEqual(bad.h.eventsOf('device.fault').map((e) => e.data), [{ part: 'counter', reason: 'counter state: unknown version (expected v: 2)' }]);
    await readFile(join(bad.h.stateDir, `${COUNTER_STATE_FILE}.bad`), 'utf8');
  } finally {
    await bad.h.stop();
  }
});
