/**
 * Packing dialogues into padded tensors, and teacher-forced log-probabilities.
 * Convention: logits row p (input token p) predicts token p + 1, so a [N, T] token batch gives
 * [N, T - 1] targets; target index p holds token p + 1.
 */
import * as tf from '@tensorflow/tfjs';
import { actionMask, type Dialogue } from '../dialogue';
import type { KV, Policy } from '../policy/model';
import { PAD } from '../text/special';

export interface PackedBatch {
  n: number;
  /** Padded length of the token rows. */
  t: number;
  tokens: Int32Array; // [n, t]
  /** 1 where target p (token p + 1) is an action token. [n, t - 1] */
  mask: Float32Array;
}

export function packDialogues(dialogues: readonly Dialogue[]): PackedBatch {
  const n = dialogues.length;
  const t = Math.max(2, ...dialogues.map((d) => d.tokens.length));
  const tokens = new Int32Array(n * t).fill(PAD);
  const mask = new Float32Array(n * (t - 1));
  dialogues.forEach((d, i) => {
    tokens.set(d.tokens, i * t);
    const m = actionMask(d);
    for (let p = 1; p < d.tokens.length; p++) mask[i * (t - 1) + p - 1] = m[p];
  });
  return { n, t, tokens, mask };
}

export interface TokenLogProbs {
  /** log pi(target) [n, t - 1] */
  logp: tf.Tensor2D;
  /** Entropy of pi at each position [n, t - 1] (when asked). */
  entropy?: tf.Tensor2D;
  /** The raw logits [n, t - 1, V] (when asked). */
  logits?: tf.Tensor3D;
  kv?: KV;
}

/** Teacher-forced pass: log-softmax over the full vocabulary, fp32, no temperature (docs/infopo.md §2). */
export function tokenLogProbs(policy: Policy, batch: PackedBatch, want: { entropy?: boolean; logits?: boolean; kv?: boolean } = {}): TokenLogProbs {
  const { n, t } = batch;
  const all = tf.tensor2d(batch.tokens, [n, t], 'int32');
  const inputs = tf.slice(all, [0, 0], [n, t - 1]) as tf.Tensor2D;
  const targets = tf.slice(all, [0, 1], [n, t - 1]);
  const { logits, kv } = policy.forward(inputs, { returnKV: want.kv });
  const lsm = tf.logSoftmax(logits);
  // One-hot product instead of gather: its gradient is a plain multiply on every backend.
  const logp = tf.sum(tf.mul(lsm, tf.oneHot(targets, policy.shape.vocabSize).toFloat()), 2) as tf.Tensor2D;
  const entropy = want.entropy ? (tf.neg(tf.sum(tf.mul(tf.exp(lsm), lsm), 2)) as tf.Tensor2D) : undefined;
  return { logp, entropy, logits: want.logits ? logits : undefined, kv };
}
