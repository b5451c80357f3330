import { beforeAll, describe, expect, it } from 'vitest';
import { episodeOptions, resolveConfig } from '../config';
import { scriptedRollout } from '../rl/scripted';
import { Rng } from '../random';
import { getTask } from '../tasks';
import type { TwentyQuestionsHidden } from '../tasks/twenty-questions';
import { AGENT, BOS, ENV, EOT, USER } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';
import { shippedTokenizer } from '../test-support';
import { hiddenText, replyPrompt, USER_LM_FAMILIES, userLmTrainingSequence } from './prompt';

let tokenizer: WordTokenizer;
beforeAll(async () => {
  tokenizer = await shippedTokenizer();
});

const config = resolveConfig({ task: 'intent', maxContext: 256 });

describe('the LM user\'s prompt', () => {
  it('writes every user family\'s hidden instance in vocabulary words, and refuses the environment family', () => {
    const rng = new Rng(3);
    for (const id of USER_LM_FAMILIES) {
      const instance = getTask(id).sample(rng, 'test', episodeOptions(config));
      const ids = tokenizer.encode(hiddenText(instance));
      expect(ids.length, id).toBeGreaterThan(0);
      expect(ids.includes(1), `${id}: ${hiddenText(instance)} has unknown words`).toBe(false);
    }
    const twenty = getTask('20q').sample(rng, 'test', episodeOptions(config));
    const h = twenty.hidden as TwentyQuestionsHidden;
    expect(hiddenText(twenty).startsWith(h.item.name)).toBe(true);
    expect(() => hiddenText(getTask('mastermind').sample(rng, 'test', episodeOptions(config)))).toThrow(/answered by an environment/);
  });

  it('lays out hidden block, request, earlier exchanges and the open user turn, dropping the oldest exchanges to fit', () => {
    const instance = getTask('intent').sample(new Rng(1), 'test', episodeOptions(config));
    const exchanges = [
      { action: 'ask time ?', feedback: 'for dinner .' },
      { action: 'ask people ?', feedback: 'for two .' },
      { action: 'ask food ?', feedback: '' },
    ];
    const p = replyPrompt(instance, exchanges, tokenizer, 256, 16);
    const hidden = tokenizer.encode(hiddenText(instance));
    expect(p.slice(0, 2 + hidden.length + 2)).toEqual([BOS, ENV, ...hidden, EOT, USER]);
    expect(p.slice(-2)).toEqual([EOT, USER]);
    expect(tokenizer.decode(p)).toContain('ask time ? for dinner . ask people ? for two . ask food ?');
    expect(p.filter((t) => t === AGENT)).toHaveLength(3);
    // A budget that holds the head, the last move and one earlier exchange keeps the newest.
    const head = 2 + hidden.length + 2 + tokenizer.encode(instance.request).length + 1;
    const last = 2 + tokenizer.encode('ask food ?').length + 1;
    const one = 2 + tokenizer.encode('ask people ?').length + 1 + tokenizer.encode('for two .').length + 1;
    const cut = replyPrompt(instance, exchanges, tokenizer, head + last + one + 16, 16);
    expect(tokenizer.decode(cut)).toContain('ask people ? for two . ask food ?');
    expect(tokenizer.decode(cut)).not.toContain('dinner');
    expect(() => replyPrompt(instance, exchanges, tokenizer, head + last - 1 + 16, 16)).toThrow(/over the/);
    expect(() => replyPrompt(instance, [], tokenizer, 256, 16)).toThrow(/has not acted/);
  });

  it('trains on the user replies and their <eot> only: not the agent, not the final reply, not a tool\'s', () => {
    const family = getTask('travel');
    const instance = family.sample(new Rng(2), 'train', episodeOptions(config));
    const rng = new Rng(5);
    const r = scriptedRollout(family, instance, family.agents.oracle, episodeOptions(config), { agent: rng, user: rng }, tokenizer);
    const seq = userLmTrainingSequence(instance, r.dialogue.turns, tokenizer, 256);
    expect(seq.target).toHaveLength(seq.tokens.length - 1);
    const learned = seq.tokens.filter((_, p) => p > 0 && seq.target[p - 1] === 1);
    const userReplies = r.dialogue.turns.filter((t) => t.role === 'user' && !t.done).map((t) => [...tokenizer.encode(t.feedback), EOT]);
    expect(learned).toEqual(userReplies.flat());
    expect(r.dialogue.turns.some((t) => t.role === 'env')).toBe(true);
    const cut = userLmTrainingSequence(instance, r.dialogue.turns, tokenizer, 20);
    expect(cut.tokens).toHaveLength(20);
    expect(cut.target).toHaveLength(19);
  });
});
