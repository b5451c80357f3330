/**
 * Statistics for comparing methods across seeds (`npm run replicate`): means, percentile
 * bootstrap intervals with a seeded PRNG, paired differences, steps-to-threshold and the
 * correlation of a per-dialogue quantity with success. Pure: no Node modules, no tensors.
 */
import { Rng } from '../random';

/** A mean with its 95% interval; `n` observations behind it. ci95 is [NaN, NaN] (null in JSON) when n < 2. */
export interface Estimate {
  mean: number;
  ci95: [number, number];
  n: number;
}

export interface BootstrapOptions {
  /** Bootstrap resamples (default 10,000). */
  resamples?: number;
  /** Seed of the resampling stream: the same data and seed give the same interval. */
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

/** Seed of every bootstrap in the project's analyses: the same data always give the same intervals. */
export const BOOTSTRAP_SEED = 20260;

const DEFAULTS = { resamples: 10_000, seed: BOOTSTRAP_SEED, level: 0.95 };

/**
 * Arithmetic mean; `empty` for no values (NaN by default, so an empty cell shows as missing; the
 * trainer's metrics and the advantage's pools pass 0, as the reference's numpy code yields for them).
 */
export function mean(xs: readonly number[], empty = NaN): number {
  if (xs.length === 0) return empty;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation with Bessel's correction (n - 1, as torch.std); 0 for fewer than two values. */
export function stdUnbiased(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Quantile of sorted values with linear interpolation between order statistics (R type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  if (q <= 0) return sorted[0];
  if (q >= 1) return sorted[sorted.length - 1];
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const frac = h - lo;
  return lo + 1 < sorted.length ? sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

/** The median (the mean of the two middle values for an even count); NaN for no values. */
export function median(xs: readonly number[]): number {
  return quantileSorted([...xs].sort((a, b) => a - b), 0.5);
}

function checkFinite(xs: readonly number[], what: string): void {
  for (const x of xs) if (!Number.isFinite(x)) throw new Error(`${what}: every value must be a finite number, got ${x}`);
}

/**
 * Percentile bootstrap of any statistic of a sample: resample the items with replacement
 * `resamples` times and take the (1-level)/2 and (1+level)/2 quantiles of the statistic.
 * Resamples whose statistic is not finite (e.g. a correlation of constant values) are skipped.
 */
export function bootstrapInterval<T>(items: readonly T[], statistic: (sample: T[]) => number, options: BootstrapOptions = {}): [number, number] {
  const sample: T[] = new Array(items.length);
  return bootstrapIndices(items.length, (idx) => {
    for (let i = 0; i < idx.length; i++) sample[i] = items[idx[i]];
    return statistic(sample);
  }, options);
}

/** The resampling loop behind bootstrapInterval, on indices, for statistics computed from precomputed sums. */
function bootstrapIndices(n: number, statistic: (indices: Int32Array) => number, options: BootstrapOptions): [number, number] {
  const { resamples, seed, level } = { ...DEFAULTS, ...options };
  if (n === 0) throw new Error('bootstrapInterval: no data');
  if (!(level > 0 && level < 1)) throw new Error(`bootstrapInterval: level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`bootstrapInterval: resamples must be a positive integer, got ${resamples}`);
  const rng = new Rng(seed);
  const stats: number[] = [];
  const idx = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(0, n - 1);
    const s = statistic(idx);
    if (Number.isFinite(s)) stats.push(s);
  }
  if (stats.length === 0) return [NaN, NaN];
  stats.sort((a, b) => a - b);
  return [quantileSorted(stats, (1 - level) / 2), quantileSorted(stats, (1 + level) / 2)];
}

/** Mean of the values and the percentile bootstrap interval of the mean. */
export function estimateMean(xs: readonly number[], options: BootstrapOptions = {}): Estimate {
  checkFinite(xs, 'estimateMean');
  if (xs.length === 0) return { mean: NaN, ci95: [NaN, NaN], n: 0 };
  // One value has no spread to resample: no interval (NaN; null in JSON), not a zero-width one.
  if (xs.length === 1) return { mean: xs[0], ci95: [NaN, NaN], n: 1 };
  return { mean: mean(xs), ci95: bootstrapInterval(xs, mean, options), n: xs.length };
}

/**
 * Paired differences a - b over the keys both hold (e.g. seeds: the same seed of two methods
 * meets the same training draws at step 1 and the same test instances), and the bootstrap
 * interval of their mean (resampling pairs).
 */
export function pairedDifference(a: ReadonlyMap<number | string, number>, b: ReadonlyMap<number | string, number>, options: BootstrapOptions = {}): Estimate & { keys: (number | string)[]; differences: number[] } {
  const keys = [...a.keys()].filter((k) => b.has(k));
  const differences = keys.map((k) => a.get(k)! - b.get(k)!);
  return { ...estimateMean(differences, options), keys, differences };
}

/**
 * Trailing moving average: entry i is the mean of the last `window` values up to i. A null (a step
 * without that value) stays null and is skipped, so the window spans the last `window` values present.
 */
export function movingAverage(xs: readonly number[], window: number): number[];
export function movingAverage(xs: readonly (number | null)[], window: number): (number | null)[];
export function movingAverage(xs: readonly (number | null)[], window: number): (number | null)[] {
  if (!Number.isInteger(window) || window < 1) throw new Error(`movingAverage: window must be a positive integer, got ${window}`);
  const present: number[] = [];
  let s = 0;
  return xs.map((x) => {
    if (x === null) return null;
    present.push(x);
    s += x;
    if (present.length > window) s -= present[present.length - 1 - window];
    return s / Math.min(present.length, window);
  });
}

/**
 * The first step at which the smoothed curve reaches `threshold`, or null if it never does.
 * `steps[i]` is the step of `values[i]`; smoothing is a trailing moving average of `window` points.
 */
export function stepsToThreshold(steps: readonly number[], values: readonly number[], threshold: number, window = 1): number | null {
  if (steps.length !== values.length) throw new Error(`stepsToThreshold: ${steps.length} steps but ${values.length} values`);
  const smooth = movingAverage(values, window);
  for (let i = 0; i < smooth.length; i++) if (smooth[i] >= threshold - 1e-12) return steps[i];
  return null;
}

/** Pearson correlation; NaN when either variable is constant or n < 2. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new Error(`pearson: ${xs.length} x values but ${ys.length} y values`);
  if (xs.length < 2) return NaN;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

export interface CorrelationEstimate {
  r: number;
  ci95: [number, number];
  /** Observations (e.g. dialogues) and clusters (e.g. groups) behind the estimate. */
  n: number;
  clusters: number;
}

/**
 * Pearson correlation of paired observations with a cluster bootstrap interval: whole clusters
 * are resampled, because the dialogues of one group share an instance and are not independent.
 */
export function correlationWithInterval(clusters: readonly (readonly { x: number; y: number }[])[], options: BootstrapOptions = {}): CorrelationEstimate {
  const nonEmpty = clusters.filter((c) => c.length > 0);
  const flat = nonEmpty.flat();
  checkFinite(flat.map((p) => p.x), 'correlationWithInterval x');
  checkFinite(flat.map((p) => p.y), 'correlationWithInterval y');
  const r = pearson(flat.map((p) => p.x), flat.map((p) => p.y));
  if (nonEmpty.length === 0 || !Number.isFinite(r)) return { r, ci95: [NaN, NaN], n: flat.length, clusters: nonEmpty.length };
  // Sums are taken about the overall means (shift-invariant, and better conditioned).
  const mx = mean(flat.map((p) => p.x));
  const my = mean(flat.map((p) => p.y));
  // Each cluster enters through its sums, so a resample costs one pass over the clusters.
  const sums = nonEmpty.map((c) => {
    let n = 0, x = 0, y = 0, xx = 0, yy = 0, xy = 0;
    for (const p of c) {
      const dx = p.x - mx;
      const dy = p.y - my;
      n++, x += dx, y += dy, xx += dx * dx, yy += dy * dy, xy += dx * dy;
    }
    return { n, x, y, xx, yy, xy };
  });
  const ci95 = bootstrapIndices(sums.length, (idx) => {
    let n = 0, x = 0, y = 0, xx = 0, yy = 0, xy = 0;
    for (let i = 0; i < idx.length; i++) {
      const c = sums[idx[i]];
      n += c.n, x += c.x, y += c.y, xx += c.xx, yy += c.yy, xy += c.xy;
    }
    const vx = xx - (x * x) / n;
    const vy = yy - (y * y) / n;
    // A resample in which x or y is constant has no correlation (relative bound: rounding leaves ~1e-16 of xx).
    return vx <= 1e-12 * xx || vy <= 1e-12 * yy ? NaN : (xy - (x * y) / n) / Math.sqrt(vx * vy);
  }, options);
  return { r, ci95, n: flat.length, clusters: nonEmpty.length };
}

/** Does the interval lie entirely above (1), below (-1) zero, or include it (0)? */
export function signOfInterval(ci: readonly [number, number]): -1 | 0 | 1 {
  if (ci[0] > 0) return 1;
  if (ci[1] < 0) return -1;
  return 0;
}
