import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadImage } from '@napi-rs/canvas';
import { parseDocument, type PrintDocument } from '../../drivers/printer/document.ts';
import { layoutDocument, displayWidth } from '../../drivers/printer/layout.ts';
import { previewPng, previewText } from '../../drivers/printer/preview.ts';
import { qrMatrix } from '../../drivers/printer/raster.ts';
import { chooseFont } from '../../drivers/printer/raster-text.ts';

const examples = join(fileURLToPath(import.meta.url), '../../../drivers/printer/examples');
const load = (f: string) => parseDocument(JSON.parse(readFileSync(join(examples, f), 'utf8')), f);
const p58 = { cols: 32, dots: 384, paperWidthMm: 58 as const, cut: 'partial' as const, feedBeforeCut: 4 };
const p80 = { cols: 48, dots: 576, paperWidthMm: 80 as const, cut: 'partial' as const, feedBeforeCut: 4 };

test('the sample documents are valid and lay out within 58 mm and 80 mm paper', () => {
  const files = readdirSync(examples).filter((f) => f.endsWith('.json'));
  assert.deepEqual(files.sort(), ['acceptance-notice.json', 'business-receipt.json', 'one-time-notice.json']);
  for (const f of files) {
    for (const cols of [32, 48]) {
      for (const op of layoutDocument(load(f), { cols, cut: 'none', feedBeforeCut: 0 })) {
        if (op.op === 'text') assert.ok(displayWidth(op.text) * op.width <= cols, `${f} @${cols}: ${op.text}`);
      }
    }
  }
});

test('the business receipt carries business name, handling time, window, job number and phone (seed 000_f893b926b189d24e.txt)', () => {
  // 000: "递上一份业务办理回执，上面注明业务名称、办理时间、联系电话等信息"; window and job number make it traceable (首问负责制, 001_3340ef5167649bf2.txt).
  const text = previewText(load('business-receipt.json'), p58);
  for (const key of ['业务名称', '办理时间', '办理窗口', '工号', '联系电话']) assert.match(text, new RegExp(`^${key}\\s*：\\S`, 'm'), key);
  assert.match(text, /\[QR https:\/\/zwfw\.example\.gov\.cn\/case\/T0457/);
});

test('the one-time notice lists every missing material in one table (seeds 002_79de1a0ec8043ff1.txt, 004_3f4545cb80211455.txt)', () => {
  // 004: "如群众提供的材料不齐全，要书面告知需要补充的材料清单"
  const text = previewText(load('one-time-notice.json'), p80);
  for (const m of ['居民身份证原件及复印件', '户口簿原件及复印件（本人页）', '近期一寸免冠彩色照片', '银行卡（社保卡）复印件']) assert.ok(text.includes(m), m);
});

test('text preview: double-width lines are spread to their printed width; the cut is marked', () => {
  const doc: PrintDocument = { blocks: [{ type: 'title', text: '回执' }, { type: 'text', text: 'abc' }] };
  assert.equal(previewText(doc, p58), '            回  执\nabc\n\n-------------- 8< --------------\n');
});

test('PNG preview is the paper at 8 dots/mm and draws the QR module for module', async () => {
  const doc: PrintDocument = { blocks: [{ type: 'qr', data: 'T0457', size: 6, error: 'M' }], cut: false };
  for (const p of [p58, p80]) {
    const png = await previewPng(doc, p);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    const img = await loadImage(png);
    assert.equal(img.width, p.paperWidthMm * 8);
    const { createCanvas } = await import('@napi-rs/canvas');
    const c = createCanvas(img.width, img.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const m = qrMatrix('T0457', 'M');
    const side = m.size * 6;
    const x0 = (p.paperWidthMm * 8 - p.dots) / 2 + Math.floor((p.dots - side) / 2);
    const y0 = 24;
    let mismatches = 0;
    for (let r = 0; r < m.size; r++) {
      for (let col = 0; col < m.size; col++) {
        const px = ctx.getImageData(x0 + col * 6 + 3, y0 + r * 6 + 3, 1, 1).data;
        if ((px[0]! < 128) !== m.dark(r, col)) mismatches++;
      }
    }
    assert.equal(mismatches, 0, `${p.paperWidthMm} mm`);
  }
});

test('PNG preview draws Chinese with the bundled CJK font (ink inside the text line)', async () => {
  const font = chooseFont();
  assert.equal(font.cjk, true, 'a CJK font is installed with the service (@embedpdf/fonts-sc)');
  const png = await previewPng({ blocks: [{ type: 'text', text: '业务办理回执' }], cut: false }, p58);
  const img = await loadImage(png);
  const { createCanvas } = await import('@napi-rs/canvas');
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(40, 24, 6 * 24, 24).data;
  let dark = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 128) dark++;
  // Six glyphs drawn: a fair share of the 144×24 box is ink, far from empty and far from a filled box.
  assert.ok(dark > 300 && dark < 2500, `dark pixels ${dark}`);
});
