import { describe, expect, it } from 'vitest';
import { stdUnbiased } from '../analysis/stats';
import { computeAdvantages, groupStats, varianceGate, type AdvantageOptions, type RolloutCredit } from './advantage';

const base: AdvantageOptions = { method: 'infopo', beta: 0.5, betaDecay: 0, epoch: 0, gateTemperature: 0.5, normalizeIntrinsic: true, intrinsicOnly: false, capIntrinsic: true, outcomeScaling: 'group', keepFraction: 0.5 };
const oneTurn = (outcome: number, tokens = 2): RolloutCredit => ({ outcome, turns: [{ actionTokens: tokens, infoGain: null }] });

describe('variance gate (docs/infopo.md §4 worked values, binary rewards, G = 5, T = 0.5)', () => {
  const gateFor = (k: number) => varianceGate(groupStats([...Array(5)].map((_, i) => (i < k ? 1 : 0))).std, 0.5);
  it('is 0.5 when all outcomes are tied (k = 0 or 5)', () => {
    expect(gateFor(0)).toBe(0.5);
    expect(gateFor(5)).toBe(0.5);
  });
  it('is 0.290 at k = 1 or 4 (sigma = 0.447) and 0.251 at k = 2 or 3 (sigma = 0.548)', () => {
    expect(groupStats([1, 0, 0, 0, 0]).std).toBeCloseTo(0.447, 3);
    expect(gateFor(1)).toBeCloseTo(0.29, 3);
    expect(gateFor(4)).toBeCloseTo(0.29, 3);
    expect(groupStats([1, 1, 0, 0, 0]).std).toBeCloseTo(0.548, 3);
    expect(gateFor(2)).toBeCloseTo(0.251, 3);
    expect(gateFor(3)).toBeCloseTo(0.251, 3);
  });
});

describe('outcome advantage (GRPO z-score)', () => {
  it('uses the Bessel std and eps 1e-6', () => {
    const out = computeAdvantages([[oneTurn(1), oneTurn(0), oneTurn(0), oneTurn(0), oneTurn(0)]], { ...base, method: 'grpo' });
    const sigma = Math.sqrt(0.2);
    expect(out.groups[0].outcome[0]).toBeCloseTo(0.8 / (sigma + 1e-6), 10);
    expect(out.groups[0].outcome[1]).toBeCloseTo(-0.2 / (sigma + 1e-6), 10);
    expect(out.groups[0].tokens[0][0]).toEqual([out.groups[0].outcome[0], out.groups[0].outcome[0]]);
  });
  it('treats G = 1 as mu = 0, sigma = 1 (so the gate is sigmoid(-1/T))', () => {
    const out = computeAdvantages([[oneTurn(1)]], base);
    expect(out.groups[0].outcome[0]).toBeCloseTo(1 / (1 + 1e-6), 12);
    expect(out.groups[0].gate).toBeCloseTo(1 / (1 + Math.exp(2)), 12);
  });
  it('scales by the batch std or not at all', () => {
    const groups = [[oneTurn(1), oneTurn(0)], [oneTurn(1), oneTurn(1)]];
    const batchStd = stdUnbiased([1, 0, 1, 1]);
    expect(computeAdvantages(groups, { ...base, method: 'grpo', outcomeScaling: 'batch' }).groups[0].outcome[0]).toBeCloseTo(0.5 / (batchStd + 1e-6), 10);
    expect(computeAdvantages(groups, { ...base, method: 'grpo', outcomeScaling: 'none' }).groups[0].outcome).toEqual([0.5, -0.5]);
  });
  it('rloo subtracts the mean of the others; reinforce the batch mean', () => {
    const groups = [[oneTurn(1), oneTurn(0), oneTurn(0)]];
    expect(computeAdvantages(groups, { ...base, method: 'rloo' }).groups[0].outcome).toEqual([1, -0.5, -0.5]);
    const r = computeAdvantages([[oneTurn(1), oneTurn(0)], [oneTurn(1), oneTurn(1)]], { ...base, method: 'reinforce' });
    expect(r.groups[0].outcome).toEqual([0.25, -0.75]);
  });
  it('starpo keeps the highest-variance groups and zeroes the rest', () => {
    const groups = [[oneTurn(1), oneTurn(1)], [oneTurn(1), oneTurn(0)]];
    const out = computeAdvantages(groups, { ...base, method: 'starpo', keepFraction: 0.5 });
    expect(out.groups.map((g) => g.kept)).toEqual([false, true]);
    expect(out.groups[0].tokens.flat(2).every((x) => x === 0)).toBe(true);
    expect(out.groups[1].tokens[0][0][0]).toBeCloseTo(0.5 / (Math.SQRT1_2 + 1e-6), 10);
  });
});

describe('InfoPO fusion worked by hand', () => {
  // Tied group [0, 0]: A_out = 0, gate = 0.5. Rollout 0: a_0 has 2 tokens and IG 0.4, a_1 unscored (3 tokens);
  // rollout 1: a_0 has 2 tokens and IG 0.1, a_1 unscored (1 token).
  // r_tok: 0.2, 0.2 | 0.05, 0.05 -> pool mean 0.125, unbiased std sqrt(0.0225 / 3) = 0.0866025
  // A_int = +-0.075 / (0.0866025 + 1e-6) = +-0.866015; over all 8 tokens std(A_int) = 0.654654 > 0, std(A_out) = 0
  // s = min(1, max(0 + 1e-6, 1) / (0.654654 + 1e-6)) = 1;  A = 0 + 0.5 * 0.5 * 1 * A_int = +-0.216504
  const groups: RolloutCredit[][] = [
    [
      { outcome: 0, turns: [{ actionTokens: 2, infoGain: 0.4 }, { actionTokens: 3, infoGain: null }] },
      { outcome: 0, turns: [{ actionTokens: 2, infoGain: 0.1 }, { actionTokens: 1, infoGain: null }] },
    ],
  ];
  it('normalises the intrinsic reward over the group, gates it at 0.5 and adds it', () => {
    const out = computeAdvantages(groups, base);
    const aInt = 0.075 / (Math.sqrt(0.0075) + 1e-6);
    expect(out.groups[0].gate).toBe(0.5);
    expect(out.cap).toBe(1);
    expect(out.groups[0].intrinsic[0][0][0]).toBeCloseTo(aInt, 10);
    expect(out.groups[0].tokens[0][0]).toEqual([expect.closeTo(0.25 * aInt, 10), expect.closeTo(0.25 * aInt, 10)]);
    expect(out.groups[0].tokens[0][1]).toEqual([0, 0, 0]);
    expect(out.groups[0].tokens[1][0][0]).toBeCloseTo(-0.25 * aInt, 10);
    expect(out.intrinsicShare).toBe(1);
  });
  it('decays beta: beta_e = beta0 * exp(-decay * epoch)', () => {
    const out = computeAdvantages(groups, { ...base, betaDecay: 0.1, epoch: 10 });
    expect(out.betaEffective).toBeCloseTo(0.5 * Math.exp(-1), 12);
    expect(computeAdvantages(groups, { ...base, betaDecay: 0.1, epoch: 10, method: 'grpo' }).betaEffective).toBe(0);
    expect(out.groups[0].tokens[0][0][0]).toBeCloseTo(0.5 * Math.exp(-1) * 0.5 * (0.075 / (Math.sqrt(0.0075) + 1e-6)), 10);
  });
  it('intrinsic-only ablation: A = s * A_int', () => {
    const out = computeAdvantages(groups, { ...base, intrinsicOnly: true });
    expect(out.groups[0].tokens[0][0][0]).toBeCloseTo(0.075 / (Math.sqrt(0.0075) + 1e-6), 10);
  });
  it('grpo ignores the information gain', () => {
    const out = computeAdvantages(groups, { ...base, method: 'grpo' });
    expect(out.groups[0].tokens.flat(2).every((x) => x === 0)).toBe(true);
  });
  it('caps a large raw intrinsic term: s = max(std(A_out), 1) / std(A_int) < 1', () => {
    // normalizeIntrinsic off: A_int = r_tok = [4] , [0] , [-4], [0] over 4 tokens: std = sqrt(32 / 3) = 3.265986
    const g: RolloutCredit[][] = [
      [
        { outcome: 1, turns: [{ actionTokens: 1, infoGain: 4 }, { actionTokens: 1, infoGain: null }] },
        { outcome: 1, turns: [{ actionTokens: 1, infoGain: -4 }, { actionTokens: 1, infoGain: null }] },
      ],
    ];
    const out = computeAdvantages(g, { ...base, normalizeIntrinsic: false });
    const s = 1 / (Math.sqrt(32 / 3) + 1e-6);
    expect(out.cap).toBeCloseTo(s, 10);
    expect(out.groups[0].tokens[0][0][0]).toBeCloseTo(0.5 * 0.5 * s * 4, 10);
    expect(computeAdvantages(g, { ...base, normalizeIntrinsic: false, capIntrinsic: false }).cap).toBe(1);
  });
  it('a group with a single intrinsic value uses mu = value, sigma = 1 (A_int = 0); none gives zeros', () => {
    const single = computeAdvantages([[{ outcome: 0, turns: [{ actionTokens: 1, infoGain: 0.3 }, { actionTokens: 1, infoGain: null }] }, oneTurn(0)]], base);
    expect(single.groups[0].intrinsic[0][0]).toEqual([0]);
    const none = computeAdvantages([[oneTurn(0), oneTurn(1)]], base);
    expect(none.groups[0].intrinsic.flat(2).every((x) => x === 0)).toBe(true);
  });
});
