// A restarted counter shows the last known state at once (the nameplate and the retained
// state/window), before any network and before anything changes: the 四亮 plate stays true
// (001_3340ef5167649bf2.txt, 004_3f4545cb80211455.txt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterPlayer, makeEnv, finger, tick, plateOf, retainedOf } from './counter-fixture.ts';
import { restoreCounterState, serializeCounterState } from '../../device/counter/counter.ts';

const D = '2026-11-23';

test('after a restore the first step sends the plate and the retained window state again', () => {
  const p = new CounterPlayer(makeEnv());
  p.send(finger(`${D} 08:45`, 'S01'));
  p.send(tick(`${D} 09:00`));
  const same = p.send(tick(`${D} 09:10`));
  assert.deepEqual([plateOf(same), retainedOf(same)], [undefined, undefined], 'nothing changed: nothing sent again in one process');

  p.state = restoreCounterState(serializeCounterState(p.state));
  const first = p.send(tick(`${D} 09:10:01`));
  assert.equal(plateOf(first)?.banner.title, '在岗服务');
  assert.equal(plateOf(first)?.person?.name, '王芳');
  assert.ok(retainedOf(first) !== undefined, 'state/window is set again for the new MQTT link');
});
