// Bounds on what commands may cost (issue items 8 and 11): refused commands are answered but neither
// remembered nor journaled, so a flood of them cannot grow memory or push out the answers of
// commands that ran; what is kept per command is bounded in bytes; a clock that was never
// synchronised cannot judge expires_at.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { CommandJournal, MAX_JOURNAL_BYTES } from '../../sync/command-journal.ts';
import { CommandProcessor, CommandRegistry, MAX_KEPT_TOTAL_BYTES } from '../../sync/mqtt-commands.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';

const j = (v: unknown) => Buffer.from(JSON.stringify(v));
const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

async function boot(path: string, runs: { n: number }, clock = new ManualClock()) {
  const registry = new CommandRegistry();
  registry.register('print', Type.Object({ doc_id: Type.String(), pad: Type.Optional(Type.String()) }, { additionalProperties: false }),
    async (p) => { runs.n++; return { printed: p.doc_id, echo: p.pad ?? '' }; });
  const journal = new CommandJournal({ path, logger: memoryLogger(), debounceMs: 1 });
  const processor = new CommandProcessor({ registry, outbox: new MemoryOutbox({ clock }), clock, logger: memoryLogger(), journal });
  processor.preload(await journal.load());
  return { processor, journal, clock };
}

test('1,500 unknown and refused commands do not push out the answer of a command that ran; only it is journaled', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ce-bounds-')), 'commands.json');
  const runs = { n: 0 };
  const first = await boot(path, runs);
  assert.equal((await first.processor.handle('print', j({ cmd_id: 'ran-1', doc_id: 'D1' }))).status, 'ok');
  const pad = 'x'.repeat(20_000);
  for (let i = 0; i < 1500; i++) {
    const name = i % 3 === 0 ? `nosuch.command${i}`.padEnd(64, 'z') : 'print';
    const body = i % 3 === 1 ? { cmd_id: `bad-${i}`, doc_id: 1, pad } : i % 3 === 2 ? { cmd_id: `exp-${i}`, doc_id: 'D', expires_at: 1000 } : { cmd_id: `unk-${i}`, pad };
    const res = await first.processor.handle(name, j(body));
    assert.equal(res.status, 'error');
    assert.ok(JSON.stringify(res).length < 1200, `the answer is bounded (${JSON.stringify(res).length})`);
  }
  assert.equal(first.processor.remembered, 1, 'refusals are not remembered');
  await settle();
  await first.journal.flush();
  assert.equal(runs.n, 1);
  const second = await boot(path, runs);
  assert.deepEqual(await second.processor.handle('print', j({ cmd_id: 'ran-1', doc_id: 'D1' })), { cmd_id: 'ran-1', status: 'ok', data: { printed: 'D1', echo: '' } });
  assert.equal(runs.n, 1, 'the command that ran is not run again after the restart');
  assert.equal((await second.journal.load()).length, 1, 'the journal holds only the command that ran');
});

test('what is kept per command is bounded in bytes, in memory and in the journal; a repeat of a big answer is still answered', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ce-bounds-')), 'commands.json');
  const runs = { n: 0 };
  const { processor, journal } = await boot(path, runs);
  const big = 'y'.repeat(40_000);
  let last;
  for (let i = 0; i < 200; i++) last = await processor.handle('print', j({ cmd_id: `big-${i}`, doc_id: `D${i}`, pad: big }));
  assert.equal((last!.data as { echo: string }).echo.length, 40_000, 'the first answer carries the full data');
  await settle();
  assert.ok(processor.rememberedBytes <= MAX_KEPT_TOTAL_BYTES, `memory ${processor.rememberedBytes}`);
  const again = await processor.handle('print', j({ cmd_id: 'big-199', doc_id: 'D199', pad: big }));
  assert.deepEqual(again, { cmd_id: 'big-199', status: 'ok', data_omitted: true });
  assert.equal(runs.n, 200, 'not run again');
  // Many small answers: the journal keeps the newest within its byte bound.
  for (let i = 0; i < 3000; i++) await processor.handle('print', j({ cmd_id: `s-${i}`, doc_id: 'z'.repeat(300) }));
  await settle();
  await journal.flush();
  assert.ok(journal.sizeBytes <= MAX_JOURNAL_BYTES);
  assert.ok(statSync(path).size <= MAX_JOURNAL_BYTES + 1024, `file ${statSync(path).size} bytes`);
  const entries = await new CommandJournal({ path, logger: memoryLogger() }).load();
  assert.equal(entries.at(-1)!.cmd_id, 's-2999', 'the newest answers stay');
});

test('an invalid payload with a huge key is answered with a bounded error', async () => {
  const { processor } = await boot(join(mkdtempSync(join(tmpdir(), 'ce-bounds-')), 'c.json'), { n: 0 });
  const res = await processor.handle('print', j({ cmd_id: 'k1', doc_id: 'D', ['k'.repeat(30_000)]: 1 }));
  assert.equal(res.status, 'error');
  assert.ok(res.error!.length <= 600, `error of ${res.error!.length} chars`);
});

test('clock unsynced: a command with expires_at is refused with a clear error; one without runs', async () => {
  const clock = new ManualClock();
  clock.quality = 'unsynced';
  const runs = { n: 0 };
  const { processor } = await boot(join(mkdtempSync(join(tmpdir(), 'ce-bounds-')), 'c.json'), runs, clock);
  const refused = await processor.handle('print', j({ cmd_id: 'u1', doc_id: 'D', expires_at: clock.now() + 60_000 }));
  assert.equal(refused.status, 'error');
  assert.match(refused.error!, /cannot judge expires_at: the counter's clock is not synchronised \(time quality unsynced\)/);
  assert.equal(runs.n, 0);
  assert.equal((await processor.handle('print', j({ cmd_id: 'u2', doc_id: 'D' }))).status, 'ok');
  clock.quality = 'rtc';
  assert.equal((await processor.handle('print', j({ cmd_id: 'u1', doc_id: 'D', expires_at: clock.now() + 60_000 }))).status, 'ok', 'the same cmd_id runs once the clock can judge it');
  assert.equal(runs.n, 2);
});
