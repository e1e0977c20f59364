// What the simulator page and the local API see of the counter (GET /api/counter, and the named
// `event: counter` frame on /api/events): the window, who serves, the roster, the keys, the open
// invitation and case, away and pause, the link. Built from the rules' state; no wording decided here
// beyond the keys' labels.
import type { Config } from '../config/schema.ts';
import { isoWithOffset } from '../core/clock.ts';
import type { RulesEnv, RulesState } from './counter/rules.ts';
import { resolveLevels } from './counter/evaluation.ts';
import { awayOf, onLeave, rosterOf, servingStaffId, staffEntry } from './counter/state.ts';

/** The hall's names of the staff keys (呼叫 call, 完成 complete …), by what each key does. */
export const STAFF_KEY_LABELS: Record<string, string> = {
  call: '呼叫', complete: '完成', recall: '重呼', skip: '过号', pause: '暂停', away: '离岗',
  reprint: '补打', supervision_card: '监督卡', service_guide: '服务指南',
};

export interface StaffKey { key: string; does: string; label: string }

/** Every staff key from config (counter.staff_keys and service.*.staff_keys): the key name and what it does. */
export function staffKeys(config: Pick<Config, 'counter' | 'service'>): StaffKey[] {
  const k = config.counter.staff_keys;
  const pairs: Array<[string, string]> = [
    ...Object.entries(config.service.cases.staff_keys), ['pause', k.pause], ['away', k.away],
    ...Object.entries(config.service.papers.staff_keys),
  ];
  return pairs.map(([does, key]) => ({ key, does, label: STAFF_KEY_LABELS[does] ?? does }));
}

export interface CounterView {
  window: { id: string; name: string; number?: string; state: string; since: string | null; staff: { id: string; name: string; job_number: string } | null };
  roster: Array<{ id: string; name: string; job_number: string; on_leave: boolean }>;
  staff_keys: Array<{ key: string; label: string }>;
  eval_keys: Array<{ key: string; label: string; satisfaction: number }>;
  invitation: { case_id: string; stage: number; expires_at: string } | null;
  case: { ticket: string; case_id: string; item_name: string | null; started_at: string } | null;
  away: { staff_id: string; reason: string; label: string; contact: string; since: string; return_at: string; escalated: boolean; overdue_count: number } | null;
  pause: { staff_id: string | null; reason: string | null; label: string | null; redirect_window: string; since: string; approval: string } | null;
  link_online: boolean;
}

export function counterView(s: RulesState, env: RulesEnv, config: Pick<Config, 'counter' | 'service'>): CounterView {
  const p = s.presence;
  const off = env.presence.window.utc_offset_minutes;
  const iso = (ms: number) => isoWithOffset(ms, off);
  const id = servingStaffId(p);
  const who = staffEntry(p, env.presence, id);
  const today = p.day?.date ?? '';
  const number = /^\d+$/.test(env.presence.window.id) ? env.presence.window.id : undefined;
  const inv = s.service.evaluation.invitation;
  const cur = s.service.cases.current;
  const a = id ? awayOf(p, id) : p.aways[0];
  const pause = p.pause;
  return {
    window: {
      id: env.presence.window.id, name: env.presence.window.name, ...(number ? { number } : {}),
      state: p.window.state, since: p.window.since_ms ? iso(p.window.since_ms) : null,
      staff: id ? { id, name: who?.name ?? id, job_number: who?.job_number ?? id } : null,
    },
    roster: rosterOf(p, env.presence).map((e) => ({ id: e.staff_id, name: e.name, job_number: e.job_number, on_leave: today !== '' && onLeave(p, e.staff_id, today) })),
    staff_keys: staffKeys(config).map(({ key, label }) => ({ key, label })),
    eval_keys: resolveLevels(config.service.evaluation).map((l) => ({ key: l.key, label: l.label, satisfaction: l.satisfaction })),
    invitation: inv ? { case_id: inv.case.caseId, stage: inv.case.stage, expires_at: iso(inv.expiresAt) } : null,
    case: cur ? { ticket: cur.ticket, case_id: cur.caseId, item_name: cur.itemName ?? null, started_at: iso(cur.calledAt.wallMs) } : null,
    away: a ? { staff_id: a.staff_id, reason: a.reason, label: a.label, contact: a.contact, since: iso(a.start_ms), return_at: iso(a.return_ms), escalated: a.escalated, overdue_count: a.overdue_count } : null,
    pause: pause ? { staff_id: pause.staff_id ?? null, reason: pause.reason ?? null, label: pause.label ?? null, redirect_window: pause.redirect_window, since: iso(pause.start_ms), approval: pause.approval } : null,
    link_online: p.link.online,
  };
}

/** The latest view and who listens (the simulator's event stream); one per app, passed in. */
export class CounterViewFeed {
  private view: CounterView | undefined;
  private readonly listeners = new Set<(v: CounterView) => void>();
  private json = '';

  current(): CounterView | undefined { return this.view; }

  /** Tells the listeners only when the view changed. */
  set(v: CounterView): void {
    const json = JSON.stringify(v);
    if (json === this.json) return;
    this.json = json;
    this.view = v;
    for (const fn of this.listeners) fn(v);
  }

  on(fn: (v: CounterView) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }
}
