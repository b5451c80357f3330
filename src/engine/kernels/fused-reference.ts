/**
 * Float64 plain-JS references for the fused training ops (kernels/fused.ts, docs/kernels.md), their
 * seeded parity cases with extreme values, the error measure the parity tests use, and the stock
 * attention expression as tfjs ops (the other side of the comparisons). The
 * references are the textbook formulas written as loops, independent of tfjs: fused.test.ts checks
 * them against tfjs's autodiff on the cpu backend, node-webgpu-ops.test.ts checks the WGSL kernels
 * against them on Dawn.
 */
import * as tf from '@tensorflow/tfjs';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

type Arr = ArrayLike<number>;

/** y = x w (+ b) (then ReLU) for x [n, din], w [din, dout], b [dout]. */
export function denseReference(x: Arr, w: Arr, b: Arr | null, n: number, din: number, dout: number, relu: boolean): Float64Array {
  const y = new Float64Array(n * dout);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < dout; c++) {
      let s = b ? b[c] : 0;
      for (let k = 0; k < din; k++) s += x[r * din + k] * w[k * dout + c];
      y[r * dout + c] = relu ? Math.max(s, 0) : s;
    }
  return y;
}

/** Gradients of Σ dy ⊙ dense(x, w, b): g = dy where the output is > 0 (ReLU; as tfjs's step), dx = g wᵀ, dw = xᵀ g, db = 1ᵀ g. */
export function denseGradReference(x: Arr, w: Arr, b: Arr | null, dy: Arr, n: number, din: number, dout: number, relu: boolean): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const y = denseReference(x, w, b, n, din, dout, relu);
  const g = Float64Array.from(dy, (v, i) => (!relu || y[i] > 0 ? v : 0));
  const dx = new Float64Array(n * din);
  const dw = new Float64Array(din * dout);
  const db = new Float64Array(dout);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < dout; c++) {
      const gv = g[r * dout + c];
      db[c] += gv;
      for (let k = 0; k < din; k++) {
        dx[r * din + k] += gv * w[k * dout + c];
        dw[k * dout + c] += x[r * din + k] * gv;
      }
    }
  return { dx, dw, db };
}

function rowMoments(x: Arr, base: number, d: number, eps: number): { mean: number; rstd: number } {
  let s = 0;
  for (let c = 0; c < d; c++) s += x[base + c];
  const mean = s / d;
  let v = 0;
  for (let c = 0; c < d; c++) v += (x[base + c] - mean) ** 2;
  return { mean, rstd: 1 / Math.sqrt(v / d + eps) };
}

/** LayerNorm over the last axis of x [n, d]: (x - μ) / √(σ² + ε) · γ + β, σ² the biased variance. */
export function layerNormReference(x: Arr, gain: Arr, bias: Arr, n: number, d: number, eps: number): Float64Array {
  const y = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const { mean, rstd } = rowMoments(x, r * d, d, eps);
    for (let c = 0; c < d; c++) y[r * d + c] = (x[r * d + c] - mean) * rstd * gain[c] + bias[c];
  }
  return y;
}

/**
 * Gradients of Σ dy ⊙ layerNorm(x): with x̂ = (x - μ) r, r = 1/√(σ² + ε), dx̂ = dy γ,
 * dx = r (dx̂ - mean(dx̂) - x̂ mean(dx̂ x̂)); dγ = Σ_rows dy x̂; dβ = Σ_rows dy.
 */
export function layerNormGradReference(x: Arr, gain: Arr, dy: Arr, n: number, d: number, eps: number): { dx: Float64Array; dgain: Float64Array; dbias: Float64Array } {
  const dx = new Float64Array(n * d);
  const dgain = new Float64Array(d);
  const dbias = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const base = r * d;
    const { mean, rstd } = rowMoments(x, base, d, eps);
    let m1 = 0;
    let m2 = 0;
    for (let c = 0; c < d; c++) {
      const xhat = (x[base + c] - mean) * rstd;
      const g = dy[base + c] * gain[c];
      m1 += g / d;
      m2 += (g * xhat) / d;
      dgain[c] += dy[base + c] * xhat;
      dbias[c] += dy[base + c];
    }
    for (let c = 0; c < d; c++) {
      const xhat = (x[base + c] - mean) * rstd;
      dx[base + c] = rstd * (dy[base + c] * gain[c] - m1 - xhat * m2);
    }
  }
  return { dx, dgain, dbias };
}

/** Row t of batch b of qkv [B, T, 3d] holds q, k, v; head h takes columns h·dh.. of each. */
function attentionProbabilities(qkv: Arr, B: number, T: number, H: number): { P: Float64Array; dh: number; d: number } {
  const d = (qkv.length / (B * T)) / 3;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  const P = new Float64Array(B * H * T * T); // [b, h, i, j], 0 above the diagonal
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const row = new Float64Array(i + 1);
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let c = 0; c < dh; c++) s += qkv[(b * T + i) * 3 * d + h * dh + c] * qkv[(b * T + j) * 3 * d + d + h * dh + c];
          row[j] = s * scale;
          max = Math.max(max, row[j]);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) sum += (row[j] = Math.exp(row[j] - max));
        for (let j = 0; j <= i; j++) P[((b * H + h) * T + i) * T + j] = row[j] / sum;
      }
  return { P, dh, d };
}

/** Causal self-attention: out[b, i, head h] = Σ_{j<=i} softmax_j((q_i · k_j) / √dh) v_j, heads merged → [B, T, d]. */
export function attentionReference(qkv: Arr, B: number, T: number, H: number): Float64Array {
  const { P, dh, d } = attentionProbabilities(qkv, B, T, H);
  const out = new Float64Array(B * T * d);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++)
        for (let j = 0; j <= i; j++) {
          const p = P[((b * H + h) * T + i) * T + j];
          for (let c = 0; c < dh; c++) out[(b * T + i) * d + h * dh + c] += p * qkv[(b * T + j) * 3 * d + 2 * d + h * dh + c];
        }
  return out;
}

/**
 * Gradient of Σ dy ⊙ attention(qkv) with respect to qkv [B, T, 3d]: dP_ij = dO_i · v_j,
 * dS_ij = P_ij (dP_ij - Σ_k P_ik dP_ik), dq_i = Σ_j dS_ij k_j / √dh, dk_j = Σ_i dS_ij q_i / √dh,
 * dv_j = Σ_i P_ij dO_i.
 */
export function attentionGradReference(qkv: Arr, dy: Arr, B: number, T: number, H: number): Float64Array {
  const { P, dh, d } = attentionProbabilities(qkv, B, T, H);
  const scale = 1 / Math.sqrt(dh);
  const grad = new Float64Array(B * T * 3 * d);
  const at = (b: number, t: number, part: number, h: number, c: number) => (b * T + t) * 3 * d + part * d + h * dh + c;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const dP = new Float64Array(i + 1);
        let D = 0;
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let c = 0; c < dh; c++) s += dy[(b * T + i) * d + h * dh + c] * qkv[at(b, j, 2, h, c)];
          dP[j] = s;
          D += P[((b * H + h) * T + i) * T + j] * s;
        }
        for (let j = 0; j <= i; j++) {
          const p = P[((b * H + h) * T + i) * T + j];
          const dS = p * (dP[j] - D);
          for (let c = 0; c < dh; c++) {
            grad[at(b, i, 0, h, c)] += dS * qkv[at(b, j, 1, h, c)] * scale;
            grad[at(b, j, 1, h, c)] += dS * qkv[at(b, i, 0, h, c)] * scale;
            grad[at(b, j, 2, h, c)] += p * dy[(b * T + i) * d + h * dh + c];
          }
        }
      }
  return grad;
}

/**
 * The stock expression the fused attention replaces, as tfjs ops: model.ts's per-head path without
 * a cache (split, heads to the batch axes, q kᵀ / √dh + the -1e9 causal mask, softmax, · v,
 * merged back). The parity tests differentiate it with tfjs's autodiff on cpu and on webgpu.
 */
export function stockCausalSelfAttention(qkv: tf.Tensor3D, H: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T, d3] = qkv.shape;
    const d = d3 / 3;
    const dh = d / H;
    const mask = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
    const [q, k, v] = tf.split(qkv, 3, 2).map((t) => t.reshape([B, T, H, dh]));
    const qh = tf.transpose(q, [0, 2, 1, 3]);
    const kt = tf.transpose(k, [0, 2, 3, 1]);
    const vh = tf.transpose(v, [0, 2, 1, 3]);
    const scores = tf.add(tf.mul(tf.matMul(qh, kt), 1 / Math.sqrt(dh)), tf.tensor4d(mask, [1, 1, T, T]));
    const att = tf.matMul(tf.softmax(scores), vh);
    return tf.transpose(att, [0, 2, 1, 3]).reshape([B, T, d]) as tf.Tensor3D;
  });
}

// ---------------------------------------------------------------------------------------------
// Parity cases. Every input is rounded to float32 before the reference sees it, so the kernel and
// the reference start from identical values.

export type Fill = 'uniform' | 'large' | 'zeros' | 'ties' | 'constant-rows' | 'offset';

/** Seeded float32 values: uniform in [-1, 1) (`uniform`), × 1e3 (`large`), 0 (`zeros`), integers in {-1, 0, 1} (`ties`: exact sums, exact zeros). */
export function fill(seed: number, length: number, kind: Fill, scale = 1): Float32Array {
  const rng = xoroshiro128plus(seed);
  const next = () => uniformFloat64(rng) * 2 - 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const u = next();
    out[i] = scale * (kind === 'large' ? u * 1e3 : kind === 'zeros' ? 0 : kind === 'ties' ? Math.round(u * 1.5) : u);
  }
  return out;
}

export interface DenseCase {
  name: string;
  n: number;
  din: number;
  dout: number;
  relu: boolean;
  bias: boolean;
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  dy: Float32Array;
}

export function denseCases(): DenseCase[] {
  const make = (name: string, n: number, din: number, dout: number, relu: boolean, bias: boolean, kx: Fill, kw: Fill, seed: number): DenseCase => ({
    name,
    n,
    din,
    dout,
    relu,
    bias,
    x: fill(seed, n * din, kx),
    w: fill(seed + 1, din * dout, kw),
    b: fill(seed + 2, dout, kw === 'large' ? 'large' : kw === 'ties' ? 'ties' : 'uniform'),
    dy: fill(seed + 3, n * dout, 'uniform'),
  });
  return [
    make('relu, bias, ragged tiles 37x45 -> 29', 37, 45, 29, true, true, 'uniform', 'uniform', 11),
    make('linear, no bias 64x32 -> 96', 64, 32, 96, false, false, 'uniform', 'uniform', 21),
    make('relu, bias, several K tiles 70x200 -> 64', 70, 200, 64, true, true, 'uniform', 'uniform', 31),
    make('relu, large magnitudes (x1e3)', 33, 40, 35, true, true, 'large', 'large', 41),
    make('relu, ties: integer inputs, exact zeros at the ReLU', 40, 24, 36, true, true, 'ties', 'ties', 51),
    make('relu, zero input: every output is its bias', 9, 16, 20, true, true, 'zeros', 'uniform', 61),
    make('linear, bias, one row', 1, 7, 5, false, true, 'uniform', 'uniform', 71),
  ];
}

export interface LayerNormCase {
  name: string;
  /** Normwise tolerance when fp32 itself cannot do better than the default (see the offset case). */
  tolerance?: number;
  n: number;
  d: number;
  eps: number;
  x: Float32Array;
  gain: Float32Array;
  bias: Float32Array;
  dy: Float32Array;
}

export function layerNormCases(): LayerNormCase[] {
  const make = (name: string, n: number, d: number, x: Float32Array, seed: number, gainKind: Fill = 'uniform'): LayerNormCase => ({
    name,
    n,
    d,
    eps: 1e-5,
    x,
    gain: fill(seed + 1, d, gainKind).map((v) => (gainKind === 'uniform' ? 1 + 0.5 * v : v)),
    bias: fill(seed + 2, d, 'uniform'),
    dy: fill(seed + 3, n * d, 'uniform'),
  });
  const constantRows = (n: number, d: number, seed: number) => {
    const x = fill(seed, n * d, 'uniform');
    // Every other row constant (σ² = 0: x̂ = 0, y = β, dx = r (dx̂ - mean dx̂) with r = 1/√ε); one row all zeros.
    for (let r = 0; r < n; r += 2) x.fill(r === 0 ? 0 : Math.fround(3.25 - r), r * d, (r + 1) * d);
    return x;
  };
  const offset = (n: number, d: number, seed: number) => fill(seed, n * d, 'uniform').map((v) => v + 100);
  return [
    make('uniform 33x48', 33, 48, fill(101, 33 * 48, 'uniform'), 101),
    make('large magnitudes (x1e3) 20x64', 20, 64, fill(111, 20 * 64, 'large'), 111),
    make('constant rows and a zero row 12x40', 12, 40, constantRows(12, 40, 121), 121),
    make('ties: integer inputs, zero and negative gains 17x30', 17, 30, fill(131, 17 * 30, 'ties'), 131, 'ties'),
    // |μ| / σ ≈ 170: x - μ carries the rounding of μ (half an ulp of 100 is 3.8e-6, σ ≈ 0.58), so
    // fp32 LayerNorm (the stock ops too) is off by ~1e-5 normwise here.
    { ...make('offset +100 (cancellation in x - mean) 16x32', 16, 32, offset(16, 32, 141), 141), tolerance: 1e-4 },
    make('one row, d 128', 1, 128, fill(151, 128, 'uniform'), 151),
  ];
}

export interface AttentionCase {
  name: string;
  B: number;
  T: number;
  H: number;
  dh: number;
  qkv: Float32Array;
  dy: Float32Array;
}

export function attentionCases(): AttentionCase[] {
  const make = (name: string, B: number, T: number, H: number, dh: number, qkv: (n: number, seed: number) => Float32Array, seed: number): AttentionCase => ({
    name,
    B,
    T,
    H,
    dh,
    qkv: qkv(B * T * 3 * H * dh, seed),
    dy: fill(seed + 1, B * T * H * dh, 'uniform'),
  });
  const uniform = (n: number, seed: number) => fill(seed, n, 'uniform');
  // q and k × 30: scores of size ~10², so each softmax row is nearly one-hot (exp of large negative differences underflows to 0).
  const sharp = (d: number) => (n: number, seed: number) => fill(seed, n, 'uniform').map((v, i) => (i % (3 * d) >= 2 * d ? v : v * 30));
  // Every key of a sequence equal: exact ties in every score row (uniform attention over the visible keys).
  const tiedKeys = (B: number, T: number, d: number) => (n: number, seed: number) => {
    const x = fill(seed, n, 'uniform');
    for (let b = 0; b < B; b++) for (let t = 1; t < T; t++) for (let c = 0; c < d; c++) x[(b * T + t) * 3 * d + d + c] = x[b * T * 3 * d + d + c];
    return x;
  };
  const zeroQueries = (T: number, d: number) => (n: number, seed: number) => {
    const x = fill(seed, n, 'uniform');
    for (let t = 0; t < T; t++) x.fill(0, t * 3 * d, t * 3 * d + d);
    return x;
  };
  return [
    make('uniform B2 T19 H2 dh16', 2, 19, 2, 16, uniform, 201),
    make('uniform B1 T40 H2 dh32', 1, 40, 2, 32, uniform, 211),
    make('sharp softmax: q, k x30', 2, 24, 2, 16, sharp(32), 221),
    make('tied keys: uniform attention', 2, 17, 2, 16, tiedKeys(2, 17, 32), 231),
    make('zero queries: scores all 0', 1, 21, 1, 16, zeroQueries(21, 16), 241),
    make('one position', 3, 1, 2, 16, uniform, 251),
    make('long sequence T192 H1 dh16', 1, 192, 1, 16, uniform, 261),
  ];
}

/** Normwise error: max |got - ref| over max(|ref|, 1e-30) of the whole tensor (matrix products' natural measure), and any NaN. */
export interface NormwiseError {
  maxAbs: number;
  refMax: number;
  rel: number;
  nan: number;
}

export function normwiseError(got: Arr, ref: Arr): NormwiseError {
  if (got.length !== ref.length) throw new Error(`normwiseError: length ${got.length} vs ${ref.length}`);
  let maxAbs = 0;
  let refMax = 0;
  let nan = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(got[i])) nan++;
    maxAbs = Math.max(maxAbs, Math.abs(got[i] - ref[i]));
    refMax = Math.max(refMax, Math.abs(ref[i]));
  }
  return { maxAbs, refMax, rel: maxAbs / Math.max(refMax, 1e-30), nan };
}
