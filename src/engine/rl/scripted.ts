/** Dialogues played by a scripted agent (demonstrations for the warm start, baseline evaluations). */
import { appendAction, startDialogue } from '../dialogue';
import type { Rng } from '../random';
import type { EpisodeSettings } from '../config';
import type { Exchange, ScriptedAgent, TaskFamily, TaskInstance } from '../tasks/types';
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
  const { maxTurns } = episodeOptionsFor(family, options);
  options = { ...options, maxTurns };
  const episode = family.start(instance, options, rngs.user);
  const dialogue = startDialogue(tokenizer.encode(instance.request));
  const exchanges: Exchange[] = [];
  let ended: EndReason = 'max-turns';
  while (dialogue.turns.length < options.maxTurns) {
    const text = agent({ request: instance.request, exchanges, maxTurns, simulator: options }, rngs.agent);
    const ids = [...tokenizer.encode(text).slice(0, options.maxActionTokens - 1), EOT];
    if (dialogue.tokens.length + ids.length > options.maxContext) {
      ended = 'context';
      break;
    }
    const turn = appendAction(dialogue, ids, tokenizer.decode(ids));
    let reply = episode.respond(turn.action);
    // Drawn only when the knob is on, so runs without it keep their random streams.
    if (nonAnswerRate > 0 && !reply.done && reply.role === 'user' && rngs.user.bernoulli(nonAnswerRate)) reply = { ...reply, feedback: NON_ANSWER };
    exchanges.push({ action: turn.action, feedback: reply.feedback, role: reply.role });
    const end = recordReply(dialogue, turn, reply, tokenizer, maxTurns, options.maxContext);
    if (end) {
      ended = end;
      break;
    }
  }
  return toRollout(family, instance, group, dialogue, episode, ended, options.reward);
}
