// The compiled build (dist/) the process benchmarks measure, built once per bench run: a Pi runs
// dist/ on plain node, and a TypeScript loader would add its own memory and start-up time.
import { execFileSync } from 'node:child_process';

let built = false;

export function buildOnce(): void {
  if (built) return;
  execFileSync(process.execPath, [new URL('../../scripts/build.mjs', import.meta.url).pathname], { stdio: 'ignore' });
  built = true;
}
