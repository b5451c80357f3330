/**
 * Counterfactual divergence between the policy's next-token distributions under the real context
 * and under the masked-feedback context (docs/infopo.md §2): per position, the sampled log-ratio (the
 * reference's IG estimator) and the exact KL(p_real || p_masked) ([beyond] `exact`).
 *
 * Two implementations with identical conventions (see reference.ts and docs/kernels.md):
 * - a fused WGSL kernel, registered as `InfoPODivergence` for the `webgpu` backend by
 *   divergence-webgpu.ts (imported only where that backend exists, so this file runs in Node);
 * - tfjs ops, for every backend (cpu, wasm, and webgpu as a fallback / benchmark baseline).
 *
 * Both use the same fp32 formulation. A difference of two logit-space quantities is split into an
 * integer part and a fractional part, x = floor(x) + (x - floor(x)), where both parts are exact in
 * fp32; the integer parts subtract exactly, so the only rounding left is on values below ~10 in
 * magnitude. Computing (a_t - lse_a) - (b_t - lse_b) directly rounds intermediates of size ~160
 * (logits in [-80, 80]) and loses up to ~1.5e-5 absolute, above the 1e-5 parity criterion.
 */
import * as tf from '@tensorflow/tfjs';

export type DivergenceImpl = 'auto' | 'kernel' | 'ops';

/** One value per position. */
export interface Divergence {
  logRatio: tf.Tensor1D;
  kl: tf.Tensor1D;
}

/** Kernel name registered by divergence-webgpu.ts. Inputs {real, masked, tokens}; output [positions, 2]. */
export const DIVERGENCE_KERNEL_NAME = 'InfoPODivergence';

export function hasFusedDivergenceKernel(): boolean {
  const backend = tf.getBackend();
  return backend != null && tf.getKernel(DIVERGENCE_KERNEL_NAME, backend) != null;
}

function validate(real: tf.Tensor2D, masked: tf.Tensor2D, tokens: tf.Tensor1D): void {
  if (real.rank !== 2 || masked.rank !== 2 || tokens.rank !== 1) {
    throw new Error(`counterfactualDivergence: expected real/masked [positions, vocab] and tokens [positions], got ${JSON.stringify(real.shape)}, ${JSON.stringify(masked.shape)}, ${JSON.stringify(tokens.shape)}`);
  }
  if (real.shape[0] !== masked.shape[0] || real.shape[1] !== masked.shape[1] || tokens.shape[0] !== real.shape[0]) {
    throw new Error(`counterfactualDivergence: shape mismatch ${JSON.stringify(real.shape)} / ${JSON.stringify(masked.shape)} / ${JSON.stringify(tokens.shape)}`);
  }
  if (real.dtype !== 'float32' || masked.dtype !== 'float32') throw new Error('counterfactualDivergence: logits must be float32');
  if (tokens.dtype !== 'int32') throw new Error('counterfactualDivergence: tokens must be int32');
  if (real.shape[1] < 1) throw new Error('counterfactualDivergence: vocab must be >= 1');
}

/**
 * Per position p (see reference.ts for the -Infinity conventions):
 *   logRatio[p] = log_softmax(real[p])[tokens[p]] - log_softmax(masked[p])[tokens[p]]
 *   kl[p]       = sum_v p_real(v) (log p_real(v) - log p_masked(v))
 * 'auto' uses the fused kernel when the current backend has one, else tfjs ops; 'kernel' throws
 * when it has none. The caller owns (and disposes) the two returned tensors; no other tensor is
 * left behind.
 */
export function counterfactualDivergence(
  real: tf.Tensor2D,
  masked: tf.Tensor2D,
  tokens: tf.Tensor1D,
  impl: DivergenceImpl = 'auto',
): Divergence {
  validate(real, masked, tokens);
  const fused = hasFusedDivergenceKernel();
  if (impl === 'kernel' && !fused) {
    throw new Error(`counterfactualDivergence: no fused '${DIVERGENCE_KERNEL_NAME}' kernel for backend '${tf.getBackend()}' (import src/engine/kernels/divergence-webgpu.ts and use the webgpu backend, or pass impl 'ops')`);
  }
  if (impl === 'ops' || !fused) return divergenceOps(real, masked, tokens);
  return tf.tidy(() => {
    const out = tf.engine().runKernel(DIVERGENCE_KERNEL_NAME, { real, masked, tokens }) as tf.Tensor2D;
    const [logRatio, kl] = tf.unstack(out, 1) as [tf.Tensor1D, tf.Tensor1D];
    return { logRatio, kl };
  });
}

/** x - y for x, y on the logit scale, as (exact integer part, small fractional part). */
function splitDiff(x: tf.Tensor, y: tf.Tensor): { int: tf.Tensor; frac: tf.Tensor } {
  const ix = tf.floor(x);
  const iy = tf.floor(y);
  return { int: tf.sub(ix, iy), frac: tf.sub(tf.sub(x, ix), tf.sub(y, iy)) };
}

/** The tfjs-ops implementation (any backend). Same formulation as the WGSL kernel. */
export function divergenceOps(real: tf.Tensor2D, masked: tf.Tensor2D, tokens: tf.Tensor1D): Divergence {
  validate(real, masked, tokens);
  const [positions, vocab] = real.shape;
  return tf.tidy(() => {
    const negInf = tf.scalar(-Infinity);
    const aMasked = tf.equal(real, negInf);
    const bMasked = tf.equal(masked, negInf);
    const maxA = tf.max(real, 1, true); // [P, 1]; -inf when the row has no finite logit
    const maxB = tf.max(masked, 1, true);
    const rowOk = tf.logicalAnd(tf.greater(maxA, negInf), tf.greater(maxB, negInf)).reshape([positions]);
    // exp(-inf - max) is 0 on every backend; the where keeps the masked entries exactly 0 even so.
    // Full-size constants instead of scalars: tf.where broadcasts a scalar with Tile, which costs
    // more than the whole rest of the divergence on wasm; a fill does not.
    const zeros = tf.zerosLike(real);
    const expA = tf.where(aMasked, zeros, tf.exp(tf.sub(real, maxA)));
    const expB = tf.where(bMasked, zeros, tf.exp(tf.sub(masked, maxB)));
    const sumA = tf.sum(expA, 1, true);
    const sumB = tf.sum(expB, 1, true);
    // lse_a - lse_b = cInt + cFrac, with cInt an exact integer and |cFrac| < 1 + log(vocab).
    const c = splitDiff(maxA, maxB);
    const cInt = c.int;
    const cFrac = tf.add(c.frac, tf.log(tf.div(sumA, sumB)));

    // KL: terms p_a(v) * ((a_v - lse_a) - (b_v - lse_b)), the log-difference assembled as
    // ((int a - int b) - cInt) + ((frac a - frac b) - cFrac).
    const d = splitDiff(real, masked);
    const logDiff = tf.add(tf.sub(d.int, cInt), tf.sub(d.frac, cFrac));
    const pA = tf.div(expA, sumA);
    // Masked entries: NaN/inf in logDiff must not reach the sum, hence where, not multiplication.
    const terms = tf.where(aMasked, zeros, tf.where(bMasked, tf.fill(real.shape, Infinity), tf.mul(pA, logDiff)));
    const klRaw = tf.maximum(tf.sum(terms, 1), 0);
    const kl = tf.where(rowOk, klRaw, NaN) as tf.Tensor1D;

    // Sampled log-ratio: gather a_t, b_t from the flattened logits (row * vocab + token).
    // int32 scalars throughout: a JS number would turn the index into float32, which gather refuses.
    const zeroI = tf.scalar(0, 'int32');
    const vocabI = tf.scalar(vocab, 'int32');
    const tokenOk = tf.logicalAnd(tf.greaterEqual(tokens, zeroI), tf.less(tokens, vocabI));
    const clamped = tf.minimum(tf.maximum(tokens, zeroI), tf.scalar(vocab - 1, 'int32'));
    const flatIndex = tf.add(tf.mul(tf.range(0, positions, 1, 'int32'), vocabI), clamped);
    const at = tf.gather(tf.reshape(real, [-1]), flatIndex);
    const bt = tf.gather(tf.reshape(masked, [-1]), flatIndex);
    const t = splitDiff(at, bt);
    const cI = cInt.reshape([positions]);
    const cF = cFrac.reshape([positions]);
    const finiteRatio = tf.add(tf.sub(t.int, cI), tf.sub(t.frac, cF));
    const atMasked = tf.equal(at, negInf);
    const btMasked = tf.equal(bt, negInf);
    const ratio = tf.where(
      atMasked,
      tf.where(btMasked, 0, -Infinity),
      tf.where(btMasked, Infinity, finiteRatio),
    );
    const logRatio = tf.where(tf.logicalAnd(rowOk, tokenOk), ratio, NaN) as tf.Tensor1D;
    return { logRatio, kl };
  });
}
