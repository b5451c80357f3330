import { describe, expect, it } from 'vitest';
import { firstRise } from './first-rise';
import type { EvaluationEntry } from '../run';

const steps = (xs: number[]) => xs.map((success, i) => ({ step: i + 1, metrics: { success } }));
const ev = (step: number, success: number): EvaluationEntry => ({ step, split: 'test', persona: 'p', episodes: 32, success, return: 0, turns: 1, per_task: {} });

describe('firstRise', () => {
  it('training: first later 5-step mean 0.10 above the first five steps; test: first evaluation 0.10 above step 0', () => {
    // first five: mean 0.2; windows ending at 6: 0.24, 7: 0.3 -> step 7. Evaluations: 0.6 at 0, 0.65, 0.7.
    const r = firstRise(steps([0.2, 0.2, 0.2, 0.2, 0.2, 0.4, 0.5, 0.1]), [ev(0, 0.6), ev(10, 0.65), ev(20, 0.7)]);
    expect(r).toEqual({ trainBaseline: 0.2, trainStep: 7, evalBaseline: 0.6, evalStep: 20 });
  });

  it('compares sampled training success with its own start, not with the greedy evaluation', () => {
    // Greedy step 0 = 0.75 is far above sampled training success, which still rises by 0.2.
    const r = firstRise(steps([0.3, 0.3, 0.3, 0.3, 0.3, 0.5, 0.5, 0.5, 0.5, 0.5]), [ev(0, 0.75)]);
    expect(r.trainStep).toBe(8); // steps 4-8: mean 0.42 >= 0.3 + 0.1
    expect(r.evalStep).toBeNull();
  });

  it('null when there are too few steps or success never rises', () => {
    expect(firstRise(steps([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), [])).toEqual({ trainBaseline: 0.5, trainStep: null, evalBaseline: null, evalStep: null });
    expect(firstRise(steps([1, 1]), [])).toEqual({ trainBaseline: null, trainStep: null, evalBaseline: null, evalStep: null });
    expect(firstRise(steps([0, 0, 1, 1]), [], { window: 2, margin: 0.5 }).trainStep).toBe(3);
  });
});
