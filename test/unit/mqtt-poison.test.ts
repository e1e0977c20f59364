// PoisonTracker (sync/mqtt-poison.ts): who is blamed when the connection drops, isolation, and when
// an event counts as poisoned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoisonTracker } from '../../sync/mqtt-poison.ts';

test('the first publish without PUBACK is blamed; three drops on it poison it; a PUBACK clears the suspicion', () => {
  const t = new PoisonTracker(3);
  t.sent(1, 'a.b'); t.sent(2, 'print.done'); t.sent(3, 'a.b');
  t.acked(1);
  assert.equal(t.connectionLost('connection lost'), undefined);
  assert.equal(t.isolating, true, 'the suspect goes out alone next time');
  t.sent(2, 'print.done');
  assert.equal(t.connectionLost('connection lost'), undefined);
  t.sent(2, 'print.done');
  assert.deepEqual(t.connectionLost('connection lost'), { seq: 2, type: 'print.done', tries: 3, reason: 'closed the connection (connection lost)' });
  assert.equal(t.isolating, false);
  assert.deepEqual(t.poisoned.map((p) => p.seq), [2]);
  // A flaky network: the suspect gets its PUBACK on the next connection and is cleared.
  t.sent(5, 'a.b');
  t.connectionLost('keepalive timeout');
  t.sent(5, 'a.b');
  t.acked(5);
  assert.equal(t.isolating, false);
  t.sent(6, 'a.b');
  t.connectionLost('x');
  t.sent(6, 'a.b');
  t.connectionLost('x');
  assert.equal(t.poisoned.length, 1, 'two tries are not enough');
});

test('a refused publish (MQTT 5 PUBACK ≥ 0x80) is blamed by name; a drop with nothing in flight blames no one', () => {
  const t = new PoisonTracker(2);
  assert.equal(t.connectionLost('x'), undefined);
  assert.equal(t.isolating, false);
  t.sent(7, 'a.b'); t.sent(8, 'c.d');
  t.refusedBy(8, 'refused it (Not authorized)');
  t.connectionLost('dropped by us');
  t.sent(8, 'c.d');
  t.refusedBy(8, 'refused it (Not authorized)');
  assert.deepEqual(t.connectionLost('dropped by us'), { seq: 8, type: 'c.d', tries: 2, reason: 'refused it (Not authorized)' });
  t.forgetPoisoned();
  assert.equal(t.poisoned.length, 0);
});
