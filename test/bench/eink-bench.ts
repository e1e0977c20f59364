// Nameplate rendering time: full 800×480 (with a dithered photo) and 400×300, median and p95,
// plus one emulated full refresh through the panel protocol. Target: ≤ 150 ms for 800×480.
import { createCanvas } from '@napi-rs/canvas';
import type { NameplateView } from '../../device/nameplate-view.ts';
import { PanelEmulator } from '../../drivers/eink/emulator.ts';
import { loadNameplateFonts } from '../../drivers/eink/font.ts';
import { frameToPng } from '../../drivers/eink/frame.ts';
import { runOptions, runSteps } from '../../drivers/eink/panel-io.ts';
import { WAVESHARE_7IN5_V2 } from '../../drivers/eink/panels.ts';
import { renderNameplate as renderContent, type RenderOptions } from '../../drivers/eink/render.ts';
import type { PanelSize } from '../../drivers/eink/layout.ts';
import { nameplateContent } from '../../device/nameplate-content.ts';

const renderNameplate = (v: NameplateView, size: PanelSize, o: RenderOptions) => renderContent(nameplateContent(v), size, o);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 10) / 10;
};

export async function benchEink(opts: { quick: boolean }): Promise<Record<string, number>> {
  const fonts = loadNameplateFonts();
  const c = createCanvas(300, 400);
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, 300, 400);
  g.addColorStop(0, '#eee'); g.addColorStop(1, '#333');
  ctx.fillStyle = g; ctx.fillRect(0, 0, 300, 400);
  const photo = await c.encode('png');
  const n = opts.quick ? 15 : 60;
  const times800: number[] = [], times400: number[] = [];
  for (let i = 0; i < n + 3; i++) {
    const view: NameplateView = {
      window: { number: 'A07', name: '综合受理窗口' },
      staff: { name: '张晓明', jobNumber: 'GZ0123', position: '综合受理员', duties: '企业开办、社保医保、不动产登记等事项的咨询、受理与办结', photo },
      supervisionPhone: '020-12345678', complaintPhone: '12345', commitment: '一次告知 限时办结 热情服务 欢迎监督',
      serviceHours: '周一至周五 9:00-12:00 13:30-17:00',
      status: i % 2 ? { state: 'paused', redirectWindow: 'A08' } : { state: 'in_service' },
      lastSynced: `11-23 09:${String(i % 60).padStart(2, '0')}`,
    };
    let t = performance.now();
    await renderNameplate(view, '800x480', { fonts });
    if (i >= 3) times800.push(performance.now() - t); // the first renders warm the font caches
    t = performance.now();
    await renderNameplate(view, '400x300', { fonts });
    if (i >= 3) times400.push(performance.now() - t);
  }
  const frame = await renderNameplate({ window: { number: 'A07', name: '' }, status: { state: 'not_open' } }, '800x480', { fonts });
  const emu = new PanelEmulator('waveshare_7in5_v2');
  await emu.open();
  let t = performance.now();
  await runSteps(emu, WAVESHARE_7IN5_V2.full(frame), runOptions(WAVESHARE_7IN5_V2, 30_000, 10));
  const protocolMs = performance.now() - t;
  t = performance.now();
  await frameToPng(frame);
  const pngMs = performance.now() - t;
  return {
    render_800x480_ms: pct(times800, 0.5),
    render_p95_ms: pct(times800, 0.95),
    render_400x300_ms: pct(times400, 0.5),
    full_refresh_protocol_emulated_ms: Math.round(protocolMs * 10) / 10,
    png_800x480_ms: Math.round(pngMs * 10) / 10,
    samples: n,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchEink({ quick: process.argv.includes('--quick') }), null, 2));
}
