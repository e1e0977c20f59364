// evdev backend: reads struct input_event records from /dev/input/event* (the gpio-keys overlay, or
// a USB keypad acting as a keyboard) with a plain fs read stream. The kernel already debounces
// gpio-keys (debounce-interval in the overlay), so debounce_ms can be 0 there.
// Each open device keeps one libuv threadpool thread in a blocking read(); see docs/buttons.md.
import { open as fsOpen, close as fsClose, createReadStream, constants, readdirSync, readFileSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import { ButtonsBase, type ButtonsDeps } from './buttons-base.ts';
import type { ButtonsConfig, EvdevConfig } from './config.ts';
import { EV_KEY, InputEventDecoder, layoutForArch, type InputEventLayout } from './evdev-decoder.ts';
import { keyCodeName, resolveKeyCode } from './evdev-codes.ts';
import { grabEvdev, type GrabFn } from './evdev-grab.ts';

export interface EvdevIo {
  /** EVIOCGRAB; defaults to libc ioctl through koffi. */
  grab?: GrabFn;
  /** Record layout; defaults to this process's pointer width. */
  layout?: InputEventLayout;
}

/** Finds /dev/input/eventN whose sysfs device name equals `name` (as `cat /proc/bus/input/devices` shows it). */
export function findInputDeviceByName(sysfsRoot: string, name: string, devDir = '/dev/input'): string {
  const classDir = join(sysfsRoot, 'class', 'input');
  let entries: string[];
  try {
    entries = readdirSync(classDir).filter((e) => /^event\d+$/.test(e)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  } catch (err) {
    throw new Error(`cannot list ${classDir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const seen: string[] = [];
  for (const e of entries) {
    let devName: string;
    try { devName = readFileSync(join(classDir, e, 'device', 'name'), 'utf8').trim(); } catch { continue; }
    seen.push(devName);
    if (devName === name) return join(devDir, e);
  }
  throw new Error(`no input device named '${name}' under ${classDir} (found: ${seen.length ? seen.join(', ') : 'none'})`);
}

export class EvdevButtons extends ButtonsBase {
  private stream: ReadStream | undefined;
  private fd: number | undefined;
  private grabbed = false;
  private codeToKey = new Map<number, string>();
  private unmapped = new Set<number>();

  constructor(cfg: ButtonsConfig, deps: ButtonsDeps, private readonly io: EvdevIo = {}) { super('evdev', cfg, deps); }

  protected async open(): Promise<void> {
    this.assertConfig();
    const ev = this.cfg.evdev as EvdevConfig;
    this.codeToKey = new Map(Object.entries(ev.codes).map(([key, code]) => [resolveKeyCode(code, `buttons.evdev.codes.${key}`), key]));
    const path = ev.device ?? findInputDeviceByName(ev.sysfs_root, ev.name ?? '');
    const fd = await openFd(path);
    this.fd = fd;
    const grab = ev.grab ? await this.tryGrab(fd, path) : 'off';
    const layout = this.io.layout ?? layoutForArch();
    const decoder = new InputEventDecoder(layout);
    const stream = createReadStream('', { fd, highWaterMark: layout * 64, autoClose: true });
    this.stream = stream;
    stream.on('data', (chunk) => {
      if (this.stream !== stream) return;
      try {
        for (const e of decoder.push(chunk as Buffer)) if (e.type === EV_KEY) this.onKey(e.code, e.value);
      } catch (err) {
        this.deviceLost(`${path}: ${(err as Error).message}`);
      }
    });
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (this.stream === stream) this.deviceLost(`read ${path} failed: ${err.code ?? err.message}${err.code === 'ENODEV' ? ' (device unplugged)' : ''}`);
    });
    stream.on('end', () => {
      if (this.stream === stream) this.deviceLost(`input device ${path} closed`);
    });
    this.unmapped.clear();
    this.setBackendDetail({ device: path, grab, layout });
    this.logger.info('evdev buttons open', { device: path, grab, layout });
  }

  protected async close(): Promise<void> {
    const stream = this.stream;
    const fd = this.fd;
    this.stream = undefined;
    this.fd = undefined;
    // Release the grab first: a read still pending in the threadpool keeps the fd open until the
    // next event, and a grab on that old fd would starve the reopened one.
    if (fd !== undefined && this.grabbed) await (this.io.grab ?? grabEvdev)(fd, false).catch(() => undefined);
    this.grabbed = false;
    if (stream) stream.destroy();
    else if (fd !== undefined) fsClose(fd, () => undefined);
  }

  private onKey(code: number, value: number): void {
    const key = this.codeToKey.get(code);
    if (key === undefined) {
      if (!this.unmapped.has(code) && this.unmapped.size < 32) {
        this.unmapped.add(code);
        this.logger.info('unmapped key code (add it to buttons.evdev.codes to use it)', { code, name: keyCodeName(code) });
      }
      return;
    }
    // value: 1 press, 0 release, 2 auto-repeat (still down)
    if (value === 0 || value === 1 || value === 2) this.input(key, value !== 0);
  }

  private async tryGrab(fd: number, path: string): Promise<string> {
    try {
      await (this.io.grab ?? grabEvdev)(fd, true);
      this.grabbed = true;
      return 'on';
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EBUSY') {
        fsClose(fd, () => undefined);
        this.fd = undefined;
        throw new Error(`${path}: ${e.message}`);
      }
      this.logger.warn('evdev grab not possible; keys are read but may also reach a console', { device: path, error: e.message });
      return `unavailable: ${e.message}`;
    }
  }
}

function openFd(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    fsOpen(path, constants.O_RDONLY, (err, fd) => {
      if (!err) return resolve(fd);
      const hint = err.code === 'EACCES' ? ' (add the service user to group input)' : err.code === 'ENOENT' ? ' (device not present)' : '';
      reject(new Error(`cannot open ${path}: ${err.code}${hint}`));
    });
  });
}
