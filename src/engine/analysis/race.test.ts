import { describe, expect, it } from 'vitest';
import { curveArea, raceVerdict } from './race';
import type { EvaluationEntry } from '../run';

const entry = (step: number, successes: string): EvaluationEntry => {
  const success = [...successes].filter((c) => c === '1').length / successes.length;
  return { step, split: 'test', persona: 'cooperative', success, return: success, turns: 3, episodes: successes.length, per_task: {}, successes };
};

describe('area under the test curve', () => {
  it('is the trapezoid mean over the evaluation steps (worked by hand)', () => {
    // steps 0, 10, 30 with success 0.2, 0.6, 1.0: (10 * (0.2 + 0.6) / 2 + 20 * (0.6 + 1.0) / 2) / 30 = (4 + 16) / 30
    expect(curveArea([{ step: 0, success: 0.2 }, { step: 10, success: 0.6 }, { step: 30, success: 1 }])).toBeCloseTo(20 / 30, 12);
    expect(curveArea([{ step: 5, success: 0.4 }])).toBe(0.4);
    expect(curveArea([])).toBeNaN();
    expect(() => curveArea([{ step: 3, success: 0 }, { step: 3, success: 1 }])).toThrow(/increase/);
  });
});

describe('race verdict (paired by test episode)', () => {
  const infopo = [entry(0, '0010010000'), entry(10, '1110110100'), entry(20, '1111111110')];
  const grpo = [entry(0, '0010010000'), entry(10, '0110010000'), entry(20, '1111011100')];
  it('its area difference is the difference of the two areas, its interval over episodes holds it', () => {
    const v = raceVerdict(infopo, grpo, { resamples: 2000 })!;
    expect(v.episodes).toBe(10);
    expect(v.steps).toEqual([0, 10, 20]);
    expect(v.areaDifference.mean).toBeCloseTo(curveArea(infopo) - curveArea(grpo), 12);
    expect(v.lastDifference.mean).toBeCloseTo(0.9 - 0.7, 12);
    expect(v.areaDifference.ci95[0]).toBeLessThanOrEqual(v.areaDifference.mean);
    expect(v.areaDifference.ci95[1]).toBeGreaterThanOrEqual(v.areaDifference.mean);
    expect(v.a).toEqual({ area: curveArea(infopo), first: 0.2, last: 0.9 });
  });
  it('is null when the runs cannot be paired', () => {
    expect(raceVerdict(infopo, grpo.slice(0, 2))).toBeNull();
    expect(raceVerdict(infopo, [entry(0, '0010010000'), entry(15, '0110010000'), entry(20, '1111011100')])).toBeNull();
    expect(raceVerdict(infopo, grpo.map(({ successes: _, ...rest }) => rest))).toBeNull();
    expect(raceVerdict(infopo, [entry(0, '00100'), entry(10, '01100'), entry(20, '11110')])).toBeNull();
  });
});
