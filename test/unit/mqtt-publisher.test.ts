import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MqttClient } from 'mqtt';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { EventPublisher } from '../../sync/mqtt-publisher.ts';
import { ManualScheduler } from '../../core/scheduler.ts';
import { buildTopics } from '../../sync/mqtt-topics.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';

interface Sent { topic: string; body: { seq: number; historical?: boolean }; ack: (err?: Error) => void }

/** Records publishes; PUBACKs arrive only when the test calls ack(). */
function fakeClient(): { client: MqttClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    publish(topic: string, payload: string, _opts: unknown, cb: (err?: Error) => void) {
      sent.push({ topic, body: JSON.parse(payload), ack: (err) => cb(err) });
      return client;
    },
  } as unknown as MqttClient;
  return { client, sent };
}

const ticks = async (n = 5) => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };

async function setup(opts: { window?: number; boot?: number; outboxBoot?: number } = {}) {
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const outbox = new MemoryOutbox({ clock, boot: opts.outboxBoot ?? 1 });
  await outbox.start();
  const refused: string[] = [];
  const publisher = new EventPublisher({
    outbox, logger: memoryLogger(), clock, scheduler, topics: buildTopics('zwfw/v1', 'main', 'A07'), boot: opts.boot ?? 1,
    window: opts.window ?? 10, historicalAfterMs: 5000, readBatch: 16, onRefused: (r) => refused.push(r),
  });
  publisher.start();
  return { clock, scheduler, outbox, publisher, refused };
}

describe('EventPublisher', () => {
  it('keeps at most `window` publishes in flight, sends in seq order and batches markPublished', async () => {
    const { outbox, publisher } = await setup({ window: 10 });
    for (let i = 0; i < 100; i++) outbox.append({ type: 'evaluation.submitted', data: { i } });
    await ticks();
    const { client, sent } = fakeClient();
    await publisher.attach(client, false);
    await ticks();
    assert.equal(sent.length, 10);
    assert.equal(publisher.inflight, 10);
    let acked = 0;
    while (acked < sent.length) {
      // Ack in bursts so more than one PUBACK lands before the mark flush.
      for (const s of sent.slice(acked, acked + 7)) s.ack();
      acked = Math.min(sent.length, acked + 7);
      assert.ok(publisher.inflight <= 10);
      await ticks();
    }
    assert.deepEqual(sent.map((s) => s.body.seq), Array.from({ length: 100 }, (_, i) => i + 1));
    assert.equal(sent[0]!.topic, 'zwfw/v1/main/A07/evt/evaluation/submitted');
    assert.equal(outbox.health().pending, 0);
    assert.equal(publisher.published, 100);
    assert.ok(outbox.markCalls.length < 100, `batched: ${outbox.markCalls.length} calls`);
    assert.deepEqual(outbox.markCalls.flat().sort((a, b) => a - b), sent.map((s) => s.body.seq));
  });

  it('with a full window refills in bursts (window/16 slots), not one publish per PUBACK', async () => {
    const { outbox, publisher } = await setup({ window: 64 });
    for (let i = 0; i < 200; i++) outbox.append({ type: 'x' });
    await ticks();
    const { client, sent } = fakeClient();
    await publisher.attach(client, false);
    await ticks();
    assert.equal(sent.length, 64);
    for (const s of sent.slice(0, 3)) s.ack();
    assert.equal(sent.length, 64, '3 free slots < burst of 4: wait');
    sent[3]!.ack();
    assert.equal(sent.length, 68, 'a burst of 4 at once');
    assert.equal(publisher.inflight, 64);
  });

  it('wakes on commit and publishes a live event without a read-back', async () => {
    const { outbox, publisher } = await setup();
    const { client, sent } = fakeClient();
    await publisher.attach(client, false);
    await ticks();
    assert.equal(sent.length, 0);
    outbox.append({ type: 'away.started' });
    await ticks();
    assert.deepEqual(sent.map((s) => [s.body.seq, s.body.historical]), [[1, undefined]]);
  });

  it('after a reconnect resumes from the first unpublished seq (from the outbox) and marks the backlog historical', async () => {
    const { outbox, publisher } = await setup({ window: 10 });
    for (let i = 0; i < 30; i++) outbox.append({ type: 'attendance.clock' });
    await ticks();
    const first = fakeClient();
    await publisher.attach(first.client, false);
    await ticks();
    for (const s of first.sent.slice(0, 5)) s.ack();
    await ticks();
    publisher.detach();
    // PUBACKs of the dead connection are ignored.
    for (const s of first.sent.slice(5)) s.ack();
    assert.equal(outbox.health().lastPublishedSeq, 5);
    outbox.append({ type: 'attendance.clock' });
    await ticks();
    const second = fakeClient();
    await publisher.attach(second.client, true);
    await ticks();
    assert.equal(second.sent[0]!.body.seq, 6);
    for (let i = 0; i < 200 && outbox.health().pending > 0; i++) { for (const s of second.sent) s.ack(); second.sent.length = 0; await ticks(); }
    assert.equal(outbox.health().pending, 0);
    assert.equal(outbox.countState('published'), 31);
  });

  it('marks events of an earlier boot or older than the threshold as historical, fresh ones not', async () => {
    const old = await setup({ boot: 2, outboxBoot: 1 });
    old.outbox.append({ type: 'x' });
    await ticks();
    const a = fakeClient();
    await old.publisher.attach(a.client, false);
    await ticks();
    assert.equal(a.sent[0]!.body.historical, true);

    const { clock, outbox, publisher } = await setup();
    outbox.append({ type: 'fresh' });
    await ticks();
    clock.advance(1000);
    const b = fakeClient();
    await publisher.attach(b.client, false);
    await ticks();
    assert.equal(b.sent[0]!.body.historical, undefined);
    b.sent[0]!.ack();
    await ticks();
    publisher.detach();
    outbox.append({ type: 'late' });
    await ticks();
    clock.advance(6000);
    // reconnect=false: only the age makes it historical here.
    await publisher.attach(b.client, false);
    await ticks();
    assert.equal(b.sent[1]!.body.historical, true);
  });

  it('does not lose an event committed while a read is in flight', async () => {
    const { outbox, publisher } = await setup();
    outbox.append({ type: 'first' });
    await ticks();
    // Hold the read open, commit another event meanwhile, then let the (stale) read return.
    const realRead = outbox.readPending.bind(outbox);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    outbox.readPending = async (after, limit) => { const rows = await realRead(after, limit); await gate; return rows; };
    const { client, sent } = fakeClient();
    const attached = publisher.attach(client, false);
    await ticks();
    outbox.append({ type: 'second' });
    await ticks();
    outbox.readPending = realRead;
    release();
    await attached;
    await ticks(10);
    assert.deepEqual(sent.map((s) => s.body.seq), [1, 2]);
  });

  it('a refused PUBACK is reported and the event stays pending', async () => {
    const { outbox, publisher, refused } = await setup();
    outbox.append({ type: 'x' });
    await ticks();
    const { client, sent } = fakeClient();
    await publisher.attach(client, false);
    await ticks();
    sent[0]!.ack(Object.assign(new Error('Not authorized'), { code: 135 }));
    await ticks();
    assert.match(refused[0]!, /broker refused event seq 1: Not authorized/);
    assert.equal(outbox.health().pending, 1);
  });

  it('retries after a failed read and a failed mark without losing events', { timeout: 10_000 }, async () => {
    const { outbox, publisher, scheduler } = await setup();
    outbox.append({ type: 'x' });
    await ticks();
    outbox.failNext = { readPending: 1, markPublished: 1 };
    const { client, sent } = fakeClient();
    await publisher.attach(client, false);
    await ticks();
    assert.equal(sent.length, 0, 'the read failed');
    await scheduler.advanceAsync(1000);
    assert.equal(sent.length, 1, 'read again after the retry delay (scheduler time)');
    sent[0]!.ack();
    await ticks();
    assert.equal(outbox.health().pending, 1, 'the mark failed');
    await scheduler.advanceAsync(1000);
    assert.equal(outbox.health().pending, 0);
  });

  it('quiesce waits for in-flight PUBACKs (bounded) and sends nothing new', async () => {
    const { outbox, publisher } = await setup();
    for (let i = 0; i < 3; i++) outbox.append({ type: 'x' });
    await ticks();
    const { client, sent } = fakeClient();
    await publisher.attach(client, false);
    await ticks();
    const q = publisher.quiesce(2000);
    outbox.append({ type: 'y' });
    await ticks();
    for (const s of sent) s.ack();
    await q;
    assert.equal(sent.length, 3);
    assert.equal(outbox.health().lastPublishedSeq, 3);
    const unacked = await setup();
    unacked.outbox.append({ type: 'x' });
    await ticks();
    const c2 = fakeClient();
    await unacked.publisher.attach(c2.client, false);
    await ticks();
    let done = false;
    const q2 = unacked.publisher.quiesce(100).then(() => { done = true; });
    await unacked.scheduler.advanceAsync(99);
    assert.equal(done, false, 'waits for the PUBACK');
    await unacked.scheduler.advanceAsync(1);
    await q2;
    assert.equal(done, true, 'bounded by its timeout (scheduler time)');
  });
});
