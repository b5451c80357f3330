/**
 * The policy loss (docs/infopo.md §5): PPO-clip with dual clip over action tokens, an entropy bonus and
 * an optional KL penalty to a frozen reference policy, aggregated three ways (verl's modes).
 * Tensors are [sequences, positions]; `mask` is 1 on the agent's own tokens and 0 elsewhere.
 */
import * as tf from '@tensorflow/tfjs';

export type LossAggregation = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum-norm';

export interface LossOptions {
  epsLow: number;
  epsHigh: number;
  dualClip: number;
  entropyCoef: number;
  klCoef: number;
  klEstimator: 'k1' | 'k3';
  lossAgg: LossAggregation;
  /** Constant horizon for seq-mean-token-sum-norm (Dr. GRPO divides token sums by a fixed length). */
  horizon: number;
}

export interface LossInputs {
  logp: tf.Tensor2D;
  oldLogp: tf.Tensor2D;
  advantages: tf.Tensor2D;
  mask: tf.Tensor2D;
  /** Per-position entropy of the current policy (needed when entropyCoef > 0). */
  entropy?: tf.Tensor2D;
  /** Log-probs of the frozen reference policy (needed when klCoef > 0). */
  refLogp?: tf.Tensor2D;
}

export interface LossTerms {
  loss: tf.Scalar;
  policyLoss: tf.Scalar;
  entropy: tf.Scalar;
  klRef: tf.Scalar;
  clipFraction: tf.Scalar;
  /** k3 estimate of KL(pi_old || pi) over the action tokens. */
  approxKl: tf.Scalar;
}

/** Aggregate a per-token quantity over the masked tokens. */
export function aggregate(values: tf.Tensor2D, mask: tf.Tensor2D, mode: LossAggregation, horizon: number): tf.Scalar {
  const masked = tf.mul(values, mask);
  if (mode === 'token-mean') return tf.div(tf.sum(masked), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  const perSeqSum = tf.sum(masked, 1);
  const seqHasTokens = tf.cast(tf.greater(tf.sum(mask, 1), 0), 'float32');
  const nSeq = tf.maximum(tf.sum(seqHasTokens), 1);
  if (mode === 'seq-mean-token-mean') {
    const perSeq = tf.div(perSeqSum, tf.maximum(tf.sum(mask, 1), 1));
    return tf.div(tf.sum(perSeq), nSeq) as tf.Scalar;
  }
  return tf.div(tf.sum(tf.div(perSeqSum, horizon)), nSeq) as tf.Scalar;
}

/** PPO-clip per token, with dual clip c for negative advantages (verl's compute_policy_loss). */
export function clippedPolicyLoss(ratio: tf.Tensor, adv: tf.Tensor, o: Pick<LossOptions, 'epsLow' | 'epsHigh' | 'dualClip'>): tf.Tensor {
  const unclipped = tf.mul(tf.neg(adv), ratio);
  const clipped = tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - o.epsLow, 1 + o.epsHigh));
  const ppo = tf.maximum(unclipped, clipped);
  const dual = tf.minimum(tf.mul(tf.neg(adv), o.dualClip), ppo);
  return tf.where(tf.less(adv, 0), dual, ppo);
}

export function policyLoss(inputs: LossInputs, o: LossOptions): LossTerms {
  const { logp, oldLogp, advantages, mask } = inputs;
  const logRatio = tf.sub(logp, oldLogp);
  const ratio = tf.exp(logRatio);
  const pg = clippedPolicyLoss(ratio, advantages, o);
  const policy = aggregate(pg as tf.Tensor2D, mask, o.lossAgg, o.horizon);
  const entropy = inputs.entropy ? aggregate(inputs.entropy, mask, o.lossAgg, o.horizon) : tf.scalar(0);
  let klRef: tf.Scalar = tf.scalar(0);
  if (inputs.refLogp) {
    const d = tf.sub(inputs.refLogp, logp); // log pi_ref - log pi
    const perToken = o.klEstimator === 'k1' ? tf.neg(d) : tf.sub(tf.sub(tf.exp(d), d), 1);
    klRef = aggregate(perToken as tf.Tensor2D, mask, o.lossAgg, o.horizon);
  }
  let loss = tf.sub(policy, tf.mul(entropy, o.entropyCoef));
  if (o.klCoef > 0) loss = tf.add(loss, tf.mul(klRef, o.klCoef));
  const outside = tf.logicalOr(tf.greater(ratio, 1 + o.epsHigh), tf.less(ratio, 1 - o.epsLow));
  const clipFraction = tf.div(tf.sum(tf.mul(tf.cast(outside, 'float32'), mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  const k3 = tf.sub(tf.sub(tf.exp(logRatio), logRatio), 1); // KL(old || new), k3 with ratio new/old
  const approxKl = tf.div(tf.sum(tf.mul(k3, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  return { loss: loss as tf.Scalar, policyLoss: policy, entropy, klRef, clipFraction, approxKl };
}
