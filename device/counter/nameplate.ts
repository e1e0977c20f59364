// The nameplate's content (四亮, 001/004; domain.md §3): who serves (name, photo, 工号, 职务, 职责),
// the window's number and name, the state banner (暂停服务 with the window to go to, 离岗 with
// reason, contact and return), the foot (supervision and complaint phones, hours, commitment) and
// the "last synced" mark while the center is unreachable. Pure: PlateContent from state and time.
import type { PlateContent, PlateField } from '../../drivers/eink/plate-content.ts';
import { awayOf, servingStaffId, staffEntry, type CounterEnv, type CounterState } from './state.ts';
import { LABEL, PHRASE, STATE_TITLE, awayLines, closedLines, hoursText, lastSyncedMark, opensAt, redirectLine } from './phrases.ts';
import { localHhmm, MINUTE_MS } from './time.ts';

export function plateContent(s: CounterState, env: CounterEnv, nowMs: number): PlateContent {
  const off = env.window.utc_offset_minutes;
  const state = s.window.state;
  const plate: PlateContent = {
    header: { number: env.window.id, name: env.window.name },
    banner: { title: STATE_TITLE[state], lines: [], style: state === 'in_service' ? 'outlined' : 'inverted' },
    foot: foot(s, env),
  };
  const id = servingStaffId(s);
  const who = staffEntry(s, env, id);
  if (who && state !== 'closed') {
    const fields: PlateField[] = [{ label: LABEL.jobNumber, value: who.job_number }];
    if (who.position) fields.push({ label: LABEL.position, value: who.position });
    if (who.duties) fields.push({ label: LABEL.duties, value: who.duties });
    plate.person = { name: who.name, fields, ...(who.photo ? { photo: who.photo } : {}) };
  }
  if (state === 'in_service') plate.banner.lines = [PHRASE.welcome];
  if (state === 'paused') plate.banner.lines = [redirectLine(s.pause?.redirect_window ?? env.counter.away.redirect_window)];
  if (state === 'away' && id) {
    const a = awayOf(s, id);
    if (a) plate.banner.lines = awayLines(a.label, a.contact, localHhmm(a.return_ms, off));
  }
  if (state === 'not_open') {
    const next = s.day?.sessions.find((x) => x.openMs > nowMs);
    if (next) plate.banner.lines = opensAt(next.open, next.index > 0);
  }
  if (state === 'closed') plate.banner.lines = closedLines(s.closure?.label);
  if (s.notice && nowMs < s.notice.until_ms) plate.banner.lines = [...plate.banner.lines.slice(0, 1), s.notice.text];
  if (!s.link.online && s.link.offline_since_ms !== undefined && nowMs - s.link.offline_since_ms >= env.counter.last_synced_after_min * MINUTE_MS) {
    plate.marks = [lastSyncedMark(localHhmm(s.link.offline_since_ms, off))];
  }
  return plate;
}

function foot(s: CounterState, env: CounterEnv): PlateField[] {
  const b = env.board;
  const hours = b.service_hours || hoursText(s.day?.sessions.length ? s.day.sessions : env.counter.hours.sessions);
  const out: PlateField[] = [];
  if (b.supervision_phone) out.push({ label: LABEL.supervisionPhone, value: b.supervision_phone });
  if (b.complaint_phone) out.push({ label: LABEL.complaintPhone, value: b.complaint_phone });
  if (hours) out.push({ label: LABEL.serviceHours, value: hours });
  if (b.commitment) out.push({ label: LABEL.commitment, value: b.commitment });
  return out;
}

