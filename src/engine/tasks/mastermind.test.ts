import { DEFAULT_CONFIG, episodeOptions } from '../config';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { splitOfKey } from './common';
import { ALL_CODES, consistentCodes, mastermind, parseAction, score, type MastermindHidden } from './mastermind';
import type { TaskInstance } from './types';

const instance: TaskInstance = { family: 'mastermind', id: 'mastermind/train/x', split: 'train', request: 'find my code of 3 colours . try a code .', hidden: { code: ['red', 'blue', 'red'] } satisfies MastermindHidden };
const start = (persona = 'cooperative') => mastermind.start(instance, { ...episodeOptions(DEFAULT_CONFIG), maxTurns: 6, persona, noise: 0.5 }, new Rng(1));

describe('mastermind: scoring and feedback', () => {
  it('counts exact and near pegs like Mastermind (repeats handled)', () => {
    expect(score(['red', 'blue', 'red'], ['red', 'red', 'blue'])).toEqual({ exact: 1, near: 2 });
    expect(score(['red', 'blue', 'red'], ['blue', 'blue', 'blue'])).toEqual({ exact: 1, near: 0 });
    expect(score(['red', 'blue', 'red'], ['green', 'red', 'white'])).toEqual({ exact: 0, near: 1 });
    expect(score(['red', 'blue', 'red'], ['red', 'blue', 'red'])).toEqual({ exact: 3, near: 0 });
  });
  it('answers as the environment, with coded feedback; any persona is ignored', () => {
    for (const persona of ['cooperative', 'noisy', 'verbose']) {
      const ep = start(persona);
      expect(ep.respond('try red red blue')).toEqual({ feedback: '1 exact 2 near .', role: 'env', done: false, stepReward: 0, valid: true });
    }
    const ep = start();
    expect(ep.respond('try red blue')).toMatchObject({ feedback: 'invalid code .', valid: false, done: false });
    expect(ep.respond('try red blue red')).toMatchObject({ feedback: 'solved .', done: true });
    expect(ep.outcome()).toEqual({ reward: 1, success: true });
  });
  it('not solved: reward 0', () => {
    const ep = start();
    ep.respond('try green green green');
    expect(ep.outcome()).toEqual({ reward: 0, success: false });
    expect(parseAction('try red blue purple')).toBeNull();
  });
});

describe('mastermind: generator and split', () => {
  it('216 codes, a quarter held out, deterministic sampling', () => {
    expect(ALL_CODES).toHaveLength(216);
    expect(mastermind.sample(new Rng(2), 'test')).toEqual(mastermind.sample(new Rng(2), 'test'));
    const rng = new Rng(3);
    const train = new Set(Array.from({ length: 3000 }, () => mastermind.key(mastermind.sample(rng, 'train'))));
    const test = new Set(Array.from({ length: 3000 }, () => mastermind.key(mastermind.sample(rng, 'test'))));
    expect([...test].filter((k) => train.has(k))).toEqual([]);
    expect(train.size + test.size).toBe(216);
    for (const k of test) expect(splitOfKey(k)).toBe('test');
  });
});

describe('mastermind: agents', () => {
  it('consistent codes narrow with feedback; the oracle solves every code within the budget', () => {
    const view = { request: instance.request, maxTurns: 6, exchanges: [{ action: 'try red red blue', feedback: '1 exact 2 near .' }] };
    const c = consistentCodes(view).map((x) => x.join(' '));
    expect(c).toContain('red blue red');
    expect(c.length).toBeLessThan(10);
    for (const code of ALL_CODES.filter((_, i) => i % 7 === 0)) {
      const inst = { ...instance, hidden: { code } };
      const ep = mastermind.start(inst, { ...episodeOptions(DEFAULT_CONFIG), maxTurns: 6, persona: 'cooperative', noise: 0 }, new Rng(1));
      const exchanges: { action: string; feedback: string }[] = [];
      for (let t = 0; t < 6; t++) {
        const action = mastermind.agents.oracle({ request: inst.request, exchanges, maxTurns: 6 }, new Rng(t));
        const r = ep.respond(action);
        exchanges.push({ action, feedback: r.feedback });
        if (r.done) break;
      }
      expect(ep.outcome().success).toBe(true);
    }
  });
});
