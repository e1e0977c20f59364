// The nameplate service in the whole counter (test/helpers/counter-harness.ts): what the center's
// nameplate.show command and clock-ins do to the window state, the events and the plate.
// Rule: the nameplate shows who serves at the window ("四亮": 亮身份, seed 001_*.txt via domain.md §3),
// so "in service" without a person on the plate is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCounter, waitFor } from '../helpers/counter-harness.ts';

const types = (events: Array<{ type: string }>) => events.map((e) => e.type);

test('nameplate.show in_service with nobody signed in is refused before anything changes: cmd_res error, no window.state', async () => {
  // A real panel (not sim) starts without the sample staff; the panel itself is off here.
  const h = await startCounter({ config: { eink: { enabled: false, backend: 'waveshare75v2' }, printer: { enabled: false }, buttons: { enabled: false } } });
  try {
    const { res, events } = await h.command('nameplate.show', { state: 'in_service' });
    assert.equal(res.status, 'error');
    assert.match(String(res.error), /staff: required in state in_service/);
    assert.deepEqual(types(events), ['command.received'], 'the refusal recorded no window.state');
    assert.equal(h.mqtt.retained.get('nameplate'), undefined, 'no nameplate state was published');

    // The plate is still not_open: a later valid command starts from there, not from a half-applied state.
    const paused = await h.command('nameplate.show', { state: 'paused', redirect_window: 'A08' });
    assert.equal(paused.res.status, 'ok');
    assert.deepEqual(paused.res.data, { state: 'paused', staff: null });
    assert.deepEqual(types(paused.events), ['command.received', 'window.state']);
    assert.deepEqual(paused.events[1]!.data, { state: 'paused', redirect_window: 'A08' });
  } finally {
    await h.stop();
  }
});

test('POST /api/nameplate refuses the same request with 409 and records nothing', async () => {
  const h = await startCounter({ config: { eink: { enabled: false, backend: 'waveshare75v2' }, printer: { enabled: false }, buttons: { enabled: false }, fingerprint: { enabled: false } } });
  try {
    const from = h.mark();
    const r = await h.api('POST', '/api/nameplate', { state: 'in_service' });
    assert.equal(r.status, 409);
    assert.match(String((r.json as { error: string }).error), /^nameplate: refused: staff: required in state in_service/);
    assert.deepEqual(h.since(from), []);
  } finally {
    await h.stop();
  }
});

test('nameplate.show with staff puts the person on the plate: window.state with staff_id, state/nameplate retained, a frame drawn', async () => {
  const h = await startCounter({ config: { printer: { enabled: false }, buttons: { enabled: false } } });
  try {
    // The sim panel first shows the sample staff (drawn on its own time: refresh policy, BUSY).
    const frame = async () => { const r = await h.api('GET', '/api/nameplate.png'); return r.status === 200 ? String(r.json) : undefined; };
    await waitFor('the first nameplate frame', async () => (await frame()) !== undefined);
    const first = await frame();
    const { res, events } = await h.command('nameplate.show', { state: 'in_service', staff: { name: '王芳', job_number: 'S0123', position: '综合受理' } });
    assert.equal(res.status, 'ok');
    assert.deepEqual(res.data, { state: 'in_service', staff: 'S0123' });
    assert.deepEqual(types(events), ['command.received', 'window.state']);
    assert.equal(events[1]!.staff_id, 'S0123');
    assert.deepEqual(events[1]!.data, { state: 'in_service' });
    assert.deepEqual(h.mqtt.retained.get('nameplate'), { status: { state: 'in_service' }, staff: { name: '王芳', job_number: 'S0123' } });
    await waitFor('a new frame with the person', async () => (await frame()) !== first);
  } finally {
    await h.stop();
  }
});

test('a clock-in opens a not-open window with that person; a second clock-in while in service records no new window.state', async () => {
  const h = await startCounter({ config: { printer: { enabled: false }, buttons: { enabled: false }, eink: { enabled: false } } });
  try {
    await h.enrol('S0456');
    const first = await h.finger('S0456');
    assert.deepEqual(types(first), ['attendance.clock', 'window.state']);
    assert.equal(first[1]!.staff_id, 'S0456');
    assert.deepEqual(first[1]!.data, { state: 'in_service' });
    const again = await h.finger('S0456');
    assert.deepEqual(types(again), ['attendance.clock']);
  } finally {
    await h.stop();
  }
});

test('GET /api/nameplate.png says 503 when no panel driver runs', async () => {
  const h = await startCounter({ config: { eink: { enabled: false }, printer: { enabled: false }, buttons: { enabled: false }, fingerprint: { enabled: false } } });
  try {
    const r = await h.api('GET', '/api/nameplate.png');
    assert.equal(r.status, 503);
    assert.match(String((r.json as { error: string }).error), /eink is not enabled/);
  } finally {
    await h.stop();
  }
});
