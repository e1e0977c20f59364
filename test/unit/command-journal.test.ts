// Idempotency by cmd_id survives a restart: the answer is kept in the state directory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { ManualClock } from '../../core/clock.ts';
import { memoryLogger } from '../../core/logger.ts';
import { CommandProcessor, CommandRegistry } from '../../sync/mqtt-commands.ts';
import { CommandJournal } from '../../sync/command-journal.ts';
import { MemoryOutbox } from '../helpers/memory-outbox.ts';

const j = (v: unknown) => Buffer.from(JSON.stringify(v));

async function boot(path: string, runs: { n: number }) {
  const clock = new ManualClock();
  const registry = new CommandRegistry();
  registry.register('print', Type.Object({ doc_id: Type.String() }), async (p) => { runs.n++; return { printed: p.doc_id, run: runs.n }; });
  const journal = new CommandJournal({ path, logger: memoryLogger(), debounceMs: 1 });
  const processor = new CommandProcessor({ registry, outbox: new MemoryOutbox({ clock }), clock, logger: memoryLogger(), journal });
  processor.preload(await journal.load());
  return { processor, journal };
}

test('a command re-sent after a restart is answered from the journal, not run again', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ce-journal-')), 'state', 'commands.json');
  const runs = { n: 0 };
  const first = await boot(path, runs);
  const answer = await first.processor.handle('print', j({ cmd_id: 'c-1', doc_id: 'D1' }));
  assert.deepEqual(answer, { cmd_id: 'c-1', status: 'ok', data: { printed: 'D1', run: 1 } });
  await new Promise((r) => setImmediate(r));
  await first.journal.flush();

  const second = await boot(path, runs);
  assert.deepEqual(await second.processor.handle('print', j({ cmd_id: 'c-1', doc_id: 'D1' })), answer);
  assert.equal(runs.n, 1, 'the handler ran once across both runs');
  const fresh = await second.processor.handle('print', j({ cmd_id: 'c-2', doc_id: 'D2' }));
  assert.equal(fresh.status, 'ok');
  assert.equal(runs.n, 2);
});

test('a damaged journal is reported and ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-journal-'));
  const path = join(dir, 'commands.json');
  writeFileSync(path, '{"entries": [ {"cmd_id": 1}');
  const logger = memoryLogger();
  const journal = new CommandJournal({ path, logger });
  assert.deepEqual(await journal.load(), []);
  assert.ok(logger.records.some((r) => /not valid JSON/.test(String(r.msg))));
  writeFileSync(path, JSON.stringify({ version: 1, entries: [{ cmd_id: 'x', name: 'print', result: { cmd_id: 'x', status: 'ok' } }, { bogus: true }] }));
  assert.equal((await new CommandJournal({ path, logger }).load()).length, 1);
});
