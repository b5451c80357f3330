import { describe, expect, it } from 'vitest';
import { configFromPresets, experimentPlan } from '../engine';
import { fractionDone, recentStepMs, remainingMs, type ProgressInput } from './progress';

// demo-like: checkpoint, eval (32 episodes), RL 1-10, eval, RL 11-20, eval, RL 21-30, final eval.
const plan = experimentPlan(configFromPresets([], { init: 'pretrained', sftSteps: 0, steps: 30, evalEvery: 10, evalEpisodes: 32 }));

describe('progress over every phase', () => {
  it('has no ETA until every kind of work ahead is timed, then sums remaining units x time per unit', () => {
    const base: ProgressInput = { plan, index: 1, done: 0, phaseElapsedMs: 500, perUnitMs: { 'loading-checkpoint': 200, evaluation: 50 } };
    expect(plan.map((p) => p.id)).toEqual(['loading-checkpoint', 'evaluation', 'rl', 'evaluation', 'rl', 'evaluation', 'rl', 'final-evaluation']);
    expect(remainingMs(base)).toBeNull();
    // In RL step 4 of 30 at 1 s a step, evaluations 32 episodes x 50 ms.
    const rl: ProgressInput = { ...base, index: 2, done: 4, perUnitMs: { ...base.perUnitMs, rl: 1000 } };
    expect(remainingMs(rl)).toBe(6 * 1000 + 1600 + 10_000 + 1600 + 10_000 + 1600);
    // An evaluation counts down by its elapsed time and never below zero.
    expect(remainingMs({ ...rl, index: 7, done: 0, phaseElapsedMs: 600 })).toBe(1000);
    expect(remainingMs({ ...rl, index: 7, done: 0, phaseElapsedMs: 5000 })).toBe(0);
  });

  it('fraction: by time when the ETA is known, else by phases; never above 1', () => {
    const p: ProgressInput = { plan, index: 2, done: 5, phaseElapsedMs: 0, perUnitMs: {} };
    expect(fractionDone(p, 10_000)).toBeCloseTo((2 + 0.5) / 8);
    const timed: ProgressInput = { ...p, perUnitMs: { 'loading-checkpoint': 100, evaluation: 10, rl: 100 } };
    const left = remainingMs(timed)!;
    expect(fractionDone(timed, 3000)).toBeCloseTo(3000 / (3000 + left));
    expect(fractionDone({ ...timed, index: 7, phaseElapsedMs: 1e6 }, 1e6)).toBe(1);
    expect(fractionDone({ ...p, index: -1 }, 0)).toBe(0);
  });

  it('step time from the last ten intervals', () => {
    expect(recentStepMs([])).toBeNull();
    expect(recentStepMs([5])).toBeNull();
    expect(recentStepMs([0, 100, 300])).toBe(150);
    expect(recentStepMs(Array.from({ length: 20 }, (_, i) => (i < 9 ? i * 1000 : 9000 + (i - 9) * 10)))).toBe(10);
  });
});
