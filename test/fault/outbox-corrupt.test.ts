import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync, closeSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeOutbox, rows, tempDir } from '../unit/outbox-fixture.ts';

const tmp = tempDir('outbox-corrupt-');
after(() => tmp.cleanup());
let n = 0;

/** A cleanly stopped database holding `count` events; returns its path. */
async function filledDatabase(count: number): Promise<string> {
  const path = join(tmp.dir, `db-${++n}`, 'outbox.db');
  const { outbox } = makeOutbox(path, { groupCommitMax: 200 });
  await outbox.start();
  await Promise.all(Array.from({ length: count }, (_, i) => outbox.append({ type: 'evaluation.submitted', data: { i, text: 'x'.repeat(200) } }).durable));
  await outbox.stop();
  return path;
}

async function startAfterDamage(path: string, highest: number) {
  const { outbox, logger } = makeOutbox(path);
  const info = await outbox.start();
  assert.ok(info.recovered, 'recovered is reported');
  assert.match(basename(info.recovered.movedTo), /^outbox\.db\.corrupt-\d{8}T\d{9}Z$/);
  assert.ok(existsSync(info.recovered.movedTo), 'the damaged file is kept');
  assert.ok(info.recovered.reason.length > 0);
  assert.equal(info.boot, 2, 'boot continues');
  assert.ok(info.lastSeq >= highest, `seq continues above the old highest (${info.lastSeq} ≥ ${highest})`);
  const next = outbox.append({ type: 'device.fault', data: { reason: info.recovered.reason } });
  assert.equal(next.envelope.seq, info.lastSeq + 1);
  await next.durable;
  assert.deepEqual(rows(path).map((r) => r.seq), [next.envelope.seq], 'a fresh database');
  assert.ok(logger.records.some((r) => r.msg === 'outbox database was corrupt; moved aside and started fresh'));
  await outbox.stop();
  return info.recovered;
}

describe('SqliteOutbox with a corrupt database at start', { timeout: 120_000 }, () => {
  it('moves a file of garbage aside and starts fresh above the old seq', async () => {
    const path = await filledDatabase(300);
    const garbage = randomBytes(64 * 1024);
    writeFileSync(path, garbage);
    const recovered = await startAfterDamage(path, 300);
    assert.deepEqual(readFileSync(recovered.movedTo), garbage, 'kept byte for byte');
    assert.match(recovered.reason, /SQLITE_NOTADB|not a database/);
  });

  it('moves a database truncated mid-page aside', async () => {
    const path = await filledDatabase(2000);
    const size = statSync(path).size;
    truncateSync(path, Math.floor(size / 2) + 1000); // not a page boundary
    const recovered = await startAfterDamage(path, 2000);
    assert.equal(statSync(recovered.movedTo).size, Math.floor(size / 2) + 1000);
  });

  it('moves a database with a page overwritten in the middle aside (found by quick_check)', async () => {
    const path = await filledDatabase(2000);
    const fd = openSync(path, 'r+');
    writeSync(fd, randomBytes(4096), 0, 4096, 4096 * 10);
    closeSync(fd);
    await startAfterDamage(path, 2000);
  });

  it('salvages the highest seq from the damaged file when the side file is gone', async () => {
    const path = await filledDatabase(2000);
    rmSync(`${path}.seq`);
    const size = statSync(path).size;
    truncateSync(path, size - 2048); // the last page loses its second half
    const { outbox } = makeOutbox(path);
    const info = await outbox.start();
    // What can be read of the damaged file still says where seq stood.
    assert.ok(info.recovered);
    assert.ok(info.lastSeq >= 2000, `lastSeq ${info.lastSeq}`);
    await outbox.stop();
  });
});
