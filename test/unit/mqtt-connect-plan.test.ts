// ConnectPlan: which URL and MQTT version the next attempt uses (mqtt.urls, protocol_version auto).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerUrls, ConnectPlan, isVersionRefusal } from '../../sync/mqtt-connect-plan.ts';

const A = 'mqtt://a:1883';
const B = 'mqtt://b:1883';
const C = 'mqtt://c:1883';

describe('ConnectPlan', () => {
  it('auto: MQTT 5 first, 3.1.1 at once on the same URL after a refusal, remembered for reconnects', () => {
    const plan = new ConnectPlan([A], 'auto');
    assert.deepEqual(plan.target, { url: A, protocolVersion: 5 });
    assert.equal(plan.failed('protocol', 'CONNACK code 1'), 'fallback');
    assert.deepEqual(plan.target, { url: A, protocolVersion: 4 });
    assert.equal(plan.fallbackReason, 'CONNACK code 1');
    plan.connected();
    plan.lost();
    assert.deepEqual(plan.target, { url: A, protocolVersion: 4 }, 'a reconnect does not ask for 5 again');
    assert.equal(plan.fallbackReason, undefined);
  });

  it('auto: a 3.1.1 fallback that also fails is a failed round; the next round asks for 5 again', () => {
    const plan = new ConnectPlan([A], 'auto');
    assert.equal(plan.failed('protocol', 'closed'), 'fallback');
    assert.equal(plan.failed('other', 'connection refused'), 'backoff');
    assert.deepEqual(plan.target, { url: A, protocolVersion: 5 });
  });

  it('auto: a URL that connected with 5 keeps 5; a network failure never downgrades', () => {
    const plan = new ConnectPlan([A], 'auto');
    plan.connected();
    plan.lost();
    assert.equal(plan.failed('other', 'connection refused'), 'backoff');
    assert.deepEqual(plan.target, { url: A, protocolVersion: 5 });
  });

  it('a fixed version is never changed, even on a refusal', () => {
    for (const v of [4, 5] as const) {
      const plan = new ConnectPlan([A], v);
      assert.equal(plan.failed('protocol', 'CONNACK code 1'), 'backoff');
      assert.deepEqual(plan.target, { url: A, protocolVersion: v });
    }
  });

  it('URLs in turn: the next one after a failure, back off only when a whole round failed', () => {
    const plan = new ConnectPlan([A, B, C], 4);
    assert.equal(plan.target.url, A);
    assert.equal(plan.failed('other', 'refused'), 'next-url');
    assert.equal(plan.target.url, B);
    assert.equal(plan.failed('other', 'refused'), 'next-url');
    assert.equal(plan.target.url, C);
    assert.equal(plan.failed('other', 'refused'), 'backoff');
    assert.equal(plan.target.url, A);
    plan.connected();
    plan.lost();
    assert.equal(plan.target.url, B, 'a lost connection reconnects to the next broker in turn');
    assert.equal(plan.failed('other', 'refused'), 'next-url');
    assert.equal(plan.failed('other', 'refused'), 'next-url');
    assert.equal(plan.failed('other', 'refused'), 'backoff');
  });

  it('auto with URLs: each URL learns its own version', () => {
    const plan = new ConnectPlan([A, B], 'auto');
    assert.equal(plan.failed('protocol', 'closed'), 'fallback');
    plan.connected();
    plan.lost();
    assert.deepEqual(plan.target, { url: B, protocolVersion: 5 });
    plan.connected();
    plan.lost();
    assert.deepEqual(plan.target, { url: A, protocolVersion: 4 });
  });

  it('brokerUrls and isVersionRefusal', () => {
    assert.deepEqual(brokerUrls({ url: A }), [A]);
    assert.deepEqual(brokerUrls({ url: A, urls: [B, C] }), [B, C]);
    assert.ok(isVersionRefusal(1));
    assert.ok(isVersionRefusal(0x84));
    for (const c of [0, 4, 5, 0x86, 'ECONNRESET', undefined]) assert.equal(isVersionRefusal(c), false);
    assert.throws(() => new ConnectPlan([], 'auto'), /at least one broker URL/);
  });
});
