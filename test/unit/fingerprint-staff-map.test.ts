import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StaffMap } from '../../drivers/fingerprint/staff-map.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fp-map-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

test('a missing file is an empty map; set and remove persist across a reload', () => withDir(async (dir) => {
  const file = path.join(dir, 'sub', 'staff.json');
  const map = new StaffMap(file);
  await map.load();
  assert.deepEqual(map.entries(), []);
  await map.set(3, 'S0003');
  await map.set(1, 'S0001');
  await map.set(9, 'S0001');
  const again = new StaffMap(file);
  await again.load();
  assert.deepEqual(again.entries(), [{ staff_id: 'S0001', slot: 1 }, { staff_id: 'S0003', slot: 3 }, { staff_id: 'S0001', slot: 9 }]);
  assert.deepEqual(again.slotsOf('S0001'), [1, 9]);
  assert.equal(again.staffAt(3), 'S0003');
  await again.removeSlots([1, 9]);
  const third = new StaffMap(file);
  await third.load();
  assert.deepEqual(third.entries(), [{ staff_id: 'S0003', slot: 3 }]);
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { version: 1, slots: { 3: 'S0003' } });
  assert.deepEqual(await readdir(path.dirname(file)), ['staff.json'], 'no temp file left behind');
}));

test('a broken file is an error naming the file and the bad entry', () => withDir(async (dir) => {
  const file = path.join(dir, 'staff.json');
  await writeFile(file, '{"version":1,"slots":{');
  await assert.rejects(new StaffMap(file).load(), (e: Error) => e.message.includes(file) && /not valid JSON/.test(e.message));
  await writeFile(file, JSON.stringify({ version: 1, slots: { 2: 'bad id!' } }));
  await assert.rejects(new StaffMap(file).load(), /slots\.2: staff id must match/);
  await writeFile(file, JSON.stringify({ version: 1, slots: { x: 'S1' } }));
  await assert.rejects(new StaffMap(file).load(), /slots\.x: slot must be an integer/);
  await writeFile(file, JSON.stringify([1, 2]));
  await assert.rejects(new StaffMap(file).load(), /expected \{"version":1,"slots":\{\.\.\.\}\}/);
}));

test('a failed write leaves the map in memory unchanged', () => withDir(async (dir) => {
  // A directory where the file should be makes the rename fail.
  const file = path.join(dir, 'staff.json');
  const map = new StaffMap(file);
  await map.load();
  await map.set(0, 'S0000');
  await rm(file);
  await writeFile(path.join(dir, 'placeholder'), '');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(file);
  await assert.rejects(map.set(1, 'S0001'), (e: Error) => e.message.includes(file) && /cannot write/.test(e.message));
  assert.deepEqual(map.entries(), [{ staff_id: 'S0000', slot: 0 }]);
  assert.deepEqual((await readdir(dir)).sort(), ['placeholder', 'staff.json'], 'the temp file is cleaned up');
}));
