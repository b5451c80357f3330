/**
 * One parity check of the divergence on the active backend against the float64 reference, shared
 * by every host that runs it: the kernel lab in Chromium (e2e/kernels.spec.ts), Node on Dawn
 * (src/cli/node-webgpu.test.ts) and `npm run bench` (its fidelity figure).
 */
import * as tf from '@tensorflow/tfjs';
import { counterfactualDivergence, type DivergenceImpl } from './divergence';
import { compareToReference, divergenceReference, makeDivergenceCase, passes, type DivergenceCaseSpec, type ErrorStats } from './reference';

export interface DivergenceParity {
  name: string;
  positions: number;
  vocab: number;
  impl: DivergenceImpl;
  logRatio: ErrorStats;
  kl: ErrorStats;
  /** The smallest KL computed (a negative one would be a formulation bug, not rounding). */
  minKl: number;
  /** The largest finite |log-ratio| computed (how extreme the case was). */
  maxAbsLogRatio: number;
  /** tf.memory().numTensors after minus before (inputs created and disposed inside). */
  leakedTensors: number;
  /** Upload, divergence and read-back. */
  ms: number;
  pass: boolean;
}

export async function divergenceParity(spec: DivergenceCaseSpec, impl: DivergenceImpl = 'kernel'): Promise<DivergenceParity> {
  const c = makeDivergenceCase(spec);
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const real = tf.tensor2d(c.real, [c.positions, c.vocab]);
  const masked = tf.tensor2d(c.masked, [c.positions, c.vocab]);
  const tokens = tf.tensor1d(c.tokens, 'int32');
  let logRatio: Float32Array;
  let kl: Float32Array;
  try {
    const out = counterfactualDivergence(real, masked, tokens, impl);
    [logRatio, kl] = (await Promise.all([out.logRatio.data(), out.kl.data()])) as [Float32Array, Float32Array];
    tf.dispose([out.logRatio, out.kl]);
  } finally {
    tf.dispose([real, masked, tokens]);
  }
  const ms = performance.now() - t0;
  const leakedTensors = tf.memory().numTensors - before;
  const ref = divergenceReference(c.real, c.masked, c.tokens, c.positions, c.vocab);
  const lrStats = compareToReference(logRatio, ref.logRatio);
  const klStats = compareToReference(kl, ref.kl);
  let minKl = Infinity;
  let maxAbsLogRatio = 0;
  for (const v of kl) minKl = Math.min(minKl, v);
  for (const v of logRatio) if (Number.isFinite(v)) maxAbsLogRatio = Math.max(maxAbsLogRatio, Math.abs(v));
  return { name: spec.name, positions: c.positions, vocab: c.vocab, impl, logRatio: lrStats, kl: klStats, minKl, maxAbsLogRatio, leakedTensors, ms, pass: passes(lrStats) && passes(klStats) && leakedTensors === 0 };
}
