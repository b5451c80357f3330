/**
 * Multi-turn rollouts, many episodes at once. Every live sequence advances one token per step
 * (lockstep), so all rows share one position and one KV cache: a row either consumes a forced
 * token (request, feedback, role tokens) or, at its frontier while the agent speaks, a token
 * sampled from its logits. Rows leave the batch when their episode ends.
 */
import * as tf from '@tensorflow/tfjs';
import { appendAction, appendFeedback, closeAction, feedbackTokens, startDialogue, type Dialogue } from '../dialogue';
import type { KV, Policy } from '../policy/model';
import { tidy } from '../policy/ops';
import { sampleToken, type SamplingOptions } from '../policy/sampler';
import type { Rng } from '../random';
import type { Episode, EpisodeOptions, TaskFamily, TaskInstance } from '../tasks/types';
import { EOT, SPECIAL_TOKENS } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';

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
  /** Score R for GRPO: step rewards of every turn but the last, plus the final reward (INFOPO.md §4). */
  outcome: number;
  success: boolean;
  endReason: EndReason;
}

export interface RolloutOptions extends SamplingOptions, EpisodeOptions {
  maxActionTokens: number;
  maxContext: number;
}

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
  /** Tokens already consumed into the KV cache. */
  fed: number;
  ended: EndReason | null;
}

export async function generateRollouts(
  policy: Policy,
  tokenizer: WordTokenizer,
  requests: RolloutRequest[],
  options: RolloutOptions,
  rngs: { sampling: Rng; user: Rng },
): Promise<Rollout[]> {
  const rows: Row[] = requests.map((request, i) => {
    const episodeOptions = episodeOptionsFor(request.family, options);
    const episode = request.family.start(request.instance, episodeOptions, request.userRng ?? rngs.user.fork(`episode-${i}`));
    return { request, maxTurns: episodeOptions.maxTurns, episode, dialogue: startDialogue(tokenizer.encode(request.instance.request)), action: [], fed: 0, ended: null };
  });
  const limit = Math.min(options.maxContext, policy.shape.maxContext);
  for (const row of rows) if (row.dialogue.tokens.length >= limit) row.ended = 'context';

  let live = rows.filter((r) => !r.ended);
  let cache: KV | null = null;
  while (live.length > 0) {
    const input = live.map((r) => (r.fed < r.dialogue.tokens.length ? r.dialogue.tokens[r.fed] : r.action[r.fed - r.dialogue.tokens.length]));
    const { logits, kv } = tidy(() => {
      const out = policy.forward(tf.tensor2d(input, [live.length, 1], 'int32'), { past: cache ?? undefined, returnKV: true });
      return { logits: out.logits.reshape([live.length, -1]), kv: out.kv! };
    });
    if (cache) disposeKV(cache);
    cache = kv;
    for (const r of live) r.fed++;
    const atFrontier = live.map((r) => r.fed === r.dialogue.tokens.length + r.action.length);
    const rowsLogits = atFrontier.some(Boolean) ? await logits.data() : null;
    logits.dispose();
    const vocab = policy.shape.vocabSize;
    live.forEach((r, i) => {
      if (!atFrontier[i] || !rowsLogits) return;
      const id = sampleToken(rowsLogits.subarray(i * vocab, (i + 1) * vocab), options, rngs.sampling, agentMayEmit);
      r.action.push(id);
      const full = r.dialogue.tokens.length + r.action.length >= limit;
      if (id === EOT || r.action.length >= options.maxActionTokens || full) finishAction(r, tokenizer, limit);
    });
    const keep = live.map((r) => !r.ended);
    if (keep.every(Boolean)) continue;
    const kept = keep.flatMap((k, i) => (k ? [i] : []));
    live = live.filter((r) => !r.ended);
    if (live.length === 0) break;
    const old: KV = cache;
    cache = tidy(() => {
      const idx = tf.tensor1d(kept, 'int32');
      return { k: old.k.map((t) => tf.gather(t, idx)), v: old.v.map((t) => tf.gather(t, idx)) };
    });
    disposeKV(old);
  }
  if (cache) disposeKV(cache);
  return rows.map((r) => toRollout(r));
}

function finishAction(r: Row, tokenizer: WordTokenizer, limit: number): void {
  const ids = r.action;
  r.action = [];
  const text = tokenizer.decode(ids.filter((id) => id !== EOT));
  const turn = appendAction(r.dialogue, ids, text);
  // Keep the format "action <eot>" even when the agent ran out of tokens (the policy agent of
  // evaluations rebuilds contexts that way), when the context has room.
  if (ids[ids.length - 1] !== EOT && r.dialogue.tokens.length < limit) closeAction(r.dialogue);
  const reply = r.episode.respond(text);
  turn.stepReward = reply.stepReward;
  turn.valid = reply.valid;
  turn.done = reply.done;
  if (reply.done || r.dialogue.turns.length >= r.maxTurns) {
    turn.feedback = reply.feedback;
    turn.role = reply.role;
    r.ended = reply.done ? 'done' : 'max-turns';
    return;
  }
  const feedbackIds = tokenizer.encode(reply.feedback);
  // The feedback, its role tokens and at least one agent token must fit.
  if (r.dialogue.tokens.length + feedbackTokens(feedbackIds, reply.role).length + 1 > limit) {
    turn.feedback = reply.feedback;
    turn.role = reply.role;
    r.ended = 'context';
    return;
  }
  appendFeedback(r.dialogue, feedbackIds, reply.feedback, reply.role);
}

function toRollout(r: Row): Rollout {
  const { reward, success } = r.episode.outcome();
  const steps = r.dialogue.turns.map((t) => t.stepReward);
  const outcome = steps.slice(0, -1).reduce((a, b) => a + b, 0) + reward;
  return {
    family: r.request.family.id,
    instanceId: r.request.instance.id,
    request: r.request.instance.request,
    group: r.request.group,
    dialogue: r.dialogue,
    finalReward: reward,
    outcome,
    success,
    endReason: r.ended ?? 'context',
  };
}

export function disposeKV(kv: KV): void {
  for (const t of [...kv.k, ...kv.v]) t.dispose();
}
