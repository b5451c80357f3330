import { describe, expect, it } from 'vitest';
import { learningRateAt } from './trainer';

describe('learning-rate schedule (lrSchedule, warmupSteps)', () => {
  const base = { lr: 1, steps: 10, warmupSteps: 0 };
  it('constant (the reference) stays at lr', () => {
    expect([0, 5, 9, 20].map((i) => learningRateAt({ ...base, lrSchedule: 'constant' }, i))).toEqual([1, 1, 1, 1]);
  });
  it('warms up linearly, then decays from lr: linear to lr / span at the last step, cosine towards 0', () => {
    const linear = { ...base, warmupSteps: 2, lrSchedule: 'linear' as const };
    expect([0, 1, 2, 5, 9].map((i) => learningRateAt(linear, i))).toEqual([0.5, 1, 1, 1 - 3 / 8, 1 / 8]);
    const cosine = { ...base, warmupSteps: 2, lrSchedule: 'cosine' as const };
    expect(learningRateAt(cosine, 2)).toBe(1);
    expect(learningRateAt(cosine, 6)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(cosine, 9)).toBeCloseTo(0.5 * (1 + Math.cos((Math.PI * 7) / 8)), 12);
    expect(learningRateAt(cosine, 30)).toBeCloseTo(0, 12);
  });
});
