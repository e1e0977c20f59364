// @napi-rs/canvas maps skia (~5 MB of code, ~25 MB RSS with its font manager) into the process as
// soon as it is imported. A counter without printer or nameplate must not pay that, so the library
// is loaded on first use rather than at module load; synchronously, so render paths stay sync.
// The one place the nameplate and the printer get their canvas from.
import { createRequire } from 'node:module';

type CanvasLib = typeof import('@napi-rs/canvas');

let lib: CanvasLib | undefined;

export function canvasLib(): CanvasLib {
  return (lib ??= createRequire(import.meta.url)('@napi-rs/canvas') as CanvasLib);
}
