// Guards of two standards a reviewer would otherwise check by hand (design.md §2, the project's
// standards): imports point one way (drivers/ and sync/ never import device/; core/ imports nothing of
// ours outside core/), and product code takes its time from core/ (a Clock and a Scheduler passed in)
// instead of calling setTimeout, setInterval, Date.now() or new Date() itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Folders whose files must not import device/. ('drivers' joins once its imports of device/ are gone.) */
const NO_DEVICE_IMPORTS = ['drivers', 'sync', 'center'];
/** Folders held to the time rule. ('drivers', 'sync', 'center' join once their timers moved to the Scheduler.) */
const TIME_RULE_DIRS = ['device', 'drivers', 'sync', 'center', 'config', 'core'];
/** The home of time: the only files that may use Node's timers and the system clock (a log line carries the wall time it is written at). */
const TIME_HOME = ['core/clock.ts', 'core/scheduler.ts', 'core/logger.ts'];

const ROOT = resolve(import.meta.dirname, '../..');
const SOURCE = /\.(ts|mts|js|mjs|html)$/;

function filesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  let entries: string[];
  try { entries = readdirSync(abs); } catch { return []; }
  return entries.flatMap((name) => {
    const rel = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(join(ROOT, rel)).isDirectory() ? filesUnder(rel) : SOURCE.test(name) ? [rel.split(sep).join('/')] : [];
  });
}

/** Code without comments, so a comment that names setTimeout is not a call. Lines keep their numbers. */
export function stripComments(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const RAW_TIME = /\b(setTimeout|setInterval)\s*\(|\bDate\.now\s*\(\s*\)|\bnew Date\s*\(\s*\)/;

/** Lines that call Node's timers or read the system clock. */
export function rawTimeUses(code: string): Array<{ line: number; text: string }> {
  return stripComments(code).split('\n').flatMap((text, i) => (RAW_TIME.test(text) ? [{ line: i + 1, text: text.trim() }] : []));
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm;

/** Relative import specifiers of a file, resolved to project paths ("device/app.ts"). */
export function importsOf(file: string, code: string): string[] {
  const out: string[] = [];
  for (const m of stripComments(code).matchAll(SPECIFIER)) {
    const spec = m[2]!;
    if (!spec.startsWith('.')) continue;
    out.push(relative(ROOT, resolve(ROOT, dirname(file), spec)).split(sep).join('/'));
  }
  return out;
}

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

test('the scanners find what they look for (so the guards below can fail)', () => {
  assert.deepEqual(rawTimeUses('const a = 1;\nconst t = setTimeout(f, 10);\n// setInterval(f) in a comment\nx = Date.now();\ny = new Date();\nz = new Date(ms);').map((u) => u.line), [2, 4, 5]);
  assert.deepEqual(importsOf('drivers/eink/x.ts', "import type { A } from '../../device/a.ts';\nimport { b } from './b.ts';\nconst c = await import('../../sync/c.ts');\nimport 'node:fs';"),
    ['device/a.ts', 'drivers/eink/b.ts', 'sync/c.ts']);
});

test(`${NO_DEVICE_IMPORTS.join(', ')} never import device/ (imports point one way)`, () => {
  const bad = NO_DEVICE_IMPORTS.flatMap(filesUnder).flatMap((f) => importsOf(f, read(f)).filter((i) => i.startsWith('device/')).map((i) => `${f} imports ${i}`));
  assert.deepEqual(bad, []);
});

test('core/ imports nothing of ours outside core/', () => {
  const files = filesUnder('core');
  assert.ok(files.includes('core/clock.ts'), 'core/ was scanned');
  const bad = files.flatMap((f) => importsOf(f, read(f)).filter((i) => !i.startsWith('core/')).map((i) => `${f} imports ${i}`));
  assert.deepEqual(bad, []);
});

test(`no setTimeout(, setInterval(, Date.now() or new Date() in ${TIME_RULE_DIRS.join(', ')} outside ${TIME_HOME.join(', ')}`, () => {
  const files = TIME_RULE_DIRS.flatMap(filesUnder).filter((f) => !TIME_HOME.includes(f));
  assert.ok(files.includes('device/app.ts'), 'device/ was scanned');
  const bad = files.flatMap((f) => rawTimeUses(read(f)).map((u) => `${f}:${u.line}: ${u.text}`));
  assert.deepEqual(bad, []);
});
