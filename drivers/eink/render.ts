// PlateContent → 1-bit Frame: draw in grey with the CJK font, threshold the text and rules,
// dither the photo on its own, so text stays crisp and the face keeps its tones.
import type { Image } from '@napi-rs/canvas';
import { readFile } from 'node:fs/promises';
import { canvasLib } from '../render/canvas.ts';
import { packMono } from '../render/mono.ts';
import { dither, rgbaToGrey, type DitherKind } from './dither.ts';
import type { NameplateFonts } from './font.ts';
import { blankFrame, setPixel, type Frame } from './frame.ts';
import { layout400, layout800, SIZES, type PanelSize, type Rect } from './layout.ts';
import { validatePlateContent } from './plate-check.ts';
import type { PlateContent } from './plate-content.ts';

export interface RenderOptions {
  fonts: NameplateFonts;
  dither?: DitherKind;
}

/** Grey level below which a drawn pixel becomes black; a little above half keeps thin strokes whole. */
const TEXT_THRESHOLD = 176;

const photoCache = new Map<string, Image>();

async function loadPhoto(photo: string | Uint8Array): Promise<Image> {
  const key = typeof photo === 'string' ? photo : '';
  const hit = key && photoCache.get(key);
  if (hit) return hit;
  let bytes: Buffer;
  try {
    bytes = typeof photo === 'string' ? await readFile(photo) : Buffer.from(photo);
  } catch (err) {
    throw new Error(`nameplate photo ${key}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let img: Image;
  try {
    img = await canvasLib().loadImage(bytes);
  } catch (err) {
    throw new Error(`nameplate photo ${key || '(bytes)'}: not a PNG/JPEG image (${(err as Error).message})`);
  }
  if (key) {
    if (photoCache.size > 16) photoCache.clear();
    photoCache.set(key, img);
  }
  return img;
}

/** Scales the photo to cover the box (centre crop, head kept: crop from the top third) and dithers it into the frame. */
async function drawPhoto(frame: Frame, photo: string | Uint8Array, r: Rect, kind: DitherKind): Promise<void> {
  const img = await loadPhoto(photo);
  const c = canvasLib().createCanvas(r.width, r.height);
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, r.width, r.height);
  const scale = Math.max(r.width / img.width, r.height / img.height);
  const w = img.width * scale, h = img.height * scale;
  ctx.drawImage(img, (r.width - w) / 2, (r.height - h) / 3, w, h);
  const grey = rgbaToGrey(ctx.getImageData(0, 0, r.width, r.height).data);
  const bw = dither(grey, r.width, r.height, kind);
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) setPixel(frame, r.x + x, r.y + y, bw[y * r.width + x] === 0);
  }
  // A thin rule around the photo, as on a printed 台签.
  for (let x = 0; x < r.width; x++) { setPixel(frame, r.x + x, r.y, true); setPixel(frame, r.x + x, r.y + r.height - 1, true); }
  for (let y = 0; y < r.height; y++) { setPixel(frame, r.x, r.y + y, true); setPixel(frame, r.x + r.width - 1, r.y + y, true); }
}

export async function renderNameplate(content: PlateContent, size: PanelSize, opts: RenderOptions): Promise<Frame> {
  validatePlateContent(content);
  const dims = SIZES[size];
  if (!dims) throw new Error(`nameplate size ${String(size)}: use 800x480 or 400x300`);
  const { width, height } = dims;
  const canvas = canvasLib().createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const photoRect = size === '800x480' ? layout800(ctx, content, opts.fonts) : layout400(ctx, content, opts.fonts);

  const frame = blankFrame(width, height);
  packMono(ctx.getImageData(0, 0, width, height).data, width, height, TEXT_THRESHOLD, frame.data);
  if (photoRect && content.person?.photo) await drawPhoto(frame, content.person.photo, photoRect, opts.dither ?? 'atkinson');
  return frame;
}
