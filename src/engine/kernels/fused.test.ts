/**
 * The fused ops' float64 references (fused-reference.ts) against tfjs's autodiff of the stock
 * expressions on the cpu backend, forward and gradients, on every parity case: a reference that
 * disagreed with tfjs's own math would make the WGSL parity tests (src/cli/node-webgpu-ops.test.ts)
 * meaningless. Also: off webgpu the fused path never applies.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasWebGpuFusedKernels, webgpuFusedOpsApply } from './fused';
import { attentionCases, attentionGradReference, attentionReference, denseCases, denseGradReference, denseReference, layerNormCases, layerNormGradReference, layerNormReference, normwiseError, stockCausalSelfAttention as stockAttention } from './fused-reference';
import { dense, layerNorm } from '../policy/ops';

/** fp32 (tfjs cpu) against float64: normwise error of a matrix product of K terms stays below ~K · 2^-24; 1e-5 covers every case here. */
const CPU_TOLERANCE = 1e-5;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, what: string, tol = CPU_TOLERANCE): void {
  const e = normwiseError(got, ref);
  expect(e.nan, what).toBe(0);
  expect(e.rel, `${what}: ${JSON.stringify(e)}`).toBeLessThanOrEqual(tol);
}

describe('fused ops off webgpu', () => {
  it('never apply on cpu', () => {
    expect(hasWebGpuFusedKernels()).toBe(false);
    expect(webgpuFusedOpsApply()).toBe(false);
  });
});

describe('dense reference = tfjs autodiff of x w + b, relu (cpu)', () => {
  for (const c of denseCases())
    it(c.name, () => {
      const x = tf.tensor2d(c.x, [c.n, c.din]);
      const w = tf.tensor2d(c.w, [c.din, c.dout]);
      const b = tf.tensor1d(c.b);
      const dy = tf.tensor2d(c.dy, [c.n, c.dout]);
      const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => dense(xi, wi, c.bias ? bi : undefined, c.relu ? 'relu' : 'linear');
      const y = f(x, w, b);
      const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => tf.sum(tf.mul(f(xi, wi, bi!), dy)))(c.bias ? [x, w, b] : [x, w]);
      const ref = denseReference(c.x, c.w, c.bias ? c.b : null, c.n, c.din, c.dout, c.relu);
      const g = denseGradReference(c.x, c.w, c.bias ? c.b : null, c.dy, c.n, c.din, c.dout, c.relu);
      expectClose(y.dataSync(), ref, 'y');
      expectClose(grads[0].dataSync(), g.dx, 'dx');
      expectClose(grads[1].dataSync(), g.dw, 'dw');
      if (c.bias) expectClose(grads[2].dataSync(), g.db, 'db');
      tf.dispose([x, w, b, dy, y, ...grads]);
    });
});

describe('LayerNorm reference = tfjs autodiff of moments, rsqrt (cpu)', () => {
  for (const c of layerNormCases())
    it(c.name, () => {
      const x = tf.tensor2d(c.x, [c.n, c.d]);
      const gain = tf.tensor1d(c.gain);
      const bias = tf.tensor1d(c.bias);
      const dy = tf.tensor2d(c.dy, [c.n, c.d]);
      const y = layerNorm(x, gain, bias, c.eps);
      const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(layerNorm(xi, gi, bi, c.eps), dy)))([x, gain, bias]);
      const g = layerNormGradReference(c.x, c.gain, c.dy, c.n, c.d, c.eps);
      expectClose(y.dataSync(), layerNormReference(c.x, c.gain, c.bias, c.n, c.d, c.eps), 'y');
      expectClose(grads[0].dataSync(), g.dx, 'dx');
      expectClose(grads[1].dataSync(), g.dgain, 'dgain');
      expectClose(grads[2].dataSync(), g.dbias, 'dbias');
      tf.dispose([x, gain, bias, dy, y, ...grads]);
    });
});

describe('attention reference = tfjs autodiff of the model\'s per-head expression (cpu)', () => {
  for (const c of attentionCases())
    it(c.name, () => {
      const d = c.H * c.dh;
      const qkv = tf.tensor3d(c.qkv, [c.B, c.T, 3 * d]);
      const dy = tf.tensor3d(c.dy, [c.B, c.T, d]);
      const out = stockAttention(qkv, c.H);
      const [grad] = tf.grads((q: tf.Tensor) => tf.sum(tf.mul(stockAttention(q as tf.Tensor3D, c.H), dy)))([qkv]);
      expectClose(out.dataSync(), attentionReference(c.qkv, c.B, c.T, c.H), 'out');
      expectClose(grad.dataSync(), attentionGradReference(c.qkv, c.dy, c.B, c.T, c.H), 'dqkv', 2e-5);
      tf.dispose([qkv, dy, out, grad]);
    });
});
