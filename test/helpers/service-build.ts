// The fault tests start the real service dozens of times. Under `node --import tsx` every start
// pays for tsx's loader hooks on the main thread and again in the outbox worker (~3x the CPU of
// plain JavaScript), which on a loaded 2-core CI machine made the kill -9 test time out. So the
// service is compiled once, like `npm run build` does for a Pi, into a temp directory keyed by a
// hash of the sources: every test file (and every worktree) with the same sources shares it, and a
// changed source can never run stale code. FAULT_SERVICE=tsx runs the sources through tsx instead.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, realpath, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What the service is built from (tsconfig.build.json's include, plus core/ it imports). */
const SOURCE_DIRS = ['core', 'config', 'device', 'drivers', 'sync'];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json'];
/** Files the code reads at run time, copied beside the JavaScript (as scripts/build.mjs does). */
const ASSETS = ['package.json', 'device/simulator/page.html', 'config/examples', 'drivers/printer/examples'];
const LOCK_STALE_MS = 5 * 60_000;
const OLD_BUILD_MS = 24 * 3600_000;

export interface ServiceCommand { execPath: string; args: string[]; cwd: string; how: 'build' | 'tsx' }

let prepared: Promise<ServiceCommand> | undefined;

/** How to start `device/main.ts`; the first call compiles (or waits for another process compiling). */
export function serviceCommand(): Promise<ServiceCommand> {
  if (process.env.FAULT_SERVICE === 'tsx') {
    return Promise.resolve({ execPath: process.execPath, args: ['--import', 'tsx', 'device/main.ts'], cwd: REPO_ROOT, how: 'tsx' });
  }
  prepared ??= buildOnce().then((dir) => ({ execPath: process.execPath, args: [join(dir, 'device', 'main.js')], cwd: REPO_ROOT, how: 'build' as const }));
  return prepared;
}

async function buildOnce(): Promise<string> {
  const hash = await sourceHash();
  const dir = join(tmpdir(), `counter-edge-service-build-${hash}`);
  const lock = `${dir}.lock`;
  for (;;) {
    if (existsSync(join(dir, '.complete'))) {
      // Mark it in use, so removeOldBuilds() elsewhere leaves it alone.
      await utimes(dir, new Date(), new Date()).catch(() => undefined);
      return dir;
    }
    try {
      await mkdir(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Another test process is compiling the same sources: wait for it (or take over a dead one's lock).
      const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs, () => Date.now()));
      if (age > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      if (!existsSync(join(dir, '.complete'))) await compile(dir);
      return dir;
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

async function compile(dir: string): Promise<void> {
  const out = `${dir}.tmp-${process.pid}`;
  await rm(out, { recursive: true, force: true });
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`compiling the service for the fault tests failed (FAULT_SERVICE=tsx runs the sources instead):\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
  for (const a of ASSETS) {
    await mkdir(dirname(join(out, a)), { recursive: true });
    await cp(join(REPO_ROOT, a), join(out, a), { recursive: true });
  }
  // Packages resolve by walking up from the file: the build borrows the project's node_modules.
  await symlink(await realpath(join(REPO_ROOT, 'node_modules')), join(out, 'node_modules'), 'dir');
  await writeFile(join(out, '.complete'), `${new Date().toISOString()}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(out, dir);
  await removeOldBuilds(dir);
}

/** Builds of other source versions go after a day (another worktree may still use a recent one). */
async function removeOldBuilds(keep: string): Promise<void> {
  const prefix = 'counter-edge-service-build-';
  for (const name of await readdir(tmpdir())) {
    const path = join(tmpdir(), name);
    if (!name.startsWith(prefix) || path === keep || name.endsWith('.lock')) continue;
    const age = Date.now() - (await stat(path).then((st) => st.mtimeMs, () => Date.now()));
    if (age > OLD_BUILD_MS && !existsSync(`${path}.lock`)) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function sourceHash(): Promise<string> {
  const files = [...SOURCE_FILES];
  for (const d of SOURCE_DIRS) files.push(...(await listFiles(join(REPO_ROOT, d))).map((f) => relative(REPO_ROOT, f)));
  files.sort();
  const h = createHash('sha256').update(process.version);
  for (const f of files) h.update(`${f}\0`).update(await readFile(join(REPO_ROOT, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
