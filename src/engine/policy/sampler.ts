/** Token sampling from logits on the CPU, with the run's sampling stream (transformers.js samples with Math.random). */
import type { Rng } from '../random';

export interface SamplingOptions {
  temperature: number;
  topK: number;
  topP: number;
  greedy: boolean;
}

/** Evaluation's one decoding setting: the most likely allowed token (draws nothing from the stream). */
export const GREEDY: SamplingOptions = { temperature: 1, topK: 0, topP: 1, greedy: true };

/**
 * Sample one id from `logits` (one row). `allowed(id)` excludes tokens (role tokens the agent may
 * not emit). Temperature, then top-k, then top-p (nucleus), as in Hugging Face generate.
 */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, rng: Rng, allowed: (id: number) => boolean): number {
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) if (allowed(i)) ids.push(i);
  if (ids.length === 0) throw new Error('sampleToken: no allowed token');
  if (options.greedy) {
    let best = ids[0];
    for (const i of ids) if (logits[i] > logits[best]) best = i;
    return best;
  }
  ids.sort((a, b) => logits[b] - logits[a] || a - b);
  let kept = options.topK > 0 ? ids.slice(0, options.topK) : ids;
  const max = logits[kept[0]];
  let weights = kept.map((i) => Math.exp((logits[i] - max) / options.temperature));
  let total = weights.reduce((a, b) => a + b, 0);
  if (options.topP < 1) {
    let mass = 0;
    let cut = kept.length;
    for (let j = 0; j < kept.length; j++) {
      mass += weights[j] / total;
      if (mass >= options.topP) {
        cut = j + 1;
        break;
      }
    }
    kept = kept.slice(0, cut);
    weights = weights.slice(0, cut);
    total = weights.reduce((a, b) => a + b, 0);
  }
  let u = rng.next() * total;
  for (let j = 0; j < kept.length; j++) {
    u -= weights[j];
    if (u < 0) return kept[j];
  }
  return kept[kept.length - 1];
}
