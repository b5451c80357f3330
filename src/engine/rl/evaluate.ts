/**
 * Evaluation of the policy on the test split, greedy decoding. Episode i of task T draws its
 * instance and user from the same streams as `evaluateScripted` (baselines.ts: episodeStreams),
 * so a policy and the scripted baselines meet exactly the same instances: a paired comparison.
 */
import { episodeStreams } from '../baselines';
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
  /** Episodes per task family. */
  episodes: number;
  seed: number;
  step: number;
  /** Episodes per batched generation. */
  batchSize?: number;
}

export async function evaluatePolicy(policy: Policy, tokenizer: WordTokenizer, config: Config, o: EvaluateOptions): Promise<{ entry: EvaluationEntry; rollouts: Rollout[] }> {
  const families = config.task.split(',').map(getTask);
  const requests: RolloutRequest[] = families.flatMap((family) =>
    Array.from({ length: o.episodes }, (_, i) => {
      const s = episodeStreams(o.seed, family.id, 'test', i);
      return { family, instance: family.sample(s.instance, 'test', { kinds: config.kinds }), group: i, userRng: s.user };
    }),
  );
  const rollouts: Rollout[] = [];
  const size = o.batchSize ?? 64;
  // Greedy decoding draws nothing from it; sampled evaluation (evalTemperature > 0) does, from a stream fixed by the seed.
  const sampling = Rng.derive(o.seed, 'eval-sampling');
  for (let start = 0; start < requests.length; start += size) {
    const part = await generateRollouts(
      policy,
      tokenizer,
      requests.slice(start, start + size),
      { maxTurns: config.maxTurns, persona: o.persona, noise: config.noise, wrongGuess: config.wrongGuess, implicitRate: config.implicitRate, kinds: config.kinds, maxActionTokens: config.maxActionTokens, maxContext: config.maxContext, temperature: config.evalTemperature || 1, topK: 0, topP: 1, greedy: config.evalTemperature === 0 },
      { sampling, user: sampling },
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
