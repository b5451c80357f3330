import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, resolveConfig } from '../config';
import { policyFromFiles } from '../checkpoints/hf-checkpoint';
import { Policy } from '../policy/model';
import { Rng } from '../random';
import { loadTokenizer, type WordTokenizer } from '../text/tokenizer';
import { probeInfoGain, summariseProbe, type ProbeTurn } from './ig-probe';

const MODELS = resolve(import.meta.dirname, '../../../models');
let tokenizer: WordTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: MODELS });
});

/** A shipped checkpoint's policy, read from its folder as a host would. */
function shippedPolicy(name: string): Policy {
  const dir = resolve(MODELS, name);
  const files = Object.fromEntries(readdirSync(dir).filter((f) => statSync(resolve(dir, f)).isFile()).map((f) => [f, new Uint8Array(readFileSync(resolve(dir, f)))]));
  return policyFromFiles(files, tokenizer, name).policy;
}

const turn = (family: string, informative: boolean, exact: number, role: 'user' | 'env' = 'user', label = informative ? 'splits' : 'implied'): ProbeTurn => ({ family, kind: 'ask', next: 'ask', label, informative, role, exact, sampled: exact });

describe('information-gain probe', () => {
  it('summarises by transition and feedback, and the ratio uses only the answerer of the family', () => {
    const turns = [turn('travel', true, 0.5), turn('travel', true, 0.7), turn('travel', false, 0.02), turn('travel', false, 0.04), turn('travel', true, 3, 'env', 'tool-results')];
    const s = summariseProbe(turns);
    // Tool output (env) of a user-facing family is left out of the ratio: (0.5+0.7)/2 over (0.02+0.04)/2.
    expect(s.ratio.travel.ratio).toBeCloseTo(0.6 / 0.03, 10);
    expect(s.ratio.travel.informative!.n).toBe(2);
    const tool = s.byFeedback.find((c) => c.key === 'tool-results (ask -> ask)')!;
    expect(tool.n).toBe(1);
    expect(tool.exact_mean).toBe(3);
    expect(s.byTransition).toEqual([expect.objectContaining({ family: 'travel', key: 'ask -> ask', n: 5 })]);
    // Environment families use the environment's feedback.
    expect(summariseProbe([turn('mastermind', true, 1, 'env'), turn('mastermind', false, 0.5, 'env')]).ratio.mastermind.ratio).toBe(2);
    expect(summariseProbe([turn('intent', true, 1)]).ratio.intent.ratio).toBeNull();
  });

  it('on the travel warm start an answer that is the placeholder scores 0, and informative answers far above uninformative ones', async () => {
    // paper-travel masks the feedback with "i do not mind .": where the user said exactly that, the
    // counterfactual is the real dialogue, so the divergence is 0 but for float rounding (the masked
    // pass runs the suffix over the real pass's prefix keys and values, a different order of operations).
    const config = configFromPresets(['paper-travel']);
    const policy = shippedPolicy(config.init);
    const turns = await probeInfoGain(policy, tokenizer, config, { episodes: 24, seed: 1 });
    policy.dispose();
    const doNotMind = turns.filter((t) => t.label === 'do-not-mind');
    expect(doNotMind.length).toBeGreaterThan(3);
    for (const t of doNotMind) for (const ig of [t.exact, t.sampled]) expect(Math.abs(ig)).toBeLessThan(1e-6);
    const preferences = turns.filter((t) => t.label === 'preference');
    expect(preferences.length).toBeGreaterThan(3);
    expect(preferences.some((t) => t.exact > 0.1)).toBe(true);
    const { informative, uninformative } = summariseProbe(turns).ratio.travel;
    expect(informative!.exact_mean).toBeGreaterThan(0.1);
    expect(informative!.exact_mean).toBeGreaterThan(10 * uninformative!.exact_mean);
  });

  it('describes every scored turn of sampled test episodes, deterministically for a seed, without leaking tensors', async () => {
    const config = resolveConfig({ task: '20q,travel', kinds: 1, maxTurns: 4, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 96 });
    const policy = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 96 }, new Rng(3));
    const before = tf.memory().numTensors;
    const turns = await probeInfoGain(policy, tokenizer, config, { episodes: 6, seed: 2, batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(turns.length).toBeGreaterThan(0);
    for (const t of turns) {
      expect(['20q', 'travel']).toContain(t.family);
      expect(Number.isFinite(t.exact) && Number.isFinite(t.sampled)).toBe(true);
      expect(t.exact).toBeGreaterThanOrEqual(-1e-6);
      expect(t.label.length).toBeGreaterThan(0);
    }
    // Deterministic for a seed (and batch size: the lockstep decoder draws in batch order).
    expect(await probeInfoGain(policy, tokenizer, config, { episodes: 6, seed: 2, batchSize: 4 })).toEqual(turns);
    expect(await probeInfoGain(policy, tokenizer, config, { episodes: 6, seed: 3, batchSize: 4 })).not.toEqual(turns);
    policy.dispose();
  });
});
