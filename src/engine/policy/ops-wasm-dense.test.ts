/**
 * The wasm backend's own ops (ops.ts: fused dense with a written-out gradient, LayerNorm with a
 * written-out gradient, the cheap transposes and column sums) against tfjs's plain ops and their
 * autodiff, on random inputs with extreme values; and the sharing Identity / Cast (wasm-kernels.ts).
 * Runs on tfjs-backend-wasm in Node.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causalSelfAttention, columnSum, dense, layerNorm, matMul, setFusedAttention, transpose2d, weightAndBiasGrad, weightGrad } from './ops';
import { shareWasmCopies, wasmCopiesShared } from './wasm-kernels';

let previous = '';
beforeAll(async () => {
  previous = tf.getBackend();
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
  shareWasmCopies();
});
afterAll(async () => {
  if (previous) await tf.setBackend(previous);
});

/** Normal values, with some entries huge, tiny or zero. */
function extreme(shape: number[], seed: number, spread = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const base = tf.randomNormal([size], 0, spread, 'float32', seed).dataSync();
  return tf.tensor(Float32Array.from(base, (v, i) => (i % 97 === 3 ? v * 1e6 : i % 89 === 5 ? v * 1e-20 : i % 83 === 7 ? 0 : v)), shape);
}

/** |a - b| <= tol * (1 + scale): scale the size of the terms summed into each entry (fp32 sums of mixed magnitudes). */
function expectClose(a: tf.Tensor, b: tf.Tensor, scale: tf.Tensor | number, tol = 1e-5) {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  const s = typeof scale === 'number' ? null : scale.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    expect(Number.isFinite(x[i])).toBe(true);
    expect(Number.isFinite(y[i])).toBe(true);
    worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + (s ? s[i] : (scale as number))));
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

const absProduct = (a: tf.Tensor, b: tf.Tensor, ta = false, tb = false) => tf.matMul(tf.abs(a), tf.abs(b), ta, tb);

describe('wasm matrix helpers', () => {
  it('transpose2d equals tf.transpose for even, odd and narrow widths', () => {
    for (const [r, c] of [[1024, 512], [7, 6], [5, 9], [3, 2], [1, 8]]) {
      const x = extreme([r, c], r + c);
      expect(Array.from(transpose2d(x).dataSync())).toEqual(Array.from(tf.transpose(x).dataSync()));
      expect(transpose2d(x).shape).toEqual([c, r]);
    }
    expect(() => transpose2d(tf.zeros([2, 3, 4]))).toThrow(/matrix expected/);
  });

  it('weightGrad is xᵀ g down both of its layouts', () => {
    for (const [n, din, dout] of [[64, 8, 40], [64, 40, 8], [33, 6, 6]]) {
      const x = extreme([n, din], n + din) as tf.Tensor2D;
      const g = extreme([n, dout], n + dout + 1) as tf.Tensor2D;
      expectClose(weightGrad(x, g), tf.matMul(x, g, true, false), absProduct(x, g, true, false));
    }
    expect(() => weightGrad(tf.zeros([4, 3]) as tf.Tensor2D, tf.zeros([5, 3]) as tf.Tensor2D)).toThrow(/4 rows in x, 5 in g/);
  });

  it('weightAndBiasGrad gives xᵀ g and 1ᵀ g down both layouts', () => {
    for (const [n, din, dout] of [[64, 8, 40], [64, 40, 8]]) {
      const x = extreme([n, din], n + din) as tf.Tensor2D;
      const g = extreme([n, dout], n + dout + 1) as tf.Tensor2D;
      const [dw, db] = weightAndBiasGrad(x, g, true);
      expectClose(dw, tf.matMul(x, g, true, false), absProduct(x, g, true, false));
      expectClose(db!, tf.sum(g, 0), tf.sum(tf.abs(g), 0));
      expect(weightAndBiasGrad(x, g, false)[1]).toBeUndefined();
    }
  });

  it('columnSum equals tf.sum over rows', () => {
    const g = extreme([300, 24], 5) as tf.Tensor2D;
    expectClose(columnSum(g), tf.sum(g, 0), tf.sum(tf.abs(g), 0));
  });
});

describe('dense on wasm (fused bias and ReLU, written-out gradient)', () => {
  const plain = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, relu: boolean) => {
    let y = tf.matMul(x.reshape([-1, x.shape[x.rank - 1] as number]), w);
    if (b) y = tf.add(y, b);
    if (relu) y = tf.relu(y);
    return y.reshape([...x.shape.slice(0, -1), w.shape[1] as number]);
  };
  for (const [bias, relu] of [[true, false], [true, true], [false, false]] as const) {
    it(`value and gradients equal matMul${bias ? ' + bias' : ''}${relu ? ' + relu' : ''}`, () => {
      const x = extreme([3, 20, 12], 11);
      const w = extreme([12, 18], 12);
      const b = extreme([18], 13);
      const c = tf.randomNormal([3, 20, 18], 0, 1, 'float32', 14);
      const args = bias ? [x, w, b] : [x, w];
      const ours = (...xs: tf.Tensor[]) => tf.sum(tf.mul(dense(xs[0], xs[1], bias ? xs[2] : undefined, relu ? 'relu' : 'linear'), c)) as tf.Scalar;
      const theirs = (...xs: tf.Tensor[]) => tf.sum(tf.mul(plain(xs[0], xs[1], bias ? xs[2] : undefined, relu), c)) as tf.Scalar;
      const x2 = x.reshape([60, 12]);
      const ySize = tf.add(absProduct(x2, w), bias ? tf.abs(b) : 0).reshape([3, 20, 18]);
      expectClose(dense(x, w, bias ? b : undefined, relu ? 'relu' : 'linear'), plain(x, w, bias ? b : undefined, relu), ySize);
      const g1 = tf.grads(ours)(args);
      const g2 = tf.grads(theirs)(args);
      const c2 = tf.abs(c).reshape([60, 18]);
      expectClose(g1[0], g2[0], absProduct(c2, w, false, true).reshape([3, 20, 12]));
      expectClose(g1[1], g2[1], absProduct(x2, c2, true, false));
      if (bias) expectClose(g1[2], g2[2], tf.sum(c2, 0));
    });
  }

  it('leaks no tensor, forward or backward', () => {
    const x = tf.randomNormal([4, 8]);
    const w = tf.randomNormal([8, 6]);
    const b = tf.randomNormal([6]);
    const before = tf.memory().numTensors;
    tf.tidy(() => dense(x, w, b, 'relu')).dispose(); // dense's reshapes are intermediates, as in the model's tidy

    tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(dense(p, q, r, 'relu')) as tf.Scalar)([x, w, b]).forEach((g) => g.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('layerNorm on wasm (written-out gradient)', () => {
  const ref = (a: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor) => {
    const { mean, variance } = tf.moments(a, a.rank - 1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, 1e-5))), gain), bias);
  };
  it('has the same value and gradients as autodiff of its definition, rows of mixed magnitude included', () => {
    // Rows at scale 1, rows with 1e6 outliers, tiny and constant rows (variance ~ 0: ε dominates).
    const x = tf.concat([extreme([4, 6, 16], 21), tf.fill([1, 6, 16], 3.5), tf.mul(extreme([1, 6, 16], 22), 1e-4)], 0);
    const g = extreme([16], 23);
    const b = extreme([16], 24);
    const c = tf.randomNormal(x.shape, 0, 1, 'float32', 25);
    expectClose(layerNorm(x, g, b), ref(x, g, b), tf.add(tf.mul(tf.abs(g), 4), tf.abs(b)).reshape([1, 1, 16]).tile([6, 6, 1]));
    const f = (fn: typeof ref) => (a: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor) => tf.sum(tf.mul(fn(a, gain, bias), c)) as tf.Scalar;
    const [dx1, dg1, db1] = tf.grads(f(layerNorm))([x, g, b]);
    const [dx2, dg2, db2] = tf.grads(f(ref))([x, g, b]);
    // dx per row is r·(terms of size |c γ|); compare against the row's largest such term times r.
    const { variance } = tf.moments(x, 2, true);
    const rowScale = tf.mul(tf.rsqrt(tf.add(variance, 1e-5)), tf.max(tf.abs(tf.mul(c, g)), 2, true));
    expectClose(dx1, dx2, tf.mul(tf.onesLike(x), tf.mul(rowScale, 16)));
    expectClose(dg1, dg2, tf.sum(tf.abs(c), [0, 1]).mul(4));
    expectClose(db1, db2, tf.sum(tf.abs(c), [0, 1]));
  });

  it('leaks no tensor', () => {
    const x = tf.randomNormal([2, 3, 8]);
    const g = tf.ones([8]);
    const b = tf.zeros([8]);
    const before = tf.memory().numTensors;
    layerNorm(x, g, b).dispose();
    tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(layerNorm(p, q, r)) as tf.Scalar)([x, g, b]).forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('causalSelfAttention on wasm (one op, written-out gradient)', () => {
  /** The general path of model.ts: per-head products, scores scaled, causal mask, softmax. */
  const reference = (qkv: tf.Tensor, H: number) => {
    const [B, T, d3] = qkv.shape as [number, number, number];
    const d = d3 / 3;
    const dh = d / H;
    const [q, k, v] = tf.split(qkv, 3, 2).map((t) => t.reshape([B, T, H, dh]));
    const mask = tf.tensor(Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)), [1, 1, T, T]);
    const scores = tf.add(tf.mul(matMul(tf.transpose(q, [0, 2, 1, 3]), tf.transpose(k, [0, 2, 3, 1])), 1 / Math.sqrt(dh)), mask);
    return tf.transpose(matMul(tf.softmax(scores), tf.transpose(v, [0, 2, 1, 3])), [0, 2, 1, 3]).reshape([B, T, d]);
  };
  const maxAbs = (t: tf.Tensor) => tf.max(tf.abs(t)).dataSync()[0];

  for (const [B, T, H, dh] of [[2, 17, 3, 4], [3, 24, 2, 8], [1, 16, 4, 2]]) {
    it(`equals the per-head path, value and gradient, B ${B} T ${T} H ${H} dh ${dh}`, () => {
      // Outliers up to 30 (scores up to ~1e3: saturated softmax rows), tiny and zero entries.
      const base = tf.randomNormal([B * T * 3 * H * dh], 0, 1, 'float32', B + T).dataSync();
      const qkv = tf.tensor(Float32Array.from(base, (x, i) => (i % 37 === 3 ? x * 30 : i % 41 === 5 ? x * 1e-20 : i % 43 === 7 ? 0 : x)), [B, T, 3 * H * dh]);
      const c = tf.randomNormal([B, T, H * dh], 0, 1, 'float32', 99);
      const ours = causalSelfAttention(qkv as tf.Tensor3D, H);
      const theirs = reference(qkv, H);
      expectClose(ours, theirs, 0, 1e-4 * (1 + maxAbs(theirs)));
      const g1 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(causalSelfAttention(x as tf.Tensor3D, H), c)) as tf.Scalar)(qkv);
      const g2 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(reference(x, H), c)) as tf.Scalar)(qkv);
      expectClose(g1, g2, 0, 1e-4 * (1 + maxAbs(g2)));
      expect(maxAbs(g2)).toBeGreaterThan(0);
    });
  }

  it('rejects a last axis that is not 3 × d', () => {
    expect(() => causalSelfAttention(tf.zeros([1, 16, 10]) as tf.Tensor3D, 2)).toThrow(/not 3 × d/);
    expect(() => causalSelfAttention(tf.zeros([1, 16, 12]) as tf.Tensor3D, 3)).toThrow(/multiple of 3 heads/);
  });

  it('leaks no tensor', () => {
    const qkv = tf.randomNormal([2, 16, 24]);
    const before = tf.memory().numTensors;
    tf.tidy(() => causalSelfAttention(qkv as tf.Tensor3D, 2)).dispose();
    tf.grad((x: tf.Tensor) => tf.sum(causalSelfAttention(x as tf.Tensor3D, 2)) as tf.Scalar)(qkv).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('sharing Identity and Cast on wasm', () => {
  it('is installed, and a clone or same-dtype cast outlives its source with the same values', () => {
    expect(wasmCopiesShared()).toBe(true);
    const a = tf.tensor1d([1.5, -2, 3e-7]);
    const b = tf.clone(a);
    const c = tf.cast(a, 'float32');
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual(Array.from(Float32Array.of(1.5, -2, 3e-7)));
    expect(Array.from(c.dataSync())).toEqual(Array.from(Float32Array.of(1.5, -2, 3e-7)));
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual(Array.from(Float32Array.of(1.5, -2, 3e-7)));
    c.dispose();
  });

  it('still converts between dtypes', () => {
    expect(Array.from(tf.cast(tf.tensor1d([1.7, -2.2, 0]), 'int32').dataSync())).toEqual([1, -2, 0]);
    expect(Array.from(tf.cast(tf.tensor1d([3, 7], 'int32'), 'float32').dataSync())).toEqual([3, 7]);
  });

  it('frees the shared buffer once every holder is disposed (no growth over many clones)', () => {
    const a = tf.randomNormal([1000]);
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 50; i++) tf.clone(a).dispose();
    const first = a.dataSync()[0];
    // A variable made from a clone, then assigned: the clone's source keeps its values.
    const copy = tf.clone(a);
    const v = tf.variable(copy);
    copy.dispose();
    const doubled = tf.mul(a, 2);
    v.assign(doubled);
    doubled.dispose();
    expect(a.dataSync()[0]).toBe(first);
    expect(v.dataSync()[0]).toBe(first * 2);
    v.dispose();
    expect(tf.memory().numBytes).toBe(bytes);
    a.dispose();
  });
});

describe('the whole policy on wasm against the cpu backend (tfjs ops, autodiff)', () => {
  it('gives the same log-probs and the same gradient for every parameter', async () => {
    const { Policy } = await import('./model');
    const { Rng } = await import('../random');
    const { tokenLogProbs } = await import('../rl/batch');
    const shape = { vocabSize: 29, dModel: 16, nLayers: 2, nHeads: 2, maxContext: 24 };
    const rng = new Rng(3);
    const n = 3;
    const t = 20;
    const batch = { n, t, tokens: new Int32Array(n * t).map(() => Math.floor(rng.next() * 29)), mask: new Float32Array(n * (t - 1)).fill(1) };
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const p = new Policy(shape, new Rng(11));
      const { value, grads } = tf.variableGrads(() => tf.mean(tokenLogProbs(p, batch).logp) as tf.Scalar, p.variables);
      const out = { loss: value.dataSync()[0], grads: new Map(p.names().map((name) => [name, Float32Array.from(grads[p.get(name).name].dataSync())])) };
      tf.dispose([value, ...Object.values(grads)]);
      p.dispose();
      return out;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    const was = setFusedAttention(false);
    const perProduct = await run('wasm').finally(() => setFusedAttention(was));
    expect(Math.abs(perProduct.loss - cpu.loss)).toBeLessThan(1e-5 * Math.abs(cpu.loss));
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-5 * Math.abs(cpu.loss));
    for (const [name, g] of cpu.grads) {
      const h = wasm.grads.get(name)!;
      const scale = g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(scale, name).toBeGreaterThan(0);
      const u = perProduct.grads.get(name)!;
      for (let i = 0; i < g.length; i++) {
        expect(Math.abs(h[i] - g[i]), `${name}[${i}]`).toBeLessThanOrEqual(1e-4 * scale);
        expect(Math.abs(u[i] - g[i]), `${name}[${i}] per-product`).toBeLessThanOrEqual(1e-4 * scale);
      }
    }
  });
});

describe('the key/value cache from the one-op attention path (wasm)', () => {
  it('equals the per-product path, and decoding from it continues the full forward', async () => {
    const { Policy } = await import('./model');
    const { Rng } = await import('../random');
    await tf.setBackend('wasm');
    const shape = { vocabSize: 31, dModel: 16, nLayers: 2, nHeads: 4, maxContext: 32 };
    const p = new Policy(shape, new Rng(5));
    const rng = new Rng(6);
    const ids = Array.from({ length: 2 * 21 }, () => Math.floor(rng.next() * 31));
    const prefix = tf.tensor2d(ids.filter((_, i) => i % 21 < 20), [2, 20], 'int32');
    const fused = p.forward(prefix, { returnKV: true });
    const was = setFusedAttention(false);
    const plain = p.forward(prefix, { returnKV: true });
    setFusedAttention(was);
    const close = (a: tf.Tensor, b: tf.Tensor) => expectClose(a, b, 0, 1e-5 * (1 + tf.max(tf.abs(b)).dataSync()[0]));
    close(fused.logits, plain.logits);
    for (let l = 0; l < 2; l++) {
      expect(fused.kv!.k[l].shape).toEqual(plain.kv!.k[l].shape);
      close(fused.kv!.k[l], plain.kv!.k[l]);
      close(fused.kv!.v[l], plain.kv!.v[l]);
    }
    const next = tf.tensor2d([ids[20], ids[41]], [2, 1], 'int32');
    const stepped = p.forward(next, { past: fused.kv, returnKV: true });
    const full = p.forward(tf.tensor2d(ids, [2, 21], 'int32'));
    close(stepped.logits, tf.slice(full.logits, [0, 20, 0], [2, 1, 31]));
    p.dispose();
  });
});
