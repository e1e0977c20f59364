// The CJK font the nameplate is drawn with. Default: Noto Sans SC (OFL) shipped inside the npm
// package @embedpdf/fonts-sc, so it is there after `npm install` on a fresh Pi; a system font
// (e.g. fonts-noto-cjk) can be named in config instead. Registered once per process.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { canvasLib } from './canvas-lib.ts';

export interface NameplateFonts {
  /** CSS family names to use in ctx.font. */
  regular: string;
  bold: string;
  regularPath: string;
  boldPath: string;
}

/** Paths of the bundled font files, or undefined when the package is missing. */
export function bundledFontPaths(): { regular: string; bold: string } | undefined {
  try {
    const require = createRequire(import.meta.url);
    // The package exports only its JS entry (dist/index.*); the fonts sit beside dist/.
    const pkgDir = dirname(dirname(require.resolve('@embedpdf/fonts-sc')));
    const regular = join(pkgDir, 'fonts', 'NotoSansHans-Regular.otf');
    const bold = join(pkgDir, 'fonts', 'NotoSansHans-Bold.otf');
    return existsSync(regular) && existsSync(bold) ? { regular, bold } : undefined;
  } catch {
    return undefined;
  }
}

const registered = new Map<string, string>();

function register(path: string, family: string): string {
  const known = registered.get(path);
  if (known) return known;
  if (!existsSync(path)) throw new Error(`eink font ${path}: file not found`);
  const key = canvasLib().GlobalFonts.registerFromPath(path, family);
  if (!key) throw new Error(`eink font ${path}: not a font @napi-rs/canvas can load (use TTF, OTF or TTC)`);
  registered.set(path, family);
  return family;
}

/** Registers the configured (or bundled) fonts; throws naming the path when none is usable. */
export function loadNameplateFonts(opts: { fontPath?: string; boldPath?: string } = {}): NameplateFonts {
  let regularPath = opts.fontPath;
  let boldPath = opts.boldPath ?? opts.fontPath;
  if (!regularPath) {
    const bundled = bundledFontPaths();
    if (!bundled) throw new Error('eink font: package @embedpdf/fonts-sc is not installed and eink.font_path is not set');
    regularPath = bundled.regular;
    boldPath = opts.boldPath ?? bundled.bold;
  }
  const regular = register(regularPath, 'NameplateSans');
  const bold = boldPath === regularPath ? regular : register(boldPath!, 'NameplateSansBold');
  return { regular, bold, regularPath, boldPath: boldPath! };
}
