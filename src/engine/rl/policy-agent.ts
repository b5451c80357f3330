/**
 * A trained policy as a batched agent for `evaluateAgent` (baselines.ts): each view (request and
 * exchanges so far) is rebuilt as the dialogue's tokens, and the next action is decoded greedily.
 * Rows advance in lockstep over one KV cache (lockstep.ts), as in rollouts.
 */
import type { BatchAgent } from '../baselines';
import { appendAction, appendFeedback, startDialogue } from '../dialogue';
import type { Policy } from '../policy/model';
import { sampleToken } from '../policy/sampler';
import { Rng } from '../random';
import type { AgentView } from '../tasks/types';
import { EOT, SPECIAL_TOKENS } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';
import { decodeLockstep } from './lockstep';

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
    await decodeLockstep(
      policy,
      rows.map((r) => ({
        stream: () => (r.action.length ? [...r.context, ...r.action] : r.context),
        done: () => r.done,
        onFrontier: (logits: Float32Array) => {
          const id = sampleToken(logits, { temperature: 1, topK: 0, topP: 1, greedy: true }, rng, allowed);
          r.action.push(id);
          if (id === EOT || r.action.length >= o.maxActionTokens || r.context.length + r.action.length >= limit) r.done = true;
        },
      })),
    );
    return rows.map((r) => tokenizer.decode(r.action.filter((id) => id !== EOT)));
  };
}
