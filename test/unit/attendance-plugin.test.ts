// The fingerprint in the whole counter (test/helpers/counter-harness.ts): a clock-in becomes one
// attendance event (decided by the counter's rules, not also by the attendance service), the
// technician commands reach the reader running now, and a reader replaced by a config reload is the
// only one listened to.
// Rule: clock-in and clock-out by fingerprint are mandatory (上下班严格执行指纹考勤制度, seed 001_*.txt via
// domain.md §1); only the staff id and the match score leave the reader, never a template.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Config } from '../../config/schema.ts';
import { startCounter, type CounterHarness } from '../helpers/counter-harness.ts';

const ROSTER = [
  { staff_id: 'S0123', name: '王敏', job_number: '0123' },
  { staff_id: 'S0456', name: '李强', job_number: '0456' },
];
const quiet = { printer: { enabled: false }, eink: { enabled: false }, buttons: { enabled: false }, counter: { roster: ROSTER } };
const reloadFingerprint = (h: CounterHarness, fingerprint: Partial<Config['fingerprint']>) =>
  h.app.applyDriverConfig({ ...h.app.currentConfig, fingerprint: { ...h.app.currentConfig.fingerprint, ...fingerprint } }, ['fingerprint']);

test('a matched finger is one attendance.clock of that staff member, nothing of the template; an unknown finger is attendance.unrecognized', async () => {
  const h = await startCounter({ config: quiet });
  try {
    await h.enrol('S0123');
    const events = await h.finger('S0123');
    const clock = events.filter((e) => e.type === 'attendance.clock');
    assert.equal(clock.length, 1);
    assert.equal(clock[0]!.staff_id, 'S0123');
    assert.deepEqual(clock[0]!.data, { direction: 'in', session: 0 }, 'nothing of the template leaves the reader');

    const unknown = await h.finger('unknown');
    assert.deepEqual(unknown.map((e) => e.type), ['attendance.unrecognized']);
  } finally {
    await h.stop();
  }
});

test('fingerprint.list answers from the reader running now, also after a reload replaced it; the old reader is no longer heard', async () => {
  const h = await startCounter({ config: quiet });
  try {
    await h.enrol('S0123');
    const listed = await h.command('fingerprint.list');
    assert.equal(listed.res.status, 'ok');
    assert.deepEqual(listed.res.data, { fingers: [{ staff_id: 'S0123', slot: 0 }] });

    const old = h.app.context().drivers.fingerprint.current()!;
    await reloadFingerprint(h, { poll_ms: 25 });
    assert.notEqual(h.app.context().drivers.fingerprint.current(), old);
    assert.ok(old instanceof EventEmitter);
    assert.equal(old.listenerCount('match') + old.listenerCount('no_match') + old.listenerCount('status'), 0, 'nothing listens to the stopped reader');
    // The simulated module of the new driver is a fresh one: enrol again on it.
    await h.enrol('S0456');
    const again = await h.command('fingerprint.list');
    assert.equal(again.res.status, 'ok');
    assert.deepEqual((again.res.data as { fingers: Array<{ staff_id: string }> }).fingers.map((f) => f.staff_id), ['S0456']);
    const events = await h.finger('S0456');
    assert.equal(events.filter((e) => e.type === 'attendance.clock').length, 1, 'one clock-in, not one per reader ever started');
  } finally {
    await h.stop();
  }
});

test('without a reader the technician command says so and /api/sim/finger refuses', async () => {
  const h = await startCounter({ config: quiet });
  try {
    await reloadFingerprint(h, { enabled: false });
    const { res, events } = await h.command('fingerprint.list');
    assert.equal(res.status, 'error');
    assert.match(String(res.error), /fingerprint is not enabled in the config or not started/);
    assert.deepEqual(events.map((e) => e.type), ['command.received']);
    const r = await h.api('POST', '/api/sim/finger', { staff_id: 'S0123' });
    assert.equal(r.status, 409);
    const bad = await h.api('POST', '/api/fingerprint/enrol', { staff_id: 'S0123' });
    assert.equal(bad.status, 503);
  } finally {
    await h.stop();
  }
});
