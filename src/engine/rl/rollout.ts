/**
 * Multi-turn rollouts, many episodes at once, decoded in lockstep (lockstep.ts): a row consumes
 * forced tokens (request, feedback, role tokens) and, at its frontier while the agent speaks,
 * samples its next token; a finished action goes to the simulated user, whose reply becomes
 * more forced tokens. Rows leave the batch when their episode ends.
 */
import { appendAction, appendFeedback, closeAction, feedbackTokens, startDialogue, type Dialogue, type DialogueTurn } from '../dialogue';
import type { EpisodeSettings } from '../config';
import type { Policy } from '../policy/model';
import { rowStats } from '../kernels/reference';
import { sampleToken, type SamplingOptions } from '../policy/sampler';
import type { Rng } from '../random';
import type { Episode, EpisodeOptions, Reply, TaskFamily, TaskInstance } from '../tasks/types';
import { EOT, SPECIAL_TOKENS } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';
import { decodeLockstep } from './lockstep';
import { lmWritesReply, type UserSimulator } from '../user-lm/lm-user';

export interface RolloutRequest {
  family: TaskFamily;
  instance: TaskInstance;
  /** GRPO group this rollout belongs to. */
  group: number;
  /** The simulated user's stream (default: forked from the batch's user stream). */
  userRng?: Rng;
}

export type EndReason = 'done' | 'max-turns' | 'context';

export interface Rollout {
  family: string;
  instanceId: string;
  /** The user's opening request. */
  request: string;
  group: number;
  dialogue: Dialogue;
  /** Final reward of the task. */
  finalReward: number;
  /** Score R for GRPO: step rewards of every turn but the last, plus the final reward (docs/infopo.md §4). */
  outcome: number;
  success: boolean;
  endReason: EndReason;
  /**
   * Policy rollouts: log pi(token) of every token the agent sampled, in order, from the logits it
   * was sampled from (full vocabulary, no temperature: what the teacher-forced pass must give back
   * for the PPO ratio to start at 1). Absent for scripted rollouts.
   */
  sampledLogProbs?: number[];
}

/** Sampling plus the episode settings of a config (`episodeOptions` in config.ts). */
export type RolloutOptions = SamplingOptions & EpisodeSettings;

/** maxTurns 0 means each family's own turn budget. */
export function episodeOptionsFor(family: TaskFamily, options: EpisodeOptions): EpisodeOptions {
  return { ...options, maxTurns: options.maxTurns || family.maxTurns };
}

/** The agent may end its turn with <eot> but never emit a role or padding token. */
const agentMayEmit = (id: number): boolean => id === EOT || id >= SPECIAL_TOKENS.length;

interface Row {
  request: RolloutRequest;
  maxTurns: number;
  episode: Episode;
  dialogue: Dialogue;
  /** Tokens of the action being generated (not yet in the dialogue). */
  action: number[];
  ended: EndReason | null;
  sampledLogProbs: number[];
  /** The scripted reply to the action just finished, waiting for the LM user's wording. */
  pending: { turn: DialogueTurn; reply: Reply } | null;
}

export async function generateRollouts(
  policy: Policy,
  tokenizer: WordTokenizer,
  requests: RolloutRequest[],
  options: RolloutOptions,
  rngs: { sampling: Rng; user: Rng },
  /** The LM user writing the users' replies (user-lm/lm-user.ts); absent: the scripted personas. */
  lmUser?: UserSimulator,
): Promise<Rollout[]> {
  const rows: Row[] = requests.map((request, i) => {
    const episodeOptions = episodeOptionsFor(request.family, options);
    const episode = request.family.start(request.instance, episodeOptions, request.userRng ?? rngs.user.fork(`episode-${i}`));
    return { request, maxTurns: episodeOptions.maxTurns, episode, dialogue: startDialogue(tokenizer.encode(request.instance.request)), action: [], ended: null, sampledLogProbs: [], pending: null };
  });
  const limit = Math.min(options.maxContext, policy.shape.maxContext);
  for (const row of rows) if (row.dialogue.tokens.length >= limit) row.ended = 'context';
  // Forked only with an LM user, so scripted runs keep their streams.
  const lmRng = lmUser ? rngs.user.fork('lm-user') : null;
  const answerPending = async () => {
    const waiting = rows.filter((r) => r.pending);
    if (!waiting.length || !lmUser || !lmRng) return;
    const texts = await lmUser.replies(waiting.map((r) => ({ instance: r.request.instance, exchanges: r.dialogue.turns })), lmRng);
    waiting.forEach((r, i) => {
      const { turn, reply } = r.pending!;
      r.pending = null;
      r.ended = recordReply(r.dialogue, turn, { ...reply, feedback: texts[i] }, tokenizer, r.maxTurns, limit);
    });
  };

  await decodeLockstep(
    policy,
    rows.map((r) => ({
      stream: () => (r.action.length ? [...r.dialogue.tokens, ...r.action] : r.dialogue.tokens),
      done: () => r.ended !== null,
      onFrontier: (logits: Float32Array) => {
        const id = sampleToken(logits, options, rngs.sampling, agentMayEmit);
        r.action.push(id);
        r.sampledLogProbs.push(logits[id] - rowStats(logits, 0, logits.length).lse);
        const full = r.dialogue.tokens.length + r.action.length >= limit;
        if (id === EOT || r.action.length >= options.maxActionTokens || full) finishAction(r, tokenizer, limit, lmUser !== undefined);
      },
    })),
    lmUser ? answerPending : undefined,
  );
  return rows.map((r) => ({ ...toRollout(r.request.family, r.request.instance, r.request.group, r.dialogue, r.episode, r.ended ?? 'context', options.reward), sampledLogProbs: r.sampledLogProbs }));
}

function finishAction(r: Row, tokenizer: WordTokenizer, limit: number, lmAnswers: boolean): void {
  const ids = r.action;
  r.action = [];
  const text = tokenizer.decode(ids.filter((id) => id !== EOT));
  const turn = appendAction(r.dialogue, ids, text);
  // Keep the format "action <eot>" even when the agent ran out of tokens (the policy agent of
  // evaluations rebuilds contexts that way), when the context has room.
  if (ids[ids.length - 1] !== EOT && r.dialogue.tokens.length < limit) closeAction(r.dialogue);
  const reply = r.episode.respond(text);
  if (lmAnswers && lmWritesReply(r.request.instance, reply) && r.dialogue.turns.length < r.maxTurns) r.pending = { turn, reply };
  else r.ended = recordReply(r.dialogue, turn, reply, tokenizer, r.maxTurns, limit);
}

/**
 * Record the user's or environment's reply to the turn just appended, and either end the episode
 * (final move, turn budget, or no room for the reply plus one agent token) or append the reply.
 */
export function recordReply(dialogue: Dialogue, turn: DialogueTurn, reply: Reply, tokenizer: WordTokenizer, maxTurns: number, limit: number): EndReason | null {
  Object.assign(turn, { stepReward: reply.stepReward, valid: reply.valid, done: reply.done });
  const feedbackIds = tokenizer.encode(reply.feedback);
  const ended: EndReason | null = reply.done
    ? 'done'
    : dialogue.turns.length >= maxTurns
      ? 'max-turns'
      : dialogue.tokens.length + feedbackTokens(feedbackIds, reply.role).length + 1 > limit
        ? 'context'
        : null;
  if (ended) Object.assign(turn, { feedback: reply.feedback, role: reply.role });
  else appendFeedback(dialogue, feedbackIds, reply.feedback, reply.role);
  return ended;
}

/**
 * The finished episode as a Rollout, with R = step rewards of all turns but the last + the final
 * reward (`reward: 'task'`, the reference), or R = 1 for success and 0 otherwise (`'success'`).
 */
export function toRollout(family: TaskFamily, instance: TaskInstance, group: number, dialogue: Dialogue, episode: Episode, endReason: EndReason, rewardMode: EpisodeOptions['reward']): Rollout {
  const { reward, success } = episode.outcome();
  const outcome = rewardMode === 'success' ? (success ? 1 : 0) : dialogue.turns.slice(0, -1).reduce((a, t) => a + t.stepReward, 0) + reward;
  return { family: family.id, instanceId: instance.id, request: instance.request, group, dialogue, finalReward: reward, outcome, success, endReason };
}
