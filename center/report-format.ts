// The monthly report as CSV (one row per staff member, then per window) and as an HTML page that
// prints on A4 (landscape: the table is wide), Chinese headings with the English key beneath.
import { ATTENDANCE_FLAGS } from './facts.ts';
import type { MonthReport, Tally } from './report.ts';

const FLAG_ZH: Record<string, string> = { prep_short: '到岗准备不足', late: '迟到', early_leave: '早退', absent: '旷工', missing_punch: '缺卡' };

const COLUMNS: Array<[string, string, (t: Tally) => number | string | null]> = [
  ['days_worked', '出勤天数', (t) => t.days_worked],
  ...ATTENDANCE_FLAGS.flatMap((f): Array<[string, string, (t: Tally) => number]> => [
    [`${f}_count`, `${FLAG_ZH[f]}次数`, (t) => t.flags[f].count],
    [`${f}_minutes`, `${FLAG_ZH[f]}分钟`, (t) => t.flags[f].minutes],
  ]),
  ['away_count', '离岗次数', (t) => t.away.count],
  ['away_minutes', '离岗分钟', (t) => t.away.minutes],
  ['away_overdue', '超时未归', (t) => t.away.overdue],
  ['away_escalated', '离岗上报', (t) => t.away.escalated],
  ['pauses', '暂停服务', (t) => t.pauses.count],
  ['pauses_approved', '其中经批准', (t) => t.pauses.approved],
  ['cases', '办件数', (t) => t.cases.count],
  ['avg_handling_s', '平均办理(秒)', (t) => t.cases.avg_handling_s],
  ['avg_waiting_s', '平均等候(秒)', (t) => t.cases.avg_waiting_s],
  ['ratings', '评价数', (t) => t.ratings.total],
  ['very_satisfied', '非常满意', (t) => t.ratings.by_satisfaction[4]],
  ['satisfied', '满意', (t) => t.ratings.by_satisfaction[3]],
  ['basically_satisfied', '基本满意', (t) => t.ratings.by_satisfaction[2]],
  ['dissatisfied', '不满意', (t) => t.ratings.by_satisfaction[1]],
  ['very_dissatisfied', '非常不满意', (t) => t.ratings.by_satisfaction[0]],
  ['satisfaction_rate_pct', '满意率%', (t) => t.ratings.satisfaction_rate],
  ['bad_ratings', '差评', (t) => t.bad.count],
  ['bad_answered_in_time', '差评按时回复', (t) => t.bad.in_time],
  ['bad_answered_late', '差评逾期回复', (t) => t.bad.late],
  ['bad_unanswered', '差评未回复', (t) => t.bad.unanswered],
  ['complaints', '投诉', (t) => t.complaints],
  ['ratings_expired', '未评价', (t) => t.expired],
];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function reportCsv(r: MonthReport): string {
  const lines = [['scope', 'id', 'windows', ...COLUMNS.map(([k]) => k)].join(',')];
  for (const s of r.staff) lines.push(['staff', s.staff_id, s.windows.join(' '), ...COLUMNS.map(([, , f]) => f(s.tally))].map(csvCell).join(','));
  for (const w of r.windows) lines.push(['window', `${w.hall}/${w.window}`, w.window, ...COLUMNS.map(([, , f]) => f(w.tally))].map(csvCell).join(','));
  return lines.join('\n') + '\n';
}

const esc = (v: unknown) => (v === null || v === undefined ? '–' : String(v)).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function reportHtml(r: MonthReport): string {
  const head = `<tr><th>对象<br><small>scope</small></th><th>编号<br><small>id</small></th>${COLUMNS.map(([k, zh]) => `<th>${esc(zh)}<br><small>${esc(k)}</small></th>`).join('')}</tr>`;
  const row = (scope: string, id: string, t: Tally) => `<tr><td>${scope}</td><td>${esc(id)}</td>${COLUMNS.map(([, , f]) => `<td>${esc(f(t))}</td>`).join('')}</tr>`;
  const status: Record<string, string> = { in_time: '按时 in time', late: '逾期 late', unanswered: '未回复 unanswered' };
  const bad = r.bad_ratings.map((b) => `<tr><td>${esc(b.ts)}</td><td>${esc(b.window)}</td><td>${esc(b.staff_id)}</td><td>${esc(b.level)} (${b.satisfaction})</td><td>${esc(b.deadline)}</td><td>${esc(b.answered_at)}</td><td>${esc(b.answered_by)}</td><td class="${b.status}">${status[b.status]}</td></tr>`).join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(r.month)} 窗口考核月报</title>
<style>
  @page { size: A4 landscape; margin: 10mm; }
  body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif; font-size: 8pt; margin: 0; }
  h1 { font-size: 13pt; margin: 0 0 2mm; } h2 { font-size: 10pt; margin: 4mm 0 1mm; }
  table { border-collapse: collapse; width: 100%; table-layout: auto; }
  th, td { border: 0.2mm solid #444; padding: 0.6mm 0.8mm; text-align: right; }
  th { font-weight: 600; background: #eee; text-align: center; font-size: 7pt; }
  td:nth-child(1), td:nth-child(2) { text-align: left; white-space: nowrap; }
  small { font-weight: normal; color: #555; font-size: 5.5pt; }
  thead { display: table-header-group; } tr { page-break-inside: avoid; break-inside: avoid; }
  .late, .unanswered { font-weight: 600; }
  p.note { color: #333; margin: 1mm 0; }
</style></head><body>
<h1>${esc(r.month)} 窗口考核月报 <small>monthly assessment facts${r.hall ? ` · hall ${esc(r.hall)}` : ''}</small></h1>
<p class="note">统计期 period ${esc(r.from)} – ${esc(r.to)} (UTC); 事件数 events ${r.events}. 按事件发生时间计入（补传事件计入发生月份）; counted by when each event happened, late uploads included.
满意率 = (非常满意+满意)/评价数; 差评 = 不满意、非常不满意 (国办发〔2019〕51号).</p>
<h2>按工作人员 by staff member</h2>
<table><thead>${head}</thead><tbody>${r.staff.map((s) => row('人员', `${s.staff_id} (${s.windows.join(' ')})`, s.tally)).join('')}</tbody></table>
<h2>按窗口 by window</h2>
<table><thead>${head}</thead><tbody>${r.windows.map((w) => row('窗口', `${w.hall}/${w.window}`, w.tally)).join('')}</tbody></table>
<h2>差评及回复 bad ratings and answers</h2>
<table><thead><tr><th>时间 ts</th><th>窗口 window</th><th>人员 staff</th><th>评价 level</th><th>回复期限 deadline</th><th>回复时间 answered</th><th>回复人 by</th><th>状态 status</th></tr></thead>
<tbody>${bad || '<tr><td colspan="8">无 none</td></tr>'}</tbody></table>
</body></html>
`;
}
