import { describe, expect, it } from 'vitest';
import { firstRise } from './first-rise';
import type { EvaluationEntry } from './run';

const steps = (xs: number[]) => xs.map((success, i) => ({ step: i + 1, metrics: { success } }));
const ev = (step: number, success: number): EvaluationEntry => ({ step, split: 'test', persona: 'p', episodes: 32, success, return: 0, turns: 1, per_task: {} });

describe('firstRise', () => {
  it('finds the first full window whose mean beats the step-0 evaluation by the margin', () => {
    // baseline 0.2; means of 5: steps 1-5 = 0.2, 2-6 = 0.24, 3-7 = 0.3 -> step 7.
    const r = firstRise(steps([0.2, 0.2, 0.2, 0.2, 0.2, 0.4, 0.5, 0.1]), [ev(0, 0.2), ev(10, 0.25), ev(20, 0.35)]);
    expect(r).toEqual({ baseline: 0.2, trainStep: 7, evalStep: 20 });
  });

  it('uses the first step when there is no step-0 evaluation, and says null when success never rises', () => {
    expect(firstRise(steps([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), [])).toEqual({ baseline: 0.5, trainStep: null, evalStep: null });
    expect(firstRise([], [])).toEqual({ baseline: null, trainStep: null, evalStep: null });
    expect(firstRise(steps([0, 1, 1]), [ev(0, 0)], { window: 2, margin: 0.5 }).trainStep).toBe(2);
  });
});
