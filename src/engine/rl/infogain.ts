/**
 * The information-gain reward (INFOPO.md §2): for every scored turn t, teacher-force a_{t+1}
 * through the current policy with the real context and with o_t masked, and average the
 * per-token log-ratio (sampled estimator, reference) and the exact KL (logged, or used).
 *
 * All scored turns of a batch go through one masked forward and one divergence dispatch. With
 * prefix reuse the masked pass runs only the suffix (from o_t to a_{t+1}) and attends to the
 * real pass's keys/values for the shared prefix.
 */
import * as tf from '@tensorflow/tfjs';
import { buildCounterfactual, scoredTurns, type Counterfactual, type Dialogue } from '../dialogue';
import { counterfactualDivergence, type DivergenceImpl } from '../kernels/divergence';
import { MASKED, type KV, type Policy } from '../policy/model';
import { tidy } from '../policy/ops';
import { PAD } from '../text/special';

export interface InfoGainOptions {
  placeholderIds: readonly number[];
  placeholderMode: 'equal-length' | 'replace';
  prefixReuse: boolean;
  divergenceImpl: DivergenceImpl;
}

export interface TurnInfoGain {
  dialogue: number;
  turn: number;
  /** Mean over a_{t+1}'s tokens of log p_real - log p_masked (the reference's estimate). */
  sampled: number;
  /** Mean over a_{t+1}'s positions of KL(p_real || p_masked). */
  exact: number;
  tokens: number;
}

interface Job {
  dialogue: number;
  turn: number;
  cf: Counterfactual;
}

/**
 * `realLogits` [N, T-1, V] and `realKV` come from the teacher-forced pass over the same padded
 * dialogues (row i = dialogues[i], padded length T). Returns one entry per scored turn.
 */
export async function computeInfoGain(policy: Policy, dialogues: readonly Dialogue[], paddedLength: number, realLogits: tf.Tensor3D, realKV: KV | undefined, o: InfoGainOptions): Promise<TurnInfoGain[]> {
  const jobs: Job[] = dialogues.flatMap((d, i) => scoredTurns(d).map((turn) => ({ dialogue: i, turn, cf: buildCounterfactual(d, turn, o.placeholderIds, o.placeholderMode) })));
  if (jobs.length === 0) return [];
  if (o.prefixReuse && !realKV) throw new Error('prefix reuse needs the keys/values of the real pass');
  const V = policy.shape.vocabSize;
  const T1 = paddedLength - 1;
  // Rows of a_{t+1}: the logits row predicting token k is k - 1.
  const realRowIdx: number[] = [];
  const tokenIds: number[] = [];
  for (const j of jobs) {
    const d = dialogues[j.dialogue];
    const len = j.cf.nextActionEnd - j.cf.nextActionStart;
    for (let k = 0; k < len; k++) {
      realRowIdx.push(j.dialogue * T1 + j.cf.realNextActionStart + k - 1);
      tokenIds.push(d.tokens[j.cf.realNextActionStart + k]);
    }
  }
  const { logRatio, kl } = tidy(() => {
    const real = tf.gather(realLogits.reshape([-1, V]), tf.tensor1d(realRowIdx, 'int32')) as tf.Tensor2D;
    const masked = o.prefixReuse ? maskedRowsWithPrefix(policy, jobs, realKV!) : maskedRowsFull(policy, jobs);
    return counterfactualDivergence(real, masked, tf.tensor1d(tokenIds, 'int32'), o.divergenceImpl);
  });
  const [ratios, kls] = await Promise.all([logRatio.data(), kl.data()]);
  logRatio.dispose();
  kl.dispose();
  let offset = 0;
  return jobs.map((j) => {
    const len = j.cf.nextActionEnd - j.cf.nextActionStart;
    let s = 0;
    let e = 0;
    for (let k = 0; k < len; k++) {
      s += ratios[offset + k];
      e += kls[offset + k];
    }
    offset += len;
    return { dialogue: j.dialogue, turn: j.turn, sampled: s / len, exact: e / len, tokens: len };
  });
}

/** Full recompute: every counterfactual from its first token. Logit rows of a_{t+1}, in job order. */
function maskedRowsFull(policy: Policy, jobs: Job[]): tf.Tensor2D {
  const len = Math.max(...jobs.map((j) => j.cf.nextActionEnd - 1));
  const data = new Int32Array(jobs.length * len).fill(PAD);
  const rows: number[] = [];
  jobs.forEach((j, m) => {
    data.set(j.cf.tokens.slice(0, j.cf.nextActionEnd - 1), m * len);
    for (let k = j.cf.nextActionStart - 1; k < j.cf.nextActionEnd - 1; k++) rows.push(m * len + k);
  });
  const { logits } = policy.forward(tf.tensor2d(data, [jobs.length, len], 'int32'));
  return tf.gather(logits.reshape([-1, policy.shape.vocabSize]), tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
}

/** Suffix only: positions from o_t on, attending to the real pass's prefix keys/values. */
function maskedRowsWithPrefix(policy: Policy, jobs: Job[], realKV: KV): tf.Tensor2D {
  const P = realKV.v[0].shape[2];
  const S = Math.max(...jobs.map((j) => j.cf.nextActionEnd - 1 - j.cf.sharedPrefix));
  const M = jobs.length;
  const tokens = new Int32Array(M * S).fill(PAD);
  const positions = new Int32Array(M * S);
  const mask = new Float32Array(M * S * (P + S)).fill(MASKED);
  const rows: number[] = [];
  jobs.forEach((j, m) => {
    const start = j.cf.sharedPrefix;
    const suffix = j.cf.tokens.slice(start, j.cf.nextActionEnd - 1);
    tokens.set(suffix, m * S);
    for (let s = 0; s < S; s++) {
      positions[m * S + s] = Math.min(start + s, policy.shape.maxContext - 1);
      const row = (m * S + s) * (P + S);
      for (let p = 0; p < start; p++) mask[row + p] = 0;
      for (let q = 0; q <= s; q++) mask[row + P + q] = 0;
    }
    for (let k = j.cf.nextActionStart - 1; k < j.cf.nextActionEnd - 1; k++) rows.push(m * S + k - start);
  });
  const idx = tf.tensor1d(jobs.map((j) => j.dialogue), 'int32');
  const past: KV = { k: realKV.k.map((t) => tf.gather(t, idx) as tf.Tensor4D), v: realKV.v.map((t) => tf.gather(t, idx) as tf.Tensor4D) };
  const { logits } = policy.forward(tf.tensor2d(tokens, [M, S], 'int32'), {
    past,
    positions: tf.tensor2d(positions, [M, S], 'int32'),
    mask: tf.tensor4d(mask, [M, 1, S, P + S]),
  });
  return tf.gather(logits.reshape([-1, policy.shape.vocabSize]), tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
}
