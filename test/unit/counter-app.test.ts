// The counter's rules as the app runs them (test/helpers/counter-harness.ts, counterPlugins as in
// compose.ts): the local API the simulator page uses, staff keys, the event stream's `counter` frame,
// a paper's number saved before the paper goes to the printer, and a restart that keeps the roster
// version, the paper numbers and an open away.
// Rules: 离岗 (002_79de1a0ec8043ff1.txt); notice numbers issued once, never reused (行政许可法 §32);
// 四亮 roster (001_3340ef5167649bf2.txt, 004_3f4545cb80211455.txt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCounter, waitFor, type CounterHarness } from '../helpers/counter-harness.ts';
import { counterPlugins } from '../../device/plugins.ts';
import { COUNTER_STATE_FILE, counterShellPlugin } from '../../device/counter-shell.ts';
import { PrintLink } from '../../device/print-link.ts';
import { CounterViewFeed, type CounterView } from '../../device/counter-view.ts';
import { registerSimRoutes } from '../../device/simulator/sim-routes.ts';
import { restoreRulesState } from '../../device/counter/rules.ts';
import type { SubmitResult } from '../../device/print-queue.ts';

const ROSTER = [
  { staff_id: 'S01', name: '王芳', job_number: 'GZ0101', position: '综合受理员' },
  { staff_id: 'S02', name: '李强', job_number: 'GZ0102' },
];
const config = { counter: { roster: ROSTER }, service: { papers: { agency: '示范政务受字' } } };
const MIN = 60_000;

test('GET /api/counter, POST /api/counter/key and /command: the view, staff keys, commands answered like cmd_res', async () => {
  const h = await startCounter({ config });
  try {
    const view = async () => (await h.api('GET', '/api/counter')).json as CounterView;
    const v0 = await view();
    assert.deepEqual(v0.window, { id: 'A07', name: '综合受理窗口', state: 'not_open', since: null, staff: null });
    assert.deepEqual(v0.roster, [
      { id: 'S01', name: '王芳', job_number: 'GZ0101', on_leave: false },
      { id: 'S02', name: '李强', job_number: 'GZ0102', on_leave: false },
    ]);
    assert.deepEqual(v0.staff_keys.map((k) => `${k.key}:${k.label}`), ['call:呼叫', 'recall:重呼', 'complete:完成', 'skip:过号', 'pause:暂停', 'away:离岗', 'reprint:补打', 'supervision_card:监督卡', 'service_guide:服务指南']);
    assert.deepEqual(v0.eval_keys.map((k) => k.satisfaction), [5, 4, 3, 2]);
    assert.deepEqual([v0.invitation, v0.case, v0.away, v0.pause, v0.link_online], [null, null, null, null, true]);

    await h.enrol('S01');
    await h.finger('S01');
    await h.advance(30 * MIN); // 09:00: open
    const unknown = await h.api('POST', '/api/counter/key', { key: 'dance' });
    assert.equal(unknown.status, 400);
    assert.match(String((unknown.json as { error: string }).error), /unknown staff key "dance"/);

    const called = await h.api('POST', '/api/counter/key', { key: 'call' });
    assert.equal(called.status, 200);
    const c = (called.json as CounterView).case!;
    assert.equal(c.ticket.length > 0, true);
    assert.equal(c.started_at, '2026-11-23T09:00:00.000+08:00');
    assert.deepEqual(h.eventsOf('service.started').map((e) => e.staff_id), ['S01']);

    // The invitation lights the evaluation keys (lights output → the buttons' LEDs).
    const leds: Array<[string, unknown]> = [];
    const buttons = h.app.context().drivers.buttons.current()!;
    const setLed = buttons.setLed.bind(buttons);
    buttons.setLed = (k, mode) => { leds.push([k, mode]); setLed(k, mode); };
    const done = await h.api('POST', '/api/counter/key', { key: 'complete' });
    assert.equal((done.json as CounterView).invitation?.case_id, c.case_id);
    assert.deepEqual(leds[0], ['*', 'off']);
    assert.deepEqual(leds.slice(1).map(([k]) => k), ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied']);
    assert.ok(leds.slice(1).every(([, m]) => m !== 'off'));
    await h.api('POST', '/api/counter/key', { key: 'call' });

    const bad = await h.api('POST', '/api/counter/command', { name: 'case.call', payload: {} });
    assert.deepEqual([bad.status, (bad.json as { status: string }).status], [200, 'error']);
    assert.match(String((bad.json as { error: string }).error), /invalid payload: .*ticket/);
    const refused = await h.api('POST', '/api/counter/command', { name: 'case.complete', payload: { ticket: 'NOPE' } });
    assert.equal((refused.json as { status: string }).status, 'error');
    assert.equal(h.eventsOf('service.completed').length, 1, 'a refused command records nothing');
    const away = await h.api('POST', '/api/counter/command', { name: 'away.start', payload: { reason: 'meeting', minutes: 20 } });
    assert.deepEqual(away.json, { status: 'ok', data: { window: 'away' } });
    const v1 = await view();
    assert.deepEqual([v1.window.state, v1.away?.staff_id, v1.away?.label, v1.away?.return_at], ['away', 'S01', '参加会议', '2026-11-23T09:20:00.000+08:00']);
    const unknownCmd = await h.api('POST', '/api/counter/command', { name: 'nameplate.show', payload: {} });
    assert.match(String((unknownCmd.json as { error: string }).error), /unknown command nameplate\.show/);
  } finally {
    await h.stop();
  }
});

test('/api/events carries a named `counter` frame with the view when it changes; unnamed frames stay events', async () => {
  const h = await startCounter({ config: { ...config, printer: { enabled: false }, eink: { enabled: false } } });
  const ac = new AbortController();
  try {
    const res = await fetch(`http://127.0.0.1:${h.app.apiPort}/api/events`, { signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    const pump = (async () => { for (;;) { const r = await reader.read(); if (r.done) return; text += Buffer.from(r.value).toString('utf8'); } })().catch(() => undefined);
    await waitFor('the first counter frame', () => /event: counter\ndata: .*"state":"not_open"/.test(text));
    await h.enrol('S01');
    await h.finger('S01');
    await waitFor('a counter frame with S01', () => /event: counter\ndata: .*"staff":\{"id":"S01"/.test(text));
    await waitFor('the attendance event as an unnamed frame', () => /(^|\n)data: .*"type":"attendance.clock"/.test(text));
    ac.abort();
    await pump;
  } finally {
    ac.abort();
    await h.stop();
  }
});

test("a paper's number is on disk before the paper reaches the print queue", async () => {
  const seen: Array<{ docId: string; onDisk: string }> = [];
  class CheckingLink extends PrintLink {
    stateDir = '';
    override submit(docId: string, doc: unknown, where: string): SubmitResult {
      seen.push({ docId, onDisk: readFileSync(join(this.stateDir, COUNTER_STATE_FILE), 'utf8') });
      return super.submit(docId, doc, where);
    }
  }
  const link = new CheckingLink();
  const h = await startCounter({
    config: { ...config, eink: { enabled: false } },
    plugins: (stateDir) => { link.stateDir = stateDir; return [counterShellPlugin({ stateDir, print: link })]; },
  });
  try {
    const r = await h.command('paper.print', { kind: 'supervision_card', doc_id: 'card-1' });
    assert.equal(r.res.status, 'ok', r.res.error);
    await waitFor('the paper handed to the queue', () => seen.length === 1);
    const saved = restoreRulesState(seen[0]!.onDisk);
    assert.ok(saved.service.papers.issued.some((p) => p.docId === 'card-1'), 'the issued paper was saved before it was submitted');
  } finally {
    await h.stop();
  }
});

test('a restart keeps the roster version, the paper numbers, an open case and an open away', async () => {
  let json = '';
  const start = (prepare?: (dir: string) => void, at?: string): Promise<CounterHarness> => startCounter({
    config, ...(at ? { start: at } : {}),
    plugins: (stateDir) => {
      prepare?.(stateDir);
      const feed = new CounterViewFeed();
      return [(ctx) => registerSimRoutes(ctx, () => ({}), feed), ...counterPlugins(stateDir, feed)];
    },
  });
  const first = await start();
  try {
    assert.equal((await first.command('roster.update', { version: 3, staff: ROSTER })).res.status, 'ok');
    await first.enrol('S01');
    await first.finger('S01');
    await first.advance(30 * MIN);
    const p = await first.command('paper.print', { kind: 'acceptance', doc_id: 'acc-1', fields: { applicant: '李娜', item_name: '营业执照', case_id: 'C-1', promised_working_days: 5 } });
    assert.equal(p.res.status, 'ok', p.res.error);
    assert.deepEqual(first.eventsOf('paper.issued').map((e) => e.data.number), ['示范政务受字〔2026〕第0001号']);
    assert.equal((await first.command('case.call', { ticket: 'B007', case_id: 'C-7', item_name: '营业执照' })).res.status, 'ok');
    assert.equal((await first.command('away.start', { reason: 'meeting', minutes: 20 })).res.status, 'ok');
    await waitFor('the state saved', async () => (await readFile(join(first.stateDir, COUNTER_STATE_FILE), 'utf8')).includes('"aways":[{'));
    json = await readFile(join(first.stateDir, COUNTER_STATE_FILE), 'utf8');
  } finally {
    await first.stop();
  }
  // Back five minutes later (the first run ended at 09:00).
  const again = await start((dir) => writeFileSync(join(dir, COUNTER_STATE_FILE), json), '2026-11-23T09:05:00+08:00');
  try {
    const v = (await again.api('GET', '/api/counter')).json as CounterView;
    assert.deepEqual([v.window.state, v.away?.staff_id], ['away', 'S01'], 'the away is still open');
    assert.deepEqual([v.case?.ticket, v.case?.case_id, v.case?.started_at], ['B007', 'C-7', '2026-11-23T09:00:00.000+08:00'], 'the open case is still open');
    const older = await again.command('roster.update', { version: 3, staff: [] });
    assert.deepEqual([older.res.status, older.res.error], ['error', 'roster version 3 is not newer than 3']);
    const p = await again.command('paper.print', { kind: 'acceptance', doc_id: 'acc-2', fields: { applicant: '王五', item_name: '营业执照', case_id: 'C-2', promised_working_days: 5 } });
    assert.equal(p.res.status, 'ok', p.res.error);
    assert.deepEqual(again.eventsOf('paper.issued').map((e) => e.data.number), ['示范政务受字〔2026〕第0002号'], 'numbers go on, never reused');
    const repeat = await again.command('paper.print', { kind: 'acceptance', doc_id: 'acc-1', fields: { applicant: '李娜', item_name: '营业执照', case_id: 'C-1', promised_working_days: 5 } });
    assert.equal(repeat.res.status, 'ok');
    assert.equal(again.eventsOf('paper.issued').length, 1, 'acc-1 was issued before the restart: not again');
  } finally {
    await again.stop();
  }
});

test('staff keys on the keypad itself: a press of a staff key is heard as the staff key, a level key as a rating', async () => {
  const keys = ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'call', 'complete'];
  const h = await startCounter({ config: { ...config, buttons: { backend: 'sim', keys, debounce_ms: 0 } } });
  try {
    await h.enrol('S01');
    await h.finger('S01');
    await h.advance(30 * MIN); // 09:00: open
    await h.press('call');
    await waitFor('service.started from the keypad', () => h.eventsOf('service.started').length === 1);
    await h.press('complete');
    await waitFor('service.completed from the keypad', () => h.eventsOf('service.completed').length === 1);
    await h.press('satisfied');
    await waitFor('the rating', () => h.eventsOf('evaluation.submitted').length === 1);
    const rating = h.eventsOf('evaluation.submitted')[0]!;
    assert.equal(rating.data.satisfaction, 4);
    assert.equal(h.eventsOf('evaluation.unsolicited').length, 0, 'no staff key press was taken as a rating');
  } finally {
    await h.stop();
  }
});
