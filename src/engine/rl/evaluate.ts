/**
 * Transitional adapter for scripts/make-warm-start.ts (being rewritten in issue 9): evaluation
 * lives in ../evaluation.ts (`evaluate`, `evaluationEntry`). Not exported from the engine.
 */
import type { Config } from '../config';
import { evaluate, evaluationEntry } from '../evaluation';
import type { Policy } from '../policy/model';
import type { EvaluationEntry } from '../run';
import type { WordTokenizer } from '../text/tokenizer';
import type { Rollout } from './rollout';

/** @deprecated use `evaluate({ policy }, { config, tokenizer, ... })` and `evaluationEntry`. */
export async function evaluatePolicy(policy: Policy, tokenizer: WordTokenizer, config: Config, o: { persona: string; episodes: number; seed: number; step: number }): Promise<{ entry: EvaluationEntry; rollouts: Rollout[] }> {
  const e = await evaluate({ policy }, { config, tokenizer, persona: o.persona, episodes: o.episodes, seed: o.seed });
  return { entry: evaluationEntry(e, o.step), rollouts: e.rollouts };
}
