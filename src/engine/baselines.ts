/**
 * Evaluation of agents on a task family, without learning: the scripted baselines (act-now,
 * ask-all, random, oracle, demo) and, through the same loop, any agent that maps a view of the
 * dialogue to an action, such as a trained policy (`evaluateAgent` with a batched `act`).
 *
 * Episode i of an evaluation always draws its instance and its user from streams derived from
 * (seed, task, split, i): every agent meets the same instances and the same user randomness, so
 * two agents' numbers are a paired comparison. Pure engine code: no Node module.
 */
import { Rng } from './random';
import { dialogueTokenCount } from './tasks/common';
import { getTask } from './tasks';
import type { AgentView, Episode, EpisodeOptions, Exchange, Reply, Split, TaskFamily, TaskInstance } from './tasks/types';

export const BASELINE_AGENTS = ['act-now', 'ask-all', 'random', 'oracle', 'demo'] as const;

export interface EvaluateOptions {
  /** Task family id. */
  task: string;
  /** Persona of the simulated user (ignored by environment families). */
  persona: string;
  /** Probability that the noisy persona answers wrongly. */
  noise: number;
  episodes: number;
  /** Turn budget; defaults to the family's own (`family.maxTurns`). */
  maxTurns?: number;
  seed: number;
  split: Split;
  /** Other simulator knobs (`wrongGuess`, `implicitRate`, `kinds`). */
  simulator?: Partial<EpisodeOptions>;
  /** Keep every episode's exchanges in its record (for traces and docs). */
  keepDialogues?: boolean;
}

export interface EpisodeRecord {
  index: number;
  instanceId: string;
  request: string;
  success: boolean;
  /** The task's final reward. */
  reward: number;
  /** Outcome score R: step rewards of every turn but the last, plus the final reward (INFOPO.md §4). */
  return: number;
  turns: number;
  /** The agent made a final move (rather than running out of turns). */
  finished: boolean;
  invalidActions: number;
  /** Tokens of the episode as the engine's Dialogue holds it (see `dialogueTokenCount`). */
  tokens: number;
  exchanges?: Exchange[];
  stepRewards?: number[];
  /** Who answered each action. */
  roles?: ('user' | 'env')[];
}

export interface EvaluateResult {
  task: string;
  agent: string;
  persona: string;
  split: Split;
  noise: number;
  maxTurns: number;
  episodes: number;
  /** Means over episodes. */
  success: number;
  return: number;
  reward: number;
  turns: number;
  tokens: number;
  maxTokens: number;
  records: EpisodeRecord[];
}

/** One live evaluation episode: the loop state shared by the sync and async drivers. */
export class EpisodeRun {
  readonly exchanges: Exchange[] = [];
  readonly stepRewards: number[] = [];
  readonly roles: ('user' | 'env')[] = [];
  /** The episode is over (final move, or turn budget spent). */
  done = false;
  /** The episode ended on the agent's final move. */
  finished = false;
  invalid = 0;
  private readonly episode: Episode;
  constructor(
    readonly family: TaskFamily,
    readonly instance: TaskInstance,
    readonly options: EpisodeOptions,
    userRng: Rng,
  ) {
    this.episode = family.start(instance, options, userRng);
  }
  view(): AgentView {
    return { request: this.instance.request, exchanges: this.exchanges, maxTurns: this.options.maxTurns, simulator: this.options };
  }
  step(action: string): Reply {
    if (this.done) throw new Error('EpisodeRun.step: the episode is over');
    const r = this.episode.respond(action);
    this.exchanges.push({ action, feedback: r.feedback, role: r.role });
    this.stepRewards.push(r.stepReward);
    this.roles.push(r.role);
    if (!r.valid) this.invalid++;
    this.finished = r.done;
    if (r.done || this.exchanges.length >= this.options.maxTurns) this.done = true;
    return r;
  }
  record(index: number, keepDialogue: boolean): EpisodeRecord {
    const { reward, success } = this.episode.outcome();
    return {
      index,
      instanceId: this.instance.id,
      request: this.instance.request,
      success,
      reward,
      return: this.stepRewards.slice(0, -1).reduce((a, b) => a + b, 0) + reward,
      turns: this.exchanges.length,
      finished: this.finished,
      invalidActions: this.invalid,
      tokens: dialogueTokenCount(this.instance.request, this.exchanges),
      ...(keepDialogue ? { exchanges: this.exchanges.slice(), stepRewards: this.stepRewards.slice(), roles: this.roles.slice() } : {}),
    };
  }
}

/** The streams of evaluation episode i (instance, user, agent): fixed by (seed, task, split, i). */
export function episodeStreams(seed: number, task: string, split: Split, i: number): { instance: Rng; user: Rng; agent: Rng } {
  const base = `eval/${task}/${split}/${i}`;
  return { instance: Rng.derive(seed, `${base}/instance`), user: Rng.derive(seed, `${base}/user`), agent: Rng.derive(seed, `${base}/agent`) };
}

function openEpisodes(opts: EvaluateOptions): { family: TaskFamily; runs: EpisodeRun[]; agentRngs: Rng[]; options: EpisodeOptions } {
  const family = getTask(opts.task);
  const options: EpisodeOptions = { ...opts.simulator, maxTurns: opts.maxTurns ?? family.maxTurns, persona: opts.persona, noise: opts.noise };
  const runs: EpisodeRun[] = [];
  const agentRngs: Rng[] = [];
  for (let i = 0; i < opts.episodes; i++) {
    const s = episodeStreams(opts.seed, family.id, opts.split, i);
    runs.push(new EpisodeRun(family, family.sample(s.instance, opts.split, options), options, s.user));
    agentRngs.push(s.agent);
  }
  return { family, runs, agentRngs, options };
}

function summarise(opts: EvaluateOptions, agent: string, maxTurns: number, records: EpisodeRecord[]): EvaluateResult {
  const mean = (f: (r: EpisodeRecord) => number): number => (records.length ? records.reduce((a, r) => a + f(r), 0) / records.length : 0);
  return {
    task: opts.task,
    agent,
    persona: opts.persona,
    split: opts.split,
    noise: opts.noise,
    maxTurns,
    episodes: records.length,
    success: mean((r) => (r.success ? 1 : 0)),
    return: mean((r) => r.return),
    reward: mean((r) => r.reward),
    turns: mean((r) => r.turns),
    tokens: mean((r) => r.tokens),
    maxTokens: records.reduce((m, r) => Math.max(m, r.tokens), 0),
    records,
  };
}

/** Evaluate a scripted agent of the family (`act-now`, `ask-all`, `random`, `oracle`, `demo`). Synchronous. */
export function evaluateScripted(opts: EvaluateOptions & { agent: string }): EvaluateResult {
  const { family, runs, agentRngs, options } = openEpisodes(opts);
  const agent = family.agents[opts.agent];
  if (!agent) throw new Error(`Task "${family.id}" has no scripted agent "${opts.agent}". Known: ${Object.keys(family.agents).join(', ')}`);
  const records = runs.map((run, i) => {
    while (!run.done) run.step(agent(run.view(), agentRngs[i]));
    return run.record(i, !!opts.keepDialogues);
  });
  return summarise(opts, opts.agent, options.maxTurns, records);
}

/**
 * A batched agent: given the views of the live episodes (and their episode indices), return one
 * action per view. A trained policy implements this by encoding each view as tokens and decoding
 * greedily; scripted agents are wrapped by `scriptedBatchAgent`.
 */
export type BatchAgent = (views: AgentView[], episodeIndices: number[]) => Promise<string[]> | string[];

/** Wrap a scripted agent of a family as a BatchAgent with the evaluation's per-episode agent streams. */
export function scriptedBatchAgent(task: string, agent: string, seed: number, split: Split): BatchAgent {
  const family = getTask(task);
  const fn = family.agents[agent];
  if (!fn) throw new Error(`Task "${family.id}" has no scripted agent "${agent}"`);
  const rngs = new Map<number, Rng>();
  return (views, indices) =>
    views.map((v, k) => {
      const i = indices[k];
      if (!rngs.has(i)) rngs.set(i, episodeStreams(seed, family.id, split, i).agent);
      return fn(v, rngs.get(i)!);
    });
}

/**
 * Evaluate any agent, in lockstep batches: each round asks `act` for the actions of every live
 * episode of the batch at once. Same instances and users as `evaluateScripted` for the same seed.
 */
export async function evaluateAgent(opts: EvaluateOptions & { agentName: string; act: BatchAgent; batchSize?: number }): Promise<EvaluateResult> {
  const { runs, options } = openEpisodes(opts);
  const batch = Math.max(1, opts.batchSize ?? 64);
  for (let start = 0; start < runs.length; start += batch) {
    const indices = runs.map((_, i) => i).slice(start, start + batch);
    for (let live = indices; live.length > 0; live = live.filter((i) => !runs[i].done)) {
      const actions = await opts.act(
        live.map((i) => runs[i].view()),
        live,
      );
      live.forEach((i, k) => runs[i].step(actions[k] ?? ''));
    }
  }
  return summarise(opts, opts.agentName, options.maxTurns, runs.map((run, i) => run.record(i, !!opts.keepDialogues)));
}
