import { DEFAULT_CONFIG, episodeOptions } from '../config';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { splitOfKey, words } from './common';
import { DOMAINS, intent, MAX_MISSING, parseAction, parseMissingCounts, questionReward, readRequest, requestText, scoreAnswer, slotPosteriors, type IntentHidden } from './intent';
import type { EpisodeOptions, TaskInstance } from './types';

/** Restaurant, four people on friday for a thai dinner; the request states only the day. */
const hidden: IntentHidden = {
  domain: 'restaurant',
  values: { people: 'four', day: 'friday', time: 'dinner', food: 'thai' },
  missing: [
    { slot: 'people', value: 'four', importance: 3 },
    { slot: 'time', value: 'dinner', importance: 2 },
    { slot: 'food', value: 'thai', importance: 1 },
  ],
};
const instance: TaskInstance = { family: 'intent', id: 'intent/train/x', split: 'train', request: requestText(hidden), hidden };
const opts = (persona: string, noise = 0.2): EpisodeOptions => ({ ...episodeOptions(DEFAULT_CONFIG), maxTurns: 6, persona, noise });
const start = (persona = 'cooperative', noise = 0.2, seed = 1) => intent.start(instance, opts(persona, noise), new Rng(seed));

describe('intent: generator', () => {
  it('intentMissing: draws only the listed counts, capped at the domain, and every listed count occurs', () => {
    const counts = (spec: string) => {
      const seen = new Map<number, number>();
      for (let i = 0; i < 600; i++) {
        const h = intent.sample(Rng.derive(11, `m${i}`), i % 2 ? 'train' : 'test', { intentMissing: spec }).hidden as IntentHidden;
        const slots = DOMAINS.find((d) => d.id === h.domain)!.slots.length;
        if (spec === '4') expect(h.missing.length).toBe(Math.min(4, slots));
        seen.set(h.missing.length, (seen.get(h.missing.length) ?? 0) + 1);
      }
      return seen;
    };
    const tight = counts('1,3');
    expect([...tight.keys()].sort()).toEqual([1, 3]);
    // Uniform over the list: about half each (600 draws, sd ~12).
    expect(tight.get(1)!).toBeGreaterThan(240);
    expect(tight.get(1)!).toBeLessThan(360);
    expect([...counts('4').keys()].sort()).toEqual([3, 4]);
    // A count listed twice is drawn twice as often: about a third of 600 hide one detail.
    const weighted = counts('1,3,3');
    expect(weighted.get(1)!).toBeGreaterThan(150);
    expect(weighted.get(1)!).toBeLessThan(250);
    expect([...counts('1-3').keys()].sort()).toEqual([1, 2, 3]);
  });

  it('intentMissing: the default draws the same instances as an absent knob; malformed specs are rejected', () => {
    for (let i = 0; i < 100; i++) expect(intent.sample(Rng.derive(3, `d${i}`), 'train', { intentMissing: '1-3' })).toEqual(intent.sample(Rng.derive(3, `d${i}`), 'train'));
    expect(parseMissingCounts('1-3')).toEqual([1, 2, 3]);
    expect(parseMissingCounts(' 3, 1,3 ')).toEqual([1, 3, 3]);
    expect(parseMissingCounts(`${MAX_MISSING}`)).toEqual([MAX_MISSING]);
    for (const bad of ['', '0', '5', '3-1', '1-5', '1,,3', 'a', '1;3', '-1', '1.5']) expect(parseMissingCounts(bad), bad).toBeNull();
    expect(() => intent.sample(new Rng(1), 'train', { intentMissing: '9' })).toThrow(/intentMissing/);
  });

  it('writes the vague request with the stated details only', () => {
    expect(instance.request).toBe('book a table on friday .');
    expect(readRequest(instance.request)).toMatchObject({ stated: { day: 'friday' } });
    expect(readRequest(instance.request).domain.id).toBe('restaurant');
  });

  it('draws 1-3 missing details of importance 1-3 from the option lists, deterministically', () => {
    const a = Array.from({ length: 50 }, (_, i) => intent.sample(Rng.derive(7, `i${i}`), 'train'));
    const b = Array.from({ length: 50 }, (_, i) => intent.sample(Rng.derive(7, `i${i}`), 'train'));
    expect(a).toEqual(b);
    for (const inst of a) {
      const h = inst.hidden as IntentHidden;
      const d = DOMAINS.find((x) => x.id === h.domain)!;
      expect(h.missing.length).toBeGreaterThanOrEqual(1);
      expect(h.missing.length).toBeLessThanOrEqual(3);
      for (const m of h.missing) {
        expect([1, 2, 3]).toContain(m.importance);
        expect(d.slots.find((s) => s.slot === m.slot)!.options.map((o) => o.value)).toContain(m.value);
      }
      expect(words(inst.request).length).toBeLessThanOrEqual(15);
      expect(Object.keys(readRequest(inst.request).stated).sort()).toEqual(d.slots.map((s) => s.slot).filter((s) => !h.missing.some((m) => m.slot === s)).sort());
    }
  });

  it('keeps train and test apart (content keys never shared, split fixed by the key)', () => {
    const rng = new Rng(2);
    const train = new Set(Array.from({ length: 3000 }, () => intent.key(intent.sample(rng, 'train'))));
    const test = new Set(Array.from({ length: 1000 }, () => intent.key(intent.sample(rng, 'test'))));
    expect([...test].filter((k) => train.has(k))).toEqual([]);
    for (const k of test) expect(splitOfKey(k)).toBe('test');
    for (const k of train) expect(splitOfKey(k)).toBe('train');
    expect(test.size).toBeGreaterThan(500);
  });
});

describe('intent: parsing', () => {
  it('reads 1-3 slot questions and final answers', () => {
    expect(parseAction('ask time ?')).toEqual({ type: 'ask', slots: ['time'] });
    expect(parseAction('ask time food ?')).toEqual({ type: 'ask', slots: ['time', 'food'] });
    expect(parseAction('ask time time ?')).toEqual({ type: 'invalid' });
    expect(parseAction('ask weather ?')).toEqual({ type: 'invalid' });
    expect(parseAction('answer four dinner thai')).toEqual({ type: 'answer', values: ['four', 'dinner', 'thai'], valid: true });
    expect(parseAction('answer banana')).toMatchObject({ type: 'answer', valid: false });
  });
});

describe('intent: the user, per persona', () => {
  const say = (persona: string, action: string, noise = 0.2) => start(persona, noise).respond(action).feedback;
  it('cooperative states the detail as a phrase', () => {
    expect(say('cooperative', 'ask people ?')).toBe('for four .');
    expect(say('cooperative', 'ask time food ?')).toBe('for dinner , with thai food .');
    expect(say('cooperative', 'ask day ?')).toBe('on friday .');
    expect(say('cooperative', 'ask city ?')).toBe('i do not mind .');
  });
  it('terse gives the bare value', () => {
    expect(say('terse', 'ask people ?')).toBe('four');
    expect(say('terse', 'ask time food ?')).toBe('dinner , thai');
  });
  it('implicit hints at it', () => {
    expect(say('implicit', 'ask people ?')).toBe('my whole family .');
    expect(say('implicit', 'ask time ?')).toBe('after work .');
    expect(say('implicit', 'ask food ?')).toBe('we love spicy noodles .');
  });
  it('verbose adds filler', () => {
    expect(say('verbose', 'ask people ?')).toMatch(/^(well|hmm|oh|so|let me see|good question) , for four \.( thanks \.)?$/);
  });
  it('noisy names another option of the slot when it lies', () => {
    expect(['for two .', 'for six .']).toContain(say('noisy', 'ask people ?', 1));
    expect(say('noisy', 'ask people ?', 0)).toBe('for four .');
  });
});

describe('intent: rewards (IntentionGym)', () => {
  it('uncovering a detail earns 1.0 / 0.7 / 0.4 by importance, minus 0.01 a step', () => {
    expect(questionReward([{ importance: 3 }])).toBeCloseTo(0.99);
    expect(questionReward([{ importance: 2 }])).toBeCloseTo(0.69);
    expect(questionReward([{ importance: 1 }])).toBeCloseTo(0.39);
    expect(questionReward([])).toBeCloseTo(-0.01);
  });

  it('an importance-2 detail plus one extra detail in one question: 0.7 - 0.2 - 0.01', () => {
    const ep = start();
    expect(ep.respond('ask time food ?').stepReward).toBeCloseTo(0.7 - 0.2 - 0.01);
  });

  it('the most important new detail counts; the bonus floors at 0; repeats and stated slots only cost the step', () => {
    expect(questionReward([{ importance: 1 }, { importance: 3 }, { importance: 2 }])).toBeCloseTo(1.0 - 0.4 - 0.01);
    expect(questionReward([{ importance: 1 }, { importance: 1 }, { importance: 1 }])).toBeCloseTo(0 - 0.01);
    const ep = start();
    expect(ep.respond('ask people ?').stepReward).toBeCloseTo(0.99);
    expect(ep.respond('ask people ?').stepReward).toBeCloseTo(-0.01);
    expect(ep.respond('ask day ?').stepReward).toBeCloseTo(-0.01);
    expect(ep.respond('ask city ?').stepReward).toBeCloseTo(-0.01);
  });

  it('the final answer is scored by the importance-weighted fraction of missing details right', () => {
    expect(scoreAnswer(hidden, ['four', 'dinner', 'thai'])).toBe(1);
    expect(scoreAnswer(hidden, ['four', 'dinner', 'italian'])).toBeCloseTo(5 / 6);
    expect(scoreAnswer(hidden, ['dinner'])).toBeCloseTo(2 / 6);
    expect(scoreAnswer(hidden, ['four', 'six', 'dinner', 'thai'])).toBeCloseTo(3 / 6); // hedging the party size
    expect(scoreAnswer(hidden, ['friday', 'four', 'dinner', 'thai'])).toBe(1); // stated details are ignored
    const ep = start();
    ep.respond('ask people ?');
    expect(ep.respond('answer four lunch thai')).toMatchObject({ done: true, feedback: 'ok , thanks .' });
    expect(ep.outcome()).toEqual({ reward: 4 / 6, success: false });
  });

  it('a perfect answer succeeds', () => {
    const ep = start();
    expect(ep.respond('answer four dinner thai').feedback).toBe('perfect , thanks .');
    expect(ep.outcome()).toEqual({ reward: 1, success: true });
  });
});

describe('intent: the scripted agents', () => {
  it('the oracle asks each missing slot once (cooperative user), then answers right', () => {
    const ep = start();
    const exchanges: { action: string; feedback: string }[] = [];
    for (let t = 0; t < 6; t++) {
      const action = intent.agents.oracle({ request: instance.request, exchanges, maxTurns: 6 }, new Rng(t));
      const r = ep.respond(action);
      exchanges.push({ action, feedback: r.feedback });
      if (r.done) break;
    }
    expect(exchanges.map((e) => e.action)).toEqual(['ask people ?', 'ask time ?', 'ask food ?', 'answer four dinner thai']);
    expect(ep.outcome().success).toBe(true);
  });
  it('the posterior of a noisy user weighs an answer (1-p) against p/(K-1) for each other option', () => {
    const { beliefs } = slotPosteriors({ request: instance.request, exchanges: [{ action: 'ask people ?', feedback: 'for four .' }], maxTurns: 6 }, 0.2);
    expect([...beliefs.get('people')!.entries()]).toEqual([
      ['two', 0.1],
      ['four', 0.8],
      ['six', 0.1],
    ]);
    expect(beliefs.has('day')).toBe(false);
  });
});
