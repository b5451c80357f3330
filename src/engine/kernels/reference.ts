/**
 * Float64 plain-JS reference for the counterfactual divergence (docs/kernels.md), plus the seeded
 * parity cases and the error measure shared by the Vitest (cpu) and Playwright (webgpu) tests, so
 * both backends are checked on byte-identical inputs against the same reference.
 *
 * Conventions (the tfjs-ops path and the WGSL kernel follow them exactly):
 * - A logit of -Infinity is a masked vocabulary entry (probability exactly 0).
 * - KL term of v: 0 when real[v] = -inf (0 · log 0 = 0); +Infinity when real[v] is finite and
 *   masked[v] = -inf (p_real(v) > 0 = p_masked(v)). Decided on the logits, never on an fp32 p that
 *   may underflow, so every backend agrees on which rows are infinite.
 * - logRatio when the sampled token is masked: both -inf → 0 (both contexts agree it is impossible);
 *   only real -inf → -Infinity; only masked -inf → +Infinity.
 * - KL is clamped at 0 from below (it is >= 0 mathematically; rounding can dip to -1e-8).
 * - A row without any finite logit in either tensor, or a token outside [0, vocab), gives NaN for
 *   that position. NaN or +Infinity logits are outside the contract.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export interface DivergenceResult {
  logRatio: Float64Array;
  kl: Float64Array;
}

/** Max over the finite entries of a row and log(sum exp(x - max)); max = -inf when none is finite. */
export function rowStats(x: ArrayLike<number>, base: number, vocab: number): { max: number; lse: number } {
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) if (x[base + v] > max) max = x[base + v];
  if (max === -Infinity) return { max, lse: NaN };
  let sum = 0;
  for (let v = 0; v < vocab; v++) {
    const value = x[base + v];
    if (value !== -Infinity) sum += Math.exp(value - max);
  }
  return { max, lse: max + Math.log(sum) };
}

export function divergenceReference(
  real: ArrayLike<number>,
  masked: ArrayLike<number>,
  tokens: ArrayLike<number>,
  positions: number,
  vocab: number,
): DivergenceResult {
  if (real.length !== positions * vocab || masked.length !== positions * vocab) {
    throw new Error(`divergenceReference: expected ${positions}x${vocab} logits, got ${real.length} and ${masked.length}`);
  }
  if (tokens.length !== positions) throw new Error(`divergenceReference: expected ${positions} tokens, got ${tokens.length}`);
  const logRatio = new Float64Array(positions);
  const kl = new Float64Array(positions);
  for (let p = 0; p < positions; p++) {
    const base = p * vocab;
    const a = rowStats(real, base, vocab);
    const b = rowStats(masked, base, vocab);
    if (a.max === -Infinity || b.max === -Infinity) {
      logRatio[p] = NaN;
      kl[p] = NaN;
      continue;
    }
    const t = tokens[p];
    if (!Number.isInteger(t) || t < 0 || t >= vocab) {
      logRatio[p] = NaN;
    } else {
      const at = real[base + t];
      const bt = masked[base + t];
      if (at === -Infinity) logRatio[p] = bt === -Infinity ? 0 : -Infinity;
      else if (bt === -Infinity) logRatio[p] = Infinity;
      else logRatio[p] = at - a.lse - (bt - b.lse);
    }
    let sum = 0;
    let infinite = false;
    for (let v = 0; v < vocab; v++) {
      const av = real[base + v];
      if (av === -Infinity) continue;
      const bv = masked[base + v];
      if (bv === -Infinity) {
        infinite = true;
        break;
      }
      const la = av - a.lse;
      sum += Math.exp(la) * (la - (bv - b.lse));
    }
    kl[p] = infinite ? Infinity : Math.max(0, sum);
  }
  return { logRatio, kl };
}

// ---------------------------------------------------------------------------------------------
// Parity cases: seeded inputs with the extremes the kernel must survive.

/**
 * - `uniform`: independent logits uniform in [-range, range], uniform tokens.
 * - `ties`: every row constant (real and masked different constants): p uniform, KL 0.
 * - `coarse`: integer logits in [-3, 3]: many exact ties of the maximum within a row.
 * - `masked`: a shared vocabulary mask (~30% -inf), plus some rows where only masked or only real
 *   has extra -inf entries; tokens drawn from masked entries too, so every convention is hit.
 * - `identical`: masked is a copy of real (with masked entries): KL ~0, logRatio ~0.
 * - `near`: masked = real + noise of size 1e-3: small KL, tests cancellation.
 * - `shifted`: masked = real + 17.25 (a shift does not change the distribution): KL ~0.
 */
export type DivergenceCaseKind = 'uniform' | 'ties' | 'coarse' | 'masked' | 'identical' | 'near' | 'shifted';

export interface DivergenceCaseSpec {
  name: string;
  kind: DivergenceCaseKind;
  positions: number;
  vocab: number;
  seed: number;
  /** Logit range for `uniform` (and the base of other kinds); default 80. */
  range?: number;
}

export interface DivergenceCase {
  real: Float32Array;
  masked: Float32Array;
  tokens: Int32Array;
  positions: number;
  vocab: number;
}

/** The parity suite run on every backend (cpu in Vitest, webgpu in Playwright). */
export const PARITY_CASES: DivergenceCaseSpec[] = [
  { name: 'uniform V=1', kind: 'uniform', positions: 5, vocab: 1, seed: 1 },
  { name: 'uniform V=7', kind: 'uniform', positions: 33, vocab: 7, seed: 2 },
  { name: 'uniform V=64', kind: 'uniform', positions: 64, vocab: 64, seed: 3 },
  { name: 'uniform V=131', kind: 'uniform', positions: 37, vocab: 131, seed: 4 },
  { name: 'uniform V=500', kind: 'uniform', positions: 16, vocab: 500, seed: 5 },
  { name: 'uniform V=1000', kind: 'uniform', positions: 16, vocab: 1000, seed: 6 },
  { name: 'uniform V=5003', kind: 'uniform', positions: 8, vocab: 5003, seed: 7 },
  { name: 'single position V=131', kind: 'uniform', positions: 1, vocab: 131, seed: 8 },
  { name: 'ties V=131', kind: 'ties', positions: 9, vocab: 131, seed: 9 },
  { name: 'ties V=1000', kind: 'ties', positions: 4, vocab: 1000, seed: 10 },
  { name: 'coarse ties V=257', kind: 'coarse', positions: 24, vocab: 257, seed: 11 },
  { name: 'masked V=7', kind: 'masked', positions: 40, vocab: 7, seed: 12 },
  { name: 'masked V=131', kind: 'masked', positions: 40, vocab: 131, seed: 13 },
  { name: 'masked V=1000', kind: 'masked', positions: 20, vocab: 1000, seed: 14 },
  { name: 'identical V=1000', kind: 'identical', positions: 16, vocab: 1000, seed: 15 },
  { name: 'identical V=131', kind: 'identical', positions: 16, vocab: 131, seed: 16 },
  { name: 'near V=500', kind: 'near', positions: 32, vocab: 500, seed: 17 },
  { name: 'shifted V=257', kind: 'shifted', positions: 32, vocab: 257, seed: 18 },
  { name: 'many positions 4096x257', kind: 'uniform', positions: 4096, vocab: 257, seed: 19 },
  // More rows than WebGPU's 65535 workgroups per dimension: the backend reshapes the dispatch into
  // a 2-D grid with surplus workgroups (slow on SwiftShader: ~13 s).
  { name: 'reshaped dispatch 66000x3', kind: 'masked', positions: 66000, vocab: 3, seed: 20 },
];

export function makeDivergenceCase(spec: DivergenceCaseSpec): DivergenceCase {
  const { positions, vocab, kind } = spec;
  const range = spec.range ?? 80;
  const rng = xoroshiro128plus(spec.seed | 0);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * uniformFloat64(rng);
  const n = positions * vocab;
  const real = new Float32Array(n);
  const masked = new Float32Array(n);
  const tokens = new Int32Array(positions);
  for (let p = 0; p < positions; p++) {
    const base = p * vocab;
    switch (kind) {
      case 'uniform':
        for (let v = 0; v < vocab; v++) {
          real[base + v] = uniform(-range, range);
          masked[base + v] = uniform(-range, range);
        }
        break;
      case 'ties': {
        const ca = uniform(-range, range);
        const cb = uniform(-range, range);
        real.fill(ca, base, base + vocab);
        masked.fill(cb, base, base + vocab);
        break;
      }
      case 'coarse':
        for (let v = 0; v < vocab; v++) {
          real[base + v] = uniformInt(rng, -3, 3);
          masked[base + v] = uniformInt(rng, -3, 3);
        }
        break;
      case 'masked': {
        // Row flavour: 0 shared mask only, 1 masked has extra -inf (KL +inf when it hits a finite
        // real entry), 2 real has extra -inf (those entries contribute 0 to KL).
        const flavour = p % 3;
        for (let v = 0; v < vocab; v++) {
          const shared = uniformFloat64(rng) < 0.3;
          real[base + v] = shared ? -Infinity : uniform(-range, range);
          masked[base + v] = shared ? -Infinity : uniform(-range, range);
          if (flavour === 1 && uniformFloat64(rng) < 0.1) masked[base + v] = -Infinity;
          if (flavour === 2 && uniformFloat64(rng) < 0.1) real[base + v] = -Infinity;
        }
        // The kernel's precondition: at least one finite logit per row in each tensor.
        const keep = uniformInt(rng, 0, vocab - 1);
        if (real[base + keep] === -Infinity) real[base + keep] = uniform(-range, range);
        if (masked[base + keep] === -Infinity) masked[base + keep] = uniform(-range, range);
        break;
      }
      case 'identical':
        for (let v = 0; v < vocab; v++) {
          const value = uniformFloat64(rng) < 0.1 ? -Infinity : uniform(-range, range);
          real[base + v] = value;
          masked[base + v] = value;
        }
        if (real[base] === -Infinity) real[base] = masked[base] = 0;
        break;
      case 'near':
        for (let v = 0; v < vocab; v++) {
          real[base + v] = uniform(-range, range);
          masked[base + v] = real[base + v] + uniform(-1e-3, 1e-3);
        }
        break;
      case 'shifted':
        for (let v = 0; v < vocab; v++) {
          real[base + v] = uniform(-range, range);
          masked[base + v] = real[base + v] + 17.25;
        }
        break;
    }
    tokens[p] = uniformInt(rng, 0, vocab - 1);
  }
  return { real, masked, tokens, positions, vocab };
}

/** Relative tolerance of the parity criterion: |got - ref| <= TOL * max(1, |ref|). */
export const PARITY_TOLERANCE = 1e-5;

export interface ErrorStats {
  /** max |got - ref| over finite references */
  maxAbs: number;
  /** max |got - ref| / max(1, |ref|) over finite references */
  maxRel: number;
  /** NaN in the output where the reference is not NaN */
  nanCount: number;
  /** positions whose reference is ±inf or NaN and the output is not that same value */
  nonFiniteMismatches: number;
  /** positions with a non-finite reference (they must match exactly) */
  nonFiniteCount: number;
  /** first position failing the criterion, -1 when none */
  firstFailure: number;
}

export function compareToReference(got: ArrayLike<number>, ref: ArrayLike<number>, tolerance = PARITY_TOLERANCE): ErrorStats {
  if (got.length !== ref.length) throw new Error(`compareToReference: length ${got.length} vs ${ref.length}`);
  const stats: ErrorStats = { maxAbs: 0, maxRel: 0, nanCount: 0, nonFiniteMismatches: 0, nonFiniteCount: 0, firstFailure: -1 };
  for (let i = 0; i < ref.length; i++) {
    const g = got[i];
    const r = ref[i];
    let ok: boolean;
    if (!Number.isFinite(r)) {
      stats.nonFiniteCount++;
      ok = Object.is(g, r) || (Number.isNaN(g) && Number.isNaN(r));
      if (!ok) stats.nonFiniteMismatches++;
    } else if (Number.isNaN(g)) {
      stats.nanCount++;
      ok = false;
    } else {
      const abs = Math.abs(g - r); // Infinity when g is ±inf: fails below
      const rel = abs / Math.max(1, Math.abs(r));
      stats.maxAbs = Math.max(stats.maxAbs, abs);
      stats.maxRel = Math.max(stats.maxRel, rel);
      ok = rel <= tolerance;
    }
    if (!ok && stats.firstFailure < 0) stats.firstFailure = i;
  }
  return stats;
}

export function passes(stats: ErrorStats, tolerance = PARITY_TOLERANCE): boolean {
  return stats.firstFailure < 0 && stats.maxRel <= tolerance && stats.nanCount === 0 && stats.nonFiniteMismatches === 0;
}
