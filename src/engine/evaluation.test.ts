import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, resolveConfig } from './config';
import { BASELINES, evaluate, evaluationEntry, type EvaluateOptions } from './evaluation';
import { Policy } from './policy/model';
import { Rng } from './random';
import { loadTokenizer, type WordTokenizer } from './text/tokenizer';

let tokenizer: WordTokenizer;
let base: EvaluateOptions;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../models') });
  base = { config: resolveConfig({ task: 'intent', evalEpisodes: 30, evalSeed: 3 }), tokenizer };
});

describe('evaluate, scripted baselines', () => {
  it('reports per-task and overall means of the per-episode outcomes', async () => {
    const r = await evaluate({ baseline: 'demo' }, { ...base, config: resolveConfig({ task: 'intent,travel', evalEpisodes: 30, evalSeed: 3 }) });
    expect(r.episodes).toHaveLength(60);
    expect(r.tasks).toEqual(['intent', 'travel']);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const task of r.tasks) {
      const eps = r.episodes.filter((e) => e.task === task);
      expect(eps.map((e) => e.index)).toEqual([...Array(30).keys()]);
      expect(r.perTask[task].success).toBeCloseTo(mean(eps.map((e) => (e.success ? 1 : 0))));
      expect(r.perTask[task].return).toBeCloseTo(mean(eps.map((e) => e.return)));
      expect(r.perTask[task].maxTokens).toBe(Math.max(...eps.map((e) => e.tokens)));
    }
    expect(r.mean.success).toBeCloseTo(mean(r.episodes.map((e) => (e.success ? 1 : 0))));
    expect(r.mean.episodes).toBe(60);
    // The two tasks' numbers differ: the per-task split is real.
    expect(r.perTask.intent.return).not.toBeCloseTo(r.perTask.travel.return, 3);
    expect(r.persona).toBe('cooperative');
    expect(r.agent).toBe('demo');
  });

  it('R = step rewards of every turn but the last, plus the final reward (docs/infopo.md §4)', async () => {
    const r = await evaluate({ baseline: 'ask-all' }, base);
    r.rollouts.forEach((ro, i) => {
      const steps = ro.dialogue.turns.map((t) => t.stepReward);
      expect(r.episodes[i].return).toBeCloseTo(steps.slice(0, -1).reduce((a, b) => a + b, 0) + r.episodes[i].reward);
    });
  });

  it("an episode that runs out of turns: no final reward, and the last question's step reward does not count", async () => {
    const r = await evaluate({ baseline: 'random' }, { ...base, config: resolveConfig({ ...base.config, maxTurns: 2 }) });
    const outOfTurns = [...r.episodes.entries()].filter(([, e]) => e.endReason === 'max-turns');
    expect(outOfTurns.length).toBeGreaterThan(3);
    for (const [i, e] of outOfTurns) {
      expect(e.turns).toBe(2);
      expect(r.rollouts[i].dialogue.turns.every((t) => !t.done)).toBe(true);
      expect(e.reward).toBe(0);
      const steps = r.rollouts[i].dialogue.turns.map((t) => t.stepReward);
      expect(e.return).toBeCloseTo(steps[0]);
      if (steps[1] !== 0) expect(e.return).not.toBeCloseTo(steps[0] + steps[1]);
    }
  });

  it('gives every baseline the same instances (a paired comparison) and is reproducible', async () => {
    const ids = await Promise.all(BASELINES.map(async (baseline) => (await evaluate({ baseline }, base)).episodes.map((x) => x.instanceId)));
    for (const x of ids) expect(x).toEqual(ids[0]);
    expect(await evaluate({ baseline: 'random' }, base)).toEqual(await evaluate({ baseline: 'random' }, base));
    expect((await evaluate({ baseline: 'random' }, { ...base, seed: 4 })).episodes.map((x) => x.instanceId)).not.toEqual(ids[0]);
  });

  it('takes the persona, episodes and seed from the config unless given', async () => {
    const config = resolveConfig({ task: 'intent', persona: 'terse', evalPersona: 'noisy', evalEpisodes: 7, evalSeed: 9 });
    const r = await evaluate({ baseline: 'oracle' }, { config, tokenizer });
    expect([r.persona, r.episodes.length, r.seed, r.split]).toEqual(['noisy', 7, 9, 'test']);
    expect((await evaluate({ baseline: 'oracle' }, { config: resolveConfig({ ...config, evalPersona: '' }), tokenizer })).persona).toBe('terse');
  });

  it('rejects unknown agents', async () => {
    await expect(evaluate({ baseline: 'genius' }, base)).rejects.toThrow(/no scripted agent "genius"/);
  });
});

describe('evaluate, a policy', () => {
  it('meets the same instances as the baselines, decodes greedily (batch size does not matter) and leaks no tensors', async () => {
    const config = configFromPresets(['smoke'], { task: '20q,travel', evalEpisodes: 5, evalSeed: 2, persona: 'noisy', noise: 0.4 });
    const policy = new Policy({ vocabSize: tokenizer.vocabSize, dModel: config.dModel, nLayers: config.nLayers, nHeads: config.nHeads, maxContext: config.maxContext }, new Rng(1));
    const before = tf.memory().numTensors;
    const p = await evaluate({ policy, name: 'mine' }, { config, tokenizer });
    expect(tf.memory().numTensors).toBe(before);
    const one = await evaluate({ policy }, { config, tokenizer, batchSize: 1 });
    expect(one.episodes).toEqual(p.episodes);
    expect(one.rollouts.map((r) => r.dialogue.tokens)).toEqual(p.rollouts.map((r) => r.dialogue.tokens));
    const b = await evaluate({ baseline: 'ask-all' }, { config, tokenizer });
    expect(p.agent).toBe('mine');
    expect(p.episodes.map((e) => [e.task, e.index, e.instanceId])).toEqual(b.episodes.map((e) => [e.task, e.index, e.instanceId]));
    expect(p.rollouts.map((r) => r.request)).toEqual(b.rollouts.map((r) => r.request));
    // The run record's entry carries the same numbers.
    const entry = evaluationEntry(p, 3);
    expect(entry).toMatchObject({ step: 3, split: 'test', persona: 'noisy', success: p.mean.success, return: p.mean.return, episodes: 10 });
    expect(Object.keys(entry.per_task)).toEqual(['20q', 'travel']);
    // evalTemperature > 0 samples (reproducibly, from a stream fixed by evalSeed) on the same instances.
    const hot = resolveConfig({ ...config, evalTemperature: 1.5 });
    const s1 = await evaluate({ policy }, { config: hot, tokenizer });
    expect(s1.episodes.map((e) => e.instanceId)).toEqual(p.episodes.map((e) => e.instanceId));
    expect(s1.rollouts.map((r) => r.dialogue.tokens)).not.toEqual(p.rollouts.map((r) => r.dialogue.tokens));
    expect((await evaluate({ policy }, { config: hot, tokenizer })).rollouts.map((r) => r.dialogue.tokens)).toEqual(s1.rollouts.map((r) => r.dialogue.tokens));
    policy.dispose();
  });
});
