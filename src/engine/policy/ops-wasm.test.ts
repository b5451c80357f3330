/**
 * The wasm backend's batched products through a depthwise convolution (ops.ts) against the plain
 * BatchMatMul and its gradient, on random inputs with extreme values. Runs on tfjs-backend-wasm in Node.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depthwiseBatchMatMul, matMul, setDepthwiseProducts } from './ops';

let previous = '';
beforeAll(async () => {
  previous = tf.getBackend();
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});
afterAll(async () => {
  if (previous) await tf.setBackend(previous);
});

/** Normal values, with some entries huge, tiny, zero or a -1e9 attention mask. */
function extreme(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const base = tf.randomNormal([size], 0, 1, 'float32', seed).dataSync();
  const data = Float32Array.from(base, (v, i) => (i % 97 === 3 ? v * 1e6 : i % 89 === 5 ? v * 1e-20 : i % 83 === 7 ? 0 : i % 79 === 11 ? -1e9 : v));
  return tf.tensor(data, shape);
}

/** |a - b| <= tol * (1 + scale): relative to the size of the terms summed, as fp32 sums of mixed magnitudes are. */
function expectClose(a: tf.Tensor, b: tf.Tensor, scale: tf.Tensor, tol = 1e-5) {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  const s = scale.dataSync();
  for (let i = 0; i < x.length; i++) {
    expect(Number.isFinite(x[i])).toBe(Number.isFinite(y[i]));
    if (Number.isFinite(y[i])) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(tol * (1 + s[i]));
  }
}

/** The scale of each output entry: sum_k |a_ik| |b_kj|. */
const magnitude = (a: tf.Tensor, b: tf.Tensor, ta = false, tb = false) => tf.matMul(tf.abs(a), tf.abs(b), ta, tb);

describe('depthwise-convolution batched products (wasm)', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[2, 3, 20, 5], [2, 3, 5, 17], false, false],
    [[6, 20, 8], [6, 17, 8], false, true],
    [[6, 8, 20], [6, 8, 17], true, false],
    [[2, 2, 9, 20], [2, 2, 17, 9], true, true],
  ];
  for (const [sa, sb, ta, tb] of cases) {
    it(`equals BatchMatMul for [${sa}]${ta ? 'ᵀ' : ''} x [${sb}]${tb ? 'ᵀ' : ''}`, () => {
      const a = extreme(sa, 1);
      const b = extreme(sb, 2);
      expectClose(depthwiseBatchMatMul(a, b, ta, tb), tf.matMul(a, b, ta, tb), magnitude(a, b, ta, tb));
    });
  }

  it('rejects mismatched shapes with a clear error', () => {
    expect(() => depthwiseBatchMatMul(tf.zeros([2, 3, 4]), tf.zeros([2, 5, 6]))).toThrow(/inner dimensions differ/);
    expect(() => depthwiseBatchMatMul(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 6]))).toThrow(/batch dimensions differ/);
    expect(() => depthwiseBatchMatMul(tf.zeros([3, 4]), tf.zeros([4, 6]))).toThrow(/rank >= 3/);
  });

  it("matMul's value and gradient are the same with the depthwise path on and off", () => {
    const a = extreme([2, 4, 24, 8], 3);
    const b = extreme([2, 4, 8, 30], 4);
    const c = tf.randomNormal([2, 4, 24, 30], 0, 1, 'float32', 5);
    const run = (on: boolean) => {
      const was = setDepthwiseProducts(on);
      try {
        const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(matMul(x, y), c)) as tf.Scalar;
        const [ga, gb] = tf.grads(f)([a, b]);
        return { y: matMul(a, b), ga, gb };
      } finally {
        setDepthwiseProducts(was);
      }
    };
    const on = run(true);
    const off = run(false);
    expectClose(on.y, off.y, magnitude(a, b));
    expectClose(on.ga, off.ga, magnitude(tf.abs(c), b, false, true));
    expectClose(on.gb, off.gb, magnitude(a, tf.abs(c), true, false));
  });

  it('leaks no tensor', () => {
    const a = tf.randomNormal([4, 20, 8]);
    const b = tf.randomNormal([4, 8, 20]);
    const before = tf.memory().numTensors;
    depthwiseBatchMatMul(a, b).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
