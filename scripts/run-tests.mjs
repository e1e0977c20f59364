// `npm test`: unit, contract and integration tests first, then the fault tests (they start the real
// service dozens of times and need the machine's cores; run beside the rest on a 2-core CI machine
// they timed out). node:test's run() runs each phase; one spec reporter prints every test and ONE
// summary at the very end counting both phases, because CI reads the last summary.
// Usage: node --import tsx scripts/run-tests.mjs [--concurrency N] [--fault-concurrency N] [FILE...]
//   (FILEs given: only those, still in phase order)
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive integer`);
  return v;
};
const concurrency = option('--concurrency', 2);
// The fault tests start service processes and brokers of their own: one file at a time keeps each
// kill cycle's timing close to what the test was written for.
const faultConcurrency = option('--fault-concurrency', 1);

function testFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const all = (args.length ? args.map((f) => join(process.cwd(), f)) : testFiles(join(root, 'test'))).sort();
/** test/fault/ (and a fault/ folder anywhere below test/, as the runner's own test fixtures use). */
const isFault = (f) => relative(root, f).split(/[\\/]/).slice(0, -1).includes('fault');
const phases = [
  { name: 'unit, contract, integration', files: all.filter((f) => !isFault(f)), concurrency },
  { name: 'fault', files: all.filter(isFault), concurrency: faultConcurrency },
];

const SUMMARY = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)$/;
const totals = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0, duration_ms: 0 };
let summariesSeen = 0;

/** Every event of both phases, minus each phase's own summary, then the summary of the whole. */
async function* events() {
  for (const phase of phases) {
    if (!phase.files.length) continue;
    yield { type: 'test:diagnostic', data: { nesting: 0, message: `phase: ${phase.name} (${phase.files.length} files)` } };
    if (phase.name === 'fault') {
      // Compile the service once here, so no fault test's own timeout pays for it.
      const t0 = Date.now();
      const { serviceCommand } = await import('../test/helpers/service-build.ts');
      const cmd = await serviceCommand();
      yield { type: 'test:diagnostic', data: { nesting: 0, message: `service for the fault tests: ${cmd.how} (ready in ${Math.round((Date.now() - t0) / 1000)} s)` } };
    }
    for await (const event of run({ files: phase.files, concurrency: phase.concurrency })) {
      const m = event.type === 'test:diagnostic' && event.data.nesting === 0 ? SUMMARY.exec(event.data.message) : null;
      if (m) {
        totals[m[1]] += Number(m[2]);
        if (m[1] === 'tests') summariesSeen++;
        continue;
      }
      yield event;
    }
  }
  totals.duration_ms = Math.round(totals.duration_ms * 1000) / 1000;
  for (const [k, v] of Object.entries(totals)) yield { type: 'test:diagnostic', data: { nesting: 0, message: `${k} ${v}` } };
}

const report = Readable.from(events()).pipe(new spec());
report.pipe(process.stdout);
await finished(report);
const ran = phases.filter((p) => p.files.length).length;
if (totals.fail > 0 || totals.cancelled > 0 || summariesSeen !== ran) process.exitCode = 1;
