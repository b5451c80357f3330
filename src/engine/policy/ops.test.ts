import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, embed, layerNorm, matMul } from './ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Gradients of our ops equal the gradients of tfjs's own ops (cpu has every kernel). */
function expectSameGrads(ours: (xs: tf.Tensor[]) => tf.Scalar, theirs: (xs: tf.Tensor[]) => tf.Scalar, inputs: tf.Tensor[]) {
  const g1 = tf.grads((...xs: tf.Tensor[]) => ours(xs))(inputs);
  const g2 = tf.grads((...xs: tf.Tensor[]) => theirs(xs))(inputs);
  g1.forEach((g, i) => {
    const a = g.dataSync();
    const b = g2[i].dataSync();
    expect(a.length).toBe(b.length);
    for (let k = 0; k < a.length; k++) expect(a[k]).toBeCloseTo(b[k], 4);
  });
}

describe('ops with hand-written gradients', () => {
  const w = () => tf.randomNormal([5, 3], 0, 1, 'float32', 2);
  it('matMul (batched) has the gradient of tf.matMul', () => {
    const a = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 3, 5, 6], 0, 1, 'float32', 3);
    const c = tf.randomNormal([2, 3, 4, 6], 0, 1, 'float32', 4);
    expectSameGrads(([x, y]) => tf.sum(tf.mul(matMul(x, y), c)), ([x, y]) => tf.sum(tf.mul(tf.matMul(x, y), c)), [a, b]);
  });
  it('dense has the gradient of matMul + bias', () => {
    const x = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 5);
    const bias = tf.randomNormal([3], 0, 1, 'float32', 6);
    const c = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 7);
    expectSameGrads(([a, m, b]) => tf.sum(tf.mul(dense(a, m, b), c)), ([a, m, b]) => tf.sum(tf.mul(tf.add(tf.matMul(a.reshape([8, 5]), m).reshape([2, 4, 3]), b), c)), [x, w(), bias]);
  });
  it('embed has the gradient of tf.gather, repeated ids included', () => {
    const ids = tf.tensor2d([[0, 2, 2], [4, 0, 1]], undefined, 'int32');
    const c = tf.randomNormal([2, 3, 3], 0, 1, 'float32', 8);
    expectSameGrads(([t]) => tf.sum(tf.mul(embed(t as tf.Tensor2D, ids), c)), ([t]) => tf.sum(tf.mul(tf.gather(t, ids), c)), [w()]);
  });
  it('layerNorm matches its definition and its gradient', () => {
    const x = tf.randomNormal([2, 3, 5], 0, 2, 'float32', 9);
    const g = tf.randomNormal([5], 1, 0.1, 'float32', 10);
    const b = tf.randomNormal([5], 0, 0.1, 'float32', 11);
    const c = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 12);
    const ref = (xs: tf.Tensor[]) => {
      const [a, gain, bias] = xs;
      const mean = tf.mean(a, -1, true);
      const v = tf.mean(tf.square(tf.sub(a, mean)), -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(v, 1e-5))), gain), bias);
    };
    expectSameGrads((xs) => tf.sum(tf.mul(layerNorm(xs[0], xs[1], xs[2]), c)), (xs) => tf.sum(tf.mul(ref(xs), c)), [x, g, b]);
  });
});
