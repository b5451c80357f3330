/**
 * The user language model's prompt: what the simulated user knows (the hidden instance), then the
 * dialogue so far, then the user's role token; the model continues with the user's next turn up to
 * <eot>. One token layout for training (every user turn of a dialogue at once, teacher-forced) and
 * for sampling (the prefix up to the open <user> token).
 *
 *   <bos> <env> hidden words <eot> <user> request <eot> <agent> a0 <eot> <user> r0 <eot> <agent> a1 <eot> <user> ...
 *
 * The hidden block sits under <env> because it is not a turn of the dialogue: a policy never sees it.
 */
import type { CodingHidden } from '../tasks/coding';
import { STAGES } from '../tasks/coding';
import type { IntentHidden } from '../tasks/intent';
import { ASPECTS, type TravelHidden } from '../tasks/travel';
import { QUESTION_VALUES, type TwentyQuestionsHidden } from '../tasks/twenty-questions';
import type { Exchange, TaskInstance } from '../tasks/types';
import { AGENT, BOS, ENV, EOT, USER } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';

/** The shipped LM user's folder under models/ (`npm run make-user-model`). */
export const USER_LM_NAME = 'user-lm';

/** Families whose replies come from a user (personas apply); mastermind's environment is not a user. */
export const USER_LM_FAMILIES = ['20q', 'intent', 'code', 'travel'] as const;

/**
 * The hidden instance as words of the shared vocabulary, as a table of (question word, answer)
 * pairs wherever the family allows: answering is then finding the asked word in the hidden block
 * and reading what follows it (a pattern a small transformer learns; telling that a word is absent
 * from a list is one it learns badly: 38% false 20-questions answers with a yes-word list).
 */
export function hiddenText(instance: TaskInstance): string {
  switch (instance.family) {
    case '20q': {
      const { item } = instance.hidden as TwentyQuestionsHidden;
      return [item.name, ...QUESTION_VALUES.map((v) => `${v} ${item.answers[v]}`)].join(' ');
    }
    case 'intent': {
      const h = instance.hidden as IntentHidden;
      return Object.entries(h.values).map(([slot, value]) => `${slot} ${value}`).join(' ');
    }
    case 'code': {
      const h = instance.hidden as CodingHidden;
      return STAGES.map((stage) => `${stage} ${h.stages[stage] || 'nothing'}`).join(' ');
    }
    case 'travel': {
      const h = instance.hidden as TravelHidden;
      return ASPECTS.map((aspect) => `${aspect} ${h.prefs[aspect] ?? 'any'}`).join(' ');
    }
    default:
      throw new Error(`the LM user plays users only (${USER_LM_FAMILIES.join(', ')}); ${instance.family} is answered by an environment`);
  }
}

export interface UserLmSequence {
  tokens: number[];
  /** 1 where token p + 1 is a user-turn token the model learns (the reply words and its <eot>). [tokens.length - 1] */
  target: number[];
}

/**
 * The prompt for the user's reply to the last exchange's action (its feedback is ignored), fitted in
 * `maxContext - room` tokens by dropping the oldest exchanges (the hidden block and the request stay).
 */
export function replyPrompt(instance: TaskInstance, exchanges: readonly Exchange[], tokenizer: WordTokenizer, maxContext: number, room: number): number[] {
  if (exchanges.length === 0) throw new Error('replyPrompt: the agent has not acted yet');
  const head = [BOS, ENV, ...tokenizer.encode(hiddenText(instance)), EOT, USER, ...tokenizer.encode(instance.request), EOT];
  const last = [AGENT, ...tokenizer.encode(exchanges[exchanges.length - 1].action), EOT, USER];
  const earlier = exchanges.slice(0, -1).map((e) => [AGENT, ...tokenizer.encode(e.action), EOT, e.role === 'env' ? ENV : USER, ...tokenizer.encode(e.feedback), EOT]);
  const budget = maxContext - room;
  let length = head.length + last.length;
  if (length > budget) throw new Error(`replyPrompt: the hidden block, the request and the last action take ${length} tokens, over the ${budget} available`);
  let from = earlier.length;
  while (from > 0 && length + earlier[from - 1].length <= budget) length += earlier[--from].length;
  return [...head, ...earlier.slice(from).flat(), ...last];
}

/** A whole dialogue as one training sequence: every user reply (not the final one, not a tool's) is a target; cut at maxContext. */
export function userLmTrainingSequence(instance: TaskInstance, exchanges: readonly (Exchange & { done?: boolean })[], tokenizer: WordTokenizer, maxContext: number): UserLmSequence {
  const tokens = [BOS, ENV, ...tokenizer.encode(hiddenText(instance)), EOT, USER, ...tokenizer.encode(instance.request), EOT];
  const learn: boolean[] = tokens.map(() => false);
  const push = (ids: readonly number[], learned: boolean) => {
    tokens.push(...ids);
    for (const _ of ids) learn.push(learned);
  };
  for (const e of exchanges) {
    push([AGENT, ...tokenizer.encode(e.action), EOT], false);
    if (e.done) break;
    const role = e.role ?? 'user';
    push([role === 'env' ? ENV : USER], false);
    push([...tokenizer.encode(e.feedback), EOT], role === 'user');
  }
  const cut = Math.min(tokens.length, maxContext);
  return { tokens: tokens.slice(0, cut), target: learn.slice(1, cut).map((b) => (b ? 1 : 0)) };
}
