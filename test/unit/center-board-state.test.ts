// What a board tile shows, from retained status/state and today's events (pure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoardState } from '../../center/board-state.ts';
import { stored } from '../helpers/center-fixtures.ts';

const day = Date.parse('2026-11-23T12:00:00+08:00');
const r = (window: string, part: string, payload: unknown) => ({ hall: 'main', window, part, payload: JSON.stringify(payload), received_ms: 1 });

test('tiles: last will offline, nameplate state and staff, away overdue until back, faults, backlog, gap', () => {
  const b = new BoardState(480);
  let seq = 0;
  const ev = (window: string, type: string, ts: string, data: Record<string, unknown> = {}) => stored({ window, seq: ++seq, type, ts: `2026-11-23T${ts}+08:00`, staff_id: 'S0123', data });
  b.resetDay(day, [
    ev('A07', 'service.completed', '09:00:00.000', { handling_ms: 300_000 }),
    ev('A07', 'service.completed', '09:30:00.000', { handling_ms: 500_000 }),
    ev('A07', 'evaluation.submitted', '09:31:00.000', { satisfaction: 4 }),
    ev('A07', 'evaluation.submitted', '09:40:00.000', { satisfaction: 2 }),
    ev('A07', 'away.started', '10:00:00.000'),
    ev('A07', 'away.overdue', '10:30:00.000'),
    ev('A08', 'away.started', '10:00:00.000'),
    ev('A08', 'away.overdue', '10:30:00.000'),
    ev('A08', 'away.ended', '10:40:00.000', { minutes: 40 }),
    ev('A08', 'device.fault', '11:00:00.000', { driver: 'printer' }),
    ev('A08', 'device.fault', '11:01:00.000', { driver: 'fingerprint' }),
    ev('A08', 'device.recovered', '11:05:00.000', { driver: 'fingerprint' }),
  ]);
  // A late upload from yesterday and one from today after the board started.
  b.add([stored({ window: 'A07', seq: 99, type: 'service.completed', ts: '2026-11-22T16:00:00.000+08:00', data: { handling_ms: 1 } }),
    stored({ window: 'A07', seq: 100, type: 'service.completed', ts: '2026-11-23T11:00:00.000+08:00', data: { handling_ms: 400_000 } })]);
  const tiles = b.tiles([
    r('A07', 'status', { state: 'offline', boot: 3, reason: 'lwt' }),
    r('A07', 'state/nameplate', { status: { state: 'away', since: '2026-11-23T10:00:00+08:00' }, staff: { name: '张晓明', job_number: 'GZ0123' } }),
    r('A08', 'status', { state: 'online', boot: 1 }),
    r('A08', 'state/window', { state: 'in_service', staff_id: 'S0456', since: '2026-11-23T08:50:00+08:00' }),
    r('A08', 'state/outbox', { pending: 12 }),
    r('A08', 'state/eink', { kind: 'eink', state: 'fault' }),
  ], [{ hall: 'main', window: 'A07', acked_seq: 5, gap: { from: 6, to: 7, since_ms: 100 } }]);
  const [a07, a08] = tiles;
  assert.deepEqual([a07!.online, a07!.offline_reason, a07!.state, a07!.staff, a07!.away_overdue], [false, 'lwt', 'away', '张晓明', true]);
  assert.deepEqual([a07!.cases_today, a07!.avg_handling_s, a07!.ratings_today, a07!.satisfaction_rate, a07!.bad_today], [3, 400, 2, 50, 1], 'yesterday does not count');
  assert.deepEqual(a07!.gap, { from: 6, to: 7, since_ms: 100 });
  const fresh = b.tiles([], [{ hall: 'main', window: 'A07', acked_seq: 5, gap: { from: 6, to: 7, since_ms: 100 } }], 1500);
  assert.equal(fresh[0]!.gap, null, 'a gap younger than the grace time is not shown');
  assert.deepEqual([a08!.online, a08!.state, a08!.staff, a08!.away_overdue, a08!.backlog, a08!.faults], [true, 'in_service', 'S0456', false, 12, ['eink', 'printer']]);
});
