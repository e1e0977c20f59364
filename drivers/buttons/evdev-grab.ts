// EVIOCGRAB through libc's ioctl(), called via the optional `koffi` FFI package (prebuilt for
// linux arm/arm64/x64, so nothing compiles on the Pi). Node itself has no ioctl. The grab makes
// this process the only reader of the device, so a USB keypad stops typing into a console or login
// prompt. gpio-keys devices do not need it (nothing else reads them), and a missing koffi only
// loses the grab: the keys are still read.

/** _IOW('E', 0x90, int) from linux/input.h */
export const EVIOCGRAB = 0x40044590;

export type GrabFn = (fd: number, on: boolean) => Promise<void>;

type IoctlFn = (fd: number, req: number, ...rest: unknown[]) => number;
let ioctlPromise: Promise<{ ioctl: IoctlFn; errno: () => number }> | undefined;

async function loadIoctl(): Promise<{ ioctl: IoctlFn; errno: () => number }> {
  ioctlPromise ??= (async () => {
    // The optional addon's shape, as far as we use it (its own types may be absent on a Pi build).
    interface Koffi { load(lib: string): { func(decl: string): unknown }; errno(): number }
    const mod = (await import('koffi')) as unknown as Koffi & { default?: Koffi };
    const koffi = mod.default ?? mod;
    const libc = koffi.load('libc.so.6');
    const ioctl = libc.func('int ioctl(int fd, unsigned long request, ...)') as IoctlFn;
    return { ioctl, errno: () => koffi.errno() as number };
  })();
  try {
    return await ioctlPromise;
  } catch (err) {
    ioctlPromise = undefined;
    throw new Error(`EVIOCGRAB needs the optional package koffi: ${(err as Error).message.split('\n')[0]}`);
  }
}

const ERRNO_NAMES: Record<number, string> = { 1: 'EPERM', 9: 'EBADF', 16: 'EBUSY', 22: 'EINVAL', 25: 'ENOTTY' };

/** Grabs (on) or releases (off) an open evdev fd; throws with the errno name on failure. */
export const grabEvdev: GrabFn = async (fd, on) => {
  const { ioctl, errno } = await loadIoctl();
  const rc = ioctl(fd, EVIOCGRAB, 'int', on ? 1 : 0);
  if (rc !== 0) {
    const e = errno();
    const name = ERRNO_NAMES[e] ?? `errno ${e}`;
    const err = new Error(`EVIOCGRAB ${on ? 'grab' : 'release'} failed: ${name}${e === 16 ? ' (another process holds the grab)' : e === 25 ? ' (not an input device)' : ''}`);
    (err as NodeJS.ErrnoException).code = name;
    throw err;
  }
};
