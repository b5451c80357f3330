/**
 * The fused training ops' WGSL kernels (engine/kernels/fused-webgpu.ts) in Node on Dawn's WebGPU
 * (SwiftShader on a machine without a GPU, as node-webgpu.test.ts): forward and gradients on every
 * parity case against the float64 reference and against tfjs's autodiff of the stock expression on
 * the same backend; a dispatch count proving the fused path ran; no leaked tensors; and a whole
 * policy's loss and gradients with the fused path on and off. Set FUSED_PARITY_REPORT=1 to print
 * the measured errors (docs/kernels.md quotes them).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causalSelfAttention, dense, fusedReference as R, hasWebGpuFusedKernels, layerNorm, Policy, Rng, setWebGpuFusedOps, webgpuFusedOpsApply } from '../engine';
import { nodeBackend } from './node-env';
import { SWIFTSHADER_ICD } from './node-webgpu';

/** Normwise tolerances (max |error| / max |reference| over a tensor; fp32 kernels, float64 reference). */
const TOL = { reference: 2e-5, stock: 2e-5 };

const report: string[] = [];
let fusedOpDispatches: () => number;

/** Reads every tensor (await data(): Dawn's read-backs are asynchronous) and disposes them. */
async function read(ts: tf.Tensor[]): Promise<Float32Array[]> {
  const out = (await Promise.all(ts.map((t) => t.data()))) as Float32Array[];
  tf.dispose(ts);
  return out;
}

/**
 * Runs `fn` in a tidy with the fused path on or off; returns its tensors' values and the fused
 * dispatches it made, and checks that neither a tensor nor a backend buffer was left behind (a
 * saved tensor or kernel output that escaped tfjs's bookkeeping would stay in numDataIds).
 */
async function withFused(on: boolean, fn: () => tf.Tensor[]): Promise<{ values: Float32Array[]; dispatches: number }> {
  const was = setWebGpuFusedOps(on);
  try {
    const before = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    const d0 = fusedOpDispatches();
    const values = await read(tf.tidy(fn));
    const dispatches = fusedOpDispatches() - d0;
    expect(tf.memory().numTensors, 'tensors left behind').toBe(before);
    expect(tf.engine().backend.numDataIds(), 'backend buffers left behind').toBe(buffers);
    return { values, dispatches };
  } finally {
    setWebGpuFusedOps(was);
  }
}

function expectNear(name: string, what: string, got: ArrayLike<number>, ref: ArrayLike<number>, stock: ArrayLike<number>, tolerance?: number): void {
  const e = R.normwiseError(got, ref);
  const s = R.normwiseError(got, stock);
  report.push(`| ${name} | ${what} | ${e.rel.toExponential(1)} | ${s.rel.toExponential(1)} |`);
  expect(e.nan, `${name} ${what}: non-finite values`).toBe(0);
  expect(e.rel, `${name} ${what} vs reference: ${JSON.stringify(e)}`).toBeLessThanOrEqual(tolerance ?? TOL.reference);
  expect(s.rel, `${name} ${what} vs stock: ${JSON.stringify(s)}`).toBeLessThanOrEqual(tolerance ?? TOL.stock);
}

describe('fused training ops on webgpu in Node (Dawn)', () => {
  beforeAll(async () => {
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    await nodeBackend('webgpu');
    ({ fusedOpDispatches } = await import('../engine/runtime/webgpu'));
  }, 120_000);
  afterAll(async () => {
    if (process.env.FUSED_PARITY_REPORT) console.log(['| case | output | vs float64 reference | vs stock tfjs (webgpu) |', '|---|---|---|---|', ...report].join('\n'));
    await tf.setBackend('cpu');
  });

  it('registers the kernels and applies them on webgpu', () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(hasWebGpuFusedKernels()).toBe(true);
    expect(webgpuFusedOpsApply()).toBe(true);
    const was = setWebGpuFusedOps(false);
    expect(webgpuFusedOpsApply()).toBe(false);
    setWebGpuFusedOps(was);
  });

  for (const c of R.denseCases())
    it(`dense: ${c.name}`, async () => {
      const act = c.relu ? 'relu' : 'linear';
      const run = () => {
        const x = tf.tensor2d(c.x, [c.n, c.din]);
        const w = tf.tensor2d(c.w, [c.din, c.dout]);
        const b = tf.tensor1d(c.b);
        const dy = tf.tensor2d(c.dy, [c.n, c.dout]);
        const f = (xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => dense(xi, wi, bi, act);
        const y = c.bias ? f(x, w, b) : f(x, w);
        const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi?: tf.Tensor) => tf.sum(tf.mul(f(xi, wi, bi), dy)))(c.bias ? [x, w, b] : [x, w]);
        return [y, ...grads];
      };
      const fused = await withFused(true, run);
      const stock = await withFused(false, run);
      // Forward once for y and once under tf.grads; the gradient: dx, dw (and db).
      expect(fused.dispatches).toBe(2 + (c.bias ? 3 : 2));
      expect(stock.dispatches).toBe(0);
      const g = R.denseGradReference(c.x, c.w, c.bias ? c.b : null, c.dy, c.n, c.din, c.dout, c.relu);
      const refs = [R.denseReference(c.x, c.w, c.bias ? c.b : null, c.n, c.din, c.dout, c.relu), g.dx, g.dw, ...(c.bias ? [g.db] : [])];
      ['y', 'dx', 'dw', 'db'].slice(0, refs.length).forEach((what, i) => expectNear(`dense ${c.name}`, what, fused.values[i], refs[i], stock.values[i]));
    }, 60_000);

  for (const c of R.layerNormCases())
    it(`LayerNorm: ${c.name}`, async () => {
      const run = () => {
        const x = tf.tensor2d(c.x, [c.n, c.d]);
        const gain = tf.tensor1d(c.gain);
        const bias = tf.tensor1d(c.bias);
        const dy = tf.tensor2d(c.dy, [c.n, c.d]);
        const y = layerNorm(x, gain, bias, c.eps);
        const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(layerNorm(xi, gi, bi, c.eps), dy)))([x, gain, bias]);
        return [y, ...grads];
      };
      const fused = await withFused(true, run);
      const stock = await withFused(false, run);
      // Forward twice; the gradient: statistics, dx, dγ, dβ.
      expect(fused.dispatches).toBe(2 + 4);
      const g = R.layerNormGradReference(c.x, c.gain, c.dy, c.n, c.d, c.eps);
      const refs = [R.layerNormReference(c.x, c.gain, c.bias, c.n, c.d, c.eps), g.dx, g.dgain, g.dbias];
      ['y', 'dx', 'dgain', 'dbias'].forEach((what, i) => expectNear(`LayerNorm ${c.name}`, what, fused.values[i], refs[i], stock.values[i], c.tolerance));
    }, 60_000);

  for (const c of R.attentionCases())
    it(`attention: ${c.name}`, async () => {
      const d = c.H * c.dh;
      const run = (attend: (qkv: tf.Tensor3D) => tf.Tensor) => () => {
        const qkv = tf.tensor3d(c.qkv, [c.B, c.T, 3 * d]);
        const dy = tf.tensor3d(c.dy, [c.B, c.T, d]);
        const out = attend(qkv);
        const [grad] = tf.grads((q: tf.Tensor) => tf.sum(tf.mul(attend(q as tf.Tensor3D), dy)))([qkv]);
        return [out, grad];
      };
      const fused = await withFused(true, run((q) => causalSelfAttention(q, c.H)));
      const stock = await withFused(false, run((q) => R.stockCausalSelfAttention(q, c.H)));
      // Forward twice; the gradient: statistics, then dQ, dK, dV in one.
      expect(fused.dispatches).toBe(2 + 2);
      expectNear(`attention ${c.name}`, 'out', fused.values[0], R.attentionReference(c.qkv, c.B, c.T, c.H), stock.values[0]);
      expectNear(`attention ${c.name}`, 'dqkv', fused.values[1], R.attentionGradReference(c.qkv, c.dy, c.B, c.T, c.H), stock.values[1]);
    }, 60_000);

  it('a whole policy: loss and every gradient with the fused path on and off agree', async () => {
    const shape = { vocabSize: 41, dModel: 32, nLayers: 2, nHeads: 2, maxContext: 24 };
    const policy = new Policy(shape, new Rng(3));
    const tokens = tf.tensor2d(Array.from({ length: 2 * 20 }, (_, i) => (i * 7) % 41), [2, 20], 'int32');
    const run = () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(policy.forward(tokens).logits)) as tf.Scalar, policy.variables);
      return [value, ...policy.variables.map((v) => grads[v.name])];
    };
    const fused = await withFused(true, run);
    const stock = await withFused(false, run);
    // Per layer: 4 dense + 2 LayerNorm + attention; plus the final LayerNorm and the head.
    expect(fused.dispatches).toBeGreaterThan(shape.nLayers * 7);
    const lossRel = Math.abs(fused.values[0][0] - stock.values[0][0]) / Math.abs(stock.values[0][0]);
    report.push(`| policy d32/2 layers | loss | - | ${lossRel.toExponential(1)} |`);
    expect(lossRel).toBeLessThanOrEqual(1e-5);
    let worst = 0;
    for (let i = 1; i < fused.values.length; i++) worst = Math.max(worst, R.normwiseError(fused.values[i], stock.values[i]).rel);
    report.push(`| policy d32/2 layers | worst parameter gradient | - | ${worst.toExponential(1)} |`);
    expect(worst).toBeLessThanOrEqual(1e-4);
    tokens.dispose();
    policy.dispose();
  }, 120_000);
});
