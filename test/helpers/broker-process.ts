// A broker binary run by a test as a child process: found on PATH (or in an sbin directory), started
// on ports the test chose, stopped with SIGTERM (SIGKILL after a grace period), its output kept for
// the error message when it dies or never listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { waitForPort, type TestBroker } from './brokers.ts';

/** A broker the test can stop and start again on the same port, keeping its data directory. */
export interface ProcessBroker extends TestBroker {
  readonly running: boolean;
  /** Stops the process (SIGTERM: a graceful shutdown). */
  down(): Promise<void>;
  /** Starts it again on the same ports with the same data directory. */
  up(): Promise<void>;
}

/** The first of `names` found as a file in env[envVar], PATH or the usual sbin directories. */
export function findBinary(envVar: string, names: string[], extraDirs: string[] = []): string | undefined {
  const fromEnv = process.env[envVar];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const dirs = [...extraDirs, ...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/opt/homebrew/sbin'];
  for (const name of names) {
    for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export interface ProcessSpec {
  what: string;
  bin: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The port that accepts MQTT connections once the broker is ready. */
  port: number;
  startTimeoutMs: number;
  stopTimeoutMs: number;
}

/** Runs spec as a child; launch() resolves when its port accepts connections. */
export function processRunner(spec: ProcessSpec): { launch(): Promise<void>; kill(): Promise<void>; readonly running: boolean } {
  let child: ChildProcess | undefined;
  return {
    get running() { return child !== undefined; },
    async launch() {
      const started = Date.now();
      // Its own process group: RabbitMQ's start script runs the Erlang VM as a child, and a SIGKILL
      // after the grace period must reach that too.
      const proc = spawn(spec.bin, spec.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: spec.env ?? process.env, ...(spec.cwd ? { cwd: spec.cwd } : {}) });
      child = proc;
      let output = '';
      const keep = (d: Buffer) => { output = (output + d.toString()).slice(-6000); };
      proc.stdout!.on('data', keep);
      proc.stderr!.on('data', keep);
      const exited = new Promise<never>((_, reject) => proc.once('exit', (code, signal) => {
        if (child === proc) child = undefined;
        reject(new Error(`${spec.what} exited (${code ?? signal}) after ${Date.now() - started} ms:\n${output}`));
      }));
      exited.catch(() => undefined);
      try {
        await Promise.race([waitForPort(spec.port, spec.startTimeoutMs), exited]);
      } catch (err) {
        await this.kill();
        throw new Error(`${spec.what} did not start: ${(err as Error).message}\n${output.slice(-3000)}`);
      }
    },
    async kill() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      // SIGTERM to the process only (the start script turns it into a graceful stop); SIGKILL to the group.
      proc.kill('SIGTERM');
      const timer = setTimeout(() => { try { process.kill(-proc.pid!, 'SIGKILL'); } catch { proc.kill('SIGKILL'); } }, spec.stopTimeoutMs);
      await gone;
      clearTimeout(timer);
    },
  };
}
