// Shared by the counter-cases/evaluation/papers tests: a small explicit working-day calendar, the
// service env, inputs at given times, and the printed text of a document decoded from its ESC/POS
// bytes by the printer emulator (not from the document model).
import { Value } from '@sinclair/typebox/value';
import { ServiceConfigSchema, type ServiceConfig } from '../../config/schema-service.ts';
import type { TimeQuality } from '../../core/clock.ts';
import { encodeDocument } from '../../drivers/printer/escpos.ts';
import { EscPosEmulator } from '../../drivers/printer/emulator.ts';
import type { PrintDocument } from '../../drivers/printer/document.ts';
import type { At, CounterInput, CounterOutput, LocalDate, WorkingCalendar } from '../../device/counter/types.ts';
import type { ServiceEnv, StaffInfo } from '../../device/counter/service-env.ts';
import { loadPaperTemplates } from '../../device/paper-templates-files.ts';
import type { PaperTemplate } from '../../device/counter/paper-templates.ts';

/**
 * 2026 holidays and swapped working days (调休) as published by the State Council (国务院办公厅关于
 * 2026年部分节假日安排的通知), typed in: 元旦 1/1–3 (1/4 上班); 春节 2/15–23 (2/14, 2/28 上班);
 * 清明 4/4–6; 劳动节 5/1–5 (5/9 上班); 端午 6/19–21; 中秋 9/25–27; 国庆 10/1–7 (9/20, 10/10 上班).
 */
const range = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};
const HOLIDAYS_2026 = new Set([
  ...range('2026-01-01', '2026-01-03'), ...range('2026-02-15', '2026-02-23'), ...range('2026-04-04', '2026-04-06'),
  ...range('2026-05-01', '2026-05-05'), ...range('2026-06-19', '2026-06-21'), ...range('2026-09-25', '2026-09-27'),
  ...range('2026-10-01', '2026-10-07'),
]);
const SWAPPED_WORKDAYS_2026 = new Set(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);

export const testCalendar: WorkingCalendar = {
  isWorkingDay(date: LocalDate): boolean {
    if (SWAPPED_WORKDAYS_2026.has(date)) return true;
    if (HOLIDAYS_2026.has(date)) return false;
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    return dow !== 0 && dow !== 6;
  },
  addWorkingDays(date: LocalDate, n: number): LocalDate {
    let t = Date.parse(`${date}T00:00:00Z`);
    for (let left = n; left > 0;) {
      t += 86_400_000;
      if (this.isWorkingDay(new Date(t).toISOString().slice(0, 10))) left--;
    }
    return new Date(t).toISOString().slice(0, 10);
  },
  hasYear: (year: number) => year === 2026,
};

export const serviceConfig = (over: Record<string, unknown> = {}): ServiceConfig => Value.Default(ServiceConfigSchema, structuredClone(over)) as ServiceConfig;

export const staffWang: StaffInfo = { id: 'S0123', name: '王敏', jobNumber: '0123' };

let templates: Map<string, PaperTemplate> | undefined;
export async function defaultTemplates(): Promise<Map<string, PaperTemplate>> {
  templates ??= await loadPaperTemplates();
  return templates;
}

export function makeEnv(t: Map<string, PaperTemplate>, over: Partial<ServiceEnv> = {}): ServiceEnv {
  return {
    config: serviceConfig({
      papers: { agency: '某市政务受字', contact_phone: '0871-6000000', supervision_phone: '0871-6000001' },
      evaluation: { complaint: { phone: '12345', callback_url: 'https://hall.example/cb?case={case_id}' } },
    }),
    calendar: testCalendar,
    window: { id: 'A07', name: '综合受理窗口', utcOffsetMinutes: 480 },
    staff: staffWang,
    templates: t,
    ...over,
  };
}

/** A moment given as Beijing local time; mono follows wall (a test day has no clock steps). */
export function at(local: string, quality: TimeQuality = 'ntp'): At {
  const wallMs = Date.parse(`${local}+08:00`);
  return { wallMs, monoMs: wallMs - Date.parse('2026-01-01T00:00:00+08:00'), quality };
}

export const key = (local: string, k: string, q?: TimeQuality): CounterInput => ({ kind: 'evalKey', at: at(local, q), key: k });
export const staffKey = (local: string, k: string, q?: TimeQuality): CounterInput => ({ kind: 'staffKey', at: at(local, q), key: k });
export const tick = (local: string): CounterInput => ({ kind: 'tick', at: at(local) });
let cmdSeq = 0;
export const command = (local: string, name: string, payload: Record<string, unknown>): CounterInput => ({ kind: 'command', at: at(local), name, cmdId: `c${++cmdSeq}`, payload });

/** Events only, as `type` plus the fields a test names. */
export const events = (outputs: CounterOutput[]) => outputs.flatMap((o) => (o.kind === 'event' ? [o.event] : []));
export const types = (outputs: CounterOutput[]) => outputs.map((o) => (o.kind === 'event' ? o.event.type : o.kind));

/** The paper as printed: ESC/POS bytes from the encoder, decoded back by the emulator (58 mm, 32 columns). */
export function printedLines(doc: PrintDocument): string[] {
  const emu = new EscPosEmulator();
  emu.receive(encodeDocument(doc, { cols: 32, dots: 384, cut: 'partial', feedBeforeCut: 1, qrMode: 'native', rasterChars: '' }));
  return emu.lines();
}
