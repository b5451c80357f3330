/**
 * tfjs ops with gradients written for speed on the wasm backend (docs/platform-notes.md,
 * docs/performance.md):
 * - matMul's built-in gradient uses transposeA/B flags, 4-5x slower on wasm than an explicit
 *   transpose followed by a plain matMul;
 * - on webgpu, when kernels/fused-webgpu.ts is loaded, dense, LayerNorm and causal self-attention
 *   are fused WGSL kernels with written-out gradients (kernels/fused.ts; setWebGpuFusedOps turns them off);
 * - gather's gradient needs UnsortedSegmentSum, which wasm lacks;
 * - batched products run as depthwise convolutions (XNNPACK) on wasm, and on wasm alone dense,
 *   LayerNorm and causal self-attention are single ops with written-out gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { MAX_FUSED_HEAD_DIM, webgpuCausalSelfAttention, webgpuDense, webgpuFusedOpsApply, webgpuLayerNorm } from '../kernels/fused';
import { shareWasmCopies } from './wasm-kernels';

/**
 * The wasm backend gets ops of its own below (fused bias and ReLU, hand-written gradients); other
 * backends keep tfjs's ops, so their numbers (the cpu fingerprints) stay bit for bit as they were.
 */
function onWasm(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  shareWasmCopies();
  return true;
}

/**
 * x [r, c]ᵀ. On wasm as a 3-D permutation of [r, 2, c/2]: tfjs-wasm's 2-D transpose is 2.5-3x
 * slower than its 3-D one (1024 × 512: 4.4 vs 1.7 ms; docs/performance.md).
 */
export function transpose2d(x: tf.Tensor): tf.Tensor2D {
  if (x.rank !== 2) throw new Error(`transpose2d: a matrix expected, got shape [${x.shape}]`);
  const [r, c] = x.shape;
  if (c % 2 === 0 && c >= 4 && tf.getBackend() === 'wasm') return tf.transpose(x.reshape([r, 2, c / 2]), [1, 2, 0]).reshape([c, r]);
  return tf.transpose(x) as tf.Tensor2D;
}

/** xᵀ g for x [n, din], g [n, dout] (weightAndBiasGrad without the bias). */
export function weightGrad(x: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  return weightAndBiasGrad(x, g, false)[0];
}

/**
 * xᵀ g and (with `bias`) 1ᵀ g, the gradients of x w + b, with one transpose of an operand. XNNPACK
 * packs a product's right operand on every call and streams it once per block of rows, so the
 * right operand should be the smaller of x and g: the bigger one is transposed (xᵀ g, or (gᵀ x)ᵀ
 * with the small [dout, din] product transposed back). At n = 1024 this was 10-15% faster than
 * the other way round for [128 → 512] and [512 → 128] layers (docs/performance.md). The bias
 * gradient is then a last-axis row sum of gᵀ, or 1ᵀ g right after xᵀ g (g just packed: nearly
 * free); Sum over axis 0 transposes first (slower).
 */
export function weightAndBiasGrad(x: tf.Tensor2D, g: tf.Tensor2D, bias: boolean): [tf.Tensor2D, tf.Tensor1D | undefined] {
  const [n, din] = x.shape;
  const dout = g.shape[1];
  if (g.shape[0] !== n) throw new Error(`weightGrad: ${n} rows in x, ${g.shape[0]} in g`);
  if (din > dout) return [tf.matMul(transpose2d(x), g), bias ? columnSum(g) : undefined];
  const gt = transpose2d(g);
  return [transpose2d(tf.matMul(gt, x)), bias ? (tf.sum(gt, 1) as tf.Tensor1D) : undefined];
}

/** Sum over the rows of g [n, m] as 1ᵀ g: on wasm Sum over axis 0 transposes first (a [1024, 512] g: 3.2 ms; this ~0.5 ms, less when g was just packed by another product). */
export function columnSum(g: tf.Tensor2D): tf.Tensor1D {
  return tf.matMul(tf.ones([1, g.shape[0]]), g).reshape([g.shape[1]]);
}

function swapLast(x: tf.Tensor): tf.Tensor {
  const r = x.shape.length;
  const perm = x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  return tf.transpose(x, perm);
}

/**
 * Batched products on wasm as one depthwise convolution. tfjs-wasm sends a BatchMatMul with more
 * than one batch to a naive C++ loop (~1 GFLOP/s; only batch 1 reaches XNNPACK), but its
 * DepthwiseConv2dNative is XNNPACK's: out[c, i, j] = sum_k A[c, i, k] · B[c, k, j] is a depthwise
 * convolution of the input [1, I, K, C] with the filter [1, K, C, J] (a 1 × K window, channel
 * multiplier J), ~10x faster at attention's sizes even with the layout transposes
 * (docs/performance.md). Operands may be given transposed (their last two axes swapped); each
 * layout change is then a single transpose.
 */
export function depthwiseBatchMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  const r = a.rank;
  if (r < 3 || b.rank !== r) throw new Error(`depthwiseBatchMatMul: operands of rank >= 3 and equal rank, got [${a.shape}] and [${b.shape}]`);
  const lead = a.shape.slice(0, -2);
  if (lead.join() !== b.shape.slice(0, -2).join()) throw new Error(`depthwiseBatchMatMul: batch dimensions differ, [${a.shape}] vs [${b.shape}]`);
  const C = lead.reduce((x, y) => x * y, 1);
  const [a1, a2] = a.shape.slice(-2);
  const [b1, b2] = b.shape.slice(-2);
  const [I, K] = transposeA ? [a2, a1] : [a1, a2];
  const [K2, J] = transposeB ? [b2, b1] : [b1, b2];
  if (K !== K2) throw new Error(`depthwiseBatchMatMul: inner dimensions differ, [${a.shape}]${transposeA ? 'ᵀ' : ''} x [${b.shape}]${transposeB ? 'ᵀ' : ''}`);
  return tf.tidy(() => {
    const x = tf.transpose(a.reshape([C, a1, a2]), transposeA ? [2, 1, 0] : [1, 2, 0]).reshape([1, I, K, C]) as tf.Tensor4D;
    const f = tf.transpose(b.reshape([C, b1, b2]), transposeB ? [2, 0, 1] : [1, 0, 2]).reshape([1, K, C, J]) as tf.Tensor4D;
    const out = tf.depthwiseConv2d(x, f, 1, 'valid').reshape([I, C, J]);
    return tf.transpose(out, [1, 0, 2]).reshape([...lead, I, J]);
  });
}

/** Rows of a product below which the plain BatchMatMul wins (the convolution packs its filter per call). */
const DEPTHWISE_MIN_ROWS = 16;
let depthwiseProducts = true;
/** Turn the depthwise path off (true: on, the default) to measure what it gains; returns the previous setting. */
export function setDepthwiseProducts(on: boolean): boolean {
  const was = depthwiseProducts;
  depthwiseProducts = on;
  return was;
}

function batchProduct(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  const rows = a.shape[a.rank - (transposeA ? 1 : 2)];
  const batch = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  if (depthwiseProducts && a.rank >= 3 && batch > 1 && rows >= DEPTHWISE_MIN_ROWS && tf.getBackend() === 'wasm') return depthwiseBatchMatMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b);
}

let fusedAttention = true;
/** Turn the one-op attention off (true: on, the default) to compare against the per-product path; returns the previous setting. */
export function setFusedAttention(on: boolean): boolean {
  const was = fusedAttention;
  fusedAttention = on;
  return was;
}

/**
 * Whether causalSelfAttention applies: on webgpu with the fused kernels (any length, heads up to
 * MAX_FUSED_HEAD_DIM wide), or on wasm with the depthwise products on and at least
 * DEPTHWISE_MIN_ROWS positions.
 */
export function fusedAttentionApplies(T: number, headDim = 0): boolean {
  if (!fusedAttention) return false;
  if (webgpuFusedOpsApply()) return headDim <= MAX_FUSED_HEAD_DIM;
  return depthwiseProducts && T >= DEPTHWISE_MIN_ROWS && onWasm();
}

/** Additive causal mask [T, 1, T] (row = query, last axis = key), in the layout of causalSelfAttention's scores. */
function causalMaskRows(T: number): tf.Tensor3D {
  const data = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) data[i * T + j] = -1e9;
  return tf.tensor3d(data, [T, 1, T]);
}

/** a [1, I, K, C] ⊛ f [1, K, C, J] → out [I, C, J]: out[i, c, j] = Σ_k a[i, k, c] f[k, c, j] (see depthwiseBatchMatMul). */
function dwProduct(a: tf.Tensor, f: tf.Tensor, I: number, K: number, C: number, J: number): tf.Tensor3D {
  return tf.depthwiseConv2d(a.reshape([1, I, K, C]) as tf.Tensor4D, f.reshape([1, K, C, J]) as tf.Tensor4D, 1, 'valid').reshape([I, C, J]);
}

/**
 * Causal self-attention of one full sequence per row on wasm, as one op: qkv [B, T, 3d] (queries,
 * keys, values, heads of dh = d / H) → the heads' outputs merged, [B, T, d]. The same math as the
 * general path in model.ts (softmax(q kᵀ / √dh + causal mask) v), arranged around the depthwise
 * products (dwProduct: out[i, c, j] = Σ_k a[i, k, c] f[k, c, j], C = B·H channels) so that few
 * score-sized tensors move: q, k, v live as [T, C, dh]; scores and probabilities stay in the
 * product's own output layout [T_q, C, T_k] (softmax over its last axis); the products whose
 * natural output would need a score-sized transpose are computed transposed instead (dKᵀ, dVᵀ
 * are [dh, C, T_k], from the scores' gradient and P in place). One score-sized transpose forward
 * (P for P·v) and one backward (dS for dQ), where the per-product layouts moved six; every other
 * transpose is of a q-sized tensor, and all are 3-D (tfjs-wasm's 4-D and 5-D ones are up to 50x
 * slower). The 1/√dh scale is applied to q (4x fewer values than the scores; a rounding-level
 * reordering of the same product). Backward: dP = dO vᵀ, dS = P ⊙ dP - Σ(P ⊙ dP) P (tfjs's
 * softmax gradient), dQ = dS k, dKᵀ = qᵀ dS, dVᵀ = dOᵀ P.
 */
export function causalSelfAttention(qkv: tf.Tensor3D, H: number): tf.Tensor3D {
  const [B, T, d3] = qkv.shape;
  const d = d3 / 3;
  if (!Number.isInteger(d) || d % H !== 0) throw new Error(`causalSelfAttention: last axis ${d3} is not 3 × d with d a multiple of ${H} heads`);
  if (webgpuFusedOpsApply()) return webgpuCausalSelfAttention(qkv, H);
  const dh = d / H;
  const C = B * H;
  const scale = 1 / Math.sqrt(dh);
  /** [T, C, dh] (a q, k or v in time-major layout) → the permutation given, as a 3-D transpose. */
  const perm = (x: tf.Tensor, p: number[]) => tf.transpose(x.reshape([T, C, dh]), p);
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    // [B, T, 3d] → [T, B, 3d]: q, k, v come out time-major, [T, B·H, dh] each.
    const [q, k, v] = tf.split(tf.transpose(input, [1, 0, 2]), 3, 2);
    const qs = tf.mul(q, scale);
    const scores = tf.add(dwProduct(perm(qs, [0, 2, 1]), perm(k, [2, 1, 0]), T, dh, C, T), causalMaskRows(T)); // [Tq, C, Tk]
    const p = tf.softmax(scores);
    const out = dwProduct(tf.transpose(p, [0, 2, 1]), v, T, T, C, dh); // [Tq, C, dh]
    save([qs, k, v, p]);
    return {
      value: tf.transpose(out.reshape([T, B, d]), [1, 0, 2]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved;
        const dO = tf.transpose(dy, [1, 0, 2]); // [T, B, d] = [Tq, C, dh]
        const dP = dwProduct(perm(dO, [0, 2, 1]), perm(sv, [2, 1, 0]), T, dh, C, T); // [Tq, C, Tk]
        const pdp = tf.mul(dP, sp);
        const dS = tf.sub(pdp, tf.mul(tf.sum(pdp, 2, true), sp));
        const dQ = tf.mul(dwProduct(tf.transpose(dS, [0, 2, 1]), sk, T, T, C, dh), scale); // [Tq, C, dh]
        const dKt = dwProduct(perm(sq, [2, 0, 1]), dS, dh, T, C, T); // [dh, C, Tk]
        const dVt = dwProduct(perm(dO, [2, 0, 1]), sp, dh, T, C, T); // [dh, C, Tk]
        const back = (t: tf.Tensor) => tf.transpose(t, [2, 1, 0]).reshape([T, B, d]);
        return [tf.transpose(tf.concat([dQ.reshape([T, B, d]), back(dKt), back(dVt)], 2), [1, 0, 2])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
  return op(qkv) as tf.Tensor3D;
}

/** Batched matmul (rank >= 2, equal batch dims) whose gradient transposes explicitly. */
export const matMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: batchProduct(a, b, false, false),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      return [batchProduct(dy, sb, false, true), batchProduct(sa, dy, true, false)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

type Activation = 'linear' | 'relu';

/**
 * x [n, din] @ w [din, dout] (+ b) (then ReLU) as one op on wasm: the bias and the ReLU ride in
 * XNNPACK's fused matmul, and the gradient is written out: dx = g wᵀ, dw = xᵀ g and db = 1ᵀ g in
 * the layout XNNPACK runs fastest (weightAndBiasGrad), where g is dy masked by the ReLU's output.
 * Same math as matMul + add + relu; the sums are reassociated.
 */
const linearOps = new Map<string, (...args: tf.Tensor[]) => tf.Tensor>();
function linearOp(bias: boolean, activation: Activation): (...args: tf.Tensor[]) => tf.Tensor {
  const key = `${bias}/${activation}`;
  let op = linearOps.get(key);
  if (!op) {
    op = tf.customGrad(((...args: unknown[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const [x, w, b] = args as tf.Tensor2D[];
      const y = tf.fused.matMul({ a: x, b: w, bias: b, activation });
      save(activation === 'relu' ? [x, w, y] : [x, w]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
          const [sx, sw, sy] = saved as tf.Tensor2D[];
          // ReLU's gradient, as tfjs's: dy where the pre-activation is > 0 (the same as the output > 0).
          const g = activation === 'relu' ? (tf.mul(dy, tf.step(sy)) as tf.Tensor2D) : dy;
          const [dw, db] = weightAndBiasGrad(sx, g, bias);
          return db ? [tf.matMul(g, transpose2d(sw)), dw, db] : [tf.matMul(g, transpose2d(sw)), dw];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor;
    linearOps.set(key, op);
  }
  return op;
}

/** x [..., din] @ w [din, dout] + b, then the activation: flattened to 2-D so the fast paths apply. */
export function dense(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor, activation: Activation = 'linear'): tf.Tensor {
  const din = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  const x2 = x.reshape([-1, din]);
  let y: tf.Tensor;
  if (onWasm()) y = b ? linearOp(true, activation)(x2, w, b) : linearOp(false, activation)(x2, w);
  else if (webgpuFusedOpsApply()) y = webgpuDense(x2 as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D | undefined, activation);
  else {
    y = matMul(x2, w);
    if (b) y = tf.add(y, b);
    if (activation === 'relu') y = tf.relu(y);
  }
  return y.reshape([...lead, w.shape[1] as number]);
}

/** Embedding lookup whose gradient is one-hot^T @ dy (a matmul) instead of UnsortedSegmentSum. */
export function embed(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const [vocab, dim] = table.shape;
  const flat = ids.reshape([-1]) as tf.Tensor1D;
  const lookup = tf.customGrad(((w: tf.Tensor, save: tf.GradSaveFunc) => {
    save([flat]);
    return {
      value: tf.gather(w, flat),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const oneHot = tf.oneHot(saved[0] as tf.Tensor1D, vocab).toFloat() as tf.Tensor2D;
        const g = dy.reshape([-1, dim]) as tf.Tensor2D;
        return onWasm() ? weightGrad(oneHot, g) : tf.matMul(tf.transpose(oneHot), g);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (w: tf.Tensor) => tf.Tensor;
  return lookup(table).reshape([...ids.shape, dim as number]);
}

/** LayerNorm over the last axis; gain and bias broadcast (no Tile, whose gradient is slow). */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  if (onWasm()) return layerNormOp(eps)(x, gain, bias);
  if (webgpuFusedOpsApply()) return webgpuLayerNorm(x, gain as tf.Tensor1D, bias as tf.Tensor1D, eps);
  const axis = x.shape.length - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gain), bias);
}

/**
 * LayerNorm with its gradient written out (wasm): forward and backward run ~20 kernels where
 * tfjs's autodiff of the expression above ran ~45 (reshapes and Identity copies aside). The forward is the same expression; the backward is the
 * textbook one, x̂ = (x - μ)·r, r = 1/√(σ² + ε):
 *   dx = r · (dx̂ - mean(dx̂) - x̂ · mean(dx̂ · x̂)), dx̂ = dy · γ;  dγ = Σ_rows dy · x̂;  dβ = Σ_rows dy.
 */
const layerNormOps = new Map<number, (x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor) => tf.Tensor>();
function layerNormOp(eps: number): (x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor) => tf.Tensor {
  let op = layerNormOps.get(eps);
  if (!op) {
    op = tf.customGrad(((x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
      const axis = x.rank - 1;
      const { mean, variance } = tf.moments(x, axis, true);
      const r = tf.rsqrt(tf.add(variance, eps));
      const xhat = tf.mul(tf.sub(x, mean), r);
      save([xhat, r, gain]);
      return {
        value: tf.add(tf.mul(xhat, gain), bias),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sxhat, sr, sgain] = saved;
          const d = sxhat.shape[axis];
          const dxhat = tf.mul(dy, sgain);
          const m1 = tf.mean(dxhat, axis, true);
          const m2 = tf.mean(tf.mul(dxhat, sxhat), axis, true);
          const dx = tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(sxhat, m2)), sr);
          const dy2 = dy.reshape([-1, d]) as tf.Tensor2D;
          return [dx, columnSum(tf.mul(dy2, sxhat.reshape([-1, d])) as tf.Tensor2D), columnSum(dy2)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor) => tf.Tensor;
    layerNormOps.set(eps, op);
  }
  return op;
}

/** tf.tidy for results that are plain objects of tensors (typed interfaces lack an index signature). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
