/**
 * "A visible rise in success": what the demo benchmark (npm run bench -- --demo) times. Pure, so the
 * definition is tested and written once: the page's success chart shows per-step training success
 * and greedy test evaluations, and a lecturer sees a rise when either clearly beats where the run started.
 */
import type { EvaluationEntry, StepEntry } from './run';

export interface RiseOptions {
  /** Trailing window over training success (steps); default 5. */
  window?: number;
  /** Required gain over the baseline (absolute success); default 0.1 (10 points). */
  margin?: number;
}

export interface FirstRise {
  /** Success at the start: the step-0 test evaluation, else the first RL step's training success. */
  baseline: number | null;
  /** First RL step whose trailing mean of training success (full window) beats the baseline by the margin. */
  trainStep: number | null;
  /** First evaluation after step 0 that beats the step-0 evaluation by the margin. */
  evalStep: number | null;
}

export function firstRise(steps: readonly StepEntry[], evaluations: readonly EvaluationEntry[], options: RiseOptions = {}): FirstRise {
  const window = options.window ?? 5;
  const margin = options.margin ?? 0.1;
  const step0 = evaluations.find((e) => e.step === 0);
  const baseline = step0 ? step0.success : steps.length ? steps[0].metrics.success : null;
  let trainStep: number | null = null;
  if (baseline !== null) {
    for (let i = window - 1; i < steps.length; i++) {
      const mean = steps.slice(i - window + 1, i + 1).reduce((a, s) => a + s.metrics.success, 0) / window;
      if (mean >= baseline + margin - 1e-12) {
        trainStep = steps[i].step;
        break;
      }
    }
  }
  const evalStep = step0 ? (evaluations.find((e) => e.step > 0 && e.success >= step0.success + margin - 1e-12)?.step ?? null) : null;
  return { baseline, trainStep, evalStep };
}
