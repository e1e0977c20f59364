import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { ManualScheduler } from '../../core/scheduler.ts';
import { CommandProcessor, CommandRegistry } from '../../sync/mqtt-commands.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';

const j = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('CommandProcessor', () => {
  let clock: ManualClock;
  let scheduler: ManualScheduler;
  let outbox: MemoryOutbox;
  let registry: CommandRegistry;
  let runs: Array<{ args: unknown; cmd_id: string }>;
  let processor: CommandProcessor;
  beforeEach(async () => {
    clock = new ManualClock();
    scheduler = new ManualScheduler(clock);
    outbox = new MemoryOutbox({ clock });
    await outbox.start();
    registry = new CommandRegistry();
    runs = [];
    registry.register('pause', Type.Object({ minutes: Type.Integer({ minimum: 1 }), reason: Type.String({ default: 'break' }) }, { additionalProperties: false }),
      async (args, ctx) => { runs.push({ args, cmd_id: ctx.cmd_id }); return { until: args.minutes }; });
    processor = new CommandProcessor({ registry, outbox, clock, scheduler, logger: memoryLogger(), cacheSize: 3, handlerTimeoutMs: 200 });
  });

  it('validates, applies schema defaults, runs the handler and records command.received before it runs', async () => {
    const res = await processor.handle('pause', j({ cmd_id: 'c1', minutes: 5, expires_at: clock.now() + 1000 }));
    assert.deepEqual(res, { cmd_id: 'c1', status: 'ok', data: { until: 5 } });
    assert.deepEqual(runs, [{ args: { minutes: 5, reason: 'break' }, cmd_id: 'c1' }]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(outbox.rows.map((e) => [e.type, e.data]), [['command.received', { name: 'pause', cmd_id: 'c1' }]]);
  });

  it('reports schema errors with the JSON path and does not run or record', async () => {
    const res = await processor.handle('pause', j({ cmd_id: 'c2', minutes: 0 }));
    assert.equal(res.status, 'error');
    assert.match(res.error!, /^invalid payload: \/minutes: Expected integer to be greater or equal to 1/);
    const extra = await processor.handle('pause', j({ cmd_id: 'c3', minutes: 1, rm: '-rf' }));
    assert.match(extra.error!, /\/rm/);
    assert.equal(runs.length, 0);
    await new Promise((r) => setImmediate(r));
    assert.equal(outbox.rows.length, 0);
  });

  it('refuses unknown commands, expired and malformed expiry, unreadable cmd_id (null)', async () => {
    assert.deepEqual(await processor.handle('reboot', j({ cmd_id: 'u1' })), { cmd_id: 'u1', status: 'error', error: 'unknown command "reboot"' });
    const expired = await processor.handle('pause', j({ cmd_id: 'e1', minutes: 1, expires_at: clock.now() }));
    assert.match(expired.error!, /^command expired at 2026-11-23T09:00:00\.000\+08:00$/);
    assert.match((await processor.handle('pause', j({ cmd_id: 'e2', minutes: 1, expires_at: 'soon' }))).error!, /expires_at must be/);
    assert.deepEqual(await processor.handle('pause', j({ minutes: 1 })), { cmd_id: null, status: 'error', error: 'cmd_id is missing' });
    assert.equal((await processor.handle('pause', Buffer.from('{oops'))).cmd_id, null);
    assert.equal(runs.length, 0);
  });

  it('is idempotent by cmd_id, also for concurrent duplicates, and refuses a cmd_id reused for another command', async () => {
    let release!: () => void;
    registry.register('slow', Type.Object({}), async () => { runs.push({ args: {}, cmd_id: 'slow' }); await new Promise<void>((r) => { release = r; }); return 'done'; });
    const a = processor.handle('slow', j({ cmd_id: 's1' }));
    const b = processor.handle('slow', j({ cmd_id: 's1' }));
    await new Promise((r) => setImmediate(r));
    release();
    assert.deepEqual(await a, { cmd_id: 's1', status: 'ok', data: 'done' });
    assert.deepEqual(await b, await a);
    assert.equal(runs.length, 1);
    const other = await processor.handle('pause', j({ cmd_id: 's1', minutes: 1 }));
    assert.match(other.error!, /already used for command "slow"/);
  });

  it('forgets the oldest results beyond the cache size', async () => {
    for (const id of ['k1', 'k2', 'k3', 'k4']) await processor.handle('pause', j({ cmd_id: id, minutes: 1 }));
    await processor.handle('pause', j({ cmd_id: 'k4', minutes: 1 }));
    assert.equal(runs.length, 4);
    await processor.handle('pause', j({ cmd_id: 'k1', minutes: 1 }));
    assert.equal(runs.length, 5, 'k1 was evicted and runs again');
  });

  it('turns a throwing, hanging or unserialisable handler into an error answer', async () => {
    registry.register('boom', Type.Object({}), () => { throw new Error('no paper'); });
    registry.register('hang', Type.Object({}), () => new Promise(() => undefined));
    registry.register('cyclic', Type.Object({}), async () => { const o: Record<string, unknown> = {}; o.self = o; return o; });
    assert.deepEqual(await processor.handle('boom', j({ cmd_id: 'b1' })), { cmd_id: 'b1', status: 'error', error: 'no paper' });
    const hung = processor.handle('hang', j({ cmd_id: 'h1' }));
    await scheduler.advanceAsync(200);
    assert.match((await hung).error!, /did not finish within 200 ms/);
    assert.match((await processor.handle('cyclic', j({ cmd_id: 'y1' }))).error!, /circular/i);
  });

  it('registry refuses bad and duplicate names', () => {
    assert.throws(() => registry.register('a/b', Type.Object({}), async () => 1), /may hold only ASCII/);
    assert.throws(() => registry.register('a..b', Type.Object({}), async () => 1), /empty part/);
    assert.throws(() => registry.register('pause', Type.Object({}), async () => 1), /already registered/);
  });
});
