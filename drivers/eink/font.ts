// The faces the nameplate is drawn with: eink.font_path / eink.font_bold_path, else the bundled
// Noto Sans SC. Registered through the one font registry the printer shares (drivers/render/).
import { loadFontPair, type FontPair } from '../render/fonts.ts';

export type NameplateFonts = FontPair;

/** Registers the configured (or bundled) fonts; throws naming the path when none is usable. */
export function loadNameplateFonts(opts: { fontPath?: string; boldPath?: string } = {}): NameplateFonts {
  return loadFontPair({ ...opts, what: 'eink font' });
}
