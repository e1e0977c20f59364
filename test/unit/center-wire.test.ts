// The center's reading of the wire: topics (design §6, dot-free levels), envelopes (design §4) and
// the prev_seq watermark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centerTopics, parseCenterTopic } from '../../center/topics.ts';
import { parseEvent } from '../../center/envelope.ts';
import { advanceWatermark } from '../../center/watermark.ts';
import { envelope } from '../helpers/center-fixtures.ts';

test('topics: dotted types and names travel as levels, and nothing outside the contract parses', () => {
  assert.deepEqual(parseCenterTopic('zwfw/v1', 'zwfw/v1/main/A07/evt/evaluation/submitted'), { kind: 'evt', hall: 'main', window: 'A07', type: 'evaluation.submitted' });
  assert.deepEqual(parseCenterTopic('/zwfw/v1/', 'zwfw/v1/main/A07/cmd_res/nameplate/show'), { kind: 'cmd_res', hall: 'main', window: 'A07', name: 'nameplate.show' });
  assert.deepEqual(parseCenterTopic('zwfw/v1', 'zwfw/v1/main/A07/state/window'), { kind: 'state', hall: 'main', window: 'A07', part: 'window' });
  assert.deepEqual(parseCenterTopic('zwfw/v1', 'zwfw/v1/main/A07/status'), { kind: 'status', hall: 'main', window: 'A07' });
  for (const bad of ['zwfw/v1/main/A07/evt/evaluation.submitted', 'zwfw/v1/main/A07/evt', 'zwfw/v1/main/A07/evt//x', 'zwfw/v1/ma.in/A07/status',
    'zwfw/v1/main/A07/status/x', 'other/main/A07/status', 'zwfw/v1/main/A07/state/a/b', 'zwfw/v1/main/A07/unknown']) {
    assert.equal(parseCenterTopic('zwfw/v1', bad), undefined, bad);
  }
  const t = centerTopics('zwfw/v1', 'main', 'ingest');
  assert.deepEqual(t.own, ['zwfw/v1/main/+/status', 'zwfw/v1/main/+/state/+']);
  assert.deepEqual(t.shared, ['$share/ingest/zwfw/v1/main/+/evt/#', '$share/ingest/zwfw/v1/main/+/birth', '$share/ingest/zwfw/v1/main/+/cmd_res/#']);
  assert.equal(t.cmd('main', 'A07', 'pause.approve'), 'zwfw/v1/main/A07/cmd/pause/approve');
  assert.equal(t.ack('main', 'A07'), 'zwfw/v1/main/A07/ack');
  assert.deepEqual(centerTopics('zwfw/v1', '+').shared[0], 'zwfw/v1/+/+/evt/#');
  assert.throws(() => centerTopics('zwfw/v1', 'main', 'a/b'), /share group "a\/b" is not an ASCII id/);
});

const at = { hall: 'main', window: 'A07', type: 'evaluation.submitted' };
const parse = (body: Record<string, unknown>) => parseEvent(Buffer.from(JSON.stringify(body)), at, 42);

test('envelope: a well-formed event is read whole, with ts as epoch ms', () => {
  const r = parse(envelope({ seq: 12, staff_id: 'S0123', case_id: 'T0457', historical: true }));
  assert.ok(r.ok);
  assert.deepEqual({ ...r.event, data: undefined }, {
    event_id: 'A07-1-12', hall: 'main', window: 'A07', seq: 12, prev_seq: 11, boot: 1, type: 'evaluation.submitted',
    ts: '2026-11-23T09:15:02.113+08:00', ts_ms: Date.parse('2026-11-23T01:15:02.113Z'), time_quality: 'ntp',
    staff_id: 'S0123', case_id: 'T0457', data: undefined, historical: true, received_ms: 42,
  });
});

test('envelope: each defect is refused with the field and the reason', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...envelope({ seq: 3 }), window: 'A08' }, /^window: "A08" differs from the topic's window "A07"/],
    [{ ...envelope({ seq: 3 }), type: 'evaluation.expired' }, /^type: /],
    [{ ...envelope({ seq: 3 }), seq: 0 }, /^seq: must be a positive integer/],
    [{ ...envelope({ seq: 3 }), seq: 2 ** 60 }, /^seq: /],
    [{ ...envelope({ seq: 3 }), prev_seq: 3 }, /^prev_seq: must be null or an integer below seq 3/],
    [{ ...envelope({ seq: 3 }), event_id: 'A07-9-3' }, /^event_id: "A07-9-3" is not <window>-<boot>-<seq>/],
    [{ ...envelope({ seq: 3 }), ts: '2026-11-23 09:15' }, /^ts: must be ISO-8601 with an offset/],
    [{ ...envelope({ seq: 3 }), data: [1] }, /^data: must be a JSON object/],
    [{ ...envelope({ seq: 3 }), staff_id: 'a b' }, /^staff_id: /],
  ];
  for (const [body, re] of cases) {
    const r = parse(body);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, re);
  }
  const huge = parseEvent(Buffer.alloc(70_000, 0x20), at, 1);
  assert.equal(huge.ok, false);
  // A device from before prev_seq: read as gapless (previous = seq − 1).
  const { prev_seq: _drop, ...old } = envelope({ seq: 9 });
  const r = parse(old);
  assert.ok(r.ok && r.event.prev_seq === 8);
});

test('watermark: chains through prev_seq, stops at the first missing predecessor', () => {
  const links = (...xs: Array<[number, number | null]>) => xs.map(([seq, prev_seq]) => ({ seq, prev_seq }));
  assert.deepEqual(advanceWatermark(0, links([1, null], [2, 1], [3, 2])), { acked: 3, chained: 3 });
  assert.deepEqual(advanceWatermark(0, links([1, null], [2, 1], [4, 3], [5, 4])), { acked: 2, gap: { from: 3, to: 3 }, chained: 2 });
  assert.deepEqual(advanceWatermark(2, links([2, 1], [1001, 2], [1002, 1001])), { acked: 1002, chained: 2 }, 'a crash-skipped range is no gap');
  assert.deepEqual(advanceWatermark(1, links([5, 4])), { acked: 1, gap: { from: 2, to: 4 }, chained: 0 });
  assert.deepEqual(advanceWatermark(7, []), { acked: 7, chained: 0 });
});
