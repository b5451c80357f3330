import { describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { bootstrapInterval, correlationWithInterval, estimateMean, mean, median, movingAverage, pairedDifference, pearson, quantileSorted, stdUnbiased, signOfInterval, stepsToThreshold } from './stats';

const sample = (n: number, seed: number, p = 0.5) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => (rng.next() < p ? 1 : 0) + 0.1 * rng.next());
};

describe('descriptive statistics (hand-computed)', () => {
  it('mean, standard deviation and quantiles', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(stdUnbiased([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(stdUnbiased([7])).toBe(0);
    expect(Number.isNaN(mean([]))).toBe(true);
    expect(mean([], 0)).toBe(0);
    // R type 7: h = (n-1) q = 0.75 -> 1 + 0.75 * (2 - 1)
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
  });

  it('moving average and steps to threshold', () => {
    expect(movingAverage([1, 2, 3, 4], 2)).toEqual([1, 1.5, 2.5, 3.5]);
    expect(movingAverage([1, 2, 3], 1)).toEqual([1, 2, 3]);
    // A missing value stays missing and the window spans the values present.
    expect(movingAverage([1, 0, null, 1, 1], 2)).toEqual([1, 0.5, null, 0.5, 1]);
    // smoothed (window 2): 0, 0.1, 0.4, 0.7 -> first >= 0.5 at step 40
    expect(stepsToThreshold([10, 20, 30, 40], [0, 0.2, 0.6, 0.8], 0.5, 2)).toBe(40);
    expect(stepsToThreshold([10, 20, 30, 40], [0, 0.2, 0.6, 0.8], 0.5, 1)).toBe(30);
    expect(stepsToThreshold([10, 20, 30], [0, 0.1, 0.2], 0.5, 1)).toBeNull();
    expect(() => movingAverage([1], 0)).toThrow(/window/);
    expect(() => stepsToThreshold([1, 2], [1], 0.5)).toThrow(/2 steps but 1 values/);
  });

  it('pearson correlation', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    // dx = dy up to order: sxy = 4, sxx = syy = 5
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    expect(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]))).toBe(true);
  });
});

describe('bootstrap', () => {
  it('gives the exact percentile interval of a two-point sample', () => {
    // resampled means of [0, 1] are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4
    const ci = bootstrapInterval([0, 1], mean, { resamples: 10_000, seed: 3 });
    expect(ci).toEqual([0, 1]);
    expect(estimateMean([2, 2, 2]).ci95).toEqual([2, 2]);
  });

  it('contains the mean, shrinks with n, and repeats for a seed', () => {
    for (const n of [5, 20, 200]) {
      const xs = sample(n, n);
      const e = estimateMean(xs, { seed: 1 });
      expect(e.n).toBe(n);
      expect(e.ci95[0]).toBeLessThanOrEqual(e.mean);
      expect(e.ci95[1]).toBeGreaterThanOrEqual(e.mean);
    }
    // the same spread at every n (alternating 0 / 1): the width should fall like 1 / sqrt(n)
    const width = (n: number) => {
      const e = estimateMean(Array.from({ length: n }, (_, i) => i % 2), { seed: 1 });
      return e.ci95[1] - e.ci95[0];
    };
    expect(width(400)).toBeLessThan(width(24));
    expect(width(24)).toBeLessThan(width(6));
    expect(width(400) / width(24)).toBeCloseTo(Math.sqrt(24 / 400), 1);
    const xs = sample(30, 4);
    expect(estimateMean(xs, { seed: 9 })).toEqual(estimateMean(xs, { seed: 9 }));
    expect(estimateMean(xs, { seed: 9 }).ci95).not.toEqual(estimateMean(xs, { seed: 10 }).ci95);
  });

  it('is close to the normal interval for a large sample', () => {
    const xs = sample(2000, 5);
    const e = estimateMean(xs, { seed: 2 });
    const half = (1.96 * stdUnbiased(xs)) / Math.sqrt(xs.length);
    expect(e.ci95[0]).toBeCloseTo(e.mean - half, 2);
    expect(e.ci95[1]).toBeCloseTo(e.mean + half, 2);
  });

  it('rejects bad input', () => {
    expect(() => estimateMean([1, NaN])).toThrow(/finite/);
    expect(() => bootstrapInterval([], mean)).toThrow(/no data/);
    expect(() => bootstrapInterval([1], mean, { level: 1.5 })).toThrow(/level/);
    expect(estimateMean([]).n).toBe(0);
    const one = estimateMean([0.4]);
    expect(one.mean).toBe(0.4);
    expect(one.ci95.every(Number.isNaN)).toBe(true);
  });
});

describe('paired differences and correlation', () => {
  it('pairs by key and ignores unpaired keys', () => {
    const a = new Map([[1, 0.5], [2, 0.7], [3, 0.6]]);
    const b = new Map([[1, 0.4], [2, 0.5], [3, 0.6], [4, 0.9]]);
    const d = pairedDifference(a, b);
    expect(d.keys).toEqual([1, 2, 3]);
    expect(d.differences.map((x) => +x.toFixed(12))).toEqual([0.1, 0.2, 0]);
    expect(d.mean).toBeCloseTo(0.1, 12);
    expect(d.ci95[0]).toBeGreaterThanOrEqual(0 - 1e-12);
    expect(d.ci95[1]).toBeLessThanOrEqual(0.2 + 1e-12);
  });

  it('a consistent gain excludes zero, a null straddles it', () => {
    const seeds = [1, 2, 3, 4, 5, 6];
    const base = new Map(seeds.map((s) => [s, 0.3 + 0.02 * s]));
    const gain = new Map(seeds.map((s) => [s, 0.3 + 0.02 * s + 0.1 + (s % 2 ? 0.01 : -0.01)]));
    const noise = new Map(seeds.map((s) => [s, 0.3 + 0.02 * s + (s % 2 ? 0.03 : -0.03)]));
    expect(signOfInterval(pairedDifference(gain, base).ci95)).toBe(1);
    expect(signOfInterval(pairedDifference(base, gain).ci95)).toBe(-1);
    expect(signOfInterval(pairedDifference(noise, base).ci95)).toBe(0);
  });

  it('correlation with a cluster bootstrap interval', () => {
    const perfect = [[{ x: 1, y: 2 }, { x: 2, y: 4 }], [{ x: 3, y: 6 }], [{ x: 0, y: 0 }]];
    const c = correlationWithInterval(perfect, { resamples: 500 });
    expect(c.r).toBeCloseTo(1, 12);
    expect(c.n).toBe(4);
    expect(c.clusters).toBe(3);
    expect(c.ci95[0]).toBeCloseTo(1, 12);
    const rng = new Rng(7);
    const unrelated = Array.from({ length: 200 }, () => Array.from({ length: 4 }, () => ({ x: rng.next(), y: rng.next() < 0.5 ? 1 : 0 })));
    const u = correlationWithInterval(unrelated);
    expect(u.ci95[0]).toBeLessThan(0);
    expect(u.ci95[1]).toBeGreaterThan(0);
    expect(u.ci95[0]).toBeLessThanOrEqual(u.r);
    expect(u.ci95[1]).toBeGreaterThanOrEqual(u.r);
    // The fast path (cluster sums) gives the interval of the plain definition: resample clusters, flatten, pearson.
    const plain = bootstrapInterval(unrelated, (sample) => {
      const pts = sample.flat();
      return pearson(pts.map((p) => p.x), pts.map((p) => p.y));
    }, { resamples: 2000, seed: 5 });
    const fast = correlationWithInterval(unrelated, { resamples: 2000, seed: 5 }).ci95;
    expect(fast[0]).toBeCloseTo(plain[0], 10);
    expect(fast[1]).toBeCloseTo(plain[1], 10);
  });
});

describe('median', () => {
  it('is the middle value, the mean of the two middle ones for an even count, NaN for none; the input is not reordered', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
