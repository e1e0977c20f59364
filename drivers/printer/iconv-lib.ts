// iconv-lite builds its codec tables (~8 MB RSS) when imported; only a counter that prints needs
// GB18030, so it is loaded on first use, synchronously so the encoder stays sync.
import { createRequire } from 'node:module';

type Iconv = typeof import('iconv-lite');

let lib: Iconv | undefined;

export function iconvLib(): Iconv {
  return (lib ??= createRequire(import.meta.url)('iconv-lite') as Iconv);
}
