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
  /**
   * Incremental decoding over a key/value cache, when the runtime has one: the logits after each
   * prompt, then `step(ids)` appends one token to every row (in order) and gives the next logits.
   */
  decode?(prompts: readonly (readonly number[])[]): Promise<DecodeSession>;
  dispose?(): Promise<void> | void;
}

export interface DecodeSession {
  logits: Float32Array[];
  step(ids: readonly number[]): Promise<Float32Array[]>;
  dispose(): void;
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

/** Sampling at temperature 0.7: the wording still varies as the personas it learned from vary, with fewer false answers than at 1 (docs/users.md, the sweep on fidelity seed 7). */
export const USER_LM_SAMPLING: SamplingOptions = { temperature: 0.7, topK: 0, topP: 1, greedy: false };
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
  if (prompts.length === 0) return out;
  const live = prompts.map(() => true);
  /** Sample the next token of every live row (in row order); false when no row writes on. */
  const sample = (logits: readonly Float32Array[], rows: readonly number[]): boolean => {
    rows.forEach((i, j) => {
      const id = sampleToken(logits[j], o.sampling, rng, o.allowed);
      if (id === o.stop) live[i] = false;
      else {
        out[i].push(id);
        if (out[i].length >= o.maxNew || prompts[i].length + out[i].length >= lm.maxContext) live[i] = false;
      }
    });
    return live.some(Boolean);
  };
  const count = () => o.stats && o.stats.forwards++;
  if (lm.decode) {
    // With a cache every row stays in the batch to the end (a finished row is fed its last token again, its logits unread).
    const session = await lm.decode(prompts);
    count();
    try {
      let logits = session.logits;
      let rows = prompts.map((_, i) => i);
      while (sample(logits, rows)) {
        const all = await session.step(prompts.map((p, i) => out[i].at(-1) ?? p[p.length - 1]));
        count();
        rows = live.flatMap((l, i) => (l ? [i] : []));
        logits = rows.map((i) => all[i]);
      }
    } finally {
      session.dispose();
    }
    return out;
  }
  let rows = prompts.map((_, i) => i);
  for (;;) {
    const logits = await lm.nextLogits(rows.map((i) => [...prompts[i], ...out[i]]));
    count();
    if (!sample(logits, rows)) break;
    rows = live.flatMap((l, i) => (l ? [i] : []));
  }
  return out;
}

/** A user may say words and end its turn, never speak a role or padding token. */
const userMayEmit = (id: number): boolean => id === EOT || id >= SPECIAL_TOKENS.length;

/** The LM user on the sandbox's own word vocabulary (models/user-lm, or a folder made like it). */
export class WordLmUser implements UserSimulator {
  readonly stats = { calls: 0, turns: 0, forwards: 0, ms: 0 };
  constructor(
    /** The model it runs on (public for parity tests). */
    readonly lm: CausalLm,
    private readonly tokenizer: WordTokenizer,
    readonly sampling: SamplingOptions = USER_LM_SAMPLING,
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
    const ids = await sampleContinuations(this.lm, prompts, { maxNew: USER_LM_MAX_REPLY, stop: EOT, allowed: userMayEmit, sampling: this.sampling, stats: this.stats }, rng);
    this.stats.calls++;
    this.stats.turns += requests.length;
    this.stats.ms += performance.now() - t0;
    return ids.map((row) => this.tokenizer.decode(row));
  }
  async dispose(): Promise<void> {
    await this.lm.dispose?.();
  }
}
