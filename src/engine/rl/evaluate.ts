/** Evaluation of the policy on the test split: greedy decoding, a fixed set of instances per run. */
import type { Config } from '../config';
import type { Policy } from '../policy/model';
import { Rng } from '../random';
import type { EvaluationEntry } from '../run';
import { getTask } from '../tasks';
import type { WordTokenizer } from '../text/tokenizer';
import { mean } from './advantage';
import { generateRollouts, type Rollout, type RolloutRequest } from './rollout';

export interface EvaluateOptions {
  persona: string;
  episodes: number;
  /** Seed of the evaluation instances and users (the same at every evaluation of a run). */
  seed: number;
  step: number;
  /** Episodes per batched generation. */
  batchSize?: number;
}

export async function evaluatePolicy(policy: Policy, tokenizer: WordTokenizer, config: Config, o: EvaluateOptions): Promise<{ entry: EvaluationEntry; rollouts: Rollout[] }> {
  const families = config.task.split(',').map(getTask);
  const taskRng = Rng.derive(o.seed, 'eval-tasks');
  const requests: RolloutRequest[] = [];
  for (let i = 0; i < o.episodes; i++) {
    const family = families[i % families.length];
    requests.push({ family, instance: family.sample(taskRng, 'test'), group: i });
  }
  const rollouts: Rollout[] = [];
  const size = o.batchSize ?? 64;
  const userRng = Rng.derive(o.seed, 'eval-user');
  const samplingRng = Rng.derive(o.seed, 'eval-sampling');
  for (let start = 0; start < requests.length; start += size) {
    const part = await generateRollouts(
      policy,
      tokenizer,
      requests.slice(start, start + size),
      { maxTurns: config.maxTurns, persona: o.persona, noise: config.noise, maxActionTokens: config.maxActionTokens, maxContext: config.maxContext, temperature: 1, topK: 0, topP: 1, greedy: true },
      { sampling: samplingRng, user: userRng },
    );
    rollouts.push(...part);
  }
  const summary = (rs: Rollout[]) => ({
    success: mean(rs.map((r) => (r.success ? 1 : 0))),
    return: mean(rs.map((r) => r.outcome)),
    turns: mean(rs.map((r) => r.dialogue.turns.length)),
    episodes: rs.length,
  });
  const per_task = Object.fromEntries(families.map((f) => [f.id, summary(rollouts.filter((r) => r.family === f.id))]));
  const all = summary(rollouts);
  return { entry: { step: o.step, split: 'test', persona: o.persona, episodes: all.episodes, success: all.success, return: all.return, turns: all.turns, per_task }, rollouts };
}
