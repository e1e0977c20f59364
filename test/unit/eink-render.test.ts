import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { STATE_TITLES, validateNameplateView, type NameplateView } from '../../device/nameplate-view.ts';
import { dither } from '../../drivers/eink/dither.ts';
import { loadNameplateFonts } from '../../drivers/eink/font.ts';
import { blankFrame, changedRegion, cropRegion, frameHash, frameToPng, getPixel, setPixel, type Frame } from '../../drivers/eink/frame.ts';
import { renderNameplate as renderContent, type RenderOptions } from '../../drivers/eink/render.ts';
import type { PanelSize } from '../../drivers/eink/layout.ts';
import { validatePlateContent } from '../../drivers/eink/plate-check.ts';
import { nameplateContent } from '../../device/nameplate-content.ts';

// The hall's views go through the device-side wording (nameplate-content.ts), as in the service.
const renderNameplate = (v: NameplateView, size: PanelSize, opts: RenderOptions) => renderContent(nameplateContent(v), size, opts);

const fonts = loadNameplateFonts();

const view = (over: Partial<NameplateView> = {}): NameplateView => ({
  window: { number: 'A07', name: '综合受理窗口' },
  staff: { name: '张晓明', jobNumber: 'GZ0123', position: '综合受理员', duties: '企业开办、社保医保的咨询与受理' },
  supervisionPhone: '020-12345678',
  complaintPhone: '12345',
  commitment: '一次告知 限时办结 热情服务',
  serviceHours: '周一至周五 9:00-17:00',
  status: { state: 'in_service' },
  lastSynced: '11-23 09:00',
  ...over,
});

const blackShare = (f: Frame, x0: number, y0: number, w: number, h: number): number => {
  let n = 0;
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) if (getPixel(f, x, y)) n++;
  return n / (w * h);
};

test('frame packing is MSB first, 1 = black', () => {
  const f = blankFrame(16, 2);
  setPixel(f, 0, 0, true); setPixel(f, 9, 1, true);
  assert.deepEqual([...f.data], [0x80, 0x00, 0x00, 0x40]);
  assert.throws(() => blankFrame(10, 2), /multiple of 8/);
});

test('changedRegion is byte aligned and undefined for equal frames; cropRegion cuts it', () => {
  const a = blankFrame(32, 8), b = blankFrame(32, 8);
  assert.equal(changedRegion(a, b), undefined);
  setPixel(b, 13, 2, true); setPixel(b, 17, 5, true);
  const r = changedRegion(a, b)!;
  assert.deepEqual(r, { x: 8, y: 2, width: 16, height: 4 });
  assert.equal(cropRegion(b, r).length, 2 * 4);
  assert.notEqual(frameHash(a), frameHash(b));
});

test('dithering keeps the grey level (Atkinson and Floyd–Steinberg)', () => {
  for (const kind of ['atkinson', 'floyd-steinberg'] as const) {
    const mid = dither(new Uint8ClampedArray(64 * 64).fill(128), 64, 64, kind);
    const black = mid.filter((v) => v === 0).length / mid.length;
    assert.ok(black > 0.3 && black < 0.7, `${kind}: ${black}`);
    assert.ok(dither(new Uint8ClampedArray(16).fill(0), 4, 4, kind).every((v) => v === 0));
    assert.ok(dither(new Uint8ClampedArray(16).fill(255), 4, 4, kind).every((v) => v === 255));
  }
});

for (const size of ['800x480', '400x300'] as const) {
  const [w, h] = size.split('x').map(Number) as [number, number];

  test(`${size}: every state renders, differs, and PNG decodes to the panel size`, async () => {
    const hashes = new Set<string>();
    for (const state of Object.keys(STATE_TITLES) as Array<keyof typeof STATE_TITLES>) {
      const f = await renderNameplate(view({ status: { state, redirectWindow: 'A08', reason: '外出', contact: '8001', returnAt: '10:30' } }), size, { fonts });
      assert.equal(f.width, w); assert.equal(f.height, h);
      hashes.add(frameHash(f));
      const img = await loadImage(await frameToPng(f));
      assert.equal(img.width, w); assert.equal(img.height, h);
    }
    assert.equal(hashes.size, 5);
  });

  test(`${size}: paused banner is inverted (mostly black), in service is not (002: 暂停服务 sign must be seen)`, async () => {
    const inSvc = await renderNameplate(view(), size, { fonts });
    const paused = await renderNameplate(view({ status: { state: 'paused', redirectWindow: 'A08' } }), size, { fonts });
    const r: [number, number, number, number] = size === '800x480' ? [560, 110, 196, 180] : [20, 170, 360, 60];
    assert.ok(blackShare(paused, ...r) > 0.5, 'paused banner dark');
    assert.ok(blackShare(inSvc, ...r) < 0.3, 'in-service banner light');
  });

  test(`${size}: each 四亮 item is drawn (001: 姓名/工号/职务/监督电话/服务承诺; 002/004: 投诉电话; 003: 营业时间)`, async () => {
    const base = frameHash(await renderNameplate(view(), size, { fonts }));
    const without: Array<Partial<NameplateView>> = [
      { supervisionPhone: undefined }, { complaintPhone: undefined }, { commitment: undefined }, { serviceHours: undefined },
      { staff: { name: '张晓明', jobNumber: 'GZ0999', position: '综合受理员', duties: '企业开办、社保医保的咨询与受理' } },
      { staff: { name: '张晓明', jobNumber: 'GZ0123', position: '副主任', duties: '企业开办、社保医保的咨询与受理' } },
      { lastSynced: '11-23 09:01' },
    ];
    for (const o of without) assert.notEqual(frameHash(await renderNameplate(view(o), size, { fonts })), base, JSON.stringify(o));
  });

  test(`${size}: long text is shrunk or wrapped, never drawn past the right margin`, async () => {
    const long = view({
      window: { number: 'A107', name: '不动产登记与税费综合受理及咨询服务窗口' },
      staff: { name: '欧阳诸葛明月', jobNumber: 'GZ0123456789', position: '不动产登记中心综合受理科副科长', duties: '很长的职责'.repeat(30) },
      commitment: '一次告知 限时办结 热情服务 欢迎监督 '.repeat(6),
      status: { state: 'away', reason: '参加业务培训及其他临时安排的重要工作', contact: '020-12345678 转 8001', returnAt: '16:45' },
    });
    const f = await renderNameplate(long, size, { fonts });
    const margin = size === '800x480' ? 20 : 10;
    const headerH = size === '800x480' ? 78 : 44;
    assert.equal(blackShare(f, w - margin + 2, headerH + 2, margin - 2, h - headerH - 2), 0, 'right margin stays white');
  });
}

test('a photo is dithered into its box (004: 贴有照片的台签)', async () => {
  const c = createCanvas(90, 120);
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#808080'; ctx.fillRect(0, 0, 90, 120);
  const photo = await c.encode('png');
  const f = await renderNameplate(view({ staff: { name: '张晓明', jobNumber: 'GZ0123', photo } }), '800x480', { fonts });
  const share = blackShare(f, 30, 100, 140, 190);
  assert.ok(share > 0.3 && share < 0.7, `mid grey photo → ${share}`);
  await assert.rejects(renderNameplate(view({ staff: { name: '张', jobNumber: '1', photo: '/nonexistent/photo.png' } }), '800x480', { fonts }), /photo \/nonexistent\/photo.png: ENOENT/);
});

test('invalid views are refused with the field named', () => {
  assert.throws(() => validateNameplateView(view({ status: { state: 'lunch' as never } })), /status\.state/);
  assert.throws(() => validateNameplateView(view({ staff: undefined })), /staff: required in state in_service/);
  assert.throws(() => validateNameplateView(view({ status: { state: 'away', returnAt: '25:00' } })), /returnAt/);
  assert.throws(() => validateNameplateView(view({ window: { number: '', name: 'x' } })), /window\.number/);
});

test('the wording comes from the counter: today\'s texts, unchanged (002/003: 请到X号窗口办理; 001: 欢迎您监督和帮助)', () => {
  const paused = nameplateContent(view({ status: { state: 'paused', redirectWindow: 'A08' } }));
  assert.equal(paused.banner.title, '暂停服务');
  assert.deepEqual(paused.banner.lines, ['请到A08号窗口办理']);
  assert.equal(paused.banner.style, 'inverted');
  const inSvc = nameplateContent(view());
  assert.deepEqual([inSvc.banner.title, ...inSvc.banner.lines, inSvc.banner.style], ['在岗服务', '欢迎您监督和帮助', 'outlined']);
  assert.deepEqual(inSvc.person?.fields.map((f) => `${f.label}：${f.value}`), ['工号：GZ0123', '职务：综合受理员', '职责：企业开办、社保医保的咨询与受理']);
  assert.deepEqual(inSvc.foot.map((f) => f.label), ['服务承诺', '营业时间', '监督电话', '投诉电话']);
  assert.deepEqual(inSvc.marks, ['同步 11-23 09:00']);
  const away = nameplateContent(view({ status: { state: 'away', reason: '外出', contact: '8001', returnAt: '10:30' } }));
  assert.deepEqual(away.banner.lines, ['事由：外出', '联系：8001', '预计 10:30 返回']);
  const vacant = nameplateContent(view({ staff: undefined, status: { state: 'closed', closedText: '暂停办理' } }));
  assert.equal(vacant.vacant, '本窗口暂无工作人员');
  assert.equal(vacant.banner.title, '暂停办理');
  assert.deepEqual(vacant.banner.lines, ['营业时间见下方']);
});

test('a plate content that cannot be drawn is refused naming the field, bounded in size', () => {
  const ok = nameplateContent(view());
  assert.doesNotThrow(() => validatePlateContent(ok));
  assert.throws(() => validatePlateContent({ ...ok, person: { name: '', fields: [] } }), /person\.name: required/);
  assert.throws(() => validatePlateContent({ ...ok, foot: Array(9).fill({ label: 'a', value: 'b' }) }), /foot: at most 8 fields/);
  assert.throws(() => validatePlateContent({ ...ok, marks: ['x'.repeat(201)] }), /marks\[0\]: at most 200 characters/);
});
