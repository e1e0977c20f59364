// Config section `service`: the rules of cases (办件), evaluation (好差评) and printed papers at a
// window (domain.md §4, §5, §8). config/schema.ts composes it; device/counter/ reads it.
import { Type, type Static } from '@sinclair/typebox';

const KeyName = Type.String({ pattern: '^[a-z][a-z0-9_]*$' });
const WorkingDays = (def: number, description: string) => Type.Integer({ minimum: 1, maximum: 120, default: def, description });

export const CasesConfigSchema = Type.Object({
  staff_keys: Type.Object({
    call: KeyName, recall: KeyName, complete: KeyName, skip: KeyName,
  }, { default: { call: 'call', recall: 'recall', complete: 'complete', skip: 'skip' }, additionalProperties: false, description: 'Staff key names for 呼叫, 重呼, 完成, 过号.' }),
  max_recalls: Type.Integer({ minimum: 0, maximum: 20, default: 3, description: 'Recalls (重呼) allowed per ticket; more are refused (queue systems cap them, domain.md §8).' }),
}, { default: {}, additionalProperties: false });

export const EvaluationLevelSchema = Type.Object({
  key: KeyName,
  label: Type.String({ minLength: 1, maxLength: 20, description: 'e.g. 非常满意' }),
  satisfaction: Type.Integer({ minimum: 1, maximum: 5, description: 'The national 好差评 value 5 (非常满意) … 1 (非常不满意).' }),
}, { additionalProperties: false });

export const ComplaintReasonSchema = Type.Object({
  key: KeyName,
  code: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$', description: 'Reason code sent to the provincial interface.' }),
  label: Type.String({ minLength: 1, maxLength: 30 }),
}, { additionalProperties: false });

export const EvaluationConfigSchema = Type.Object({
  scale: Type.Union([Type.Literal('hall4'), Type.Literal('national5')], { default: 'hall4', description: 'hall4 = 非常满意/满意/基本满意/不满意 (5/4/3/2); national5 = 非常满意 … 非常不满意 (5…1).' }),
  levels: Type.Optional(Type.Array(EvaluationLevelSchema, { minItems: 2, maxItems: 5, description: 'Own level set instead of the scale preset (keys must be buttons.keys).' })),
  invite_timeout_ms: Type.Integer({ minimum: 5000, maximum: 600_000, default: 60_000, description: 'An invitation not answered this long ends with evaluation.expired (no level).' }),
  thanks_ms: Type.Integer({ minimum: 500, maximum: 30_000, default: 3000, description: 'How long the thanks feedback shows.' }),
  burst_presses: Type.Integer({ minimum: 2, maximum: 20, default: 3, description: 'This many presses within burst_window_ms are flagged as possible misuse.' }),
  burst_window_ms: Type.Integer({ minimum: 100, maximum: 60_000, default: 2000 }),
  after_staff_key_ms: Type.Integer({ minimum: 0, maximum: 60_000, default: 1500, description: 'A press this soon after a staff key is flagged (staff rating themselves, 刷好评).' }),
  prompts: Type.Object({
    invite: Type.String({ default: '您好，请对本次服务进行评价' }),
    thanks: Type.String({ default: '感谢您的评价' }),
    reason: Type.String({ default: '请选择不满意的原因' }),
  }, { default: {}, additionalProperties: false }),
  complaint: Type.Object({
    phone: Type.String({ default: '', description: 'Complaint phone printed on the slip (投诉电话).' }),
    answer_working_days: WorkingDays(3, 'A complaint is answered within this many working days (002: 3).'),
    fix_working_days: WorkingDays(15, 'The problem of a 差评 is fixed within this many working days (Sichuan, Yunnan: 15).'),
    reasons: Type.Array(ComplaintReasonSchema, { default: [], maxItems: 5, description: 'Keys that give a reason after a 差评 (empty = no reason step).' }),
    reason_timeout_ms: Type.Integer({ minimum: 2000, maximum: 120_000, default: 20_000 }),
    print_slip: Type.Boolean({ default: true, description: 'Print a follow-up slip (complaint phone, answer and fix dates, call-back QR) after a 差评.' }),
    callback_url: Type.String({ default: '', maxLength: 300, description: 'QR target for a call-back request; {case_id} and {window_id} are filled in. Empty = no QR.' }),
  }, { default: {}, additionalProperties: false }),
}, { default: {}, additionalProperties: false });

export const PapersConfigSchema = Type.Object({
  templates_dir: Type.Optional(Type.String({ description: 'Directory of paper templates (*.yaml); default: the set shipped in config/templates/.' })),
  agency: Type.String({ default: '', maxLength: 40, description: 'Issuing agency prefix of notice numbers, e.g. 某某政务受字 → 某某政务受字〔2026〕第0012号.' }),
  serial_digits: Type.Integer({ minimum: 1, maximum: 8, default: 4 }),
  contact_phone: Type.String({ default: '', description: 'Phone printed on receipts (000: 联系电话).' }),
  supervision_phone: Type.String({ default: '', description: 'Supervision phone (监督电话) on the supervision card.' }),
  keep_snapshots: Type.Integer({ minimum: 10, maximum: 5000, default: 200, description: 'Issued papers kept for exact reprints (补打).' }),
  staff_keys: Type.Object({
    reprint: KeyName, supervision_card: KeyName, service_guide: KeyName,
  }, { default: { reprint: 'reprint', supervision_card: 'supervision_card', service_guide: 'service_guide' }, additionalProperties: false }),
}, { default: {}, additionalProperties: false });

export const ServiceConfigSchema = Type.Object({
  cases: CasesConfigSchema,
  evaluation: EvaluationConfigSchema,
  papers: PapersConfigSchema,
}, { default: {}, additionalProperties: false, description: 'Cases, evaluation and printed papers at the window.' });

export type ServiceConfig = Static<typeof ServiceConfigSchema>;
export type CasesConfig = Static<typeof CasesConfigSchema>;
export type EvaluationConfig = Static<typeof EvaluationConfigSchema>;
export type PapersConfig = Static<typeof PapersConfigSchema>;
export type EvaluationLevel = Static<typeof EvaluationLevelSchema>;

const PRESET_KEYS = {
  hall4: ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied'],
  national5: ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied'],
} as const;

/**
 * Rules the schema cannot say, with key paths: every level and reason key is a button that exists
 * (buttons.keys), levels are unique and best first, staff keys do not collide. For the loader's
 * semantic checks (config/loader.ts).
 */
export function validateServiceConfig(s: ServiceConfig, buttonKeys: readonly string[]): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const e = s.evaluation;
  const levelKeys: readonly string[] = e.levels ? e.levels.map((l) => l.key) : PRESET_KEYS[e.scale];
  const where = e.levels ? 'service.evaluation.levels' : 'service.evaluation.scale';
  const missing = levelKeys.filter((k) => !buttonKeys.includes(k));
  if (missing.length) out.push({ path: where, message: `level keys ${missing.join(', ')} are not in buttons.keys (${buttonKeys.join(', ')}): citizens could not give those ratings` });
  if (e.levels) {
    if (new Set(levelKeys).size !== levelKeys.length) out.push({ path: 'service.evaluation.levels', message: 'a key appears twice' });
    const sat = e.levels.map((l) => l.satisfaction);
    if (sat.some((v, i) => i > 0 && v >= sat[i - 1]!)) out.push({ path: 'service.evaluation.levels', message: 'levels go best first with falling satisfaction (5 … 1)' });
  }
  e.complaint.reasons.forEach((r, i) => {
    if (!buttonKeys.includes(r.key)) out.push({ path: `service.evaluation.complaint.reasons.${i}.key`, message: `${r.key} is not in buttons.keys` });
  });
  const staff = [...Object.values(s.cases.staff_keys), ...Object.values(s.papers.staff_keys)];
  const twice = staff.filter((k, i) => staff.indexOf(k) !== i);
  if (twice.length) out.push({ path: 'service.papers.staff_keys', message: `staff key ${twice.join(', ')} is used for two things (service.cases.staff_keys and service.papers.staff_keys)` });
  return out;
}
