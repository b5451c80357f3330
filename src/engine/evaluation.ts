/**
 * Evaluation: one loop for trained policies and scripted agents (the baselines), without learning.
 *
 *   const r = await evaluate({ policy }, { config, tokenizer });              // a trained policy
 *   const b = await evaluate({ baseline: 'oracle' }, { config, tokenizer });  // a scripted baseline
 *   r.mean.success, r.perTask['20q'].return, r.episodes[i].instanceId
 *
 * Both play the same Dialogue-building episodes as training (`rl/rollout.ts` for the policy,
 * greedy; `rl/scripted.ts` for a scripted agent), so they share one outcome R (`toRollout`), one
 * end rule (final move, turn budget, full context) and one set of episode options
 * (`episodeOptions(config)`). Episode i of task T draws its instance, its user and its agent's
 * randomness from streams fixed by (seed, T, split, i): every agent meets the same instances and
 * the same user randomness, so two agents' numbers are a paired comparison.
 */
import { episodeOptions, evaluationDecoding, type Config } from './config';
import type { Policy } from './policy/model';
import { Rng } from './random';
import type { EvaluationEntry } from './run';
import { generateRollouts, type EndReason, type Rollout, type RolloutRequest } from './rl/rollout';
import { scriptedRollout, scriptedRolloutsWithUser, type ScriptedJob } from './rl/scripted';
import type { UserSimulator } from './user-lm/lm-user';
import { getTask } from './tasks';
import type { Split, TaskFamily } from './tasks/types';
import type { WordTokenizer } from './text/tokenizer';

/** The scripted agents every family has; evaluated as baselines. `demo` is the warm start's demonstrator. */
export const BASELINES = ['act-now', 'ask-all', 'random', 'oracle', 'demo'] as const;
export type Baseline = (typeof BASELINES)[number];

/** What plays the episodes: a policy (greedy, or sampled at config.evalTemperature) or a family's scripted agent by name. */
export type EvaluatedAgent = { policy: Policy; name?: string } | { baseline: string };

export interface EvaluateOptions {
  /** Task(s), simulator knobs, turn and token budgets; evalEpisodes, evalSeed and evalPersona are the defaults below. */
  config: Config;
  tokenizer: WordTokenizer;
  /** Episodes per task family (default config.evalEpisodes). */
  episodes?: number;
  /** Seed of the evaluation streams (default config.evalSeed). */
  seed?: number;
  /** The simulated user's persona (default config.evalPersona, else config.persona). */
  persona?: string;
  /** Default 'test'. */
  split?: Split;
  /** Policy episodes decoded together (memory vs speed; results do not depend on it on cpu/wasm). */
  batchSize?: number;
  /** The LM user wording the users' replies (user-lm/); absent or null: the scripted persona. */
  lmUser?: UserSimulator | null;
}

/** One episode's result. */
export interface EpisodeOutcome {
  task: string;
  /** Episode index within its task (same index = same instance and user for every agent). */
  index: number;
  instanceId: string;
  success: boolean;
  /** The task's final reward. */
  reward: number;
  /** Outcome score R (`Rollout.outcome`, docs/infopo.md §4). */
  return: number;
  turns: number;
  /** Tokens of the episode's Dialogue. */
  tokens: number;
  endReason: EndReason;
  invalidActions: number;
}

export interface EvaluationMeans {
  episodes: number;
  success: number;
  return: number;
  turns: number;
  tokens: number;
  maxTokens: number;
}

export interface Evaluation {
  /** `baseline` name, or the policy's `name` (default "policy"). */
  agent: string;
  persona: string;
  /** Who worded the users' replies: 'scripted' (the persona's templates) or the LM user's name. */
  user: string;
  split: Split;
  seed: number;
  tasks: string[];
  episodes: EpisodeOutcome[];
  /** The episodes' Rollouts (dialogues with spans), in the order of `episodes`. */
  rollouts: Rollout[];
  perTask: Record<string, EvaluationMeans>;
  /** Means over every episode of every task. */
  mean: EvaluationMeans;
}

/** The streams of evaluation episode i (instance, user, agent): fixed by (seed, task, split, i). */
export function episodeStreams(seed: number, task: string, split: Split, i: number): { instance: Rng; user: Rng; agent: Rng } {
  const base = `eval/${task}/${split}/${i}`;
  return { instance: Rng.derive(seed, `${base}/instance`), user: Rng.derive(seed, `${base}/user`), agent: Rng.derive(seed, `${base}/agent`) };
}

const meanOf = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function means(episodes: readonly EpisodeOutcome[]): EvaluationMeans {
  return {
    episodes: episodes.length,
    success: meanOf(episodes.map((e) => (e.success ? 1 : 0))),
    return: meanOf(episodes.map((e) => e.return)),
    turns: meanOf(episodes.map((e) => e.turns)),
    tokens: meanOf(episodes.map((e) => e.tokens)),
    maxTokens: episodes.reduce((m, e) => Math.max(m, e.tokens), 0),
  };
}

function outcomeOf(r: Rollout): EpisodeOutcome {
  return {
    task: r.family,
    index: r.group,
    instanceId: r.instanceId,
    success: r.success,
    reward: r.finalReward,
    return: r.outcome,
    turns: r.dialogue.turns.length,
    tokens: r.dialogue.tokens.length,
    endReason: r.endReason,
    invalidActions: r.dialogue.turns.filter((t) => !t.valid).length,
  };
}

/** The name of an evaluation's user in tables and persona matrices: the persona, and the LM user when one worded the replies. */
export function evaluationColumn(persona: string, user: string | undefined): string {
  return !user || user === 'scripted' ? persona : `${persona} / ${user}`;
}

/** Evaluate a policy or a scripted baseline on `episodes` episodes of each task of `config.task`. */
export async function evaluate(agent: EvaluatedAgent, o: EvaluateOptions): Promise<Evaluation> {
  const { config, tokenizer } = o;
  const families: TaskFamily[] = config.task.split(',').map(getTask);
  const n = o.episodes ?? config.evalEpisodes;
  const seed = o.seed ?? config.evalSeed;
  const persona = o.persona ?? (config.evalPersona || config.persona);
  const split = o.split ?? 'test';
  if (!Number.isInteger(n) || n < 0) throw new Error(`evaluate: episodes must be a non-negative integer, got ${n}`);
  const options = episodeOptions(config, persona);
  const plan = families.flatMap((family) => Array.from({ length: n }, (_, i) => ({ family, i, streams: episodeStreams(seed, family.id, split, i) })));
  const instances = plan.map((p) => p.family.sample(p.streams.instance, split, options));
  let rollouts: Rollout[];
  let name: string;
  if ('policy' in agent) {
    name = agent.name ?? 'policy';
    const requests: RolloutRequest[] = plan.map((p, k) => ({ family: p.family, instance: instances[k], group: p.i, userRng: p.streams.user }));
    rollouts = [];
    const size = Math.max(1, o.batchSize ?? 64);
    // Greedy decoding (evalTemperature 0) draws nothing from the sampling stream; sampled decoding
    // draws from a stream fixed by the seed. Every request has its own user stream.
    const sampling = Rng.derive(seed, 'eval-sampling');
    const decoding = evaluationDecoding(config);
    for (let start = 0; start < requests.length; start += size) {
      rollouts.push(...(await generateRollouts(agent.policy, tokenizer, requests.slice(start, start + size), { ...options, ...decoding }, { sampling, user: sampling }, o.lmUser ?? undefined)));
    }
  } else {
    name = agent.baseline;
    const jobs: ScriptedJob[] = plan.map((p, k) => {
      const act = p.family.agents[agent.baseline];
      if (!act) throw new Error(`Task "${p.family.id}" has no scripted agent "${agent.baseline}". Known: ${Object.keys(p.family.agents).join(', ')}`);
      return { family: p.family, instance: instances[k], agent: act, options, rngs: { agent: p.streams.agent, user: p.streams.user }, group: p.i };
    });
    rollouts = o.lmUser
      ? await scriptedRolloutsWithUser(jobs, tokenizer, o.lmUser, Rng.derive(seed, 'eval-user-lm'))
      : jobs.map((j) => scriptedRollout(j.family, j.instance, j.agent, j.options, j.rngs, tokenizer, j.group));
  }
  const episodes = rollouts.map(outcomeOf);
  const perTask = Object.fromEntries(families.map((f) => [f.id, means(episodes.filter((e) => e.task === f.id))]));
  return { agent: name, persona, user: o.lmUser?.name ?? 'scripted', split, seed, tasks: families.map((f) => f.id), episodes, rollouts, perTask, mean: means(episodes) };
}

/** An evaluation as the run record stores it (`evaluations[]`, docs/run-format.md). */
export function evaluationEntry(e: Evaluation, step: number): EvaluationEntry {
  if (e.split !== 'test') throw new Error('evaluationEntry: the run record holds test-split evaluations only');
  const brief = (m: EvaluationMeans) => ({ success: m.success, return: m.return, turns: m.turns, episodes: m.episodes });
  return { step, split: 'test', persona: e.persona, ...brief(e.mean), per_task: Object.fromEntries(Object.entries(e.perTask).map(([t, m]) => [t, brief(m)])), successes: e.episodes.map((x) => (x.success ? '1' : '0')).join('') };
}
