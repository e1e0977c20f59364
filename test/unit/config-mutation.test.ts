// Mechanical mutations of the example configs (delete or duplicate a line, swap a value's type,
// huge numbers, deep nesting, aliases, bad bytes, truncation, hostile key names). For each one:
// nothing but a ConfigError comes out, every message says file:line:col, `config check` and `run`
// decide the same, and each file is decided within a bounded time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedConfig } from '../../config/loader.ts';
import { configCheck, loadOrReport } from '../../device/config-check.ts';
import { createDrivers } from '../../device/compose.ts';
import { SqliteOutbox } from '../../sync/sqlite-outbox.ts';
import { systemClock } from '../../core/clock.ts';
import { systemScheduler } from '../../core/scheduler.ts';
import { memoryLogger } from '../../core/logger.ts';

const examplesDir = new URL('../../config/examples/', import.meta.url).pathname;
/** Per file, on a loaded 2-core machine; the real cost is a few ms. */
const MAX_MS_PER_FILE = 3000;

interface Mutant { name: string; bytes: Buffer }

const VALUES = [
  '1e20', '-1', '2147483648', '9007199254740993', '0', '0.5', '-0', '.inf', '-.inf', '.nan', '0x7fffffff', '0o777',
  '"text"', "'text'", '""', 'true', 'null', '~', '[]', '{}', '[1, 2]', '{a: 1}', '- x',
  '*nowhere', '&anchor x', '!!binary AAAA', '!local x', '!!int "12"', '|\n  block', '>-\n  folded',
  '"\\u0000"', '"\\xff"', '2026-12-01', '12:30', '"' + 'x'.repeat(5000) + '"',
];
const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '"a.b"', '"1"', '? [x]'];
const BAD_BYTES = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0x00], [0xe4, 0xbd]];

function mutate(name: string, text: string): Mutant[] {
  const out: Mutant[] = [];
  const add = (what: string, t: string | Buffer) => out.push({ name: `${name} ${what}`, bytes: typeof t === 'string' ? Buffer.from(t) : t });
  const lines = text.split('\n');
  const withLine = (i: number, replacement: string[]) => [...lines.slice(0, i), ...replacement, ...lines.slice(i + 1)].join('\n');
  lines.forEach((line, i) => {
    add(`delete line ${i + 1}`, withLine(i, []));
    add(`duplicate line ${i + 1}`, withLine(i, [line, line]));
    add(`indent line ${i + 1}`, withLine(i, ['  ' + line]));
    if (line.startsWith('  ')) add(`outdent line ${i + 1}`, withLine(i, [line.slice(2)]));
    add(`tab-indent line ${i + 1}`, withLine(i, ['\t' + line]));
    const kv = /^(\s*)([A-Za-z_][\w]*):(\s*)(.*)$/.exec(line);
    if (!kv) return;
    const [, indent, key] = kv;
    // Each line gets a third of the values (a different third on the next line): every value still meets every section.
    for (const v of VALUES.filter((_, j) => (i + j) % 3 === 0)) add(`line ${i + 1} ${key}: ${v.slice(0, 20)}`, withLine(i, [`${indent}${key}: ${v.replace(/\n/g, `\n${indent}`)}`]));
    for (const k of KEYS.filter((_, j) => (i + j) % 2 === 0)) add(`line ${i + 1} key ${k}`, withLine(i, [`${indent}${k}: ${kv[4] || 'x'}`]));
    add(`line ${i + 1} ${key} nested 31`, withLine(i, [`${indent}${key}: ${'['.repeat(31)}1${']'.repeat(31)}`]));
    add(`line ${i + 1} ${key} nested 40`, withLine(i, [`${indent}${key}: ${'['.repeat(40)}1${']'.repeat(40)}`]));
  });
  for (const depth of [33, 800, 5000, 30_000]) {
    add(`flow nesting ${depth}`, `${text}\nextra: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`);
    add(`unclosed nesting ${depth}`, `${text}\nextra: ${'['.repeat(depth)}\n`);
    let block = `${text}\nextra:\n`;
    for (let d = 1; d <= Math.min(depth, 300); d++) block += `${' '.repeat(d)}k${d}:\n`;
    add(`block nesting ${Math.min(depth, 300)}`, block + `${' '.repeat(Math.min(depth, 300) + 1)}v\n`);
    add(`compact nesting ${depth}`, `${text}\nextra:\n  ${'- '.repeat(depth)}x\n`);
  }
  add('17 aliases', `${text}\nextra: &a [x]\nmore: [${Array(17).fill('*a').join(', ')}]\n`);
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  add('billion laughs', `${text}\n${laughs.join('\n')}\n`);
  add('anchor on the root', `&root\n${text}`);
  add('alias as the whole config', '*nothing\n');
  add('second document', `${text}\n---\n${text}`);
  add('over the size limit', `${text}\n# ${'x'.repeat(70_000)}\n`);
  add('empty', '');
  add('only a comment', '# nothing\n');
  add('a list', '- a\n- b\n');
  add('a scalar', 'hello\n');
  const bytes = Buffer.from(text);
  for (let k = 1; k <= 10; k++) add(`truncated at ${k * 10}%`, bytes.subarray(0, Math.floor((bytes.length * k) / 10 - 1)));
  BAD_BYTES.forEach((bad, j) => {
    for (const at of [0, Math.floor(bytes.length / 3), Math.floor((2 * bytes.length) / 3), bytes.length]) {
      add(`bad bytes ${j} at ${at}`, Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]));
    }
  });
  return out;
}

test('mutated example configs: only ConfigErrors, every message at file:line:col, check ≡ run, bounded time', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-mutants-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));
  assert.ok(examples.length >= 2);
  const mutants = examples.flatMap((f) => mutate(f, readFileSync(join(examplesDir, f), 'utf8')));
  assert.ok(mutants.length >= 1000, `${mutants.length} mutants`);

  const file = join(dir, 'config.yaml');
  const accepted: LoadedConfig[] = [];
  let refused = 0;
  let slowest = { ms: 0, name: '' };
  for (const m of mutants) {
    writeFileSync(file, m.bytes);
    const started = performance.now();
    // run's config load (it rethrows anything but a ConfigError, which fails this test with its stack).
    const runErr: string[] = [];
    const loaded = await loadOrReport(file, {}, (l) => runErr.push(l));
    const ms = performance.now() - started;
    if (ms > slowest.ms) slowest = { ms, name: m.name };
    assert.ok(ms < MAX_MS_PER_FILE, `${m.name}: decided in ${Math.round(ms)} ms`);
    if (!loaded) {
      refused++;
      assert.ok(runErr.length > 0, m.name);
      for (const line of runErr) {
        assert.ok(line.startsWith(`${file}:`) && /^:[1-9]\d*:[1-9]\d* \S+: \S/.test(line.slice(file.length)), `${m.name}: no file:line:col in "${line}"`);
        assert.doesNotMatch(line, /call stack|TypeError|ReferenceError|undefined|\[object /, `${m.name}: ${line}`);
      }
    }
    // `config check` decides the same, line for line.
    const checkErr: string[] = [];
    const checkCode = await configCheck(file, {}, () => undefined, (l) => checkErr.push(l));
    assert.equal(checkCode, loaded ? 0 : 1, m.name);
    assert.deepEqual(checkErr, runErr, m.name);
    if (loaded) accepted.push(loaded);
  }

  // What run does with an accepted config's values beyond loading it: build the drivers and start
  // the outbox (which checks its own settings). Neither may refuse what the check accepted.
  const logger = memoryLogger();
  const clock = systemClock();
  for (const c of accepted) assert.doesNotThrow(() => createDrivers({ ...c.config, state_dir: dir }, logger, clock, systemScheduler()), c.path);
  const outboxSections = new Map(accepted.map((c) => [JSON.stringify(c.config.outbox), c.config]));
  let n = 0;
  for (const c of outboxSections.values()) {
    const outbox = new SqliteOutbox({
      path: join(dir, `outbox-${n++}`, 'outbox.db'), window: c.window.id, hall: c.window.hall, utcOffsetMinutes: c.window.utc_offset_minutes,
      clock, logger, synchronous: c.outbox.synchronous, maxBytes: c.outbox.max_bytes, retainPublishedHours: c.outbox.retain_published_hours,
      requireAck: c.outbox.require_ack, groupCommitMax: c.outbox.group_commit_max,
    });
    await outbox.start();
    await outbox.stop();
  }
  t.diagnostic(`${mutants.length} mutants: ${refused} refused, ${accepted.length} accepted (${outboxSections.size} distinct outbox sections started); slowest ${Math.round(slowest.ms)} ms (${slowest.name})`);
  assert.ok(refused > mutants.length / 2 && accepted.length > 0, 'the mutations both break and keep configs');
});
