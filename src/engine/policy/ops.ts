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

/** Batched matmul (rank >= 2, equal batch dims) whose gradient transposes explicitly. */
export const matMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      return [tf.matMul(dy, swapLast(sb)), tf.matMul(swapLast(sa), dy)];
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
