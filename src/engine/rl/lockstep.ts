/**
 * Lockstep decoding: many sequences advance one token per forward over one shared KV cache, so
 * every live row sits at the same position and no padding is needed. A row consumes its forced
 * tokens (prompt, feedback, role tokens) one by one; at its frontier it is handed the logits of
 * its next token. Rows leave the batch when they are done (the cache is gathered).
 */
import * as tf from '@tensorflow/tfjs';
import type { KV, Policy } from '../policy/model';
import { tidy } from '../policy/ops';

export interface LockstepRow {
  /** The row's token stream so far (forced and generated); it may grow during `onFrontier`. */
  stream(): readonly number[];
  /** Called with the logits of the next token when the row has consumed its whole stream. */
  onFrontier(logits: Float32Array): void;
  done(): boolean;
}

export function disposeKV(kv: KV): void {
  for (const t of [...kv.k, ...kv.v]) t.dispose();
}

/**
 * `afterFrontiers` runs once a position, after the rows' `onFrontier` calls and before the next
 * forward: the place for work batched across rows (the LM user answers every action finished at
 * this position in one call) that must extend their streams before they read on.
 */
export async function decodeLockstep(policy: Policy, rows: readonly LockstepRow[], afterFrontiers?: () => Promise<void>): Promise<void> {
  let live = rows.filter((r) => !r.done());
  let cache: KV | undefined;
  const vocab = policy.shape.vocabSize;
  for (let pos = 0; live.length > 0; pos++) {
    const input = live.map((r) => r.stream()[pos]);
    const out = tidy(() => {
      const f = policy.forward(tf.tensor2d(input, [live.length, 1], 'int32'), { past: cache, returnKV: true });
      return { logits: f.logits.reshape([live.length, -1]), kv: f.kv! };
    });
    if (cache) disposeKV(cache);
    cache = out.kv;
    const frontier = live.map((r) => pos + 1 === r.stream().length);
    const logits = frontier.some(Boolean) ? ((await out.logits.data()) as Float32Array) : null;
    out.logits.dispose();
    live.forEach((r, i) => {
      if (frontier[i] && logits) r.onFrontier(logits.subarray(i * vocab, (i + 1) * vocab));
    });
    if (afterFrontiers) await afterFrontiers();
    const kept = live.flatMap((r, i) => (r.done() ? [] : [i]));
    if (kept.length === live.length) continue;
    live = kept.map((i) => live[i]);
    const old = cache;
    cache = live.length ? tidy(() => ({ k: old.k.map((t) => tf.gather(t, kept)), v: old.v.map((t) => tf.gather(t, kept)) })) : undefined;
    disposeKV(old);
  }
  if (cache) disposeKV(cache);
}
