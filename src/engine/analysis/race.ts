/**
 * Two runs compared episode by episode: the race's verdict and the demo study's measure. Both runs
 * are evaluated on the same test episodes (same evalSeed and evaluation steps), so episode i of
 * every evaluation is the same instance and user in both: the difference is paired per episode.
 *
 * The measure is the area under the test curve: the mean test success over the run, the
 * trapezoid over its evaluation steps divided by their span. It rewards learning sooner, which is
 * what the paper claims for InfoPO where groups are tied, and it is linear in the episodes'
 * outcomes, so its per-episode values (an episode's own trapezoid of 0/1 successes) resample.
 */
import { estimateMean, type BootstrapOptions, type Estimate } from './stats';
import type { EvaluationEntry } from '../run';

/** Trapezoid weights of the evaluation steps, summing to 1 (one evaluation: weight 1). */
function trapezoidWeights(steps: readonly number[]): number[] {
  if (steps.length === 1) return [1];
  const span = steps[steps.length - 1] - steps[0];
  if (!(span > 0)) throw new Error(`curve area: evaluation steps must increase, got ${steps.join(', ')}`);
  return steps.map((_, i) => ((i > 0 ? steps[i] - steps[i - 1] : 0) + (i + 1 < steps.length ? steps[i + 1] - steps[i] : 0)) / (2 * span));
}

/** Mean test success over the evaluations (trapezoid over their steps): the area under the test curve. */
export function curveArea(evaluations: readonly Pick<EvaluationEntry, 'step' | 'success'>[]): number {
  if (!evaluations.length) return NaN;
  const w = trapezoidWeights(evaluations.map((e) => e.step));
  return evaluations.reduce((a, e, i) => a + w[i] * e.success, 0);
}

export interface RaceVerdict {
  steps: number[];
  episodes: number;
  /** Per run: area under the test curve, first and last test success. */
  a: { area: number; first: number; last: number };
  b: { area: number; first: number; last: number };
  /** a - b, paired by episode, with the bootstrap interval over episodes (within this pair of runs). */
  areaDifference: Estimate;
  lastDifference: Estimate;
}

/**
 * Compare two runs' test curves episode by episode. Null when they cannot be paired: different
 * evaluation steps or episode counts, or an evaluation without per-episode successes (older records).
 */
export function raceVerdict(a: readonly EvaluationEntry[], b: readonly EvaluationEntry[], options: BootstrapOptions = {}): RaceVerdict | null {
  const steps = a.map((e) => e.step);
  if (!a.length || a.length !== b.length || b.some((e, i) => e.step !== steps[i])) return null;
  const n = a[0].successes?.length ?? 0;
  if (n === 0 || [...a, ...b].some((e) => e.successes?.length !== n)) return null;
  const w = trapezoidWeights(steps);
  const perEpisode = (evals: readonly EvaluationEntry[], i: number) => evals.reduce((acc, e, k) => acc + w[k] * (e.successes![i] === '1' ? 1 : 0), 0);
  const area: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < n; i++) {
    area.push(perEpisode(a, i) - perEpisode(b, i));
    last.push((a.at(-1)!.successes![i] === '1' ? 1 : 0) - (b.at(-1)!.successes![i] === '1' ? 1 : 0));
  }
  const summary = (evals: readonly EvaluationEntry[]) => ({ area: curveArea(evals), first: evals[0].success, last: evals.at(-1)!.success });
  return { steps, episodes: n, a: summary(a), b: summary(b), areaDifference: estimateMean(area, options), lastDifference: estimateMean(last, options) };
}
