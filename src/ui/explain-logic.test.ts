import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { episodeOptions, getTask, loadTokenizer, resolveConfig, Rng, scriptedRollout, specAdvantages, type GroupTrace, type TurnTrace } from '../engine';
import { explainTurn, stepRewardInOutcome } from './explain-logic';

const turn = (action: string, feedback: string, tokens: number, ig: number | null): TurnTrace => ({
  action,
  feedback,
  role: 'user',
  action_tokens: [...Array(tokens - 1).fill('w'), '<eot>'],
  info_gain: ig,
  info_gain_exact: ig === null ? null : ig * 2,
  step_reward: 0,
  valid: true,
  advantages: [],
});

function stepTraces(): GroupTrace[] {
  const groups: GroupTrace[] = [
    {
      step: 3, group: 0, task: '20q', instance: 'a', gate: 0, outcome_mean: 0, outcome_std: 0, cap: 0, beta: 0, kept: true,
      rollouts: [
        { outcome: 1, success: true, end_reason: 'answer', turns: [turn('ask is it big ?', 'yes .', 5, 0.3), turn('guess cat', '', 3, null)] },
        { outcome: 0, success: false, end_reason: 'answer', turns: [turn('ask is it red ?', 'no .', 5, -0.1), turn('guess dog', '', 3, null)] },
        { outcome: 0, success: false, end_reason: 'turns', turns: [turn('ask is it small ?', '', 5, null), turn('guess cow', '', 3, null)] },
      ],
    },
    {
      step: 3, group: 1, task: '20q', instance: 'b', gate: 0, outcome_mean: 0, outcome_std: 0, cap: 0, beta: 0, kept: true,
      rollouts: [
        { outcome: 0, success: false, end_reason: 'answer', turns: [turn('guess cat', '', 3, null)] },
        { outcome: 0, success: false, end_reason: 'answer', turns: [turn('ask x ?', 'yes .', 4, 0.05), turn('guess cat', '', 3, null)] },
        { outcome: 0, success: false, end_reason: 'answer', turns: [turn('guess dog', '', 3, null)] },
      ],
    },
  ];
  // The "recorded" values come from an independent implementation of docs/infopo.md §3-§4 (not from
  // computeAdvantages, which explainTurn uses), so a disagreement between the two shows up as maxDiff.
  const config = resolveConfig({ groupSize: 3 });
  const spec = specAdvantages(groups, config, 2);
  groups.forEach((g, gi) => {
    const R = g.rollouts.map((r) => r.outcome);
    const mu = R.reduce((a, b) => a + b, 0) / R.length;
    Object.assign(g, { gate: spec.gates[gi], outcome_mean: mu, outcome_std: Math.sqrt(R.reduce((a, x) => a + (x - mu) ** 2, 0) / (R.length - 1)), cap: spec.cap, beta: spec.betaEffective });
    g.rollouts.forEach((r, i) => r.turns.forEach((t, k) => (t.advantages = spec.advantages[gi][i][k])));
  });
  return groups;
}

describe('explain this turn', () => {
  it('reproduces docs/infopo.md §3-§4 by hand and matches the recorded advantages', () => {
    const config = resolveConfig({ groupSize: 3 });
    const e = explainTurn(config, stepTraces(), 0, 0, 0);
    const sigma = Math.sqrt(((1 - 1 / 3) ** 2 + 2 * (1 / 3) ** 2) / 2);
    expect(e.mu).toBeCloseTo(1 / 3, 12);
    expect(e.sigma).toBeCloseTo(sigma, 12);
    expect(e.aOut).toBeCloseTo((1 - 1 / 3) / (sigma + 1e-6), 9);
    expect(e.gate).toBeCloseTo(1 / (1 + Math.exp(sigma / 0.5)), 12);
    // r_tok = IG_t / |a_t| on 5 tokens; the group pool has 5 tokens of 0.06 and 5 of -0.02.
    expect(e.rTok).toBeCloseTo(0.3 / 5, 12);
    expect(e.poolSize).toBe(10);
    expect(e.muI).toBeCloseTo(0.02, 12);
    expect(e.aInt).toBeCloseTo((0.06 - e.muI) / (e.sigmaI + 1e-6), 9);
    expect(e.betaE).toBe(0.5);
    expect(e.recomputed[0]).toBeCloseTo(e.aOut + e.betaE * e.gate * e.cap * e.aInt, 9);
    expect(e.maxDiff).toBeLessThan(1e-12);
    expect(e.capRecorded).toBeCloseTo(e.cap, 12);
    expect(e.nextAction).toBe('guess cat');
    expect(e.unscored).toBeNull();
  });

  it('reports a recorded advantage that disagrees with the formulas', () => {
    const traces = stepTraces();
    traces[0].rollouts[0].turns[0].advantages[2] += 1e-3;
    const e = explainTurn(resolveConfig({ groupSize: 3 }), traces, 0, 0, 0);
    expect(e.maxDiff).toBeCloseTo(1e-3, 9);
    expect(explainTurn(resolveConfig({ groupSize: 3 }), traces, 0, 1, 0).maxDiff).toBeLessThan(1e-12);
  });

  it('names why a turn is not scored', () => {
    const config = resolveConfig({});
    const traces = stepTraces();
    expect(explainTurn(config, traces, 0, 0, 1).unscored).toBe('last-turn');
    expect(explainTurn(config, traces, 0, 2, 0).unscored).toBe('empty-feedback');
    const e = explainTurn(config, traces, 0, 2, 0);
    expect(e.aInt).toBe(0);
    expect(e.recomputed[0]).toBeCloseTo(e.aOut, 12);
  });

  it('uses the exact estimator when configured (and then differs from the recorded sampled run)', () => {
    const e = explainTurn(resolveConfig({ infoGainEstimator: 'exact' }), stepTraces(), 0, 0, 0);
    expect(e.igUsed).toBeCloseTo(0.6, 12);
    expect(e.rTok).toBeCloseTo(0.12, 12);
  });

  it('flags turns whose sampled estimate is negative while the exact KL says the answer mattered', () => {
    const traces = stepTraces();
    const config = resolveConfig({ groupSize: 3 });
    // Group 0, rollout 1: sampled -0.1, exact -0.2 in the fixture: no contradiction (both say nothing).
    expect(explainTurn(config, traces, 0, 1, 0).estimatesDisagree).toBe(false);
    // The case: "on friday ." answering "ask day ?", sampled -0.099, exact KL 1.179.
    traces[0].rollouts[1].turns[0].info_gain_exact = 1.179;
    traces[0].rollouts[1].turns[0].info_gain = -0.099;
    expect(explainTurn(config, traces, 0, 1, 0).estimatesDisagree).toBe(true);
    // A small KL with a small negative sample is noise around zero, not a disagreement.
    traces[0].rollouts[1].turns[0].info_gain_exact = 0.01;
    expect(explainTurn(config, traces, 0, 1, 0).estimatesDisagree).toBe(false);
    expect(explainTurn(config, traces, 0, 0, 0).estimatesDisagree).toBe(false);
  });
});

describe('step rewards beside the outcome', () => {
  // Real episodes of the engine (rl/rollout.ts makes R), traced the way the trainer traces a turn.
  async function episodes(reward: 'task' | 'success') {
    const tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../models') });
    const config = resolveConfig({ task: 'intent', reward, maxTurns: 3 });
    const family = getTask('intent');
    return ['ask-all', 'oracle', 'random'].flatMap((agent) =>
      [1, 2, 3, 4].map((seed) => {
        const instance = family.sample(new Rng(seed), 'train', episodeOptions(config));
        const r = scriptedRollout(family, instance, family.agents[agent], episodeOptions(config), { agent: new Rng(seed + 10), user: new Rng(seed + 20) }, tokenizer);
        const turns = r.dialogue.turns.map((t) => turn(t.action, t.feedback, 2, null)).map((t, k) => ({ ...t, step_reward: r.dialogue.turns[k].stepReward }));
        return { rollout: r, turns };
      }),
    );
  }

  it('with reward = task, the step rewards shown and the final score add up to R', async () => {
    const all = await episodes('task');
    // The fixture must exercise both rules: a rewarded turn counted in R, and a rewarded last turn that is not.
    expect(all.some(({ turns }) => turns.slice(0, -1).some((t) => t.step_reward !== 0))).toBe(true);
    expect(all.some(({ turns }) => turns[turns.length - 1].step_reward !== 0)).toBe(true);
    for (const { rollout, turns } of all) {
      const shown = turns.map((_, k) => stepRewardInOutcome('task', turns, k) ?? 0);
      expect(shown.reduce((a, b) => a + b, 0) + rollout.finalReward).toBeCloseTo(rollout.outcome, 12);
    }
  });

  it('with reward = success (R is 1 or 0), no step reward is shown', async () => {
    for (const { rollout, turns } of await episodes('success')) {
      expect(rollout.outcome).toBe(rollout.success ? 1 : 0);
      expect(turns.map((_, k) => stepRewardInOutcome('success', turns, k))).toEqual(turns.map(() => null));
    }
  });
});
