// The nameplate in the whole counter (test/helpers/counter-harness.ts): the panel draws what the
// counter's rules decide (device/counter/nameplate.ts via counter-shell.ts) — the person who clocked
// in (四亮, 001_3340ef5167649bf2.txt) — and GET /api/nameplate.png serves the last frame. The former
// nameplate.show command is gone: the center uses window.set_state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCounter, waitFor } from '../helpers/counter-harness.ts';

const ROSTER = [{ staff_id: 'S0456', name: '李强', job_number: '0456', position: '综合受理员' }];

test('a clock-in puts the person on the panel: a new frame is drawn; nameplate.show is no longer a command', async () => {
  const h = await startCounter({ config: { printer: { enabled: false }, buttons: { enabled: false }, counter: { roster: ROSTER } } });
  try {
    const png = async () => { const r = await fetch(`http://127.0.0.1:${h.app.apiPort}/api/nameplate.png`); return r.status === 200 ? Buffer.from(await r.arrayBuffer()) : undefined; };
    await waitFor('the first frame', async () => (await png()) !== undefined);
    const before = await png();
    await h.enrol('S0456');
    const events = await h.finger('S0456');
    assert.deepEqual(events.map((e) => [e.type, e.staff_id]), [['attendance.clock', 'S0456']]);
    await waitFor('a frame with the person', async () => !(await png())!.equals(before!));
    const gone = await h.command('nameplate.show', { state: 'paused' });
    assert.equal(gone.res.status, 'error');
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
