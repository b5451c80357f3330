/**
 * What a task family is: a generator of instances with hidden information, a simulated user (or
 * environment) that answers the agent turn by turn, a scorer, and scripted agents (baselines and
 * the demonstrator used for the supervised warm start). All text is lower-case words and
 * punctuation from the shared vocabulary (`vocabulary()`), so one tokenizer serves every task.
 */
import type { Rng } from '../random';

export type Split = 'train' | 'test';

export interface TaskInstance<Hidden = unknown> {
  family: string;
  /** Stable id, unique within the family and split (e.g. `20q/train/17`). */
  id: string;
  split: Split;
  /** The user's opening, underspecified request. */
  request: string;
  /** What only the user/environment knows. */
  hidden: Hidden;
}

/** One exchange as the agent sees it. */
export interface Exchange {
  action: string;
  feedback: string;
  /** Who answered (a policy needs it to rebuild the dialogue's role tokens); default 'user'. */
  role?: 'user' | 'env';
}

export interface Reply {
  /** The user's or environment's answer (words of the vocabulary; may be empty). */
  feedback: string;
  /** Who speaks: a user, or an environment/tool (both are masked alike in the counterfactual). */
  role: 'user' | 'env';
  /** The agent made its final move (answer, guess, booking...): the episode ends. */
  done: boolean;
  /** Per-step reward (0 for tasks that only score the outcome). */
  stepReward: number;
  /** False when the action could not be parsed; the turn still counts. */
  valid: boolean;
}

export interface Outcome {
  /** Final reward of the episode (the task's score). */
  reward: number;
  success: boolean;
}

/** A live episode: the simulated user holding the hidden information. */
export interface Episode {
  readonly instance: TaskInstance;
  respond(action: string): Reply;
  /** Score of the episode as it stands (called when it ends, by final move or by turn limit). */
  outcome(): Outcome;
}

/** What a scripted agent may see: the request and the exchanges so far, never the hidden part. */
export interface AgentView {
  request: string;
  exchanges: readonly Exchange[];
  maxTurns: number;
  /**
   * The simulator's settings (persona, noise, knobs), known to scripted agents only so the oracle
   * can reason with the true posterior (e.g. discount a noisy user's answers). A policy never sees
   * them: it sees tokens. Optional: agents fall back to a cooperative, noiseless user.
   */
  simulator?: Partial<EpisodeOptions>;
}

export type ScriptedAgent = (view: AgentView, rng: Rng) => string;

export interface EpisodeOptions {
  maxTurns: number;
  /** Persona id of the simulated user (see users/). */
  persona: string;
  /** Probability that a `noisy` user answers wrongly. */
  noise: number;
  // The knobs below come from the config (`episodeOptions(config)`, whose schema holds their defaults).
  /** 20 questions: a wrong guess ends the episode ('end') or costs a turn and play goes on ('turn'). */
  wrongGuess: 'end' | 'turn';
  /** Travel: probability that a cooperative user states a preference implicitly ("i travel for work"). */
  implicitRate: number;
  /** 20 questions: the catalogue holds only the first N kinds (12 items each). */
  kinds: number;
  /** Intent: the missing-detail counts an instance draws from ("1-3", "1,3"; `parseMissingCounts`). */
  intentMissing: string;
  /** The score R of an episode: the task's own, or binary success. Not a simulator setting: the trainer's. */
  reward: 'task' | 'success';
}

export interface TaskFamily {
  id: string;
  title: string;
  /** One paragraph for the UI and docs. */
  description: string;
  /** Who answers the agent: a simulated user (personas apply) or an environment (personas ignored). */
  role: 'user' | 'env';
  /** Turn budget the family is designed for (its oracle needs at most this many turns). */
  maxTurns: number;
  /** The action grammar, one line per action kind, for the UI and docs. */
  grammar: readonly string[];
  /** Every word the family's requests, replies and well-formed actions use. */
  vocabulary(): readonly string[];
  /**
   * Draw an instance of the split. Train and test instances never overlap. `options` carries the
   * size knobs that restrict the instance space (20 questions: `kinds`); omitted = the full family.
   */
  sample(rng: Rng, split: Split, options?: Partial<EpisodeOptions>): TaskInstance;
  /** Content key of an instance (equal keys = same task content); the split is a fixed function of it. */
  key(instance: TaskInstance): string;
  start(instance: TaskInstance, options: EpisodeOptions, rng: Rng): Episode;
  /** Scripted agents: at least `demo` (warm-start demonstrator), `act-now`, `ask-all`, `random`, `oracle`. */
  agents: Record<string, ScriptedAgent>;
  /**
   * The warm-start demonstrator: an expert whose next move depends on the answers so far, except
   * that with probability `slip` it makes an uninformed move (a redundant question, acting before
   * it knows enough). `agents.demo` is `demonstrator(DEFAULT_DEMO_SLIP)`.
   */
  demonstrator(slip: number): ScriptedAgent;
  /**
   * Instances the warm start imitates; default: the train split. 20 questions demonstrates on every
   * item so the policy can name held-out items, which RL never rewards (the test split then
   * measures asking, not vocabulary).
   */
  sampleDemo?(rng: Rng, options?: Partial<EpisodeOptions>): TaskInstance;
  /** A label of the instance's difficulty (intent: "2 missing"), for breaking results down by it (analysis/regime.ts). */
  difficulty?(instance: TaskInstance): string;
  /**
   * The areas of the family's requests, in a fixed order (intent: its domains; code: the stage the request states), each one the agent
   * can tell from the request. `demoSlipByArea` gives each area its own demonstrator slip, so the
   * warm start is skilled in some areas and not in others.
   */
  areas?: readonly string[];
  /** The area of an instance: one of `areas`. */
  area?(instance: TaskInstance): string;
  /**
   * What the feedback of exchange `index` was, for the information-gain probe: a label (e.g.
   * "splits", "do-not-mind", "tool") and whether it changed what the agent can know (the consistent
   * set of hidden states).
   */
  describeFeedback(view: AgentView, index: number): FeedbackKind;
  /** The kind of an action ("ask", "guess", "search", "book", "answer", "code", "try", "invalid"). */
  actionKind(action: string): string;
}

export interface FeedbackKind {
  label: string;
  informative: boolean;
}
