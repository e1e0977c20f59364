// The counter harness itself (test/helpers/counter-harness.ts), so the tests built on it stand on
// something checked: a press is an event at once, the app's timers run on the manual scheduler, and
// the events appended are what the outbox got, in seq order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCounter, HARNESS_START } from '../helpers/counter-harness.ts';

test('harness: device.started first; a press outside an invitation is evaluation.unsolicited (domain.md §4) stamped with the manual time; state/outbox follows on the 5 s timer', async () => {
  const h = await startCounter({ config: { fingerprint: { enabled: false }, printer: { enabled: false }, eink: { enabled: false } } });
  try {
    assert.equal(h.events()[0]!.type, 'device.started');
    const pressed = await h.press('dissatisfied');
    assert.deepEqual(pressed.map((e) => e.type), ['evaluation.unsolicited']);
    assert.equal(pressed[0]!.data.key, 'dissatisfied');
    assert.equal(pressed[0]!.data.satisfaction, 2, 'hall4: 不满意 = 2');
    assert.equal(pressed[0]!.ts, HARNESS_START.replace(':00+08:00', ':00.000+08:00'));
    assert.equal(h.eventsOf('evaluation.unsolicited').length, 1, 'recorded once: by the rules, not also by the app');
    assert.deepEqual(h.events().map((e) => e.seq), h.events().map((_, i) => i + 1));

    const retainedSeq = () => (h.mqtt.retained.get('outbox') as { lastSeq: number }).lastSeq;
    const before = retainedSeq();
    assert.ok(before < pressed[0]!.seq, 'state/outbox was published at start, before the press');
    await h.advance(4_999);
    assert.equal(retainedSeq(), before);
    await h.advance(1);
    assert.equal(retainedSeq(), pressed[0]!.seq, 'republished when the manual scheduler reached 5 s');
    assert.equal(h.clock.now(), Date.parse(HARNESS_START) + 5_000);
  } finally {
    await h.stop();
  }
});

test('harness: a command answers like cmd_res and records command.received first; an unknown one is refused without events', async () => {
  const h = await startCounter({ config: { buttons: { enabled: false }, fingerprint: { enabled: false }, printer: { enabled: false }, eink: { enabled: false } } });
  try {
    const ok = await h.command('state.republish', {}, { cmdId: 'c-1' });
    assert.deepEqual(ok.res, { cmd_id: 'c-1', status: 'ok', data: { window: 'not_open' } });
    assert.deepEqual(ok.events.map((e) => e.type), ['command.received']);
    assert.deepEqual(ok.events[0]!.data, { name: 'state.republish', cmd_id: 'c-1' });
    const unknown = await h.command('nameplate.dance');
    assert.equal(unknown.res.status, 'error');
    assert.deepEqual(unknown.events, []);
  } finally {
    await h.stop();
  }
});
