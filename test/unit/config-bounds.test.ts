// The config check gaps found by 1,003 mutated configs: each refusal is a ConfigError with
// file:line:col, size/depth/aliases are bounded, and what the check accepts run accepts too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, loadConfigFile, ConfigError, formatIssue, CONFIG_LIMITS } from '../../config/loader.ts';
import { ConfigSchema, MAX_TIMER_MS } from '../../config/schema.ts';

const examplesDir = new URL('../../config/examples/', import.meta.url).pathname;
const production = readFileSync(join(examplesDir, 'production-tls.yaml'), 'utf8');

function refusal(text: string, file = 'c.yaml'): ConfigError {
  try {
    parseConfig(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    assert.fail(`not a ConfigError: ${(err as Error).stack}`);
  }
  assert.fail('accepted');
}
const lines = (e: ConfigError) => e.issues.map(formatIssue);

test('deleting the line `codes:` of buttons.evdev: errors at their lines, not a TypeError', () => {
  const text = production.replace(/^ {4}codes: \{[^\n]*\n/m, '');
  assert.notEqual(text, production);
  const e = refusal(text);
  assert.ok(lines(e).some((l) => /^c\.yaml:\d+:\d+ buttons\.evdev\.codes: /.test(l)), lines(e).join('\n'));
  // A mapping line inside a block `codes:` deleted: the missing key is named at the codes line.
  const block = production.replace(/^ {4}codes: \{[^\n]*\n/m, '    codes:\n      very_satisfied: KEY_F1\n      satisfied: KEY_F2\n      basically_satisfied: KEY_F3\n      dissatisfied: KEY_F4\n');
  assert.match(lines(refusal(block)).join('\n'), /^c\.yaml:\d+:5 buttons\.evdev\.codes: no mapping for key 'very_dissatisfied'$/m);
});

test('alias errors say line:col and do not name the alias', () => {
  const e = refusal('window:\n  id: A01\nmqtt:\n  username: *who\n');
  assert.deepEqual(lines(e), ['c.yaml:4:13 (root): YAML: an alias (*name) must refer to an anchor (&name) set before it']);
  assert.match(lines(refusal('window:\n  id: A01\n  name: *a\n  hall: &a main\n'))[0]!, /^c\.yaml:3:9 /, 'an anchor set after its alias');
  const many = refusal(`window: &w\n  id: A01\nx: [${Array(CONFIG_LIMITS.maxAliases + 1).fill('*w').join(', ')}]\n`);
  assert.match(lines(many)[0]!, /^c\.yaml:3:\d+ \(root\): more than 16 aliases$/);
  const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c]'];
  assert.match(lines(refusal(`window:\n  id: A01\n${laughs.join('\n')}\n`))[0]!, /^c\.yaml:\d+:\d+ \(root\): YAML: aliases expand too much$/);
});

test('invalid UTF-8, control characters and __proto__ keys are refused where they are', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-bounds-'));
  try {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from('window:\n  id: A01\n  name: 窗口'), Buffer.from([0xe4, 0xbd]), Buffer.from('\n')]));
    await assert.rejects(loadConfigFile(file, {}), (e: ConfigError) => e instanceof ConfigError && lines(e)[0] === `${file}:3:11 (root): not valid UTF-8 (save the file as UTF-8)`);
    writeFileSync(file, Buffer.from([0x77, 0x69, 0x6e, 0xff]));
    await assert.rejects(loadConfigFile(file, {}), (e: ConfigError) => lines(e)[0] === `${file}:1:4 (root): not valid UTF-8 (save the file as UTF-8)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(lines(refusal('window:\n  id: A01\n  name: a\u0000b\n')), ['c.yaml:3:10 (root): control character U+0000 in the file']);
  assert.deepEqual(lines(refusal('window:\n  id: A01\n  __proto__: {polluted: true}\n')), ['c.yaml:3:3 (root): the key name __proto__ is not allowed']);
  assert.match(lines(refusal('window:\n  id: A01\nbuttons:\n  backend: evdev\n  evdev:\n    name: k\n    codes: {constructor: 2}\n'))[0]!, /^c\.yaml:7:13 \(root\): the key name constructor is not allowed$/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('every *_ms key of the schema is at most 2^31-1 ms; other integers are safe integers', () => {
  const timers: string[] = [];
  const walk = (s: Record<string, unknown>, path: string[]) => {
    for (const [k, sub] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      if (k.endsWith('_ms')) { timers.push([...path, k].join('.')); assert.ok((sub.maximum as number) <= MAX_TIMER_MS, [...path, k].join('.')); }
      if (sub.type === 'integer') assert.ok((sub.maximum as number) <= Number.MAX_SAFE_INTEGER, [...path, k].join('.'));
      walk(sub, [...path, k]);
    }
  };
  walk(ConfigSchema as unknown as Record<string, unknown>, []);
  assert.ok(timers.length >= 15, timers.join(' '));
  // A key from the report, in each section that has timers: refused, at its line.
  const e = refusal('window:\n  id: A01\nbuttons:\n  hold_ms: 2147483648\nmqtt:\n  reconnect_max_ms: 1e12\nwatchdog_ms: 3000000000\n');
  assert.deepEqual(lines(e), [
    'c.yaml:4:3 buttons.hold_ms: expected integer to be less or equal to 2147483647',
    'c.yaml:6:3 mqtt.reconnect_max_ms: expected integer to be less or equal to 2147483647',
    'c.yaml:7:1 watchdog_ms: expected integer to be less or equal to 2147483647 (Override the systemd watchdog interval (0 = from WATCHDOG_USEC).)',
  ]);
  assert.match(lines(refusal('window:\n  id: A01\noutbox:\n  group_commit_max: 1e20\n'))[0]!, /^c\.yaml:4:3 outbox\.group_commit_max: expected integer to be less or equal to 100000$/);
  assert.equal(parseConfig(`window:\n  id: A01\nbuttons:\n  stuck_ms: ${MAX_TIMER_MS}\n`, 'ok.yaml').config.buttons.stuck_ms, MAX_TIMER_MS);
});

test('size, depth and reading are bounded: big, deep or endless files are refused fast and small', async () => {
  const head = 'window:\n  id: A01\nmqtt:\n  url: ';
  const big = refusal(`${head}mqtt://x\n# ${'x'.repeat(CONFIG_LIMITS.maxBytes)}\n`);
  assert.deepEqual(lines(big), [`c.yaml:1:1 (root): config larger than ${CONFIG_LIMITS.maxBytes} bytes`]);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  for (const deep of [
    `${head}${'['.repeat(30_000)}${']'.repeat(30_000)}\n`, // 60 KB: the parser's stack overflowed at ~790
    `${head}${'{a: '.repeat(15_000)}\n`,
    `${head}\n    ${'- '.repeat(30_000)}x\n`,
    head + '\n' + Array.from({ length: 300 }, (_, i) => `${' '.repeat(i + 4)}k:`).join('\n') + '\n',
  ]) {
    const e = refusal(deep);
    assert.match(lines(e)[0]!, /^c\.yaml:\d+:\d+ \(root\): nested deeper than 32 levels$/);
  }
  const ms = performance.now() - t0;
  const grewMb = (process.memoryUsage().rss - rss0) / 1e6;
  assert.ok(ms < 5000, `four deep files took ${Math.round(ms)} ms`);
  assert.ok(grewMb < 100, `four deep files cost ${Math.round(grewMb)} MB`);
  assert.equal(parseConfig(`${head}mqtt://x\nx-depth: ${'['.repeat(25)}1${']'.repeat(25)}\n`.replace('x-depth: ', 'api:\n  simulator: ').replace(/\[+1\]+/, 'true'), 'ok.yaml').config.api.simulator, true);

  const dir = mkdtempSync(join(tmpdir(), 'ce-bounds-'));
  try {
    mkdirSync(join(dir, 'adir'));
    await assert.rejects(loadConfigFile(join(dir, 'adir'), {}), (e: ConfigError) => lines(e)[0] === `${join(dir, 'adir')}:1:1 (root): cannot read config: not a regular file`);
    const fifo = join(dir, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status === 0) {
      await assert.rejects(loadConfigFile(fifo, {}), /not a regular file/, 'a FIFO with no writer does not hang the check');
    }
    await assert.rejects(loadConfigFile(join(dir, 'none.yaml'), {}), (e: ConfigError) => lines(e)[0] === `${join(dir, 'none.yaml')}:1:1 (root): cannot read config: file not found`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
