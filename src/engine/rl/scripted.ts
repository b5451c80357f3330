/** Dialogues played by a scripted agent (demonstrations for the warm start, baseline traces). */
import { appendAction, appendFeedback, feedbackTokens, startDialogue } from '../dialogue';
import type { Rng } from '../random';
import type { EpisodeOptions, Exchange, ScriptedAgent, TaskFamily, TaskInstance } from '../tasks/types';
import { EOT } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';
import { episodeOptionsFor, type EndReason, type Rollout } from './rollout';

export function scriptedRollout(
  family: TaskFamily,
  instance: TaskInstance,
  agent: ScriptedAgent,
  options: EpisodeOptions & { maxActionTokens: number; maxContext: number },
  rngs: { agent: Rng; user: Rng },
  tokenizer: WordTokenizer,
  group = 0,
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
    const reply = episode.respond(turn.action);
    Object.assign(turn, { stepReward: reply.stepReward, valid: reply.valid, done: reply.done });
    exchanges.push({ action: turn.action, feedback: reply.feedback, role: reply.role });
    const feedbackIds = tokenizer.encode(reply.feedback);
    if (reply.done || dialogue.turns.length >= options.maxTurns || dialogue.tokens.length + feedbackTokens(feedbackIds, reply.role).length + 1 > options.maxContext) {
      turn.feedback = reply.feedback;
      turn.role = reply.role;
      ended = reply.done ? 'done' : dialogue.turns.length >= options.maxTurns ? 'max-turns' : 'context';
      break;
    }
    appendFeedback(dialogue, feedbackIds, reply.feedback, reply.role);
  }
  const { reward, success } = episode.outcome();
  const outcome = dialogue.turns.slice(0, -1).reduce((a, t) => a + t.stepReward, 0) + reward;
  return { family: family.id, instanceId: instance.id, request: instance.request, group, dialogue, finalReward: reward, outcome, success, endReason: ended };
}
