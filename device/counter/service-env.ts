// What the case, evaluation and paper rules need from the rest of the counter, passed in (never
// imported from the window's state): the window, who is clocked in, the calendar and the config.
import type { ServiceConfig } from '../../config/schema-service.ts';
import type { At, WorkingCalendar } from './types.ts';
import type { PaperTemplate } from './paper-templates.ts';

/** The window's sign (window.id / window.name in config). */
export interface WindowInfo {
  id: string;
  name: string;
  /** Offset of the hall's local time (Beijing +08:00 = 480). */
  utcOffsetMinutes: number;
}

/** The staff member at the window now (from the roster and attendance), as the center sent them. */
export interface StaffInfo {
  id: string;
  name: string;
  /** 工号 printed on papers (首问负责制); defaults to the id. */
  jobNumber?: string;
}

export interface ServiceEnv {
  config: ServiceConfig;
  calendar: WorkingCalendar;
  window: WindowInfo;
  /** Undefined while nobody is clocked in at the window. */
  staff: StaffInfo | undefined;
  /** Paper templates by kind (parsed and validated by paper-templates.ts). */
  templates: ReadonlyMap<string, PaperTemplate>;
}

/** One case (办件) at the window, from the call to its end. */
export interface CaseRecord {
  caseId: string;
  ticket: string;
  itemCode?: string;
  itemName?: string;
  /** The item has a promised completion deadline (承诺件): rated at acceptance and at completion. */
  promised: boolean;
  /** 1 = the visit that accepts the case (or the only one), 2 = the visit that completes a promised case. */
  stage: 1 | 2;
  source: 'key' | 'queue';
  staffId?: string;
  staffName?: string;
  /** 工号 of that staff member, for papers printed after they left. */
  staffJobNumber?: string;
  calledAt: At;
  /** Waiting before the call, when known (from the queue system). */
  waitingMs?: number;
  /** Whether waitingMs came from our own wall clock (then its quality is ours) or the queue system. */
  waitingFrom?: 'queue' | 'wall';
  recalls: number;
}

const QUALITY_RANK = { unsynced: 0, rtc: 1, ntp: 2 } as const;
export type Quality = keyof typeof QUALITY_RANK;
/** The weaker of two time qualities: a duration is only as trustworthy as its worse end. */
export const worstQuality = (a: Quality, b: Quality): Quality => (QUALITY_RANK[a] <= QUALITY_RANK[b] ? a : b);
