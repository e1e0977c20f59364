// The simulator page: everything goes through the counter's local API and its simulated drivers.
// The page keeps no timers: the event stream brings committed events, the health every second
// (with the counter's clock, which drives the countdowns) and the counter's state on each change.
'use strict';
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...kids) => { const e = Object.assign(document.createElement(tag), props); e.append(...kids); return e; };

const TEXT = {
  zh: {
    title: '窗口模拟器', hallBoard: '大厅看板', clock: '时钟', plate: '台签（电子墨水屏）', fullRefreshes: '全刷', partialRefreshes: '局刷', noPlate: '台签尚未绘制',
    window: '窗口', state: '状态', since: '自', staff: '在岗人员', case: '当前办件', away: '暂离', pause: '暂停', link: '链路',
    evaluation: '服务评价器', invitationOpen: '评价邀请进行中', left: '剩余', noInvitation: '无评价邀请（按键记为主动评价）', pressed: '已按',
    staffKeys: '工作人员按键', center: '中心指令（模拟叫号系统）', send: '发送', call: '叫号', complete: '办结', recall: '重呼', skip: '过号',
    finger: '指纹考勤', touch: '按指纹', unknownFinger: '未登记手指', enrol: '登记指纹', enrolling: '登记中', enrolled: '已登记', slot: '槽位',
    printer: '回执打印机（打印纸）', printSample: '打印测试回执', queued: '已排队', noPaper: '尚未打印', cut: '切纸',
    health: '运行状况', events: '事件（发件箱 → MQTT）', pending: '待发送', published: '已发布', acknowledged: '已确认',
    linkUp: 'MQTT 已连接', linkDown: 'MQTT 未连接', linkCut: 'MQTT 链路已断开（模拟）', cutLink: '断开链路', restoreLink: '恢复链路',
    systemClock: '系统时钟', noApi: '— （计数器接口尚不可用）', unreachable: '服务不可达（重连中…）',
    outboxPending: '待发送事件', lastSeq: '最新序号', lastPublished: '已发布至', lastAcked: '已确认至', bytes: '发件箱大小', uptime: '运行时长',
    reconnects: '重连次数', inflight: '在途', boot: '启动次数', ok: '正常', degraded: '降级', fault: '故障', starting: '启动中', stopped: '已停止',
    not_open: '未开放', in_service: '服务中', paused: '暂停服务', closed: '已关闭', on_leave: '休假',
  },
  en: {
    title: 'Window simulator', hallBoard: 'Hall board', clock: 'Clock', plate: 'Nameplate (e-ink)', fullRefreshes: 'full', partialRefreshes: 'partial', noPlate: 'the nameplate has not been drawn yet',
    window: 'Window', state: 'State', since: 'since', staff: 'Staff at the window', case: 'Case', away: 'Away', pause: 'Pause', link: 'Link',
    evaluation: 'Evaluation buttons', invitationOpen: 'Invitation open', left: 'left', noInvitation: 'No invitation (a press counts as unsolicited)', pressed: 'pressed',
    staffKeys: 'Staff keys', center: 'Center commands (as the queue system)', send: 'Send', call: 'Call', complete: 'Complete', recall: 'Recall', skip: 'Skip',
    finger: 'Fingerprint (attendance)', touch: 'Touch', unknownFinger: 'Unknown finger', enrol: 'Enrol', enrolling: 'enrolling', enrolled: 'enrolled', slot: 'slot',
    printer: 'Receipt printer (the roll)', printSample: 'Print a test receipt', queued: 'queued', noPaper: 'nothing printed yet', cut: 'cut',
    health: 'Health', events: 'Events (outbox → MQTT)', pending: 'pending', published: 'published', acknowledged: 'acknowledged',
    linkUp: 'MQTT connected', linkDown: 'MQTT down', linkCut: 'MQTT link cut (simulated)', cutLink: 'Cut the link', restoreLink: 'Restore the link',
    systemClock: 'system clock', noApi: '— (counter API not available yet)', unreachable: 'service not reachable (reconnecting…)',
    outboxPending: 'events pending', lastSeq: 'last seq', lastPublished: 'published up to', lastAcked: 'acknowledged up to', bytes: 'outbox size', uptime: 'uptime',
    reconnects: 'reconnects', inflight: 'in flight', boot: 'boot', ok: 'ok', degraded: 'degraded', fault: 'fault', starting: 'starting', stopped: 'stopped',
    not_open: 'not open', in_service: 'in service', paused: 'paused', closed: 'closed', on_leave: 'on leave',
  },
};
let lang = localStorage.getItem('ce-lang') === 'en' ? 'en' : 'zh';
const t = (k) => TEXT[lang][k] ?? k;

const LEVEL_COLOURS = { very_satisfied: 0, satisfied: 1, basically_satisfied: 2, dissatisfied: 3, very_dissatisfied: 4 };
const SPEEDS = [1, 10, 60, 300, 600];
const state = { cfg: null, health: null, counter: null, counterMissing: false, rows: new Map(), refreshes: null, ticket: 0, plateShots: 0 };

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) { const e = new Error(data.error || `${res.status} ${res.statusText}`); e.status = res.status; throw e; }
  return data;
}
const say = (id, p) => p.then((m) => { $(id).textContent = m; }, (e) => { $(id).textContent = e.status === 404 ? t('noApi') : e.message; });

// ---- static text and language ----
function applyLanguage() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  $('lang').textContent = lang === 'zh' ? 'English' : '中文';
  if (state.cfg) $('title').textContent = `counter-edge · ${t('title')} · ${state.cfg.window.id} ${state.cfg.window.name || ''}`;
  renderCenterButtons();
  if (state.health) showHealth(state.health);
  renderCounter();
  for (const [seq, row] of state.rows) markRow(seq, row);
}
$('lang').onclick = () => { lang = lang === 'zh' ? 'en' : 'zh'; localStorage.setItem('ce-lang', lang); applyLanguage(); };

// ---- start ----
async function init() {
  // Text laid out before the bundled font arrives may keep the fallback's missing glyphs: load it first.
  await Promise.all([document.fonts.load('14px "CE Sans"', '窗口'), document.fonts.load('bold 14px "CE Sans"', '窗口')]).catch(() => undefined);
  state.cfg = await api('GET', '/api/sim/config');
  // `npm run demo:hall`: the center's hall board, one click away from each counter.
  if (state.cfg.hall_board_url) { $('board').href = state.cfg.hall_board_url; $('board').hidden = false; }
  state.cfg.keys.forEach((k, i) => {
    const b = el('button', { className: 'evbtn lvl' + (LEVEL_COLOURS[k.key] ?? Math.min(4, i)), title: k.key }, el('span', { className: 'light', id: 'light-' + k.key }), el('span', { textContent: k.label }));
    b.dataset.key = k.key;
    b.onclick = () => say('pressMsg', api('POST', '/api/sim/press', { button: k.key }).then(() => `${t('pressed')} ${k.label}`));
    $('buttons').append(b);
  });
  for (const s of SPEEDS) $('speed').append(el('option', { value: String(s), textContent: '×' + s }));
  $('speed').onchange = () => api('POST', '/api/sim/clock', { speed: Number($('speed').value) })
    .then((c) => { if (state.health) state.health.sim_clock = c; showClock(c); }, (e) => { $('simTime').textContent = e.message; });
  applyLanguage();
  showHealth(state.cfg.health);
  for (const e of (await api('GET', '/api/events/recent')).events) addEvent(e);
  await loadCounter();
  refreshPlate(false);
  refreshRoll();
  const es = new EventSource('/api/events');
  es.onmessage = (m) => {
    const e = JSON.parse(m.data);
    addEvent(e);
    if (e.type === 'print.done' || e.type === 'print.failed') refreshRoll();
  };
  es.addEventListener('health', (m) => showHealth(JSON.parse(m.data)));
  es.addEventListener('counter', (m) => { state.counter = JSON.parse(m.data); state.counterMissing = false; renderCounter(); });
  es.onerror = () => { $('chips').replaceChildren(el('span', { className: 'chip fault', textContent: t('unreachable') })); };
}

// ---- the counter's state (GET /api/counter; "—" while it does not exist) ----
async function loadCounter() {
  try { state.counter = await api('GET', '/api/counter'); state.counterMissing = false; }
  catch (e) { if (e.status !== 404) throw e; state.counter = null; state.counterMissing = true; }
  renderCounter();
}
const hhmm = (iso) => (typeof iso === 'string' ? iso.slice(11, 19) : '—');

function renderCounter() {
  const c = state.counter;
  const dash = state.counterMissing ? t('noApi') : '—';
  const w = c?.window;
  const rows = [
    [t('window'), w ? `${w.name ?? ''} ${w.number ?? ''}`.trim() || w.id : dash],
    [t('state'), w ? `${t(w.state)} (${t('since')} ${hhmm(w.since)})` : dash],
    [t('staff'), w?.staff ? `${w.staff.name} · ${w.staff.job_number}` : dash],
    [t('case'), c?.case ? `${c.case.ticket} · ${c.case.item_name ?? ''} (${t('since')} ${hhmm(c.case.started_at)})` : dash],
    [t('away'), c?.away ? `${c.away.label} · ${c.away.staff_id} · ${hhmm(c.away.since)} → ${hhmm(c.away.return_at)}${c.away.escalated ? ' ⚠' : ''}` : dash],
    [t('pause'), c?.pause ? `${c.pause.label ?? c.pause.reason ?? ''} → ${c.pause.redirect_window} (${c.pause.approval}, ${t('since')} ${hhmm(c.pause.since)})` : dash],
  ];
  $('counter').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })]));
  $('counter').dataset.state = w?.state ?? '';
  renderStaffKeys(c);
  renderRoster(c);
  renderInvitation();
}

function renderStaffKeys(c) {
  const keys = c?.staff_keys ?? [];
  if (keys.length === 0) { $('staffKeys').replaceChildren(el('span', { className: 'msg', textContent: state.counterMissing ? t('noApi') : '—' })); return; }
  if ($('staffKeys').dataset.keys === JSON.stringify(keys)) return;
  $('staffKeys').dataset.keys = JSON.stringify(keys);
  $('staffKeys').replaceChildren(...keys.map((k) => {
    const b = el('button', { className: 'key', textContent: k.label, title: k.key });
    b.onclick = () => say('keyMsg', api('POST', '/api/counter/key', { key: k.key }).then(() => `${t('pressed')} ${k.label}`));
    return b;
  }));
}

function renderRoster(c) {
  const roster = c?.roster ?? [];
  if ($('rosterPad').dataset.roster === JSON.stringify(roster)) return;
  $('rosterPad').dataset.roster = JSON.stringify(roster);
  $('rosterPad').replaceChildren(...roster.map((p) => {
    const b = el('button', { className: p.on_leave ? 'leave' : '', textContent: `${p.name} ${p.job_number}${p.on_leave ? ' · ' + t('on_leave') : ''}`, title: p.id });
    b.dataset.staff = p.id;
    b.onclick = () => { $('staff').value = p.id; void touchRosterMember(p.id); };
    return b;
  }));
}

/** The invitation and its countdown against the counter's clock (a demo clock runs fast). */
function renderInvitation() {
  const inv = state.counter?.invitation;
  const now = state.health?.sim_clock ? Date.parse(state.health.sim_clock.now) : NaN;
  for (const l of document.querySelectorAll('.light')) l.classList.toggle('on', Boolean(inv));
  if (!inv) { $('invitation').textContent = state.counterMissing ? '' : t('noInvitation'); $('invitation').className = 'msg'; return; }
  const left = Math.max(0, Math.round((Date.parse(inv.expires_at) - now) / 1000));
  $('invitation').className = 'countdown';
  $('invitation').textContent = `${t('invitationOpen')} · ${inv.case_id ?? ''} · ${Number.isFinite(left) ? `${t('left')} ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}` : ''}`;
}

// ---- center commands ----
function nextTicket() { state.ticket += 1; return 'A' + String(state.ticket).padStart(3, '0'); }
function renderCenterButtons() {
  const cmds = [['call', 'case.call', () => ({ ticket: nextTicket(), item_name: '个体工商户营业执照变更登记' })], ['recall', 'case.recall', () => ({})],
    ['skip', 'case.skip', () => ({})], ['complete', 'case.complete', () => ({})]];
  $('centerButtons').replaceChildren(...cmds.map(([label, name, payload]) => {
    const b = el('button', { className: 'plain', textContent: `${t(label)} (${name})` });
    b.dataset.cmd = name;
    b.onclick = () => command(name, payload());
    return b;
  }));
}
function command(name, payload) {
  say('cmdMsg', api('POST', '/api/counter/command', { name, payload }).then((r) => `${name}: ${JSON.stringify(r)}`));
}
$('cmdSend').onclick = () => {
  let payload;
  try { payload = JSON.parse($('cmdPayload').value || '{}'); } catch (e) { $('cmdMsg').textContent = 'payload: ' + e.message; return; }
  command($('cmdName').value.trim(), payload);
};

// ---- fingerprint ----
function touch(staff) {
  say('fpMsg', api('POST', '/api/sim/finger', { staff_id: staff }).then((r) => `${t('touch')}: ${JSON.stringify(r)}`));
}
/** A roster member whose finger the simulated reader does not hold yet is enrolled first (the demo's one minute). */
async function touchRosterMember(staff) {
  try {
    const { fingers } = await api('GET', '/api/fingerprint/list');
    if (!fingers.some((f) => f.staff_id === staff)) {
      $('fpMsg').textContent = `${t('enrolling')} ${staff}…`;
      await api('POST', '/api/sim/enrol', { staff_id: staff });
    }
    touch(staff);
  } catch (e) { $('fpMsg').textContent = e.message; }
}
$('touch').onclick = () => touch($('staff').value);
$('unknown').onclick = () => touch('unknown');
// Enrolment on the simulated reader: the service places the simulated finger when the reader asks.
$('enrol').onclick = () => {
  const staff = $('staff').value;
  $('fpMsg').textContent = `${t('enrolling')} ${staff}…`;
  say('fpMsg', api('POST', '/api/sim/enrol', { staff_id: staff }).then((r) => `${t('enrolled')} ${staff} (${t('slot')} ${r.slot})`));
};

// ---- printer: the roll as the simulated printer decoded the ESC/POS bytes ----
$('print').onclick = async () => {
  try {
    const doc = await api('GET', '/api/sim/print-sample');
    // A fresh doc_id per click (the queue never prints a doc_id twice); print.done redraws the roll.
    const r = await api('POST', '/api/print', { doc_id: 'sim-' + crypto.randomUUID(), doc });
    $('printMsg').textContent = `${t('queued')}: ${r.state ?? ''}`;
  } catch (e) { $('printMsg').textContent = e.message; }
};
function rasterCanvas(line) {
  const c = el('canvas', { width: line.width, height: line.height });
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(line.width, line.height);
  const bits = Uint8Array.from(atob(line.bits_base64), (ch) => ch.charCodeAt(0));
  const stride = Math.ceil(line.width / 8);
  for (let y = 0; y < line.height; y++) {
    for (let x = 0; x < line.width; x++) {
      const on = (bits[y * stride + (x >> 3)] & (0x80 >> (x & 7))) !== 0;
      const i = (y * line.width + x) * 4;
      img.data[i] = img.data[i + 1] = img.data[i + 2] = on ? 20 : 255;
      img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return c;
}
function paperLine(l) {
  if (l.kind === 'raster') return rasterCanvas(l);
  if (l.kind === 'feed') return el('div', { textContent: '\n'.repeat(Math.max(0, l.lines - 1)) || ' ' });
  if (l.kind === 'qr') return el('div', { className: 'c', textContent: `▣ QR ${l.data}` });
  if (l.kind === 'other') return el('div', { textContent: l.text });
  const cls = [l.bold ? 'b' : '', l.width === 2 || l.height === 2 ? 'w2' : '', l.align === 'center' ? 'c' : l.align === 'right' ? 'r' : ''].filter(Boolean).join(' ');
  return el('div', { className: cls, textContent: l.text || ' ' });
}
async function refreshRoll() {
  let roll;
  try { roll = await api('GET', '/api/sim/printer/roll'); } catch (e) { $('roll').replaceChildren(el('div', { className: 'msg', textContent: e.message })); return; }
  if (roll.papers.length === 0) { $('roll').replaceChildren(el('div', { className: 'msg', textContent: t('noPaper') })); return; }
  $('roll').replaceChildren(...roll.papers.map((p) => {
    const paper = el('div', { className: 'paper' }, ...p.lines.map(paperLine));
    paper.dataset.n = String(p.n);
    if (p.cut) paper.append(el('div', { className: 'cutmark', textContent: t('cut') }));
    return paper;
  }));
  $('roll').scrollTop = 0;
}

// ---- nameplate: the PNG the panel got; a full refresh flashes ----
function refreshPlate(flash) {
  // A new URL each time: the browser fetches the frame again.
  state.plateShots += 1;
  $('plate').src = '/api/nameplate.png?n=' + state.plateShots;
  if (flash) {
    const box = $('platebox');
    box.classList.remove('flash');
    void box.offsetWidth; // restart the animation
    box.classList.add('flash');
    box.dataset.flashes = String(Number(box.dataset.flashes || 0) + 1);
  }
}
$('plate').onerror = () => { $('plateMsg').textContent = t('noPlate'); };
$('plate').onload = () => { $('plateMsg').textContent = ''; };

// ---- events and their publish state ----
function publishState(seq) {
  const o = state.health?.outbox;
  if (!o) return 'pending';
  if (seq <= (o.last_acked_seq ?? 0)) return 'acknowledged';
  if (seq <= o.last_published_seq) return 'published';
  return 'pending';
}
const MARK = { pending: '…', published: '✓', acknowledged: '✓✓' };
function markRow(seq, row) {
  const s = publishState(seq);
  if (row.dataset.state === s && row.dataset.lang === lang) return;
  row.dataset.state = s;
  row.dataset.lang = lang;
  row.firstChild.textContent = `${MARK[s]} ${t(s)}`;
  row.firstChild.className = 'st-' + s;
}
function addEvent(e) {
  if (state.rows.has(e.seq)) return;
  const staff = e.staff_id ?? e.data?.staff_id ?? '';
  const row = el('div', { className: 'ev' }, el('span'), el('span', { textContent: '#' + e.seq }), el('span', { textContent: e.ts.slice(11, 19) }),
    el('span', {}, el('b', { textContent: e.type }), staff ? ` · ${staff}` : ''), el('span', { className: 'data', textContent: JSON.stringify(e.data), title: JSON.stringify(e.data) }));
  row.dataset.seq = String(e.seq);
  row.dataset.type = e.type;
  state.rows.set(e.seq, row);
  markRow(e.seq, row);
  $('log').prepend(row);
  while (state.rows.size > 300) { const [first, r] = state.rows.entries().next().value; r.remove(); state.rows.delete(first); }
}

// ---- health, clock and link ----
function showClock(c) {
  $('simTime').textContent = c.demo ? `${c.now.slice(0, 10)} ${c.now.slice(11, 19)} ×${c.speed}` : `${c.now.slice(11, 19)} (${t('systemClock')})`;
  $('speed').disabled = !c.demo;
  if (c.demo && document.activeElement !== $('speed')) {
    if (![...$('speed').options].some((o) => o.value === String(c.speed))) $('speed').append(el('option', { value: String(c.speed), textContent: '×' + c.speed }));
    $('speed').value = String(c.speed);
  }
}
const chipClass = (s) => (s === 'ok' ? 'ok' : s === 'fault' ? 'fault' : 'warn');
function showHealth(h) {
  state.health = h;
  const o = h.outbox, m = h.mqtt;
  if (h.sim_clock) showClock(h.sim_clock);
  const link = m.link_cut ? ['linkCut', 'fault'] : m.connected ? ['linkUp', 'ok'] : ['linkDown', 'warn'];
  $('linkChip').textContent = t(link[0]);
  $('linkChip').className = 'chip ' + link[1];
  $('link').textContent = m.link_cut ? t('restoreLink') : t('cutLink');
  $('link').dataset.online = m.link_cut ? 'false' : 'true';
  const chips = [[`${t('state')}: ${t(h.state)}`, chipClass(h.state)], [m.connected ? t('linkUp') : t(link[0]), link[1]]];
  for (const [k, d] of Object.entries(h.drivers)) chips.push([`${k}: ${t(d.state)}${d.reason ? ' — ' + d.reason : ''}`, chipClass(d.state)]);
  if (o.write_error) chips.push([o.write_error, 'fault']);
  $('chips').replaceChildren(...chips.map(([text, c]) => el('span', { className: 'chip ' + c, textContent: text })));
  const figs = [['outboxPending', o.pending], ['lastSeq', o.last_seq], ['lastPublished', o.last_published_seq], ['lastAcked', o.last_acked_seq ?? '—'],
    ['inflight', m.inflight ?? 0], ['reconnects', m.reconnects ?? 0], ['bytes', `${Math.round(o.bytes / 1024)} KiB`], ['uptime', `${h.uptime_s} s`], ['boot', h.boot]];
  $('figs').replaceChildren(...figs.map(([k, v]) => { const f = el('div', { className: 'fig' }, el('b', { textContent: String(v) }), el('span', { textContent: t(k) })); f.dataset.fig = k; return f; }));
  for (const [seq, row] of state.rows) markRow(seq, row);
  const eink = h.drivers.eink?.detail;
  if (eink) {
    const counts = { full: eink.refreshes_full ?? 0, partial: eink.refreshes_partial ?? 0 };
    const before = state.refreshes;
    state.refreshes = counts;
    if (!before || before.full !== counts.full || before.partial !== counts.partial) refreshPlate(Boolean(before) && counts.full > before.full);
    $('plateCounts').textContent = `${t('fullRefreshes')} ${counts.full} · ${t('partialRefreshes')} ${counts.partial}`;
    $('platebox').dataset.full = String(counts.full);
  }
  renderInvitation();
}
$('link').onclick = () => {
  const online = $('link').dataset.online !== 'true';
  api('POST', '/api/sim/link', { online }).catch((e) => { $('linkChip').textContent = e.message; });
};

init().catch((e) => { document.body.prepend('simulator failed to start: ' + e.message); });
