// The hall board page (one file, no build step): tiles, live feed, open 差评, supervisor actions.
// Chinese by default, English with the toggle; it refetches /api/board on each server-sent change.
export function boardPage(): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>大厅看板 Hall board</title>
<style>
  body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; margin: 0; background: #f3f4f6; color: #111; }
  header { display: flex; gap: 1em; align-items: center; padding: .5em 1em; background: #1f2937; color: #fff; }
  header h1 { font-size: 1.2em; margin: 0; flex: 1; }
  main { display: grid; grid-template-columns: 1fr 22em; gap: 1em; padding: 1em; }
  #tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(15em, 1fr)); gap: .6em; align-content: start; }
  .tile { background: #fff; border-radius: .4em; padding: .6em; border-left: .5em solid #16a34a; font-size: .9em; }
  .tile.offline { border-left-color: #6b7280; opacity: .75; }
  .tile.overdue { border-left-color: #dc2626; background: #fee2e2; }
  .tile h2 { margin: 0 0 .3em; font-size: 1.1em; display: flex; justify-content: space-between; }
  .badge { font-size: .75em; padding: .1em .4em; border-radius: .3em; background: #dcfce7; }
  .offline .badge { background: #e5e7eb; } .overdue .badge, .warn { background: #fecaca; color: #991b1b; }
  .row { display: flex; justify-content: space-between; } .muted { color: #6b7280; }
  .tile button, #bad button { font-size: .8em; margin-top: .3em; }
  aside section { background: #fff; border-radius: .4em; padding: .6em; margin-bottom: 1em; font-size: .85em; }
  aside h3 { margin: 0 0 .4em; font-size: 1em; }
  #feed { max-height: 45vh; overflow: auto; font-family: monospace; font-size: .8em; }
  #feed div { border-bottom: 1px solid #eee; padding: .15em 0; }
  .late { color: #dc2626; font-weight: 600; }
</style></head><body>
<header><h1 data-t="title"></h1>
  <label><span data-t="operator"></span> <input id="who" size="10"></label>
  <button id="lang">English</button><span id="conn" class="muted"></span></header>
<main><div id="tiles"></div>
<aside><section><h3 data-t="bad"></h3><div id="bad"></div></section>
<section><h3 data-t="feed"></h3><div id="feed"></div></section></aside></main>
<script>
const T = {
  zh: { title: '政务服务大厅 · 窗口看板', operator: '操作人', bad: '待回复差评', feed: '实时事件', online: '在线', offline: '离线',
    cases: '今日办件', avg: '平均办理', sat: '满意率', badc: '差评', backlog: '待传', faults: '故障', overdue: '离岗超时', gap: '缺失事件',
    approve: '批准暂停', notice: '发送通知', answer: '回复', deadline: '期限', since: '自', noticeText: '通知内容', note: '回复说明', none: '无', accept: '确认丢失', acceptQ: '确认这些事件已无法补传？', whoFirst: '请先填写操作人',
    state: { in_service: '在岗服务', paused: '暂停服务', away: '离岗', closed: '下班', not_open: '未开始' } },
  en: { title: 'Service hall · window board', operator: 'Operator', bad: 'Bad ratings to answer', feed: 'Live events', online: 'online', offline: 'offline',
    cases: 'Cases today', avg: 'Avg handling', sat: 'Satisfaction', badc: 'Bad ratings', backlog: 'Backlog', faults: 'Faults', overdue: 'Away overdue', gap: 'Missing events',
    approve: 'Approve pause', notice: 'Send notice', answer: 'Answer', deadline: 'due', since: 'since', noticeText: 'Notice text', note: 'Answer note', none: 'none', accept: 'Accept loss', acceptQ: 'Accept that these events can no longer be re-sent?', whoFirst: 'Enter the operator name first',
    state: { in_service: 'in service', paused: 'paused', away: 'away', closed: 'closed', not_open: 'not open' } },
};
let lang = localStorage.getItem('lang') || 'zh';
const who = document.getElementById('who');
who.value = localStorage.getItem('who') || '';
who.onchange = () => localStorage.setItem('who', who.value);
const esc = (s) => String(s ?? '–').replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
let last;
function render() {
  const t = T[lang];
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = t[el.dataset.t]; });
  document.getElementById('lang').textContent = lang === 'zh' ? 'English' : '中文';
  if (!last) return;
  document.getElementById('tiles').innerHTML = last.tiles.map((w) => {
    const cls = ['tile', w.online === false ? 'offline' : '', w.away_overdue ? 'overdue' : ''].join(' ');
    const st = w.state ? (t.state[w.state] || w.state) : '–';
    return '<div class="' + cls + '" data-window="' + esc(w.window) + '" data-online="' + String(w.online) + '">' +
      '<h2><span>' + esc(w.window) + '</span><span class="badge">' + (w.away_overdue ? t.overdue : w.online === false ? t.offline : w.online ? t.online : '?') + '</span></h2>' +
      '<div>' + esc(st) + ' · ' + esc(w.staff) + (w.state_since ? ' <span class="muted">' + t.since + ' ' + esc(w.state_since.slice(11, 16)) + '</span>' : '') + '</div>' +
      '<div class="row"><span>' + t.cases + '</span><span>' + w.cases_today + '</span></div>' +
      '<div class="row"><span>' + t.avg + '</span><span>' + (w.avg_handling_s == null ? '–' : Math.round(w.avg_handling_s / 60 * 10) / 10 + ' min') + '</span></div>' +
      '<div class="row"><span>' + t.sat + '</span><span>' + (w.satisfaction_rate == null ? '–' : w.satisfaction_rate + '%') + ' · ' + t.badc + ' ' + w.bad_today + '</span></div>' +
      '<div class="row"><span>' + t.backlog + '</span><span>' + esc(w.backlog) + '</span></div>' +
      (w.faults.length ? '<div class="warn">' + t.faults + ': ' + esc(w.faults.join(', ')) + '</div>' : '') +
      (w.gap ? '<div class="warn">' + t.gap + ': seq ' + w.gap.from + '–' + w.gap.to + ' <button data-accept="' + esc(w.window) + '" data-hall="' + esc(w.hall) + '">' + t.accept + '</button></div>' : '') +
      '<button data-act="pause.approve" data-hall="' + esc(w.hall) + '" data-win="' + esc(w.window) + '">' + t.approve + '</button> ' +
      '<button data-act="notice.show" data-hall="' + esc(w.hall) + '" data-win="' + esc(w.window) + '">' + t.notice + '</button></div>';
  }).join('');
  document.getElementById('bad').innerHTML = last.bad.length ? last.bad.map((b) =>
    '<div class="' + (b.overdue ? 'late' : '') + '">' + esc(b.window) + ' ' + esc(b.staff_id) + ' · ' + esc(b.ts.slice(5, 16)) + ' · ' + t.deadline + ' ' + esc(b.deadline) +
    ' <button data-answer="' + esc(b.event_id) + '">' + t.answer + '</button></div>').join('') : t.none;
}
// Coalesced without timers: changes arriving during a fetch ask for one more fetch when it ends.
let inFlight = false;
let again = false;
async function refresh() {
  if (inFlight) { again = true; return; }
  inFlight = true;
  try {
    do {
      again = false;
      const r = await fetch('/api/board');
      if (r.ok) { last = await r.json(); render(); }
    } while (again);
  } finally { inFlight = false; }
}
async function post(url, body) {
  if (!who.value.trim()) { alert(T[lang].whoFirst); return; }
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, by: who.value.trim() }) });
  const j = await r.json();
  if (!r.ok) alert(j.error);
  refresh();
}
document.addEventListener('click', (ev) => {
  const b = ev.target.closest('button');
  if (!b) return;
  if (b.id === 'lang') { lang = lang === 'zh' ? 'en' : 'zh'; localStorage.setItem('lang', lang); render(); return; }
  if (b.dataset.act === 'pause.approve') post('/api/command', { hall: b.dataset.hall, window: b.dataset.win, name: 'pause.approve', args: {} });
  if (b.dataset.act === 'notice.show') { const text = prompt(T[lang].noticeText); if (text) post('/api/command', { hall: b.dataset.hall, window: b.dataset.win, name: 'notice.show', args: { text } }); }
  if (b.dataset.accept && confirm(T[lang].acceptQ)) post('/api/gap/accept', { hall: b.dataset.hall, window: b.dataset.accept });
  if (b.dataset.answer) { const note = prompt(T[lang].note); if (note !== null) post('/api/bad/' + encodeURIComponent(b.dataset.answer) + '/answer', { note }); }
});
const es = new EventSource('/api/stream');
es.addEventListener('changed', (m) => {
  const d = JSON.parse(m.data);
  const feed = document.getElementById('feed');
  for (const e of d.feed) {
    const div = document.createElement('div');
    div.textContent = e.ts.slice(11, 19) + ' ' + e.window + ' ' + e.type + (e.staff_id ? ' ' + e.staff_id : '') + (e.historical ? ' (historical)' : '');
    feed.prepend(div);
  }
  while (feed.childElementCount > 200) feed.lastElementChild.remove();
  refresh();
});
es.onopen = () => { document.getElementById('conn').textContent = '●'; refresh(); };
es.onerror = () => { document.getElementById('conn').textContent = '○'; };
render();
refresh();
</script></body></html>
`;
}
