// The one font registry of the process, shared by the e-ink nameplate and the printer: a font
// file is registered with the canvas once, under one family name, whoever asks for it first.
// Default: Noto Sans SC (OFL) shipped inside the npm package @embedpdf/fonts-sc, so it is there
// after `npm install` on a fresh Pi; system CJK fonts (fonts-noto-cjk, wqy, …) are found too.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { canvasLib } from './canvas.ts';

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

// Common places of CJK fonts on Raspberry Pi OS / Debian (fonts-noto-cjk, fonts-wqy-*, fonts-droid-fallback).
export const SYSTEM_CJK_FONTS: readonly string[] = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/truetype/arphic/uming.ttc',
];

// Fonts with the rare characters of names (CJK Extension A/B…), used for glyphs the main font lacks
// (Debian/Raspberry Pi OS: apt install fonts-hanazono).
export const RARE_CHAR_FONTS: readonly string[] = [
  '/usr/share/fonts/truetype/hanazono/HanaMinA.ttf',
  '/usr/share/fonts/truetype/hanazono/HanaMinB.ttf',
];

/** path → family name, for every font file registered in this process. */
const registry = new Map<string, string>();

/** Registers a font file once; its family name, or undefined when the canvas cannot load it. */
export function registerFont(path: string): string | undefined {
  const known = registry.get(path);
  if (known) return known;
  if (!existsSync(path)) return undefined;
  const family = `counter-font-${registry.size + 1}`;
  if (!canvasLib().GlobalFonts.registerFromPath(path, family)) return undefined;
  registry.set(path, family);
  return family;
}

/** Like registerFont, but throws naming the path and the config key that set it. */
export function requireFont(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} ${path}: file not found`);
  const family = registerFont(path);
  if (!family) throw new Error(`${what} ${path}: not a font the canvas can load (use TTF, OTF or TTC)`);
  return family;
}

export interface FontPair {
  /** Family names for ctx.font. */
  regular: string;
  bold: string;
  regularPath: string;
  boldPath: string;
}

/** A regular and a bold face: the configured files, else the bundled Noto Sans SC. */
export function loadFontPair(opts: { fontPath?: string; boldPath?: string; what: string }): FontPair {
  let regularPath = opts.fontPath;
  let boldPath = opts.boldPath ?? opts.fontPath;
  if (!regularPath) {
    const bundled = bundledFontPaths();
    if (!bundled) throw new Error(`${opts.what}: package @embedpdf/fonts-sc is not installed and no font file is configured`);
    regularPath = bundled.regular;
    boldPath = opts.boldPath ?? bundled.bold;
  }
  const regular = requireFont(regularPath, opts.what);
  const bold = boldPath === regularPath ? regular : requireFont(boldPath!, opts.what);
  return { regular, bold, regularPath, boldPath: boldPath! };
}

export interface FontChoice {
  /** CSS font-family list for ctx.font: the main font first, then fonts for rare characters. */
  family: string;
  path?: string;
  cjk: boolean;
}

/**
 * A CJK font for text: the configured path, extra candidates, the bundled font, then system CJK
 * fonts; rare-character fonts that are installed follow as fallbacks. Without any, canvas falls
 * back to sans-serif and Chinese shows as boxes (cjk: false, so callers can warn).
 */
export function chooseCjkFont(configured: string | undefined, what: string, extraCandidates: string[] = []): FontChoice {
  if (configured && !existsSync(configured)) throw new Error(`${what}: font file ${configured} does not exist`);
  if (configured && !registerFont(configured)) throw new Error(`${what}: ${configured} could not be loaded as a font`);
  const bundled = bundledFontPaths()?.regular;
  const main = [configured, ...extraCandidates, bundled, ...SYSTEM_CJK_FONTS].find((p) => p && existsSync(p) && registerFont(p));
  const fallbacks = RARE_CHAR_FONTS.filter((p) => p !== main && existsSync(p)).map(registerFont).filter((f): f is string => !!f);
  const families = [...(main ? [registry.get(main)!] : []), ...fallbacks].map((f) => `"${f}"`);
  if (!main) return { family: [...families, 'sans-serif'].join(', '), cjk: false };
  return { family: families.join(', '), path: main, cjk: true };
}
