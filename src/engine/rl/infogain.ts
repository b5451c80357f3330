/**
 * The information-gain reward (docs/infopo.md §2): for every scored turn t, teacher-force a_{t+1}
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
  return policy.forwardRows(tf.tensor2d(data, [jobs.length, len], 'int32'), tf.tensor1d(rows, 'int32')).logits;
}

/**
 * Suffix only: positions from o_t on, attending to the real pass's prefix keys/values. All
 * suffixes of one dialogue share one row (each sees its own prefix and, causally, only its own
 * suffix), so the real keys/values are used as they are instead of being copied once per turn,
 * and logits are computed only at a_{t+1}'s positions.
 */
function maskedRowsWithPrefix(policy: Policy, jobs: Job[], realKV: KV): tf.Tensor2D {
  const P = realKV.v[0].shape[2];
  const N = realKV.v[0].shape[0];
  // Dialogues with at least one scored turn, ascending (jobs come in dialogue order).
  const owners = [...new Set(jobs.map((j) => j.dialogue))];
  const rowOf = new Map(owners.map((d, r) => [d, r]));
  const used = new Array<number>(owners.length).fill(0);
  const offsets = jobs.map((j) => {
    const r = rowOf.get(j.dialogue)!;
    const o = used[r];
    used[r] += j.cf.nextActionEnd - 1 - j.cf.sharedPrefix;
    return o;
  });
  const S = Math.max(...used);
  const R = owners.length;
  const tokens = new Int32Array(R * S).fill(PAD);
  const positions = new Int32Array(R * S);
  const mask = new Float32Array(R * S * (P + S)).fill(MASKED);
  const rows: number[] = [];
  jobs.forEach((j, m) => {
    const r = rowOf.get(j.dialogue)!;
    const start = j.cf.sharedPrefix;
    if (start > P) throw new Error(`counterfactual prefix of ${start} tokens is longer than the real pass (${P})`);
    const suffix = j.cf.tokens.slice(start, j.cf.nextActionEnd - 1);
    const base = r * S + offsets[m];
    tokens.set(suffix, base);
    for (let s = 0; s < suffix.length; s++) {
      positions[base + s] = Math.min(start + s, policy.shape.maxContext - 1);
      const row = (base + s) * (P + S);
      mask.fill(0, row, row + start);
      mask.fill(0, row + P + offsets[m], row + P + offsets[m] + s + 1);
    }
    for (let k = j.cf.nextActionStart - 1; k < j.cf.nextActionEnd - 1; k++) rows.push(base + k - start);
  });
  // Rows without a job only pad; keep them only when every dialogue has one (no copy at all).
  const past: KV =
    R === N
      ? realKV
      : (() => {
          const idx = tf.tensor1d(owners, 'int32');
          return { k: realKV.k.map((t) => tf.gather(t, idx) as tf.Tensor4D), v: realKV.v.map((t) => tf.gather(t, idx) as tf.Tensor4D) };
        })();
  return policy.forwardRows(tf.tensor2d(tokens, [R, S], 'int32'), tf.tensor1d(rows, 'int32'), {
    past,
    positions: tf.tensor2d(positions, [R, S], 'int32'),
    mask: tf.tensor4d(mask, [R, 1, S, P + S]),
  }).logits;
}
