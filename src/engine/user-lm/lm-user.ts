/**
 * The LM user: a causal language model that writes the simulated user's reply, in place of the
 * persona's template. The scripted episode still runs beside it and keeps everything that is not
 * wording (whether the move ended the episode, its validity, rewards, the score): the LM replaces
 * the feedback of a user's reply to a valid, non-final move, nothing else. Tool and environment
 * replies (travel's search, mastermind) stay the environment's.
 *
 * The engine holds no model runtime: a host (Node's CLI, the page's worker) wraps one in
 * `CausalLm` (transformers.js on ONNX there); sampling happens here, on the run's own random
 * stream, so a run with the LM user reproduces its fingerprint on the same backend.
 */
import type { Rng } from '../random';
import { sampleToken, type SamplingOptions } from '../policy/sampler';
import type { Exchange, Reply, TaskInstance } from '../tasks/types';
import { EOT, SPECIAL_TOKENS } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';
import { replyPrompt, USER_LM_FAMILIES } from './prompt';

/** What a host provides: next-token logits of a batch of token prompts. */
export interface CausalLm {
  /** Shown on screen and recorded (e.g. "user-lm", a folder's name, a Hub id). */
  readonly name: string;
  readonly vocabSize: number;
  readonly maxContext: number;
  /** Size of its weights in bytes, for the page and the memory check. */
  readonly bytes: number;
  /** Logits of the token after each prompt: one row of `vocabSize` per prompt, in order. */
  nextLogits(prompts: readonly (readonly number[])[]): Promise<Float32Array[]>;
  dispose?(): Promise<void> | void;
}

/** One reply the LM user is asked for: the instance it knows and the dialogue up to the agent's move. */
export interface UserTurnRequest {
  instance: TaskInstance;
  /** The exchanges so far; the last one's action is the move to answer (its feedback is ignored). */
  exchanges: readonly Exchange[];
}

/** Anything that writes user replies: the shipped word-level LM, or a Hub chat model (chat-user.ts). */
export interface UserSimulator {
  readonly name: string;
  readonly bytes: number;
  /** Replies in order, sampled from `rng` in the requests' order (so one batch is reproducible). */
  replies(requests: readonly UserTurnRequest[], rng: Rng): Promise<string[]>;
  /** Counters since creation, for the bench and the run's timings. */
  readonly stats: { calls: number; turns: number; forwards: number; ms: number };
  dispose(): Promise<void> | void;
}

/** Pure sampling from the model's distribution: the wording varies as the personas it learned from vary. */
export const USER_LM_SAMPLING: SamplingOptions = { temperature: 1, topK: 0, topP: 1, greedy: false };
/** The longest reply the LM user writes (the personas' longest, verbose with a closing, is 12 words). */
export const USER_LM_MAX_REPLY = 16;

/** Whether the LM user writes this reply (a user's answer to a valid, non-final move of a user family). */
export function lmWritesReply(instance: TaskInstance, reply: Reply): boolean {
  return reply.role === 'user' && !reply.done && reply.valid && (USER_LM_FAMILIES as readonly string[]).includes(instance.family);
}

/**
 * Sample continuations of every prompt at once, one forward a token for the rows still writing,
 * each up to `stop` (not included) or `maxNew` tokens. Rows draw from `rng` in row order.
 */
export async function sampleContinuations(lm: CausalLm, prompts: readonly (readonly number[])[], o: { maxNew: number; stop: number; allowed: (id: number) => boolean; sampling: SamplingOptions; stats?: { forwards: number } }, rng: Rng): Promise<number[][]> {
  const out = prompts.map(() => [] as number[]);
  let live = prompts.map((_, i) => i);
  for (let k = 0; k < o.maxNew && live.length > 0; k++) {
    const logits = await lm.nextLogits(live.map((i) => [...prompts[i], ...out[i]]));
    if (o.stats) o.stats.forwards++;
    const still: number[] = [];
    live.forEach((i, j) => {
      const id = sampleToken(logits[j], o.sampling, rng, o.allowed);
      if (id === o.stop) return;
      out[i].push(id);
      if (prompts[i].length + out[i].length < lm.maxContext) still.push(i);
    });
    live = still;
  }
  return out;
}

/** A user may say words and end its turn, never speak a role or padding token. */
const userMayEmit = (id: number): boolean => id === EOT || id >= SPECIAL_TOKENS.length;

/** The LM user on the sandbox's own word vocabulary (models/user-lm, or a folder made like it). */
export class WordLmUser implements UserSimulator {
  readonly stats = { calls: 0, turns: 0, forwards: 0, ms: 0 };
  constructor(
    private readonly lm: CausalLm,
    private readonly tokenizer: WordTokenizer,
  ) {
    if (lm.vocabSize !== tokenizer.vocabSize) throw new Error(`tokenizer mismatch: ${lm.name} has a vocabulary of ${lm.vocabSize} tokens, the sandbox's has ${tokenizer.vocabSize}`);
  }
  get name(): string {
    return this.lm.name;
  }
  get bytes(): number {
    return this.lm.bytes;
  }
  async replies(requests: readonly UserTurnRequest[], rng: Rng): Promise<string[]> {
    if (requests.length === 0) return [];
    const t0 = performance.now();
    const prompts = requests.map((r) => replyPrompt(r.instance, r.exchanges, this.tokenizer, this.lm.maxContext, USER_LM_MAX_REPLY));
    const ids = await sampleContinuations(this.lm, prompts, { maxNew: USER_LM_MAX_REPLY, stop: EOT, allowed: userMayEmit, sampling: USER_LM_SAMPLING, stats: this.stats }, rng);
    this.stats.calls++;
    this.stats.turns += requests.length;
    this.stats.ms += performance.now() - t0;
    return ids.map((row) => this.tokenizer.decode(row));
  }
  async dispose(): Promise<void> {
    await this.lm.dispose?.();
  }
}
