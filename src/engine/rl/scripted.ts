/** Dialogues played by a scripted agent (demonstrations for the warm start, baseline evaluations). */
import { appendAction, startDialogue, type Dialogue, type DialogueTurn } from '../dialogue';
import type { Rng } from '../random';
import type { EpisodeSettings } from '../config';
import type { Episode, Exchange, Reply, ScriptedAgent, TaskFamily, TaskInstance } from '../tasks/types';
import { lmWritesReply, type UserSimulator } from '../user-lm/lm-user';
import { EOT } from '../text/special';
import { NON_ANSWER } from '../users';
import type { WordTokenizer } from '../text/tokenizer';
import { episodeOptionsFor, recordReply, toRollout, type EndReason, type Rollout } from './rollout';

export function scriptedRollout(
  family: TaskFamily,
  instance: TaskInstance,
  agent: ScriptedAgent,
  options: EpisodeSettings,
  rngs: { agent: Rng; user: Rng },
  tokenizer: WordTokenizer,
  group = 0,
  /** Replace this share of the user's answers (not the final reply, not a tool's) by NON_ANSWER, drawn from rngs.user. */
  nonAnswerRate = 0,
): Rollout {
  const play = new ScriptedPlay({ family, instance, agent, options, rngs, group, nonAnswerRate }, tokenizer);
  while (!play.finished) play.record(play.act());
  return play.rollout();
}

/** One scripted dialogue to play (the arguments of `scriptedRollout`). */
export interface ScriptedJob {
  family: TaskFamily;
  instance: TaskInstance;
  agent: ScriptedAgent;
  options: EpisodeSettings;
  rngs: { agent: Rng; user: Rng };
  group?: number;
  nonAnswerRate?: number;
}

/**
 * Scripted dialogues whose users' replies the LM user writes, played turn by turn side by side so
 * that each turn's replies are one batched call. The agents and the scripted episodes draw from
 * their own streams as in `scriptedRollout`; the LM samples from `lmRng` in the jobs' order.
 */
export async function scriptedRolloutsWithUser(jobs: readonly ScriptedJob[], tokenizer: WordTokenizer, lmUser: UserSimulator, lmRng: Rng): Promise<Rollout[]> {
  const plays = jobs.map((job) => new ScriptedPlay(job, tokenizer));
  for (;;) {
    const live = plays.filter((p) => !p.finished);
    if (!live.length) break;
    const moves = live.map((p) => ({ play: p, reply: p.act() }));
    const asked = moves.filter((m) => m.reply && m.play.lmMayWrite(m.reply));
    const texts = await lmUser.replies(asked.map((m) => ({ instance: m.play.instance, exchanges: m.play.exchangesSoFar() })), lmRng);
    const wording = new Map(asked.map((m, i) => [m.play, texts[i]]));
    for (const m of moves) m.play.record(m.reply && wording.has(m.play) ? { ...m.reply, feedback: wording.get(m.play)! } : m.reply);
  }
  return plays.map((p) => p.rollout());
}

/** A scripted dialogue as a state machine: `act` (the agent moves, the scripted user answers), then `record` that answer, possibly reworded. */
class ScriptedPlay {
  readonly instance: TaskInstance;
  finished = false;
  private readonly maxTurns: number;
  private readonly options: EpisodeSettings;
  private readonly episode: Episode;
  private readonly dialogue: Dialogue;
  private readonly exchanges: Exchange[] = [];
  private ended: EndReason = 'max-turns';
  private turn: DialogueTurn | null = null;
  constructor(
    private readonly job: ScriptedJob,
    private readonly tokenizer: WordTokenizer,
  ) {
    this.instance = job.instance;
    this.maxTurns = episodeOptionsFor(job.family, job.options).maxTurns;
    this.options = { ...job.options, maxTurns: this.maxTurns };
    this.episode = job.family.start(job.instance, this.options, job.rngs.user);
    this.dialogue = startDialogue(this.tokenizer.encode(job.instance.request));
    this.finished = this.dialogue.turns.length >= this.maxTurns;
  }
  /** The agent's next move and the scripted reply; null when the move does not fit (the play ends). */
  act(): Reply | null {
    const { job, options, tokenizer } = this;
    const text = job.agent({ request: job.instance.request, exchanges: this.exchanges, maxTurns: this.maxTurns, simulator: options }, job.rngs.agent);
    const ids = [...tokenizer.encode(text).slice(0, options.maxActionTokens - 1), EOT];
    if (this.dialogue.tokens.length + ids.length > options.maxContext) {
      this.ended = 'context';
      return null;
    }
    this.turn = appendAction(this.dialogue, ids, tokenizer.decode(ids));
    let reply = this.episode.respond(this.turn.action);
    // Drawn only when the knob is on, so runs without it keep their random streams.
    const rate = job.nonAnswerRate ?? 0;
    if (rate > 0 && !reply.done && reply.role === 'user' && job.rngs.user.bernoulli(rate)) reply = { ...reply, feedback: NON_ANSWER };
    return reply;
  }
  /** Whether the LM user words this reply (not a placeholder non-answer, not past the turn budget). */
  lmMayWrite(reply: Reply): boolean {
    return lmWritesReply(this.instance, reply) && reply.feedback !== NON_ANSWER && this.dialogue.turns.length < this.maxTurns;
  }
  exchangesSoFar(): Exchange[] {
    return [...this.exchanges, { action: this.turn!.action, feedback: '', role: 'user' }];
  }
  record(reply: Reply | null): void {
    if (!reply) {
      this.finished = true;
      return;
    }
    const turn = this.turn!;
    this.exchanges.push({ action: turn.action, feedback: reply.feedback, role: reply.role });
    const end = recordReply(this.dialogue, turn, reply, this.tokenizer, this.maxTurns, this.options.maxContext);
    if (end) {
      this.ended = end;
      this.finished = true;
    } else if (this.dialogue.turns.length >= this.maxTurns) this.finished = true;
  }
  rollout(): Rollout {
    return toRollout(this.job.family, this.instance, this.job.group ?? 0, this.dialogue, this.episode, this.ended, this.options.reward);
  }
}
