import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAck, parseJsonObject, readCmdId, readExpiresAt, describeCmdIdProblem } from '../../sync/mqtt-payload.ts';
import { buildTopics, eventTopicLevel } from '../../sync/mqtt-topics.ts';
import { describeMqttError, safeUrl } from '../../sync/mqtt-connection.ts';

const buf = (s: string) => Buffer.from(s, 'utf8');
const err = (r: ReturnType<typeof parseJsonObject>) => (r.ok ? assert.fail('expected an error') : r.error);

describe('parseJsonObject', () => {
  it('accepts a plain object', () => {
    const r = parseJsonObject(buf('{"cmd_id":"a","n":[1,{"b":2}]}'));
    assert.ok(r.ok);
    assert.deepEqual(r.body, { cmd_id: 'a', n: [1, { b: 2 }] });
  });
  it('rejects bad JSON, non-objects, invalid UTF-8 and oversize payloads with a reason', () => {
    assert.match(err(parseJsonObject(buf('{"a":'))), /not JSON/);
    assert.match(err(parseJsonObject(buf('[1]'))), /must be a JSON object, got an array/);
    assert.match(err(parseJsonObject(buf('null'))), /got null/);
    assert.match(err(parseJsonObject(buf('"x"'))), /got string/);
    assert.match(err(parseJsonObject(buf(''))), /not JSON/);
    assert.match(err(parseJsonObject(Buffer.from([0x7b, 0xff, 0x7d]))), /not valid UTF-8/);
    assert.match(err(parseJsonObject(buf(`{"a":"${'x'.repeat(100)}"}`), 50)), /too large: 108 bytes \(limit 50\)/);
  });
  it('rejects prototype-pollution keys at any depth without polluting anything', () => {
    assert.match(err(parseJsonObject(buf('{"__proto__":{"polluted":1}}'))), /forbidden key "__proto__"/);
    assert.match(err(parseJsonObject(buf('{"a":{"b":{"constructor":{"prototype":{"x":1}}}}}'))), /forbidden key "(constructor|prototype)"/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  it('rejects deep nesting', () => {
    const deep = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
    assert.match(err(parseJsonObject(buf(deep))), /nested deeper than 32/);
    const ok = '{"a":'.repeat(10) + '1' + '}'.repeat(10);
    assert.ok(parseJsonObject(buf(ok)).ok);
  });
});

describe('cmd_id and expires_at', () => {
  it('reads a usable cmd_id and explains an unusable one', () => {
    assert.equal(readCmdId({ cmd_id: '0b6f1c2e-uuid' }), '0b6f1c2e-uuid');
    assert.equal(readCmdId({ cmd_id: 'has space' }), undefined);
    assert.equal(readCmdId({ cmd_id: 'x'.repeat(129) }), undefined);
    assert.equal(readCmdId({ cmd_id: 7 }), undefined);
    assert.equal(describeCmdIdProblem({}), 'cmd_id is missing');
    assert.equal(describeCmdIdProblem({ cmd_id: 7 }), 'cmd_id must be a string, got number');
    assert.equal(describeCmdIdProblem({ cmd_id: null }), 'cmd_id must be a string, got null');
  });
  it('accepts ISO times and epoch ms, rejects anything else', () => {
    assert.deepEqual(readExpiresAt({}), { ok: true });
    assert.deepEqual(readExpiresAt({ expires_at: '2026-11-23T09:00:00+08:00' }), { ok: true, at: Date.parse('2026-11-23T01:00:00Z') });
    assert.deepEqual(readExpiresAt({ expires_at: 1_800_000_000_000 }), { ok: true, at: 1_800_000_000_000 });
    for (const bad of ['tomorrow', '2026-13-45T99:00', -5, true, {}]) assert.equal(readExpiresAt({ expires_at: bad }).ok, false, String(bad));
  });
});

describe('parseAck', () => {
  it('accepts upto_seq within the used range only', () => {
    assert.deepEqual(parseAck(buf('{"upto_seq":10}'), 10), { ok: true, uptoSeq: 10 });
    assert.match((parseAck(buf('{"upto_seq":11}'), 10) as { error: string }).error, /above the last seq/);
    for (const bad of ['{"upto_seq":-1}', '{"upto_seq":1.5}', '{"upto_seq":"3"}', '{}', '[]', 'x']) assert.equal(parseAck(buf(bad), 100).ok, false, bad);
  });
});

describe('topics and connection messages', () => {
  it('builds and parses the window topics', () => {
    const t = buildTopics('zwfw/v1/', 'main', 'A07');
    assert.equal(t.status, 'zwfw/v1/main/A07/status');
    assert.equal(t.state('printer'), 'zwfw/v1/main/A07/state/printer');
    assert.equal(t.evt('evaluation.submitted'), 'zwfw/v1/main/A07/evt/evaluation.submitted');
    assert.equal(t.cmdFilter, 'zwfw/v1/main/A07/cmd/+');
    assert.deepEqual(t.parse('zwfw/v1/main/A07/cmd/pause'), { kind: 'cmd', name: 'pause' });
    assert.deepEqual(t.parse('zwfw/v1/main/A07/ack'), { kind: 'ack' });
    assert.equal(t.parse('zwfw/v1/main/A08/cmd/pause'), undefined);
    assert.equal(t.parse('zwfw/v1/main/A07/cmd/'), undefined);
    assert.equal(eventTopicLevel('a+b#c/d\u0000'), 'a_b_c_d_');
    assert.equal(eventTopicLevel(''), 'unknown');
  });
  it('describes errors in one actionable phrase and never shows URL credentials', () => {
    assert.equal(describeMqttError(Object.assign(new Error('Connection refused: Not authorized'), { code: 135 })), 'Not authorized');
    assert.match(describeMqttError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })), /^certificate verify failed: self-signed certificate/);
    assert.match(describeMqttError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), /connection refused/);
    assert.equal(safeUrl('mqtts://A07:s3cret@broker.example:8883'), 'mqtts://broker.example:8883');
  });
});
