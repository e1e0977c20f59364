// A throwaway PostgreSQL server for tests and the bench: Debian's binaries (package `postgresql`,
// /usr/lib/postgresql/<version>/bin), initdb into a temp dir, `postgres -D <dir> -p <free port>
// -k <dir>` as a child process. Never the machine's own server. PostgreSQL refuses to run as root,
// so under root both commands run as the unprivileged `postgres` user (setpriv, which execs, so the
// child's pid is the server's) and the temp dir is handed to that user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './brokers.ts';

export interface TestPostgres { url: string; port: number; stop(): Promise<void> }

export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'postgres')) ? process.env.PG_BIN : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

export const hasPostgres = (): boolean => postgresBinDir() !== undefined;

function unprivileged(): { uid: number; gid: number; user: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (r.status === 0 && g.status === 0) return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()), user };
  }
  throw new Error('running as root and neither a "postgres" nor a "nobody" user exists: PostgreSQL refuses to run as root');
}

/** fsync: false for fast tests; the bench keeps it on (a fair comparison with SQLite's FULL sync). */
export async function startPostgres(opts: { fsync?: boolean } = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (install the postgresql package or set PG_BIN)');
  const dir = await mkdtemp(join(tmpdir(), 'counter-edge-pg-'));
  const data = join(dir, 'data');
  const as = unprivileged();
  if (as) chownSync(dir, as.uid, as.gid);
  const cmd = (exe: string, args: string[]): [string, string[]] =>
    as ? ['setpriv', [`--reuid=${as.uid}`, `--regid=${as.gid}`, '--clear-groups', '--', join(bin, exe), ...args]] : [join(bin, exe), args];
  const [initExe, initArgs] = cmd('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale']);
  const init = spawnSync(initExe, initArgs, { encoding: 'utf8', cwd: dir });
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.error?.message}`);
  }
  const port = await freePort();
  const [exe, args] = cmd('postgres', ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
    '-c', `fsync=${opts.fsync === false ? 'off' : 'on'}`, '-c', 'max_connections=50']);
  const child: ChildProcess = spawn(exe, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`postgres exited (${code}): ${stderr}`))));
  exited.catch(() => undefined);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT'); // fast shutdown: clients are disconnected, no waiting for them
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitForPort(port, 20_000), exited]);
    // The port opens before the server accepts logins; pg_isready says when it does.
    for (let i = 0; i < 100; i++) {
      if (spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres']).status === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop };
}
