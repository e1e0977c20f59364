import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAck, parseJsonObject, readCmdId, readExpiresAt, describeCmdIdProblem } from '../../sync/mqtt-payload.ts';
import { buildTopics, commandToLevels, eventLevelsToType, eventTypeToLevels, levelsToName, MAX_NAME_CHARS, nameProblem, parseTopic } from '../../sync/mqtt-topics.ts';
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
  it('builds and parses the window topics; dotted names become levels, no level holds a dot (design §6)', () => {
    const t = buildTopics('zwfw/v1/', 'main', 'A07');
    assert.equal(t.status, 'zwfw/v1/main/A07/status');
    assert.equal(t.state('printer'), 'zwfw/v1/main/A07/state/printer');
    assert.equal(t.evt('evaluation.submitted'), 'zwfw/v1/main/A07/evt/evaluation/submitted');
    assert.equal(t.cmdRes('nameplate.show'), 'zwfw/v1/main/A07/cmd_res/nameplate/show');
    assert.equal(t.cmdFilter, 'zwfw/v1/main/A07/cmd/#');
    assert.equal(t.cmdResInvalid, 'zwfw/v1/main/A07/cmd_res');
    assert.deepEqual(t.parse('zwfw/v1/main/A07/cmd/pause'), { kind: 'cmd', name: 'pause' });
    assert.deepEqual(t.parse('zwfw/v1/main/A07/cmd/nameplate/show'), { kind: 'cmd', name: 'nameplate.show' });
    assert.deepEqual(t.parse('zwfw/v1/main/A07/ack'), { kind: 'ack' });
    assert.equal(t.parse('zwfw/v1/main/A08/cmd/pause'), undefined);
    for (const bad of ['zwfw/v1/main/A07/cmd', 'zwfw/v1/main/A07/cmd/', 'zwfw/v1/main/A07/cmd/nameplate.show', 'zwfw/v1/main/A07/cmd/a//b', 'zwfw/v1/main/A07/cmd/ünïcode', `zwfw/v1/main/A07/cmd/${'x'.repeat(MAX_NAME_CHARS + 1)}`]) {
      const p = t.parse(bad);
      assert.ok(p && p.kind === 'cmd' && 'error' in p, bad);
    }
    assert.throws(() => t.cmdRes('a..b'), /empty part/);
  });
  it('maps names to levels and back, validating them (ASCII, bounded)', () => {
    assert.equal(eventTypeToLevels('evaluation.submitted'), 'evaluation/submitted');
    assert.equal(eventLevelsToType('evaluation/submitted'), 'evaluation.submitted');
    assert.equal(commandToLevels('fingerprint.enrol'), 'fingerprint/enrol');
    assert.deepEqual(levelsToName('fingerprint/enrol'), { ok: true, name: 'fingerprint.enrol' });
    assert.equal(levelsToName('a.b').ok, false);
    assert.equal(nameProblem('print'), undefined);
    for (const bad of ['', '.a', 'a.', 'a..b', 'a b', 'a+b', 'a#', 'a/b', '中文', 'x'.repeat(MAX_NAME_CHARS + 1)]) assert.ok(nameProblem(bad), bad);
    assert.throws(() => commandToLevels('a/b'), /part 1 may hold only ASCII/);
    // An event type that is no valid name is made safe rather than stalling the queue.
    assert.equal(eventTypeToLevels('a+b#c/d\u0000.x'), 'a_b_c_d_/x');
    assert.equal(eventTypeToLevels(''), '_');
    assert.ok(eventTypeToLevels('y'.repeat(500)).length <= MAX_NAME_CHARS);
  });
  it('parses any topic of any window, hall and window from the topic (for a center)', () => {
    assert.deepEqual(parseTopic('zwfw/v1', 'zwfw/v1/east/B12/evt/evaluation/submitted'), { hall: 'east', window: 'B12', kind: 'evt', name: 'evaluation.submitted' });
    assert.deepEqual(parseTopic('zwfw/v1/', 'zwfw/v1/main/A07/cmd_res/nameplate/show'), { hall: 'main', window: 'A07', kind: 'cmd_res', name: 'nameplate.show' });
    assert.deepEqual(parseTopic('zwfw/v1', 'zwfw/v1/main/A07/cmd_res'), { hall: 'main', window: 'A07', kind: 'cmd_res' });
    assert.deepEqual(parseTopic('zwfw/v1', 'zwfw/v1/main/A07/status'), { hall: 'main', window: 'A07', kind: 'status' });
    assert.deepEqual(parseTopic('zwfw/v1', 'zwfw/v1/main/A07/state/printer'), { hall: 'main', window: 'A07', kind: 'state', name: 'printer' });
    assert.match(parseTopic('zwfw/v1', 'zwfw/v1/main/A07/cmd/x.y')!.error!, /contains "\."/);
    for (const other of ['zwfw/v2/main/A07/status', 'zwfw/v1/main/A07/status/x', 'zwfw/v1/main/A07/other', 'zwfw/v1/main', 'zwfw/v1//A07/status']) assert.equal(parseTopic('zwfw/v1', other), undefined, other);
  });
  it('describes errors in one actionable phrase and never shows URL credentials', () => {
    assert.equal(describeMqttError(Object.assign(new Error('Connection refused: Not authorized'), { code: 135 })), 'Not authorized');
    assert.match(describeMqttError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })), /^certificate verify failed: self-signed certificate/);
    assert.match(describeMqttError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), /connection refused/);
    assert.equal(safeUrl('mqtts://A07:s3cret@broker.example:8883'), 'mqtts://broker.example:8883');
  });
});
