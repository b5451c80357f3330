/**
 * A trained policy as a batched agent for `evaluateAgent` (baselines.ts): each view (request and
 * exchanges so far) is rebuilt as the dialogue's tokens, and the next action is decoded greedily.
 * Rows advance in lockstep over one KV cache, as in rollouts.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchAgent } from '../baselines';
import { appendAction, appendFeedback, startDialogue } from '../dialogue';
import type { KV, Policy } from '../policy/model';
import { tidy } from '../policy/ops';
import { sampleToken } from '../policy/sampler';
import { Rng } from '../random';
import type { AgentView } from '../tasks/types';
import { EOT, SPECIAL_TOKENS } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';
import { disposeKV } from './rollout';

/** The dialogue tokens a policy saw before its next action, rebuilt from a view. */
export function contextTokens(view: AgentView, tokenizer: WordTokenizer): number[] {
  const d = startDialogue(tokenizer.encode(view.request));
  for (const e of view.exchanges) {
    appendAction(d, [...tokenizer.encode(e.action), EOT], e.action);
    appendFeedback(d, tokenizer.encode(e.feedback), e.feedback, e.role ?? 'user');
  }
  return d.tokens;
}

export function policyBatchAgent(policy: Policy, tokenizer: WordTokenizer, o: { maxActionTokens: number; maxContext: number }): BatchAgent {
  const limit = Math.min(o.maxContext, policy.shape.maxContext);
  const rng = new Rng(0); // greedy: never drawn from
  const allowed = (id: number) => id === EOT || id >= SPECIAL_TOKENS.length;
  return async (views) => {
    const rows = views.map((v) => ({ context: contextTokens(v, tokenizer), action: [] as number[], done: false }));
    for (const r of rows) if (r.context.length >= limit) r.done = true;
    let live = rows.filter((r) => !r.done);
    let cache: KV | undefined;
    for (let pos = 0; live.length > 0; pos++) {
      const input = live.map((r) => (pos < r.context.length ? r.context[pos] : r.action[pos - r.context.length]));
      const out = tidy(() => {
        const f = policy.forward(tf.tensor2d(input, [live.length, 1], 'int32'), { past: cache, returnKV: true });
        return { logits: f.logits.reshape([live.length, -1]), kv: f.kv! };
      });
      if (cache) disposeKV(cache);
      cache = out.kv;
      const frontier = live.map((r) => pos + 1 === r.context.length + r.action.length);
      const logits = frontier.some(Boolean) ? await out.logits.data() : null;
      out.logits.dispose();
      const V = policy.shape.vocabSize;
      live.forEach((r, i) => {
        if (!frontier[i] || !logits) return;
        const id = sampleToken(logits.subarray(i * V, (i + 1) * V), { temperature: 1, topK: 0, topP: 1, greedy: true }, rng, allowed);
        r.action.push(id);
        if (id === EOT || r.action.length >= o.maxActionTokens || r.context.length + r.action.length >= limit) r.done = true;
      });
      const keep = live.flatMap((r, i) => (r.done ? [] : [i]));
      if (keep.length === live.length) continue;
      live = keep.map((i) => live[i]);
      const old = cache;
      cache = live.length ? tidy(() => ({ k: old.k.map((t) => tf.gather(t, keep)), v: old.v.map((t) => tf.gather(t, keep)) })) : undefined;
      disposeKV(old);
    }
    if (cache) disposeKV(cache);
    return rows.map((r) => tokenizer.decode(r.action.filter((id) => id !== EOT)));
  };
}
