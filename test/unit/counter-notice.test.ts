// A supervisor's notice from the hall board (notice.show): shown on the nameplate under the status
// line until it ends, then gone by itself. Citizens are guided elsewhere when a window cannot serve
// them ("引导服务对象到其它窗口办理" — 002_79de1a0ec8043ff1.txt, 003_8e9808dc834fcbc6.txt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterPlayer, makeEnv, finger, cmd, tick, eventsOf, plateOf } from './counter-fixture.ts';

const D = '2026-11-23';

test('notice.show: on the nameplate for its minutes, an event each way; notice.clear ends it early', () => {
  const p = new CounterPlayer(makeEnv());
  p.send(finger(`${D} 08:45`, 'S01'));
  p.send(tick(`${D} 09:00`));
  const shown = p.send(cmd(`${D} 09:10`, 'notice.show', { text: '系统维护，请到A08号窗口办理', minutes: 20, by: '张主任' }));
  assert.deepEqual(eventsOf(shown), [['notice.shown', undefined, { text: '系统维护，请到A08号窗口办理', minutes: 20, by: '张主任' }]]);
  assert.deepEqual(plateOf(shown)?.banner.lines, ['您好，请问您办理什么业务？', '系统维护，请到A08号窗口办理']);
  p.send(tick(`${D} 09:29`));
  const ended = p.send(tick(`${D} 09:31`));
  const expired = p.log.flatMap((l) => eventsOf(l.outputs)).filter(([type]) => type === 'notice.cleared');
  assert.deepEqual(expired, [['notice.cleared', undefined, { why: 'expired' }]], 'it ends by itself at 09:30');
  const plateAfter = p.log.map((l) => plateOf(l.outputs)).filter((x) => x !== undefined).at(-1);
  assert.deepEqual(plateAfter?.banner.lines, ['您好，请问您办理什么业务？']);
  assert.equal(eventsOf(ended).length, 0);

  p.send(cmd(`${D} 10:00`, 'notice.show', { text: '请稍候' }));
  const cleared = p.send(cmd(`${D} 10:05`, 'notice.clear', {}));
  assert.deepEqual(eventsOf(cleared), [['notice.cleared', undefined, { why: 'command' }]]);
  const refused = p.send(cmd(`${D} 10:06`, 'notice.clear', {}));
  assert.deepEqual(refused, [{ kind: 'reject', reason: 'no notice is shown' }]);
});
