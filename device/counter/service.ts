// The service families composed in their fixed order: cases, then evaluation (which hears what
// the cases did), then papers (which hears the case and a 差评's slip). counter.ts calls this as
// one family: stepService(state, input, env) → { state, outputs }, nextServiceDeadline(state).
import type { CounterInput, CounterOutput, StepResult } from './types.ts';
import type { ServiceEnv } from './service-env.ts';
import { initialCasesState, nextCasesDeadline, stepCases, type CasesState } from './cases.ts';
import { initialEvaluationState, nextEvaluationDeadline, stepEvaluation, type EvaluationState } from './evaluation.ts';
import { initialPapersState, nextPapersDeadline, stepPapers, type PapersState } from './papers.ts';

export interface ServiceState {
  cases: CasesState;
  evaluation: EvaluationState;
  papers: PapersState;
}

export const initialServiceState = (): ServiceState => ({ cases: initialCasesState(), evaluation: initialEvaluationState(), papers: initialPapersState() });

export function stepService(state: ServiceState, input: CounterInput, env: ServiceEnv): StepResult<ServiceState> {
  const c = stepCases(state.cases, input, env);
  // A refused command changes no state and emits nothing else (types.ts RejectOutput).
  if (c.outputs.some((o) => o.kind === 'reject')) return { state, outputs: c.outputs.filter((o) => o.kind === 'reject') };
  const e = stepEvaluation(state.evaluation, input, env, { ...(c.started ? { started: c.started } : {}), ...(c.ended ? { ended: c.ended } : {}) });
  const p = stepPapers(state.papers, input, env, {
    ...(c.state.current ? { current: c.state.current } : {}),
    ...(c.ended ? { ended: c.ended.record } : {}),
    ...(e.slip ? { slip: e.slip } : {}),
  });
  const rejected = p.outputs.filter((o) => o.kind === 'reject');
  if (rejected.length) return { state, outputs: rejected };
  const outputs: CounterOutput[] = [...c.outputs, ...e.outputs, ...p.outputs];
  return { state: { cases: c.state, evaluation: e.state, papers: p.state }, outputs };
}

export function nextServiceDeadline(state: ServiceState): number | undefined {
  const t = [nextCasesDeadline(state.cases), nextEvaluationDeadline(state.evaluation), nextPapersDeadline(state.papers)].filter((x): x is number => x !== undefined);
  return t.length ? Math.min(...t) : undefined;
}
