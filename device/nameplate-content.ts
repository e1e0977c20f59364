// The hall's wording of the nameplate: maps a NameplateView (who serves, the window state, the
// board) to the PlateContent the e-ink driver draws. Every visible word lives here, not in the
// driver: titles (STATE_TITLES), banner lines (请到X号窗口办理, 欢迎您监督和帮助 …), labels of the
// 四亮 items (001: 姓名/工号/职务/职责/服务承诺/监督电话; 002/004: 投诉电话; 003: 营业时间).
import type { PlateContent, PlateField } from '../drivers/eink/plate-content.ts';
import { STATE_TITLES, validateNameplateView, type NameplateView } from './nameplate-view.ts';

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

const field = (label: string, value: string | undefined, hints: Omit<PlateField, 'label' | 'value'> = {}): PlateField[] =>
  (value ? [{ label, value, ...hints }] : []);

/** Pure: the same view always gives the same content. Throws naming every bad field of the view. */
export function nameplateContent(v: NameplateView): PlateContent {
  validateNameplateView(v);
  const content: PlateContent = {
    header: { number: v.window.number, suffix: '号窗口', name: v.window.name },
    photoPlaceholder: '照片',
    banner: {
      title: v.status.state === 'closed' && v.status.closedText ? v.status.closedText : STATE_TITLES[v.status.state],
      lines: bannerLines(v),
      style: v.status.state === 'in_service' ? 'outlined' : 'inverted',
    },
    foot: [
      ...field('服务承诺', v.commitment, { short: '承诺', long: true, bold: true }),
      ...field('营业时间', v.serviceHours, { short: '营业' }),
      ...field('监督电话', v.supervisionPhone, { short: '监督', inline: true }),
      ...field('投诉电话', v.complaintPhone, { short: '投诉', inline: true }),
    ],
    marks: [v.lastSynced ? `同步 ${v.lastSynced}` : '未同步'],
  };
  if (v.staff) {
    content.person = {
      name: v.staff.name,
      fields: [
        ...field('工号', v.staff.jobNumber),
        ...field('职务', v.staff.position),
        ...field('职责', v.staff.duties, { long: true }),
      ],
      ...(v.staff.photo ? { photo: v.staff.photo } : {}),
    };
  } else {
    content.vacant = '本窗口暂无工作人员';
  }
  return content;
}
