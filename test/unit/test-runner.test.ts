// `npm test` (scripts/run-tests.mjs): fault tests run only after every other test file has ended,
// and the output ends with ONE summary that counts both phases (CI reads the last summary).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** This file runs under node:test, which marks its children (NODE_TEST_CONTEXT): the runner must not think it is one. */
function runnerEnv(): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return env;
}

function runFixtures(extraEnv: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'ce-runner-'));
  const log = join(dir, 'order.log');
  try {
    // The fault fixture is listed first: the runner, not the order given, decides the phases.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/run-tests.mjs', 'test/fixtures/runner/fault/last.fixture.ts', 'test/fixtures/runner/unit/first.fixture.ts'], {
      cwd: root, encoding: 'utf8', env: { ...runnerEnv(), RUNNER_FIXTURE_LOG: log, FAULT_SERVICE: 'tsx', NO_COLOR: '1', ...extraEnv }, timeout: 120_000,
    });
    return { ...r, order: readFileSync(log, 'utf8').trim().split('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('fault files run after the others; one final summary counts every test', () => {
  const r = runFixtures({});
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(r.order, ['unit-one', 'unit-two', 'fault']);
  const summaries = r.stdout.match(/^ℹ tests \d+$/gm) ?? [];
  assert.deepEqual(summaries, ['ℹ tests 3'], r.stdout);
  const tail = r.stdout.trimEnd().split('\n').slice(-8).join('\n');
  assert.match(tail, /^ℹ tests 3\nℹ suites 0\nℹ pass 3\nℹ fail 0\nℹ cancelled 0\nℹ skipped 0\nℹ todo 0\nℹ duration_ms [\d.]+$/);
});

test('a failure in the first phase still runs the fault phase, is counted, and fails the run', () => {
  const r = runFixtures({ RUNNER_FIXTURE_FAIL: '1' });
  assert.equal(r.status, 1);
  assert.deepEqual(r.order, ['unit-one', 'unit-two', 'fault']);
  assert.deepEqual(r.stdout.match(/^ℹ (tests|pass|fail) \d+$/gm), ['ℹ tests 3', 'ℹ pass 2', 'ℹ fail 1'], r.stdout);
});
