/**
 * "Play the user": a person answers the agent's questions, and after each answer the engine's own
 * information-gain code (rl/infogain.ts, docs/infopo.md §2) measures how much that answer changed the
 * agent's next move against the masked answer. The agent decodes greedily, as in evaluation; the
 * task's simulated user runs alongside only to say when the episode ends, to score it, and to
 * suggest the answer it would have given. `UserPlaySession` (below) is the other way round: the
 * person plays the agent and an LM user answers.
 */
import * as tf from '@tensorflow/tfjs';
import { episodeOptions, shownKey, type Config } from './config';
import { appendAction, appendFeedback, startDialogue, type Dialogue } from './dialogue';
import type { Policy } from './policy/model';
import { Rng } from './random';
import { packDialogues, tokenLogProbs } from './rl/batch';
import { computeInfoGain } from './rl/infogain';
import { decodeLockstep } from './rl/lockstep';
import { GREEDY, sampleToken } from './policy/sampler';
import { episodeOptionsFor } from './rl/rollout';
import { getTask } from './tasks';
import type { AgentView, Episode, Exchange, Outcome, TaskInstance } from './tasks/types';
import { EOT, SPECIAL_TOKENS, UNK } from './text/special';
import type { WordTokenizer } from './text/tokenizer';
import { lmWritesReply, type UserSimulator } from './user-lm/lm-user';
import { USER_LM_FAMILIES } from './user-lm/prompt';

/** The test-split instance a play session uses: the same seed gives the same instance in page and worker. */
export function playInstance(taskId: string, seed: number, config: Config): TaskInstance {
  return getTask(taskId).sample(new Rng(seed), 'test', episodeOptions(config));
}

export interface PlayTurn {
  action: string;
  /** What the task's simulated user would have answered (a suggestion for the person). */
  suggested: string;
  /** The person's answer (null while the agent waits for it, or after the agent's final move). */
  answer: string | null;
  /** Information gain of this answer, measured on the agent's next move (null until it made one). */
  infoGain: { sampled: number; exact: number; tokens: number } | null;
  /** The next move the agent makes after the masked answer (the placeholder instead of the person's words). */
  maskedNext: string | null;
}

export interface PlayState {
  task: string;
  instance: { id: string; request: string; hidden: unknown };
  role: 'user' | 'env';
  turns: PlayTurn[];
  /** The agent made its final move or ran out of turns or context. */
  done: boolean;
  /** Why the episode ended, in words (null while it runs). */
  endReason: string | null;
  outcome: Outcome | null;
  placeholder: string;
}

/** The dialogue tokens the policy saw before its next action, rebuilt from a view (as a rollout builds them). */
function contextTokens(view: AgentView, tokenizer: WordTokenizer): number[] {
  const d = startDialogue(tokenizer.encode(view.request));
  for (const e of view.exchanges) {
    appendAction(d, [...tokenizer.encode(e.action), EOT], e.action);
    appendFeedback(d, tokenizer.encode(e.feedback), e.feedback, e.role ?? 'user');
  }
  return d.tokens;
}

/** The policy's greedy next move for each view (lockstep decoding over one KV cache, as in rollouts). */
function greedyAgent(policy: Policy, tokenizer: WordTokenizer, o: { maxActionTokens: number; maxContext: number }): (views: AgentView[]) => Promise<string[]> {
  const limit = Math.min(o.maxContext, policy.shape.maxContext);
  const unused = new Rng(0); // greedy decoding never draws
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
          const id = sampleToken(logits, GREEDY, unused, allowed);
          r.action.push(id);
          if (id === EOT || r.action.length >= o.maxActionTokens || r.context.length + r.action.length >= limit) r.done = true;
        },
      })),
    );
    return rows.map((r) => tokenizer.decode(r.action.filter((id) => id !== EOT)));
  };
}

export class PlaySession {
  private readonly dialogue: Dialogue;
  private readonly exchanges: Exchange[] = [];
  private readonly episode: Episode;
  private readonly agent: (views: AgentView[]) => Promise<string[]>;
  private readonly placeholderIds: number[];
  private readonly maxTurns: number;
  private readonly state: PlayState;

  constructor(
    private readonly policy: Policy,
    private readonly tokenizer: WordTokenizer,
    private readonly config: Config,
    taskId: string,
    seed: number,
  ) {
    const family = getTask(taskId);
    const instance = playInstance(taskId, seed, config);
    const options = episodeOptionsFor(family, episodeOptions(config, config.evalPersona || config.persona));
    this.maxTurns = options.maxTurns;
    this.episode = family.start(instance, options, new Rng(seed).fork('play-user'));
    this.dialogue = startDialogue(tokenizer.encode(instance.request));
    this.agent = greedyAgent(policy, tokenizer, { maxActionTokens: config.maxActionTokens, maxContext: config.maxContext });
    this.placeholderIds = tokenizer.encode(config.placeholder);
    this.state = { task: taskId, instance: { id: instance.id, request: instance.request, hidden: instance.hidden }, role: family.role, turns: [], done: false, endReason: null, outcome: null, placeholder: config.placeholder };
  }

  snapshot(): PlayState {
    return structuredClone(this.state);
  }

  /** The agent's first move. */
  async begin(): Promise<PlayState> {
    if (this.state.turns.length) throw new Error('the session has begun already');
    await this.agentMove();
    return this.snapshot();
  }

  /** Words the tokenizer does not know (they would all read as <unk> to the agent). */
  unknownWords(text: string): string[] {
    return text
      .trim()
      .split(/\s+/)
      .filter((w) => w && this.tokenizer.encode(w).some((id) => id === UNK));
  }

  /** The person answers the agent's last question; the agent moves; the answer's information gain is measured. */
  async answer(text: string): Promise<PlayState> {
    const turn = this.state.turns[this.state.turns.length - 1];
    if (this.state.done || !turn || turn.answer !== null) throw new Error('the agent is not waiting for an answer');
    const words = text.trim().toLowerCase();
    if (!words) throw new Error('an empty answer carries no information: type or choose one');
    const unknown = this.unknownWords(words);
    if (unknown.length) {
      // Name at most five, each cut short: the message is shown in a banner.
      const named = unknown.slice(0, 5).map((w) => JSON.stringify(shownKey(w)));
      throw new Error(`the agent's vocabulary has no ${named.join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more unknown words` : ''}: use the task's words (see the suggestion)`);
    }
    turn.answer = words;
    appendFeedback(this.dialogue, this.tokenizer.encode(words), words, this.state.role);
    this.exchanges.push({ action: turn.action, feedback: words, role: this.state.role });
    const t = this.state.turns.length - 1;
    await this.agentMove();
    if (this.state.turns.length > t + 1) {
      turn.infoGain = await this.measure(t);
      const [masked] = await this.agent([{ request: this.state.instance.request, exchanges: [...this.exchanges.slice(0, -1), { ...this.exchanges[this.exchanges.length - 1], feedback: this.config.placeholder }], maxTurns: this.maxTurns }]);
      turn.maskedNext = masked;
    }
    return this.snapshot();
  }

  private async agentMove(): Promise<void> {
    const contextLimit = Math.min(this.config.maxContext, this.policy.shape.maxContext);
    if (this.state.turns.length >= this.maxTurns) return this.finish(`the agent used all its ${this.maxTurns} turns`);
    if (this.dialogue.tokens.length >= contextLimit - 1) return this.finish(`the dialogue filled the agent's context (${this.dialogue.tokens.length} of ${contextLimit} tokens), so it cannot move again`);
    const [action] = await this.agent([{ request: this.state.instance.request, exchanges: this.exchanges, maxTurns: this.maxTurns }]);
    appendAction(this.dialogue, [...this.tokenizer.encode(action), EOT], action);
    const reply = this.episode.respond(action);
    this.state.turns.push({ action, suggested: reply.feedback, answer: null, infoGain: null, maskedNext: null });
    if (reply.done) this.finish(this.state.role === 'env' ? 'the episode reached its end' : 'the agent made its final move');
  }

  private finish(reason: string): void {
    this.state.done = true;
    this.state.endReason = reason;
    this.state.outcome = this.episode.outcome();
  }

  /** IG_t of turn t with the engine's code: one teacher-forced pass, the masked counterfactual, one divergence. */
  private async measure(t: number): Promise<{ sampled: number; exact: number; tokens: number }> {
    const batch = packDialogues([this.dialogue]);
    const real = tf.tidy(() => {
      const r = tokenLogProbs(this.policy, batch, { logits: true, kv: this.config.prefixReuse });
      return { logp: r.logp, logits: r.logits!, k: r.kv?.k ?? [], v: r.kv?.v ?? [] };
    });
    try {
      const kv = this.config.prefixReuse ? { k: real.k, v: real.v } : undefined;
      const gains = await computeInfoGain(this.policy, [this.dialogue], batch.t, real.logits, kv, { placeholderIds: this.placeholderIds, placeholderMode: this.config.placeholderMode, prefixReuse: this.config.prefixReuse, divergenceImpl: this.config.divergenceImpl });
      const g = gains.find((x) => x.turn === t);
      if (!g) throw new Error(`turn ${t} is not scored (empty answer or no next move)`);
      return { sampled: g.sampled, exact: g.exact, tokens: g.tokens };
    } finally {
      tf.dispose([real.logp, real.logits, ...real.k, ...real.v]);
    }
  }
}

/**
 * "Play the agent", the other way round: a person types the agent's moves in the task's grammar
 * and an LM user (user-lm/lm-user.ts) answers. As in rollouts with an LM user, a scripted episode
 * runs beside it and decides everything that is not wording (validity, the end, the score); the LM
 * words only the replies `lmWritesReply` gives it, sampled from a stream seeded by the session's
 * seed, so the same seed and the same moves give the same replies. The scripted episode is the
 * cooperative persona's: its reply is shown beside the LM's, as the reference wording.
 */
export interface UserPlayTurn {
  /** The person's move as the agent's tokenizer reads it (lower-cased, spaced as decoded). */
  action: string;
  /** What the LM user said, or the scripted reply where the LM does not write (see `writer`). */
  reply: string;
  /** What the scripted cooperative user answered (the episode's own reply). */
  scripted: string;
  /** Who wrote `reply`: the LM user, the scripted user (an invalid move, the final move, the last turn), or the task's environment (a tool). */
  writer: 'lm' | 'scripted' | 'env';
  valid: boolean;
}

export interface UserPlayState {
  task: string;
  instance: { id: string; request: string; hidden: unknown };
  /** The task's action grammar, one line per kind of action. */
  grammar: readonly string[];
  maxTurns: number;
  /** Longest move in tokens (maxActionTokens, its <eot> included). */
  maxActionTokens: number;
  simulator: { name: string; bytes: number };
  turns: UserPlayTurn[];
  /** Next moves of the family's scripted agents for the dialogue so far, each with the agents that would play it (none once it ended). */
  suggestions: { agents: string[]; action: string }[];
  done: boolean;
  endReason: string | null;
  outcome: Outcome | null;
}

/** The scripted agents whose next moves are offered, in this order (each family has them all). */
const SUGGESTING_AGENTS = ['oracle', 'demo', 'ask-all', 'act-now'] as const;

export class UserPlaySession {
  private readonly family: ReturnType<typeof getTask>;
  private readonly instance: TaskInstance;
  private readonly episode: Episode;
  private readonly exchanges: Exchange[] = [];
  private readonly lmRng: Rng;
  private readonly seed: number;
  private readonly state: UserPlayState;

  constructor(
    private readonly simulator: UserSimulator,
    private readonly tokenizer: WordTokenizer,
    private readonly config: Config,
    taskId: string,
    seed: number,
  ) {
    this.family = getTask(taskId);
    if (!(USER_LM_FAMILIES as readonly string[]).includes(taskId)) throw new Error(`${taskId} is answered by an environment, not a user: the LM user plays ${USER_LM_FAMILIES.join(', ')}`);
    this.instance = playInstance(taskId, seed, config);
    const options = episodeOptionsFor(this.family, episodeOptions(config, 'cooperative'));
    this.episode = this.family.start(this.instance, options, Rng.derive(seed, 'play-agent-episode'));
    this.lmRng = Rng.derive(seed, 'play-agent-lm-user');
    this.seed = seed;
    this.state = {
      task: taskId,
      instance: { id: this.instance.id, request: this.instance.request, hidden: this.instance.hidden },
      grammar: this.family.grammar,
      maxTurns: options.maxTurns,
      maxActionTokens: config.maxActionTokens,
      simulator: { name: simulator.name, bytes: simulator.bytes },
      turns: [],
      suggestions: [],
      done: false,
      endReason: null,
      outcome: null,
    };
    this.state.suggestions = this.suggest();
  }

  snapshot(): UserPlayState {
    return structuredClone(this.state);
  }

  /** The person's move: the scripted episode judges it; the LM user words the reply where it may. */
  async act(text: string): Promise<UserPlayState> {
    if (this.state.done) throw new Error('the episode is over: start another');
    const words = text.trim().toLowerCase();
    if (!words) throw new Error("an empty move: type an action in the task's grammar (or pick a suggestion)");
    const unknown = words.split(/\s+/).filter((w) => this.tokenizer.encode(w).some((id) => id === UNK));
    if (unknown.length) {
      const named = unknown.slice(0, 5).map((w) => JSON.stringify(shownKey(w)));
      throw new Error(`the agent's vocabulary has no ${named.join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more unknown words` : ''}: use the task's words (see the grammar and the suggestions)`);
    }
    const ids = this.tokenizer.encode(words);
    // As a rollout's agent: at most maxActionTokens tokens, its closing <eot> included.
    if (ids.length > this.config.maxActionTokens - 1) throw new Error(`a move has at most ${this.config.maxActionTokens - 1} tokens (maxActionTokens ${this.config.maxActionTokens}, with its end of turn); this one has ${ids.length}`);
    const action = this.tokenizer.decode(ids);
    const reply = this.episode.respond(action);
    const lastTurn = this.state.turns.length + 1 >= this.state.maxTurns;
    let wording = reply.feedback;
    let writer: UserPlayTurn['writer'] = reply.role === 'env' ? 'env' : 'scripted';
    // As in scripted rollouts with an LM user: no reply is worded after the turn budget is spent.
    if (lmWritesReply(this.instance, reply) && !lastTurn) {
      [wording] = await this.simulator.replies([{ instance: this.instance, exchanges: [...this.exchanges, { action, feedback: '', role: 'user' }] }], this.lmRng);
      writer = 'lm';
    }
    this.exchanges.push({ action, feedback: wording, role: reply.role });
    this.state.turns.push({ action, reply: wording, scripted: reply.feedback, writer, valid: reply.valid });
    if (reply.done) this.finish('the agent made its final move');
    else if (lastTurn) this.finish(`the agent used all its ${this.state.maxTurns} turns`);
    this.state.suggestions = this.state.done ? [] : this.suggest();
    return this.snapshot();
  }

  /** The scripted agents' next moves (each from its own stream of this seed and turn), one entry per distinct move. */
  private suggest(): { agents: string[]; action: string }[] {
    const view: AgentView = { request: this.instance.request, exchanges: this.exchanges, maxTurns: this.state.maxTurns };
    const out: { agents: string[]; action: string }[] = [];
    for (const agent of SUGGESTING_AGENTS) {
      const move = this.family.agents[agent](view, Rng.derive(this.seed, `play-agent-suggest-${agent}-${this.exchanges.length}`));
      const same = out.find((s) => s.action === move);
      if (same) same.agents.push(agent);
      else out.push({ agents: [agent], action: move });
    }
    return out;
  }

  private finish(reason: string): void {
    this.state.done = true;
    this.state.endReason = reason;
    this.state.outcome = this.episode.outcome();
  }
}
