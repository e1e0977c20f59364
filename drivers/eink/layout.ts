// Where everything sits on a 台签, for the two panel sizes. The window sign is a black header
// (seen across the hall), the status banner is the largest text after the name, and the 四亮
// items (001) plus hours (003) and complaint phone (002/004) fill the foot.
import type { SKRSContext2D } from '@napi-rs/canvas';
import { STATE_TITLES, type NameplateView } from '../../device/nameplate-view.ts';
import type { NameplateFonts } from './font.ts';
import { drawFitted, drawText, drawWrapped, fitPx } from './text.ts';

export interface Rect { x: number; y: number; width: number; height: number }

export type PanelSize = '800x480' | '400x300';

export const SIZES: Record<PanelSize, { width: number; height: number }> = {
  '800x480': { width: 800, height: 480 },
  '400x300': { width: 400, height: 300 },
};

/** Lines under the banner headline, per state. */
function bannerLines(v: NameplateView): string[] {
  const s = v.status;
  switch (s.state) {
    case 'in_service': return ['欢迎您监督和帮助'];
    case 'paused': return s.redirectWindow ? [`请到${s.redirectWindow}号窗口办理`] : ['请到其他窗口办理'];
    case 'away': return [
      s.reason ? `事由：${s.reason}` : '',
      s.contact ? `联系：${s.contact}` : '',
      s.returnAt ? `预计 ${s.returnAt} 返回` : '',
    ].filter(Boolean);
    case 'closed': return v.serviceHours ? ['营业时间见下方'] : [];
    case 'not_open': return ['请稍候'];
  }
}

const bannerTitle = (v: NameplateView): string => (v.status.state === 'closed' && v.status.closedText ? v.status.closedText : STATE_TITLES[v.status.state]);

function photoPlaceholder(ctx: SKRSContext2D, r: Rect, f: NameplateFonts, px: number): void {
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 2;
  ctx.strokeRect(r.x + 1, r.y + 1, r.width - 2, r.height - 2);
  drawText(ctx, '照片', r.x + r.width / 2, r.y + r.height / 2 - px / 2, { family: f.regular, px }, 'center');
}

function banner(ctx: SKRSContext2D, v: NameplateView, r: Rect, f: NameplateFonts, titlePx: number, subPx: number, maxSub: number, side = false): void {
  const inverted = v.status.state !== 'in_service';
  ctx.fillStyle = '#000';
  if (inverted) ctx.fillRect(r.x, r.y, r.width, r.height);
  else { ctx.lineWidth = 4; ctx.strokeStyle = '#000'; ctx.strokeRect(r.x + 2, r.y + 2, r.width - 4, r.height - 4); }
  const color = inverted ? '#fff' : '#000';
  const pad = Math.round(subPx * 0.6);
  const title = bannerTitle(v);
  const lines = bannerLines(v).slice(0, maxSub);
  const lh = Math.round(subPx * 1.35);
  if (side && lines.length) {
    // Small panels: headline on the left, details stacked on the right, so all of them fit.
    const titleW = Math.round(r.width * 0.42);
    const tpx = fitPx(ctx, title, f.bold, titleW - 2 * pad, titlePx, Math.round(titlePx / 2));
    drawText(ctx, title, r.x + titleW / 2, r.y + (r.height - tpx * 1.2) / 2, { family: f.bold, px: tpx, color }, 'center');
    let y = r.y + (r.height - lines.length * lh) / 2;
    for (const l of lines) {
      drawFitted(ctx, l, r.x + titleW, y, f.regular, subPx, Math.round(subPx * 0.8), r.width - titleW - pad, 'left', color);
      y += lh;
    }
    return;
  }
  const tpx = fitPx(ctx, title, f.bold, r.width - 2 * pad, titlePx, Math.round(titlePx / 2));
  const total = tpx * 1.25 + lines.length * lh;
  let y = r.y + Math.max(pad, (r.height - total) / 2);
  drawText(ctx, title, r.x + r.width / 2, y, { family: f.bold, px: tpx, color }, 'center');
  y += tpx * 1.25;
  for (const l of lines) {
    drawFitted(ctx, l, r.x + r.width / 2, y, f.regular, subPx, Math.round(subPx * 0.7), r.width - 2 * pad, 'center', color);
    y += lh;
  }
}

function header(ctx: SKRSContext2D, v: NameplateView, f: NameplateFonts, w: number, h: number, numPx: number, suffixPx: number, namePx: number, margin: number): void {
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  const white = '#fff';
  const nPx = fitPx(ctx, v.window.number, f.bold, w * 0.3, numPx, Math.round(numPx * 0.6));
  const numW = drawText(ctx, v.window.number, margin, (h - nPx * 1.2) / 2, { family: f.bold, px: nPx, color: white });
  const sufW = drawText(ctx, '号窗口', margin + numW + 4, (h - suffixPx * 1.2) / 2 + (nPx - suffixPx) * 0.35, { family: f.regular, px: suffixPx, color: white });
  const left = margin + numW + 4 + sufW + margin;
  if (v.window.name) drawFitted(ctx, v.window.name, w - margin, (h - namePx * 1.2) / 2, f.bold, namePx, Math.round(namePx * 0.55), w - margin - left, 'right', white);
}

function labelled(label: string, value?: string): string { return value ? `${label}：${value}` : ''; }

/** Draws the 800×480 layout; returns where the photo goes (undefined: placeholder drawn). */
export function layout800(ctx: SKRSContext2D, v: NameplateView, f: NameplateFonts): Rect | undefined {
  header(ctx, v, f, 800, 78, 56, 28, 38, 24);
  const photo: Rect = { x: 24, y: 96, width: 156, height: 208 };
  if (!v.staff?.photo) photoPlaceholder(ctx, photo, f, 24);
  const ix = 204, iw = 520 - ix;
  if (v.staff) {
    drawFitted(ctx, v.staff.name, ix, 92, f.bold, 64, 36, iw);
    let y = 176;
    const rows: Array<[string, string | undefined]> = [['工号', v.staff.jobNumber], ['职务', v.staff.position]];
    for (const [k, val] of rows) {
      if (!val) continue;
      drawFitted(ctx, labelled(k, val), ix, y, f.regular, 24, 16, iw);
      y += 34;
    }
    if (v.staff.duties) drawWrapped(ctx, labelled('职责', v.staff.duties), ix, y + 2, { family: f.regular, px: 20 }, iw, 3, 27);
  } else {
    drawText(ctx, '本窗口暂无工作人员', ix, 120, { family: f.regular, px: 26 });
  }
  banner(ctx, v, { x: 540, y: 96, width: 236, height: 208 }, f, 56, 21, 3);

  ctx.fillStyle = '#000';
  ctx.fillRect(24, 322, 752, 2);
  let y = 334;
  if (v.commitment) y = drawWrapped(ctx, labelled('服务承诺', v.commitment), 24, y, { family: f.bold, px: 24 }, 752, 2, 32) + 4;
  if (v.serviceHours) { drawFitted(ctx, labelled('营业时间', v.serviceHours), 24, y, f.regular, 22, 15, 752); y += 32; }
  const phones = [labelled('监督电话', v.supervisionPhone), labelled('投诉电话', v.complaintPhone)].filter(Boolean);
  phones.forEach((p, i) => drawFitted(ctx, p, 24 + i * 376, y, f.regular, 22, 15, 360));
  drawText(ctx, v.lastSynced ? `同步 ${v.lastSynced}` : '未同步', 776, 460, { family: f.regular, px: 13 }, 'right');
  return v.staff?.photo ? photo : undefined;
}

/** Draws the 400×300 layout; returns where the photo goes (undefined: placeholder drawn). */
export function layout400(ctx: SKRSContext2D, v: NameplateView, f: NameplateFonts): Rect | undefined {
  header(ctx, v, f, 400, 44, 32, 16, 22, 12);
  const photo: Rect = { x: 12, y: 52, width: 78, height: 104 };
  if (!v.staff?.photo) photoPlaceholder(ctx, photo, f, 14);
  const ix = 102, iw = 388 - ix;
  if (v.staff) {
    drawFitted(ctx, v.staff.name, ix, 48, f.bold, 38, 22, iw);
    let y = 98;
    for (const [k, val] of [['工号', v.staff.jobNumber], ['职务', v.staff.position], ['职责', v.staff.duties]] as const) {
      if (!val) continue;
      drawFitted(ctx, labelled(k, val), ix, y, f.regular, 16, 14, iw);
      y += 20;
    }
  } else {
    drawText(ctx, '本窗口暂无工作人员', ix, 80, { family: f.regular, px: 18 });
  }
  banner(ctx, v, { x: 12, y: 164, width: 376, height: 72 }, f, 32, 15, 3, true);
  let y = 242;
  if (v.commitment) { drawFitted(ctx, labelled('承诺', v.commitment), 12, y, f.bold, 15, 13, 376); y += 19; }
  const phones = [labelled('监督', v.supervisionPhone), labelled('投诉', v.complaintPhone)].filter(Boolean).join('  ');
  if (phones) { drawFitted(ctx, phones, 12, y, f.regular, 15, 13, 376); y += 19; }
  if (v.serviceHours) drawFitted(ctx, labelled('营业', v.serviceHours), 12, y, f.regular, 14, 12, 300);
  drawText(ctx, v.lastSynced ? `同步${v.lastSynced}` : '未同步', 388, 284, { family: f.regular, px: 11 }, 'right');
  return v.staff?.photo ? photo : undefined;
}
