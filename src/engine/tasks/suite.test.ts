/** Properties every task family must have: vocabulary closure, token budget, splits, baselines. */
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig, episodeOptions } from '../config';
import { episodeStreams, evaluate } from '../evaluation';
import { Rng } from '../random';
import { PERSONA_IDS } from '../users';
import { loadTokenizer, splitWords, type WordTokenizer } from '../text/tokenizer';
import { dialogueTokenCount } from './common';
import { TASKS } from './index';
import type { EpisodeOptions, Exchange, Split, TaskFamily } from './types';

const FAMILIES = Object.values(TASKS);
const AGENTS = ['act-now', 'ask-all', 'random', 'oracle', 'demo'];
/** The schema's defaults: an action's words plus its <eot> fit maxActionTokens; a whole episode fits maxContext. */
const MAX_ACTION_WORDS = DEFAULT_CONFIG.maxActionTokens - 1;
const MAX_CONTEXT = DEFAULT_CONFIG.maxContext;

let tokenizer: WordTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../../models') });
});

/** A scripted agent's raw episodes (its own words, untruncated; not the engine's token-limited Dialogue). */
function playRaw(family: TaskFamily, agent: string, options: EpisodeOptions, episodes: number, seed: number, split: Split): { request: string; exchanges: Exchange[] }[] {
  return Array.from({ length: episodes }, (_, i) => {
    const s = episodeStreams(seed, family.id, split, i);
    const instance = family.sample(s.instance, split, options);
    const episode = family.start(instance, options, s.user);
    const exchanges: Exchange[] = [];
    while (exchanges.length < options.maxTurns) {
      const action = family.agents[agent]({ request: instance.request, exchanges, maxTurns: options.maxTurns, simulator: options }, s.agent);
      const reply = episode.respond(action);
      exchanges.push({ action, feedback: reply.feedback, role: reply.role });
      if (reply.done) break;
    }
    return { request: instance.request, exchanges };
  });
}

describe('task suite', () => {
  it('has the five families of the issue, each with the scripted agents, a role, a turn budget and a grammar', () => {
    expect(Object.keys(TASKS)).toEqual(['20q', 'intent', 'code', 'travel', 'mastermind']);
    for (const f of FAMILIES) {
      expect(Object.keys(f.agents).sort()).toEqual([...AGENTS].sort());
      expect(['user', 'env']).toContain(f.role);
      expect(f.maxTurns).toBeGreaterThan(0);
      expect(f.grammar.length).toBeGreaterThan(0);
      expect(f.description.length).toBeGreaterThan(40);
    }
    expect(TASKS.mastermind.role).toBe('env');
  });

  it('keeps the shared vocabulary small', () => {
    const all = new Set(FAMILIES.flatMap((f) => f.vocabulary()));
    expect(all.size).toBeLessThan(600);
    for (const f of FAMILIES) for (const w of f.vocabulary()) expect(w).toBe(w.toLowerCase());
  });

  describe.each(FAMILIES.map((f) => [f.id, f] as const))('%s', (_id, family) => {
    // Simulate every scripted agent with every persona (noisy at a high noise), on both splits.
    const episodes: { request: string; exchanges: { action: string; feedback: string }[]; persona: string; agent: string }[] = [];
    for (const agent of AGENTS)
      for (const persona of PERSONA_IDS)
        for (const split of ['train', 'test'] as Split[])
          for (const wrongGuess of ['end', 'turn'] as const) {
            const options: EpisodeOptions = { maxTurns: family.maxTurns, persona, noise: 0.4, wrongGuess, implicitRate: 0.5, kinds: 6, intentMissing: '1-3', reward: 'task' };
            for (const rec of playRaw(family, agent, options, 12, 11, split)) episodes.push({ ...rec, persona, agent });
          }

    it('every word of every request, action and reply is in its vocabulary()', () => {
      const vocab = new Set(family.vocabulary());
      const missing = new Set<string>();
      for (const e of episodes) {
        for (const text of [e.request, ...e.exchanges.flatMap((x) => [x.action, x.feedback])]) for (const w of splitWords(text)) if (!vocab.has(w)) missing.add(w);
      }
      expect([...missing]).toEqual([]);
    });

    it(`actions are at most ${MAX_ACTION_WORDS} words and episodes fit the ${MAX_CONTEXT}-token context`, () => {
      let longestAction = 0;
      let most = 0;
      for (const e of episodes) {
        for (const x of e.exchanges) longestAction = Math.max(longestAction, splitWords(x.action).length);
        most = Math.max(most, dialogueTokenCount(e.request, e.exchanges, true));
      }
      expect(longestAction).toBeLessThanOrEqual(MAX_ACTION_WORDS);
      expect(most).toBeLessThanOrEqual(MAX_CONTEXT);
    });

    it('samples deterministically and keeps train and test instances apart', () => {
      const draw = (split: Split, n: number, seed: number) => Array.from({ length: n }, (_, i) => family.sample(Rng.derive(seed, `s${i}`), split));
      expect(draw('train', 30, 1)).toEqual(draw('train', 30, 1));
      expect(draw('train', 30, 1).map((x) => x.id)).not.toEqual(draw('train', 30, 2).map((x) => x.id));
      const train = new Set(draw('train', 1500, 3).map((x) => family.key(x)));
      const test = draw('test', 500, 4);
      for (const x of test) {
        expect(x.split).toBe('test');
        expect(train.has(family.key(x))).toBe(false);
      }
    });

    it('the same seed gives the same episodes, user answers included', async () => {
      const opts = { config: resolveConfig({ task: family.id, persona: 'noisy', noise: 0.3, evalEpisodes: 20, evalSeed: 5 }), tokenizer };
      const [a, b] = [await evaluate({ baseline: 'demo' }, opts), await evaluate({ baseline: 'demo' }, opts)];
      expect(a.episodes).toEqual(b.episodes);
      expect(a.rollouts.map((r) => r.dialogue.turns)).toEqual(b.rollouts.map((r) => r.dialogue.turns));
    });

    it('the oracle beats demo and act-now (200 test episodes, cooperative and noisy users)', async () => {
      for (const persona of ['cooperative', 'noisy']) {
        const run = async (baseline: string) => (await evaluate({ baseline }, { config: resolveConfig({ task: family.id, persona, noise: 0.2, evalEpisodes: 200, evalSeed: 1 }), tokenizer })).mean;
        const oracle = await run('oracle');
        for (const other of ['demo', 'act-now']) {
          const r = await run(other);
          expect(oracle.success, `${persona}: oracle vs ${other} success`).toBeGreaterThan(r.success);
          expect(oracle.return, `${persona}: oracle vs ${other} return`).toBeGreaterThan(r.return);
        }
        if (persona === 'cooperative') expect(oracle.success).toBeGreaterThan(0.95);
      }
    });
  });

  it('episode options reach the user: personas change the words, not the meaning', () => {
    const family = TASKS['20q'];
    const inst = family.sample(new Rng(1), 'test');
    const texts = PERSONA_IDS.filter((p) => p !== 'noisy').map((persona) => family.start(inst, { ...episodeOptions(DEFAULT_CONFIG), maxTurns: 10, persona, noise: 0 }, new Rng(2)).respond('is it an animal ?').feedback);
    expect(new Set(texts).size).toBe(texts.length);
  });
});
