// sd_notify(3) without libsystemd: READY, WATCHDOG, STOPPING and STATUS datagrams to $NOTIFY_SOCKET.
// Node cannot send unix datagrams itself, so the optional `unix-dgram` addon sends them from this
// process (the main PID, so NotifyAccess=main works). Without it we fall back to the
// `systemd-notify --pid` binary, which needs NotifyAccess=all in the unit.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Logger } from '../core/logger.ts';

export interface Notifier {
  /** True when running under systemd with a notify socket. */
  readonly active: boolean;
  ready(status?: string): void;
  watchdog(): void;
  stopping(status?: string): void;
  status(text: string): void;
  close(): void;
}

interface DgramSocket { send(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void; close(): void; on(e: string, cb: (err: Error) => void): void }

export function createNotifier(env: NodeJS.ProcessEnv, logger: Logger): Notifier {
  const path = env.NOTIFY_SOCKET;
  if (!path) return { active: false, ready() {}, watchdog() {}, stopping() {}, status() {}, close() {} };
  // Abstract-namespace sockets are written with a leading '@' and sent with a NUL byte.
  const target = path.startsWith('@') ? '\0' + path.slice(1) : path;
  let socket: DgramSocket | undefined;
  try {
    const require = createRequire(import.meta.url);
    const unixDgram = require('unix-dgram') as { createSocket(type: 'unix_dgram'): DgramSocket };
    socket = unixDgram.createSocket('unix_dgram');
    socket.on('error', (err) => logger.warn('systemd notify socket error', { err, socket: path }));
  } catch {
    logger.info('unix-dgram not available; using the systemd-notify binary (unit needs NotifyAccess=all)');
  }
  const send = (msg: string) => {
    if (socket) {
      const buf = Buffer.from(msg);
      socket.send(buf, 0, buf.length, target, (err) => { if (err) logger.warn('systemd notify failed', { err, msg: msg.split('\n')[0] }); });
      return;
    }
    const child = spawn('systemd-notify', [`--pid=${process.pid}`, ...msg.split('\n')], { stdio: 'ignore', env });
    child.on('error', (err) => logger.warn('systemd-notify failed', { err }));
  };
  return {
    active: true,
    ready: (s) => send(`READY=1\nMAINPID=${process.pid}${s ? `\nSTATUS=${s}` : ''}`),
    watchdog: () => send('WATCHDOG=1'),
    stopping: (s) => send(`STOPPING=1${s ? `\nSTATUS=${s}` : ''}`),
    status: (s) => send(`STATUS=${s}`),
    close: () => { try { socket?.close(); } catch { /* already closed */ } },
  };
}

/** The watchdog ping interval: half of WATCHDOG_USEC (only when it is meant for this PID). */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid = process.pid): number {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return 0;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return 0;
  return Math.max(100, Math.floor(usec / 1000 / 2));
}
