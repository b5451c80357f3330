import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { episodeOptions, resolveConfig } from '../config';
import { Rng } from '../random';
import { coding } from '../tasks/coding';
import { intent, parseAction } from '../tasks/intent';
import { loadTokenizer, type WordTokenizer } from '../text/tokenizer';
import { NON_ANSWER } from '../users';
import { scriptedRollout } from './scripted';

let tokenizer: WordTokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../../models') });
});

const options = episodeOptions(resolveConfig({ task: 'intent', maxTurns: 5 }));
const play = (rate: number, seed: number, family = intent) => {
  const instance = family.sample(new Rng(seed), 'train', options);
  return scriptedRollout(family, instance, family.demonstrator(0), options, { agent: new Rng(seed + 1), user: new Rng(seed + 2) }, tokenizer, 0, rate);
};

describe('demonstrations with non-answers (demoNonAnswer)', () => {
  it('leaves the dialogue and the random streams untouched at rate 0', () => {
    for (let seed = 0; seed < 20; seed++) expect(play(0, seed).dialogue).toEqual(play(0, seed).dialogue);
    const feedback = Array.from({ length: 20 }, (_, s) => play(0, s).dialogue.turns.map((e) => e.feedback)).flat();
    expect(feedback).not.toContain(NON_ANSWER);
  });

  it('replaces user answers (never the final reply) and the intent expert asks the same detail again', () => {
    let repeats = 0;
    for (let seed = 0; seed < 30; seed++) {
      const exchanges = play(1, seed).dialogue.turns;
      exchanges.forEach((e, i) => {
        const a = parseAction(e.action);
        if (a.type === 'answer') expect(e.feedback).not.toBe(NON_ANSWER);
        else {
          expect(e.feedback).toBe(NON_ANSWER);
          // Nothing was learned, so the next question is the same one.
          if (i + 1 < exchanges.length && parseAction(exchanges[i + 1].action).type === 'ask') {
            expect(exchanges[i + 1].action).toBe(e.action);
            repeats++;
          }
        }
      });
    }
    expect(repeats).toBeGreaterThan(10);
  });

  it('replaces about the given share of answers', () => {
    let replaced = 0;
    let answers = 0;
    for (let seed = 0; seed < 200; seed++) {
      for (const e of play(0.3, seed, coding).dialogue.turns) {
        if (e.action.startsWith('code')) continue;
        answers++;
        if (e.feedback === NON_ANSWER) replaced++;
      }
    }
    expect(answers).toBeGreaterThan(200);
    expect(replaced / answers).toBeGreaterThan(0.22);
    expect(replaced / answers).toBeLessThan(0.38);
  });
});
