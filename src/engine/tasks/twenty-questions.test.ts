import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { ATTRIBUTES, itemSplit } from './twenty-questions-catalogue';
import { resolveConfig, DEFAULT_CONFIG, episodeOptions } from '../config';
import { evaluate } from '../evaluation';
import { loadTokenizer } from '../text/tokenizer';
import { CATALOGUE, catalogueOf, consistentItems, kindsOf, parseAction, posterior, QUESTION_VALUES, question, readTruth, twentyQuestions, type TwentyQuestionsHidden } from './twenty-questions';
import type { EpisodeOptions, TaskInstance } from './types';

const fox = CATALOGUE.find((it) => it.name === 'fox')!;
const instance = (name: string): TaskInstance => {
  const item = CATALOGUE.find((it) => it.name === name)!;
  return { family: '20q', id: `20q/${itemSplit(item)}/${name}`, split: itemSplit(item), request: 'guess what i am thinking of .', hidden: { item } satisfies TwentyQuestionsHidden };
};
const opts = (persona: string, extra: Partial<EpisodeOptions> = {}): EpisodeOptions => ({ ...episodeOptions(DEFAULT_CONFIG), maxTurns: 10, persona, noise: 0.2, ...extra });

describe('20 questions: catalogue and generator', () => {
  it('has at least 60 items over at least 8 attributes, all told apart by their answers', () => {
    expect(CATALOGUE.length).toBe(72);
    expect(Object.keys(ATTRIBUTES).length).toBe(13);
    const signatures = new Set(CATALOGUE.map((it) => QUESTION_VALUES.map((v) => it.answers[v]).join(',')));
    expect(signatures.size).toBe(CATALOGUE.length);
    expect(new Set(CATALOGUE.map((it) => it.name)).size).toBe(72);
  });

  it('answers yes / no / maybe: colours, sizes and properties can be maybe', () => {
    expect(fox.answers).toMatchObject({ animal: 'yes', food: 'no', red: 'yes', white: 'maybe', small: 'yes', big: 'no', wild: 'yes', soft: 'maybe', metal: 'no' });
    const dog = CATALOGUE.find((it) => it.name === 'dog')!;
    expect([dog.answers.small, dog.answers.big]).toEqual(['maybe', 'maybe']);
  });

  it('samples deterministically from the seed', () => {
    const a = Array.from({ length: 20 }, (_, i) => twentyQuestions.sample(Rng.derive(3, `t${i}`), 'train').id);
    const b = Array.from({ length: 20 }, (_, i) => twentyQuestions.sample(Rng.derive(3, `t${i}`), 'train').id);
    expect(a).toEqual(b);
  });

  it('holds out 18 items (3 per kind) for the test split, never seen in training', () => {
    const rng = new Rng(1);
    const train = new Set(Array.from({ length: 2000 }, () => twentyQuestions.key(twentyQuestions.sample(rng, 'train'))));
    const test = new Set(Array.from({ length: 2000 }, () => twentyQuestions.key(twentyQuestions.sample(rng, 'test'))));
    expect(test.size).toBe(18);
    expect(train.size).toBe(54);
    expect([...test].filter((k) => train.has(k))).toEqual([]);
  });
});

describe('20 questions: parsing', () => {
  it('reads questions with or without an article, and guesses', () => {
    expect(parseAction('is it an animal ?')).toEqual({ type: 'ask', value: 'animal' });
    expect(parseAction('is it red ?')).toEqual({ type: 'ask', value: 'red' });
    expect(parseAction('is it red')).toEqual({ type: 'ask', value: 'red' });
    expect(parseAction('guess fox')).toEqual({ type: 'guess', item: 'fox' });
    expect(parseAction('is it a fruit ?')).toEqual({ type: 'invalid' });
    expect(parseAction('guess unicorn')).toEqual({ type: 'invalid' });
    expect(parseAction('is it red blue ?')).toEqual({ type: 'invalid' });
    expect(question('animal')).toBe('is it an animal ?');
    expect(question('furniture')).toBe('is it furniture ?');
  });
});

describe('20 questions: the user, per persona (item: fox)', () => {
  const ask = (persona: string, action: string, extra: Partial<EpisodeOptions> = {}, seed = 1): string =>
    twentyQuestions.start(instance('fox'), opts(persona, extra), new Rng(seed)).respond(action).feedback;

  it('cooperative: exact yes / no / maybe', () => {
    expect(ask('cooperative', 'is it red ?')).toBe('yes .');
    expect(ask('cooperative', 'is it an animal ?')).toBe('yes .');
    expect(ask('cooperative', 'is it metal ?')).toBe('no .');
    expect(ask('cooperative', 'is it white ?')).toBe('maybe .');
  });
  it('terse: one bare word', () => {
    expect(ask('terse', 'is it red ?')).toBe('yes');
    expect(ask('terse', 'is it white ?')).toBe('maybe');
  });
  it('implicit: hedged words that still mean yes / no / maybe', () => {
    expect(ask('implicit', 'is it red ?')).toBe('i think so .');
    expect(ask('implicit', 'is it metal ?')).toBe('i doubt it .');
    expect(ask('implicit', 'is it white ?')).toBe('sort of .');
    expect(['i think so .', 'i doubt it .', 'sort of .'].map(readTruth)).toEqual(['yes', 'no', 'maybe']);
  });
  it('verbose: filler around the exact answer', () => {
    const t = ask('verbose', 'is it red ?');
    expect(t).toMatch(/ yes \.( thanks \.)?$/);
    expect(readTruth(t)).toBe('yes');
  });
  it('noisy: flips yes and no with probability noise; maybe becomes yes or no', () => {
    expect(ask('noisy', 'is it red ?', { noise: 1 })).toBe('no .');
    expect(ask('noisy', 'is it metal ?', { noise: 1 })).toBe('yes .');
    expect(['yes .', 'no .']).toContain(ask('noisy', 'is it white ?', { noise: 1 }));
    expect(ask('noisy', 'is it red ?', { noise: 0 })).toBe('yes .');
  });
  it('does not understand anything else (the turn still counts)', () => {
    const r = twentyQuestions.start(instance('fox'), opts('cooperative'), new Rng(1)).respond('book a table');
    expect(r).toEqual({ feedback: 'i do not understand .', role: 'user', done: false, stepReward: 0, valid: false });
  });
});

describe('20 questions: reward', () => {
  it('a correct guess scores 1 and ends the episode', () => {
    const ep = twentyQuestions.start(instance('fox'), opts('cooperative'), new Rng(1));
    expect(ep.respond('is it red ?').done).toBe(false);
    expect(ep.respond('guess fox')).toMatchObject({ feedback: 'yes , you got it .', done: true });
    expect(ep.outcome()).toEqual({ reward: 1, success: true });
  });
  it('wrongGuess = end (default): a wrong guess ends the episode with 0', () => {
    const ep = twentyQuestions.start(instance('fox'), opts('cooperative'), new Rng(1));
    expect(ep.respond('guess bear')).toMatchObject({ feedback: 'no , that is wrong .', done: true });
    expect(ep.outcome()).toEqual({ reward: 0, success: false });
  });
  it('wrongGuess = turn: a wrong guess costs a turn and play goes on', () => {
    const ep = twentyQuestions.start(instance('fox'), opts('cooperative', { wrongGuess: 'turn' }), new Rng(1));
    expect(ep.respond('guess bear')).toMatchObject({ feedback: 'no , try again .', done: false });
    expect(ep.respond('guess fox').done).toBe(true);
    expect(ep.outcome()).toEqual({ reward: 1, success: true });
  });
  it('no guess: reward 0', () => {
    const ep = twentyQuestions.start(instance('fox'), opts('cooperative'), new Rng(1));
    ep.respond('is it red ?');
    expect(ep.outcome()).toEqual({ reward: 0, success: false });
  });
});

describe('20 questions: the scripted agents’ belief', () => {
  const view = (exchanges: { action: string; feedback: string }[]) => ({ request: 'guess what i am thinking of .', exchanges, maxTurns: 10 });
  it('rules out items contradicting an answer (noise-free) and wrong guesses', () => {
    const v = view([
      { action: 'is it an animal ?', feedback: 'yes .' },
      { action: 'is it red ?', feedback: 'hmm , yes .' },
      { action: 'guess cat', feedback: 'no , try again .' },
    ]);
    expect(consistentItems(v).map((it) => it.name)).toEqual(['fox']);
  });
  it('with noise, keeps every item but weighs the consistent ones (1-p) / p higher per answer', () => {
    const w = posterior(view([{ action: 'is it red ?', feedback: 'yes .' }]), 0.2);
    const i = (n: string) => CATALOGUE.findIndex((it) => it.name === n);
    expect(w[i('fox')]).toBeCloseTo(0.8);
    expect(w[i('frog')]).toBeCloseTo(0.2);
    expect(w[i('canoe')]).toBeCloseTo(0.1); // "maybe" red: a lie turns maybe into yes half the time
  });
});

describe('20 questions: catalogue size (knob kinds)', () => {
  it('restricts the catalogue to the first N kinds, 12 items each', () => {
    expect(catalogueOf().length).toBe(72);
    expect(catalogueOf(6).length).toBe(72);
    expect(catalogueOf(1).map((it) => it.kind)).toEqual(Array(12).fill('animal'));
    expect(new Set(catalogueOf(2).map((it) => it.kind))).toEqual(new Set(['animal', 'food']));
    expect(() => kindsOf(0)).toThrow();
    expect(() => kindsOf(7)).toThrow();
  });

  it('samples only items of those kinds, with the same fixed split (3 test items per kind)', () => {
    const rng = new Rng(4);
    const names = (split: 'train' | 'test', kinds: number) =>
      new Set(Array.from({ length: 1000 }, () => twentyQuestions.key(twentyQuestions.sample(rng, split, { kinds }))));
    const train = names('train', 2);
    const test = names('test', 2);
    expect(train.size).toBe(18);
    expect(test.size).toBe(6);
    expect([...train, ...test].every((n) => ['animal', 'food'].includes(CATALOGUE.find((it) => it.name === n)!.kind))).toBe(true);
    expect([...test].filter((n) => train.has(n))).toEqual([]);
    expect([...test].every((n) => itemSplit(CATALOGUE.find((it) => it.name === n)!) === 'test')).toBe(true);
    // Without the knob, the whole catalogue.
    expect(names('test', 6).size).toBe(18);
  });

  it('the scripted agents reason over the restricted catalogue only', () => {
    const simulator = { persona: 'cooperative', noise: 0, kinds: 1 };
    const v = { request: 'guess what i am thinking of .', exchanges: [{ action: 'is it red ?', feedback: 'yes .' }], maxTurns: 10, simulator };
    // Red things in the whole catalogue: fox, apple, cherry, bus?, ... With kinds 1, only the red animal.
    expect(consistentItems(v).map((it) => it.name)).toEqual(['fox']);
    expect(posterior(v, 0).filter((w, i) => w > 0 && CATALOGUE[i].kind !== 'animal')).toEqual([]);
    const rng = new Rng(2);
    for (const agent of ['act-now', 'random', 'demo', 'ask-all', 'oracle']) {
      for (let i = 0; i < 50; i++) {
        const a = parseAction(twentyQuestions.agents[agent]({ ...v, exchanges: [] }, rng));
        if (a.type === 'guess') expect(CATALOGUE.find((it) => it.name === a.item)!.kind, agent).toBe('animal');
      }
    }
  });

  it('the oracle still finds every item of a small catalogue', async () => {
    const tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../../models') });
    const r = await evaluate({ baseline: 'oracle' }, { config: resolveConfig({ task: '20q', noise: 0, evalEpisodes: 40, evalSeed: 3, maxTurns: 6, kinds: 1 }), tokenizer });
    expect(r.mean.success).toBe(1);
  });
});
