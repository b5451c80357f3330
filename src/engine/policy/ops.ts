/**
 * tfjs ops with gradients written for speed on the wasm backend (PLATFORM-NOTES.md):
 * - matMul's built-in gradient uses transposeA/B flags, 4-5x slower on wasm than an explicit
 *   transpose followed by a plain matMul;
 * - gather's gradient needs UnsortedSegmentSum, which wasm lacks.
 */
import * as tf from '@tensorflow/tfjs';

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

/** x [..., din] @ w [din, dout] + b: flattened to 2-D so the fast path applies. */
export function dense(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const din = x.shape[x.shape.length - 1];
  const lead = x.shape.slice(0, -1);
  let y = matMul(x.reshape([-1, din]), w);
  if (b) y = tf.add(y, b);
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
        const oneHot = tf.oneHot(saved[0] as tf.Tensor1D, vocab).toFloat();
        return tf.matMul(tf.transpose(oneHot), dy.reshape([-1, dim]));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (w: tf.Tensor) => tf.Tensor;
  return lookup(table).reshape([...ids.shape, dim as number]);
}

/** LayerNorm over the last axis; gain and bias broadcast (no Tile, whose gradient is slow). */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  const axis = x.shape.length - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gain), bias);
}

/** tf.tidy for results that are plain objects of tensors (typed interfaces lack an index signature). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
