// Cases (办件) rule table: staff keys and queue commands open and close cases; each is a service.*
// event with its durations. Sources: domain.md §7 (service counts and durations, attributable) and
// §8 (queue systems: call, recall capped, skip, transfer; unsynced times flagged). Seeds:
// 000_f893b926b189d24e.txt (业务办理: the case handled and told), 002_79de1a0ec8043ff1.txt (首问负责制).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialCasesState, stepCases, type CasesState } from '../../device/counter/cases.ts';
import type { CounterInput } from '../../device/counter/types.ts';
import { command, defaultTemplates, events, makeEnv, staffKey, types } from './counter-service-fixture.ts';

const env = makeEnv(await defaultTemplates());
const run = (inputs: CounterInput[], state: CasesState = initialCasesState(), e = env) => {
  const outputs = [];
  let s = state;
  for (const i of inputs) { const r = stepCases(s, i, e); s = r.state; outputs.push(...r.outputs); }
  return { state: s, outputs };
};

test('staff keys 呼叫 then 完成: a local case with its handling time, attributed to the staff (002 首问负责制)', () => {
  const { state, outputs } = run([staffKey('2026-11-23T09:00:00', 'call'), staffKey('2026-11-23T09:07:30', 'complete')]);
  assert.deepEqual(events(outputs), [
    { type: 'service.started', case_id: 'A07-20261123-001', staff_id: 'S0123', data: { ticket: '001', promised: false, stage: 1, source: 'key' } },
    { type: 'service.completed', case_id: 'A07-20261123-001', staff_id: 'S0123', data: { ticket: '001', promised: false, stage: 1, source: 'key', handling_ms: 450_000, time_quality: 'ntp', recalls: 0, closed_by: 'key' } },
  ]);
  assert.equal(state.current, undefined);
});

test('the key serial restarts each local day', () => {
  const { outputs } = run([staffKey('2026-11-23T16:59:00', 'call'), staffKey('2026-11-23T17:00:00', 'call'), staffKey('2026-11-24T08:30:00', 'call')]);
  assert.deepEqual(events(outputs).filter((e) => e.type === 'service.started').map((e) => e.case_id), ['A07-20261123-001', 'A07-20261123-002', 'A07-20261124-001']);
});

test('queue command case.call carries ticket, case_id, item and waiting; case.complete ends it', () => {
  const { outputs } = run([
    command('2026-11-23T09:00:00', 'case.call', { ticket: 'A012', case_id: 'BJ2026112300457', item_code: '11530000MB0000001', item_name: '营业执照变更登记', promised: false, waiting_ms: 754_000 }),
    command('2026-11-23T09:12:00', 'case.complete', { case_id: 'BJ2026112300457' }),
  ]);
  const [started, completed] = events(outputs);
  assert.deepEqual(started, { type: 'service.started', case_id: 'BJ2026112300457', staff_id: 'S0123', data: { ticket: 'A012', item_code: '11530000MB0000001', item_name: '营业执照变更登记', promised: false, stage: 1, source: 'queue', waiting_ms: 754_000, waiting_from: 'queue', time_quality: 'ntp' } });
  assert.deepEqual(completed!.data, { ticket: 'A012', item_code: '11530000MB0000001', item_name: '营业执照变更登记', promised: false, stage: 1, source: 'queue', handling_ms: 720_000, waiting_ms: 754_000, waiting_from: 'queue', time_quality: 'ntp', recalls: 0, closed_by: 'command' });
});

test('recalls are capped (service.cases.max_recalls): the command past the cap is refused, the key ignored (domain.md §8)', () => {
  const e = makeEnv(env.templates as never, { config: { ...env.config, cases: { ...env.config.cases, max_recalls: 2 } } });
  const opened = run([command('2026-11-23T09:00:00', 'case.call', { ticket: 'A013' })], undefined, e);
  const r = run([
    command('2026-11-23T09:00:30', 'case.recall', { ticket: 'A013' }),
    staffKey('2026-11-23T09:01:00', 'recall'),
    staffKey('2026-11-23T09:01:30', 'recall'),
    command('2026-11-23T09:02:00', 'case.recall', { ticket: 'A013' }),
  ], opened.state, e);
  assert.deepEqual(types(r.outputs), ['service.recalled', 'service.recalled', 'reject']);
  assert.deepEqual(events(r.outputs).map((x) => x.data?.recall), [1, 2]);
  assert.equal(r.outputs[2]!.kind === 'reject' && r.outputs[2]!.reason, 'case.recall: ticket A013 was recalled 2 times already (service.cases.max_recalls = 2)');
  assert.equal(r.state.current?.recalls, 2);
});

test('过号 (skip) and transfer end the case with their own events', () => {
  const a = run([command('2026-11-23T09:00:00', 'case.call', { ticket: 'A014' }), staffKey('2026-11-23T09:03:00', 'skip')]);
  assert.deepEqual(types(a.outputs), ['service.started', 'service.skipped']);
  const b = run([command('2026-11-23T09:00:00', 'case.call', { ticket: 'A015' }), command('2026-11-23T09:04:00', 'case.transfer', { ticket: 'A015', to_window: 'B02' })]);
  assert.deepEqual(events(b.outputs)[1], { type: 'service.transferred', case_id: 'A07-20261123-A015', staff_id: 'S0123', data: { ticket: 'A015', promised: false, stage: 1, source: 'queue', handling_ms: 240_000, time_quality: 'ntp', recalls: 0, closed_by: 'command', to_window: 'B02' } });
});

test('a new call closes the open case as completed by next_call (queue systems call without completing)', () => {
  const { outputs } = run([command('2026-11-23T09:00:00', 'case.call', { ticket: 'A016' }), command('2026-11-23T09:05:00', 'case.call', { ticket: 'A017' })]);
  assert.deepEqual(events(outputs).map((e) => [e.type, e.data?.ticket, e.data?.closed_by]), [
    ['service.started', 'A016', undefined], ['service.completed', 'A016', 'next_call'], ['service.started', 'A017', undefined],
  ]);
});

test('durations on an unsynced clock say so; waiting from ticket_issued_at is measured on our wall clock', () => {
  const { outputs } = run([
    { ...command('2026-11-23T09:00:00', 'case.call', { ticket: 'A018', ticket_issued_at: '2026-11-23T08:50:00+08:00' }), at: { ...command('2026-11-23T09:00:00', 'x', {}).at, quality: 'unsynced' } },
    command('2026-11-23T09:02:00', 'case.complete', { ticket: 'A018' }),
  ]);
  const done = events(outputs)[1]!;
  assert.equal(done.data?.time_quality, 'unsynced');
  assert.equal(done.data?.waiting_ms, 600_000);
  assert.equal(done.data?.waiting_from, 'wall');
});

test('commands that do not fit are refused with what and where, and change nothing', () => {
  const opened = run([command('2026-11-23T09:00:00', 'case.call', { ticket: 'A019' })]);
  const cases: Array<[CounterInput, string]> = [
    [command('2026-11-23T09:01:00', 'case.complete', { ticket: 'A020' }), 'case.complete: ticket A020 is not the open case at window A07 (open: ticket A019, case_id A07-20261123-A019)'],
    [command('2026-11-23T09:01:00', 'case.complete', {}), 'case.complete: payload needs ticket or case_id'],
    [command('2026-11-23T09:01:00', 'case.call', { ticket: '' }), 'case.call: payload/ticket Expected string length greater or equal to 1'],
  ];
  for (const [input, reason] of cases) {
    const r = stepCases(opened.state, input, env);
    assert.deepEqual(r.outputs, [{ kind: 'reject', reason }]);
    assert.equal(r.state, opened.state);
  }
  assert.deepEqual(stepCases(initialCasesState(), command('2026-11-23T09:01:00', 'case.skip', { ticket: 'A1' }), env).outputs, [{ kind: 'reject', reason: 'case.skip: no case is open at window A07' }]);
});

test('a promised case (承诺件) completed once is stage 1; its next visit is stage 2 (国办发〔2019〕51号: rated at acceptance and at completion)', () => {
  const first = run([
    command('2026-11-23T09:00:00', 'case.call', { ticket: 'A021', case_id: 'C-777', promised: true }),
    command('2026-11-23T09:10:00', 'case.complete', { case_id: 'C-777' }),
  ]);
  const second = run([command('2026-11-30T10:00:00', 'case.call', { ticket: 'B003', case_id: 'C-777', promised: true })], first.state);
  assert.deepEqual([...events(first.outputs), ...events(second.outputs)].map((e) => [e.type, e.data?.stage]), [['service.started', 1], ['service.completed', 1], ['service.started', 2]]);
});
