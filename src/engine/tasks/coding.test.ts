import { DEFAULT_CONFIG, episodeOptions } from '../config';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { splitOfKey } from './common';
import { coding, HYPOTHESES, parseAction, posterior, readExample, readRequest, readStageReply, requestText, STAGES, stagesText, type CodingHidden, type Stages } from './coding';
import type { EpisodeOptions, TaskInstance } from './types';

/** Hidden program "even desc first 2": keep even numbers, biggest first, the first two. */
const stages: Stages = { filter: 'even', map: '', dedupe: '', order: 'desc', slice: 'first 2', result: '' };
const hidden: CodingHidden = {
  stages,
  revealed: 'order',
  tests: [
    { input: [1, 2, 3, 4], output: [4, 2] },
    { input: [5, 7], output: [] },
    { input: [2, 2, 8], output: [8, 2] },
    { input: [6], output: [6] },
  ],
};
const instance: TaskInstance = { family: 'code', id: 'code/train/x', split: 'train', request: requestText(hidden), hidden };
const opts = (persona: string, noise = 0.2): EpisodeOptions => ({ ...episodeOptions(DEFAULT_CONFIG), maxTurns: 8, persona, noise });
const say = (persona: string, action: string, noise = 0.2, seed = 1) => coding.start(instance, opts(persona, noise), new Rng(seed)).respond(action).feedback;

describe('coding: generator', () => {
  it('reveals one stage in the request', () => {
    expect(instance.request).toBe('i need code for my list . sort from big to small .');
    expect(readRequest(instance.request)).toEqual({ stage: 'order', code: 'desc' });
  });

  it('draws programs of 2-3 stages with 8 hidden tests, deterministically', () => {
    const a = Array.from({ length: 40 }, (_, i) => coding.sample(Rng.derive(5, `c${i}`), 'train'));
    const b = Array.from({ length: 40 }, (_, i) => coding.sample(Rng.derive(5, `c${i}`), 'train'));
    expect(a).toEqual(b);
    for (const inst of a) {
      const h = inst.hidden as CodingHidden;
      const n = STAGES.filter((s) => h.stages[s] !== '').length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(3);
      expect(h.tests).toHaveLength(8);
      expect(h.stages[h.revealed]).not.toBe('');
    }
  });

  it('keeps train and test programs apart', () => {
    const rng = new Rng(3);
    const train = new Set(Array.from({ length: 3000 }, () => coding.key(coding.sample(rng, 'train'))));
    const test = new Set(Array.from({ length: 1000 }, () => coding.key(coding.sample(rng, 'test'))));
    expect([...test].filter((k) => train.has(k))).toEqual([]);
    for (const k of test) expect(splitOfKey(k)).toBe('test');
    expect(stagesText(stages)).toBe('even desc first 2');
  });

  it('the prior over hidden programs sums to one and covers the generator', () => {
    expect(HYPOTHESES.length).toBe(2230);
    expect(HYPOTHESES.reduce((a, h) => a + h.prior, 0)).toBeCloseTo(1, 9);
  });
});

describe('coding: parsing', () => {
  it('reads questions and programs', () => {
    expect(parseAction('ask order ?')).toEqual({ type: 'ask', stage: 'order' });
    expect(parseAction('ask example ?')).toEqual({ type: 'example' });
    expect(parseAction('code even desc first 2')).toEqual({ type: 'code', program: [{ op: 'even' }, { op: 'desc' }, { op: 'first', n: 2 }] });
    expect(parseAction('code even first')).toEqual({ type: 'code', program: null });
    expect(parseAction('ask colour ?')).toEqual({ type: 'invalid' });
  });
});

describe('coding: the user, per persona', () => {
  it('cooperative describes the asked stage', () => {
    expect(say('cooperative', 'ask filter ?')).toBe('keep even numbers .');
    expect(say('cooperative', 'ask slice ?')).toBe('keep the first 2 .');
    expect(say('cooperative', 'ask map ?')).toBe('numbers stay the same .');
    expect(say('cooperative', 'ask result ?')).toBe('return the list .');
  });
  it('terse names the DSL step', () => {
    expect(say('terse', 'ask filter ?')).toBe('even');
    expect(say('terse', 'ask slice ?')).toBe('first 2');
    expect(say('terse', 'ask map ?')).toBe('none');
  });
  it('implicit shows the behaviour on a tiny case', () => {
    expect(say('implicit', 'ask filter ?')).toBe('2 and 8 stay , 5 goes .');
    expect(say('implicit', 'ask order ?')).toBe('3 1 2 becomes 3 2 1 .');
    expect(say('implicit', 'ask slice ?')).toBe('1 2 3 4 becomes 1 2 .');
  });
  it('verbose adds filler; noisy describes another option when it lies', () => {
    expect(readStageReply('filter', say('verbose', 'ask filter ?'))).toBe('even');
    expect(say('noisy', 'ask filter ?', 1)).not.toBe('keep even numbers .');
    expect(readStageReply('filter', say('noisy', 'ask filter ?', 1))).not.toBeNull();
  });
  it('gives an input/output example computed by the hidden program (never noisy)', () => {
    for (let seed = 0; seed < 20; seed++) {
      const ex = readExample(say('noisy', 'ask example ?', 1, seed))!;
      expect(ex.input).toHaveLength(4);
      const expected = ex.input.filter((x) => x % 2 === 0).sort((a, b) => b - a).slice(0, 2);
      expect(ex.output).toEqual(expected);
    }
  });
});

describe('coding: reward', () => {
  it('runs the submitted program on the hidden tests: reward = fraction passed', () => {
    const ep = coding.start(instance, opts('cooperative'), new Rng(1));
    expect(ep.respond('code even desc')).toMatchObject({ done: true, feedback: '3 of 4 tests pass .' });
    expect(ep.outcome()).toEqual({ reward: 0.75, success: false });
  });
  it('all tests passed: success (any equivalent program counts)', () => {
    const ep = coding.start(instance, opts('cooperative'), new Rng(1));
    ep.respond('code desc even first 2');
    expect(ep.outcome()).toEqual({ reward: 1, success: true });
  });
  it('a malformed program ends the episode with 0 and is flagged invalid', () => {
    const ep = coding.start(instance, opts('cooperative'), new Rng(1));
    expect(ep.respond('code even first')).toMatchObject({ done: true, valid: false });
    expect(ep.outcome()).toEqual({ reward: 0, success: false });
  });
});

describe('coding: the scripted agents’ belief', () => {
  it('conditions the prior on the request, the answers and the examples', () => {
    const view = (exchanges: { action: string; feedback: string }[]) => ({ request: instance.request, exchanges, maxTurns: 8 });
    const alive = (w: number[]) => w.filter((x) => x > 0).length;
    const w0 = posterior(view([]), 0);
    const w1 = posterior(view([{ action: 'ask filter ?', feedback: 'keep even numbers .' }]), 0);
    const w2 = posterior(view([{ action: 'ask filter ?', feedback: 'keep even numbers .' }, { action: 'ask slice ?', feedback: 'keep the first 2 .' }]), 0);
    expect(alive(w0)).toBeGreaterThan(alive(w1));
    expect(alive(w1)).toBeGreaterThan(alive(w2));
    expect(HYPOTHESES.filter((_, i) => w2[i] > 0).map((h) => stagesText(h.stages))).toEqual(['even desc first 2']);
  });
});
