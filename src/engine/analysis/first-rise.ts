/**
 * "A visible rise in success": what the demo benchmark (npm run bench -- --demo) times. Pure, so the
 * definition is tested and written once: the page's success chart shows per-step training success
 * and greedy test evaluations, and a lecturer sees a rise when either clearly beats where the run started.
 */
import type { EvaluationEntry, Metrics } from '../run';
import { mean, movingAverage } from './stats';

export interface RiseOptions {
  /** Trailing window over training success (steps); default 5. */
  window?: number;
  /** Required gain over the baseline (absolute success); default 0.1 (10 points). */
  margin?: number;
}

export interface FirstRise {
  /** Training success at the start: the mean over the first `window` RL steps (sampled rollouts). */
  trainBaseline: number | null;
  /** First RL step whose trailing `window`-step mean of training success beats trainBaseline by the margin. */
  trainStep: number | null;
  /** Test success at the start: the step-0 evaluation (greedy). */
  evalBaseline: number | null;
  /** First evaluation after step 0 that beats the step-0 evaluation by the margin. */
  evalStep: number | null;
}

/**
 * Training success (sampled) and test success (greedy) are compared each with its own start: greedy
 * decoding usually scores higher than sampling, so one baseline for both would hide or fake a rise.
 */
export function firstRise(steps: readonly { step: number; metrics: Partial<Metrics> }[], evaluations: readonly Pick<EvaluationEntry, 'step' | 'success'>[], options: RiseOptions = {}): FirstRise {
  const window = options.window ?? 5;
  const margin = options.margin ?? 0.1;
  const success = steps.map((s) => s.metrics.success ?? NaN);
  const trainBaseline = steps.length >= window ? mean(success.slice(0, window)) : null;
  let trainStep: number | null = null;
  if (trainBaseline !== null) {
    const trailing = movingAverage(success, window);
    const i = trailing.findIndex((m, k) => k >= window && m >= trainBaseline + margin - 1e-12);
    trainStep = i >= 0 ? steps[i].step : null;
  }
  const step0 = evaluations.find((e) => e.step === 0);
  const evalStep = step0 ? (evaluations.find((e) => e.step > 0 && e.success >= step0.success + margin - 1e-12)?.step ?? null) : null;
  return { trainBaseline, trainStep, evalBaseline: step0?.success ?? null, evalStep };
}
