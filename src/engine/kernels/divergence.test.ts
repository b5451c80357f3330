import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { counterfactualDivergence, DIVERGENCE_KERNEL_NAME, hasFusedDivergenceKernel } from './divergence';
import { PARITY_CASES, PARITY_TOLERANCE, compareToReference, divergenceReference, makeDivergenceCase, type ErrorStats } from './reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function tensors(real: ArrayLike<number>, masked: ArrayLike<number>, tokens: ArrayLike<number>, positions: number, vocab: number) {
  return {
    real: tf.tensor2d(Float32Array.from(real), [positions, vocab]),
    masked: tf.tensor2d(Float32Array.from(masked), [positions, vocab]),
    tokens: tf.tensor1d(Int32Array.from(tokens), 'int32'),
  };
}

function expectWithin(stats: ErrorStats, what: string): void {
  const msg = `${what}: ${JSON.stringify(stats)}`;
  expect(stats.nanCount, msg).toBe(0);
  expect(stats.nonFiniteMismatches, msg).toBe(0);
  expect(stats.maxRel, msg).toBeLessThanOrEqual(PARITY_TOLERANCE);
  expect(stats.firstFailure, msg).toBe(-1);
}

describe('divergenceReference', () => {
  test('matches a hand-computed example', () => {
    const L2 = Math.log(2);
    // p0: real [0,0,0] -> p = (1/3,1/3,1/3); masked [ln2,0,-inf] -> q = (2/3,1/3,0).
    //     token 0: log(1/3) - log(2/3) = -ln 2.  KL: p(2) = 1/3 > 0 = q(2) -> +Infinity.
    // p1: real [ln2,0,-inf] -> p = (2/3,1/3,0); masked [0,0,0] -> q = (1/3,1/3,1/3).
    //     token 0: log(2/3) - log(1/3) = ln 2.
    //     KL = 2/3 ln((2/3)/(1/3)) + 1/3 ln 1 + 0 (the 0 log 0 term) = (2/3) ln 2 = 0.46209812...
    // p2: real [1000,1000,1000], masked [-1000,-1000,-1000]: both uniform (exp(1000) would overflow
    //     without the max subtraction). token 2: 0; KL 0.
    const real = [0, 0, 0, L2, 0, -Infinity, 1000, 1000, 1000];
    const masked = [L2, 0, -Infinity, 0, 0, 0, -1000, -1000, -1000];
    const ref = divergenceReference(real, masked, [0, 0, 2], 3, 3);
    expect(ref.logRatio[0]).toBeCloseTo(-L2, 14);
    expect(ref.kl[0]).toBe(Infinity);
    expect(ref.logRatio[1]).toBeCloseTo(L2, 14);
    expect(ref.kl[1]).toBeCloseTo((2 / 3) * L2, 14);
    expect(ref.kl[1]).toBeCloseTo(0.46209812037329684, 14);
    expect(ref.logRatio[2]).toBe(0);
    expect(ref.kl[2]).toBe(0);
  });

  test('masked-token conventions, empty rows and bad tokens', () => {
    const NI = -Infinity;
    // Rows (vocab 2): token masked in both -> 0; only in real -> -inf; only in masked -> +inf;
    // a row with no finite logit -> NaN; a token out of range -> NaN logRatio, KL still defined.
    const real = [NI, 0, NI, 0, 0, 1, NI, NI, 0, 1];
    const masked = [NI, 0, 0, 0, NI, 1, 0, 0, 0, 1];
    const ref = divergenceReference(real, masked, [0, 0, 0, 0, 7], 5, 2);
    expect(Array.from(ref.logRatio)).toEqual([0, -Infinity, Infinity, NaN, NaN]);
    expect(ref.kl[0]).toBe(0); // real puts all mass on entry 1, where both agree
    expect(ref.kl[1]).toBeCloseTo(Math.log(2), 14); // p = (0,1), q = (1/2,1/2)
    expect(ref.kl[2]).toBe(Infinity);
    expect(ref.kl[3]).toBeNaN();
    expect(ref.kl[4]).toBe(0);
  });
});

describe('counterfactualDivergence, tfjs-ops path (cpu) vs the float64 reference', () => {
  for (const spec of PARITY_CASES) {
    test(spec.name, async () => {
      const c = makeDivergenceCase(spec);
      const before = tf.memory().numTensors;
      const t = tensors(c.real, c.masked, c.tokens, c.positions, c.vocab);
      const out = counterfactualDivergence(t.real, t.masked, t.tokens, 'ops');
      expect(out.logRatio.shape).toEqual([c.positions]);
      expect(out.kl.shape).toEqual([c.positions]);
      const [logRatio, kl] = await Promise.all([out.logRatio.data(), out.kl.data()]);
      tf.dispose([t.real, t.masked, t.tokens, out.logRatio, out.kl]);
      expect(tf.memory().numTensors).toBe(before);

      const ref = divergenceReference(c.real, c.masked, c.tokens, c.positions, c.vocab);
      expectWithin(compareToReference(logRatio, ref.logRatio), `${spec.name} logRatio`);
      expectWithin(compareToReference(kl, ref.kl), `${spec.name} kl`);
      if (spec.kind === 'identical' || spec.kind === 'ties' || spec.kind === 'shifted') {
        for (const v of kl) {
          expect(v).toBeGreaterThanOrEqual(-1e-6);
          expect(v).toBeLessThanOrEqual(1e-5);
        }
      }
    });
  }

  test('conventions for masked tokens, empty rows and bad tokens match the reference', async () => {
    const NI = -Infinity;
    const real = [NI, 0, NI, 0, 0, 1, NI, NI, 0, 1, 3, 4];
    const masked = [NI, 0, 0, 0, NI, 1, 0, 0, 0, 1, 4, 3];
    const tokensArr = [0, 0, 0, 0, 7, -1];
    const t = tensors(real, masked, tokensArr, 6, 2);
    const out = counterfactualDivergence(t.real, t.masked, t.tokens, 'ops');
    const ref = divergenceReference(real, masked, tokensArr, 6, 2);
    expectWithin(compareToReference(await out.logRatio.data(), ref.logRatio), 'logRatio');
    expectWithin(compareToReference(await out.kl.data(), ref.kl), 'kl');
    tf.dispose([t.real, t.masked, t.tokens, out.logRatio, out.kl]);
  });

  test("'auto' falls back to ops and 'kernel' refuses when the backend has no fused kernel", () => {
    expect(hasFusedDivergenceKernel()).toBe(false);
    const t = tensors([0, 1], [1, 0], [1], 1, 2);
    expect(() => counterfactualDivergence(t.real, t.masked, t.tokens, 'kernel')).toThrow(/no fused 'InfoPODivergence' kernel for backend 'cpu'/);
    const out = counterfactualDivergence(t.real, t.masked, t.tokens);
    expect(out.logRatio.dataSync()[0]).toBeCloseTo(1, 5); // (1 - lse) - (0 - lse), same lse
    tf.dispose([t.real, t.masked, t.tokens, out.logRatio, out.kl]);
  });

  test('rejects bad shapes and dtypes', () => {
    const real = tf.zeros([2, 3]) as tf.Tensor2D;
    const masked = tf.zeros([2, 4]) as tf.Tensor2D;
    const tokens = tf.tensor1d([0, 1], 'int32');
    const floatTokens = tf.tensor1d([0, 1]);
    expect(() => counterfactualDivergence(real, masked, tokens)).toThrow(/shape mismatch/);
    expect(() => counterfactualDivergence(real, real, floatTokens)).toThrow(/int32/);
    tf.dispose([real, masked, tokens, floatTokens]);
  });
});

// Headless training runs on wasm, so its ops (Select, Floor, GatherV2...) get the same check.
describe('counterfactualDivergence, tfjs-ops path (wasm) vs the float64 reference', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  test('every parity case', async () => {
    expect(tf.getBackend()).toBe('wasm');
    for (const spec of PARITY_CASES) {
      const c = makeDivergenceCase(spec);
      const before = tf.memory().numTensors;
      const t = tensors(c.real, c.masked, c.tokens, c.positions, c.vocab);
      const out = counterfactualDivergence(t.real, t.masked, t.tokens);
      const [logRatio, kl] = await Promise.all([out.logRatio.data(), out.kl.data()]);
      tf.dispose([t.real, t.masked, t.tokens, out.logRatio, out.kl]);
      expect(tf.memory().numTensors, spec.name).toBe(before);
      const ref = divergenceReference(c.real, c.masked, c.tokens, c.positions, c.vocab);
      expectWithin(compareToReference(logRatio, ref.logRatio), `wasm ${spec.name} logRatio`);
      expectWithin(compareToReference(kl, ref.kl), `wasm ${spec.name} kl`);
    }
  });
});

describe('fused-kernel dispatch (a reference-backed stand-in kernel registered for cpu)', () => {
  afterEach(() => {
    if (tf.getKernel(DIVERGENCE_KERNEL_NAME, 'cpu') != null) tf.unregisterKernel(DIVERGENCE_KERNEL_NAME, 'cpu');
  });

  test("runs the registered kernel through runKernel, splits its [P, 2] output, leaks nothing", async () => {
    let calls = 0;
    // Same contract as the WGSL kernel: inputs {real, masked, tokens}, output [P, 2] float32,
    // column 0 logRatio, column 1 KL. Checks the plumbing in divergence.ts, not the numerics.
    tf.registerKernel({
      kernelName: DIVERGENCE_KERNEL_NAME,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        calls++;
        const cpu = backend as { readSync(id: object): ArrayLike<number>; makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo };
        const { real, masked, tokens } = inputs as Record<'real' | 'masked' | 'tokens', tf.TensorInfo>;
        const [positions, vocab] = real.shape;
        const ref = divergenceReference(cpu.readSync(real.dataId), cpu.readSync(masked.dataId), cpu.readSync(tokens.dataId), positions, vocab);
        const out = new Float32Array(positions * 2);
        for (let p = 0; p < positions; p++) {
          out[2 * p] = ref.logRatio[p];
          out[2 * p + 1] = ref.kl[p];
        }
        return cpu.makeTensorInfo([positions, 2], 'float32', out);
      },
    });
    expect(hasFusedDivergenceKernel()).toBe(true);
    const c = makeDivergenceCase(PARITY_CASES.find((s) => s.kind === 'masked')!);
    const before = tf.memory().numTensors;
    const t = tensors(c.real, c.masked, c.tokens, c.positions, c.vocab);
    const out = counterfactualDivergence(t.real, t.masked, t.tokens, 'kernel');
    const auto = counterfactualDivergence(t.real, t.masked, t.tokens, 'auto');
    const ops = counterfactualDivergence(t.real, t.masked, t.tokens, 'ops');
    expect(calls).toBe(2);
    const ref = divergenceReference(c.real, c.masked, c.tokens, c.positions, c.vocab);
    expectWithin(compareToReference(await out.logRatio.data(), ref.logRatio), 'kernel logRatio');
    expectWithin(compareToReference(await out.kl.data(), ref.kl), 'kernel kl');
    expectWithin(compareToReference(await auto.kl.data(), await ops.kl.data()), 'auto vs ops kl');
    tf.dispose([t.real, t.masked, t.tokens, out.logRatio, out.kl, auto.logRatio, auto.kl, ops.logRatio, ops.kl]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
