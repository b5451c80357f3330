import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config';
import { Policy } from '../policy/model';
import { Rng } from '../random';
import { cpuWithTokenizer } from '../test-support';
import type { WordTokenizer } from '../text/tokenizer';
import { probeRegime, regimeCell, tiedIfAlike } from './regime';

let tokenizer: WordTokenizer;
beforeAll(async () => {
  tokenizer = await cpuWithTokenizer();
});

describe('regime probe', () => {
  it('counts tied groups both ways and compares with equally hard instances', () => {
    // G = 5: groups with 0, 5, 5, 2 and 0 successes: 4 of 5 tied (2 failures, 2 successes), p = 12 / 25.
    const c = regimeCell('intent', 'all', [0, 5, 5, 2, 0], 5);
    expect(c).toMatchObject({ groups: 5, tied: 0.8, tiedFailures: 0.4, tiedSuccesses: 0.4 });
    expect(c.success).toBeCloseTo(12 / 25, 12);
    expect(c.tiedIfAlike).toBeCloseTo(0.48 ** 5 + 0.52 ** 5, 12);
    // The curve the report compares with: below one half for about 0.13 < p < 0.87 at G = 5.
    expect(tiedIfAlike(0.5, 5)).toBeCloseTo(1 / 16, 12);
    expect(tiedIfAlike(0.12, 5)).toBeGreaterThan(0.5);
    expect(tiedIfAlike(0.14, 5)).toBeLessThan(0.5);
    expect(tiedIfAlike(0.3, 1)).toBe(1);
    expect(regimeCell('x', 'all', [], 5)).toMatchObject({ groups: 0, success: 0, tied: 0 });
  });

  it('rolls out G episodes per instance, breaks intent down by missing details, deterministically, without leaking tensors', async () => {
    const config = resolveConfig({ task: 'intent', intentMissing: '1,3', groupSize: 3, maxTurns: 3, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 96 });
    const policy = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 96 }, new Rng(4));
    const before = tf.memory().numTensors;
    const r = await probeRegime(policy, tokenizer, config, { groups: 10, seed: 5, batchSize: 7 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.groupSize).toBe(3);
    expect(r.successesPerGroup).toHaveLength(10);
    for (const k of r.successesPerGroup) expect(k >= 0 && k <= 3).toBe(true);
    const [all, ...byDifficulty] = r.cells;
    expect(all).toMatchObject({ family: 'intent', difficulty: 'all', groups: 10 });
    expect(all).toEqual(regimeCell('intent', 'all', r.successesPerGroup, 3));
    // Only the knob's counts occur, and the breakdown covers every group.
    expect(byDifficulty.map((c) => c.difficulty).every((d) => d === '1 missing' || d === '3 missing')).toBe(true);
    expect(byDifficulty.reduce((a, c) => a + c.groups, 0)).toBe(10);
    expect(await probeRegime(policy, tokenizer, config, { groups: 10, seed: 5, batchSize: 7 })).toEqual(r);
    await expect(probeRegime(policy, tokenizer, config, { groups: 0, seed: 5 })).rejects.toThrow(/groups must be a positive integer/);
    // A warm start of uneven skill: also broken down by the slip of each instance's area.
    const uneven = await probeRegime(policy, tokenizer, resolveConfig({ ...config, demoSlipByArea: '0.05,0.9' }), { groups: 10, seed: 5, batchSize: 7 });
    const bySkill = uneven.cells.filter((c) => c.difficulty.startsWith('demo slip'));
    expect(bySkill.map((c) => c.difficulty)).toEqual(['demo slip 0.05', 'demo slip 0.9']);
    expect(bySkill.reduce((a, c) => a + c.groups, 0)).toBe(10);
    expect(uneven.successesPerGroup).toEqual(r.successesPerGroup);
    policy.dispose();
  });
});
