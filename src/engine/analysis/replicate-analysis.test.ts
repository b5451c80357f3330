import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configFromPresets, episodeOptions } from '../config';
import { analyse, BY_DIFFICULTY, difficultySuccess, feedbackMechanism, igSuccessClusters, methodResult, tiedGroupSignal, type RunData } from './replicate-analysis';
import { PROFILES } from './replicate-profiles';
import type { GroupTrace } from '../run';
import { signOfInterval } from './stats';
import { TASKS } from '../tasks';
import { Rng } from '../random';
import { SYNTHETIC_STEPS, syntheticRun as synthRun, syntheticTrace as trace } from '../test-support';

const SEEDS = [1001, 1002, 1003, 1004, 1005];
const analyseRuns = (runs: RunData[]) => analyse(runs, { profile: 'test', personas: ['cooperative', 'noisy'], resamples: 2000, curveResamples: 200 });

describe('analysis of synthetic runs', () => {
  it('a clear gain: per-method estimates, paired differences and their intervals', () => {
    const runs = SEEDS.flatMap((s) => [synthRun('infopo', s, 0.3, { personaDrop: 0.05 }), synthRun('grpo', s, 0.1)]);
    const res = analyseRuns(runs);
    const t = res.tasks.smoke;
    expect(t.train_persona).toBe('cooperative');
    expect(t.persona_drop.noisy.mean).toBeCloseTo(0.05 - 0.1, 12);
    expect(t.persona_drop.cooperative).toBeUndefined();
    expect(methodResult(t, 'infopo')!.tied_signal.token_share.mean).toBeCloseTo(0.5, 12);
    expect(methodResult(t, 'infopo')!.tied_signal.mean_abs_advantage.mean).toBeCloseTo(0.2, 12);
    expect(methodResult(t, 'grpo')!.tied_signal.token_share.mean).toBe(0);
    expect(methodResult(t, 'grpo')!.tied_signal.groups).toBe(15);
    expect(res.seeds).toEqual(SEEDS);
    expect(res.test_episodes).toBe(256);
    expect(res.command).toBe('npm run replicate -- --profile test');
    const d = t.infopo_minus_grpo!;
    expect(d.mean).toBeCloseTo(0.2 + (0.004 * (3 - 2)) / 5, 12); // gain 0.2; jitter +0.004 on 3 odd seeds, -0.004 on 2 even
    expect(d.ci95[0]).toBeGreaterThan(0.19);
    expect(d.n).toBe(5);
    const infopo = methodResult(t, 'infopo')!;
    const grpo = methodResult(t, 'grpo')!;
    expect(infopo.test_success.ci95[0]).toBeLessThanOrEqual(infopo.test_success.mean);
    expect(infopo.test_success.ci95[1]).toBeGreaterThanOrEqual(infopo.test_success.mean);
    expect(infopo.test_success_start.mean).toBeCloseTo(grpo.test_success_start.mean, 12);
    // InfoPO reaches GRPO's final smoothed level well before the end; GRPO at its last step or later.
    expect(t.speed_train!.mean).toBeLessThan(0);
    expect(signOfInterval(t.speed_train!.ci95)).toBe(-1);
    expect(infopo.steps_to_threshold.train.reached).toBe(5);
    expect(infopo.curves.test_success.map((p) => p.step)).toEqual([0, 5, 10, 15, 20]);
    expect(infopo.curves.train_success).toHaveLength(SYNTHETIC_STEPS);
    expect(infopo.curves.tied_fraction[0].mean).toBeCloseTo(0.8, 12);
    // The first quarter's steps 1-5 of GRPO: success p = 0.3 + offset + 0.1 * step / 20, tied share p^G + (1 - p)^G at the smoke preset's G.
    const g = runs[0].record.config.groupSize;
    const homogeneous = SEEDS.map((s) => [1, 2, 3, 4, 5].map((k) => 0.3 + ((s * 37) % 7) / 200 + (0.1 * k) / 20).reduce((a, p) => a + p ** g + (1 - p) ** g, 0) / 5);
    expect(grpo.tied_fraction_homogeneous_early.mean).toBeCloseTo(homogeneous.reduce((a, x) => a + x, 0) / 5, 12);
    // cost: (150 + s) / (100 + s) per seed
    expect(t.cost_ratio!.mean).toBeCloseTo(SEEDS.reduce((a, s) => a + (150 + s) / (100 + s), 0) / 5, 12);
    // IG and success are perfectly aligned in the synthetic traces
    expect(t.ig_success!.r).toBeGreaterThan(0.9);
    expect(Object.keys(t.persona_shift)).toEqual(['cooperative', 'noisy']);
  });

  it('a null result: the interval of the paired difference includes zero', () => {
    const d = analyseRuns(SEEDS.flatMap((s) => [synthRun('infopo', s, 0.1), synthRun('grpo', s, 0.1)])).tasks.smoke.infopo_minus_grpo!;
    expect(d.ci95[0]).toBeLessThan(0);
    expect(d.ci95[1]).toBeGreaterThan(0);
  });

  it('leaves out runs that did not complete and keeps what it was told is missing', () => {
    const runs = SEEDS.flatMap((s) => [synthRun('infopo', s, 0.0), synthRun('grpo', s, 0.2)]);
    runs.push({ ...synthRun('infopo', 1006, 0.5), record: { ...synthRun('infopo', 1006, 0.5).record, status: 'failed' } });
    const res = analyse(runs, { profile: 'test', personas: ['cooperative'], missing: ['smoke/infopo-1006: exit 1'], warnings: ['evaluation paths differ'], resamples: 500, curveResamples: 100 });
    expect(res.seeds).toEqual(SEEDS);
    expect(Object.keys(methodResult(res.tasks.smoke, 'infopo')!.test_success.per_seed)).toEqual(SEEDS.map(String));
    expect(res.missing).toEqual(['smoke/infopo-1006: exit 1']);
    expect(res.warnings).toEqual(['evaluation paths differ']);
    expect(signOfInterval(res.tasks.smoke.infopo_minus_grpo!.ci95)).toBe(-1);
  });

  it('sums exact IG per dialogue for the correlation, and counts the advantages of tied groups', () => {
    const c = igSuccessClusters([trace(1, [0.5, 0.25], [true, false])]);
    expect(c).toEqual([[{ x: 0.5, y: 1 }, { x: 0.25, y: 0 }]]);
    const tied = tiedGroupSignal([trace(1, [0.5, 0.25], [true, false], -0.3), { ...trace(2, [0, 0], [true, false], 1), outcome_std: 0.5 }]);
    expect(tied).toEqual({ groups: 1, tokens: 4, nonzero: 2, absSum: 0.6 });
  });
});

describe('success by instance difficulty', () => {
  it('labels the regime probe\'s cells, prefixing a family\'s own in a mix', () => {
    const one = [{ family: 'intent', difficulty: 'all', success: 0.4 }, { family: 'intent', difficulty: '1 missing', success: 0.6 }, { family: 'intent', difficulty: '3 missing', success: 0.2 }];
    expect(difficultySuccess(one)).toEqual({ all: 0.4, '1 missing': 0.6, '3 missing': 0.2 });
    const mix = [{ family: 'all', difficulty: 'all', success: 0.3 }, { family: 'intent', difficulty: 'all', success: 0.4 }, { family: 'intent', difficulty: '3 missing', success: 0.2 }, { family: '20q', difficulty: 'all', success: 0.2 }];
    expect(difficultySuccess(mix)).toEqual({ all: 0.3, 'intent: all': 0.4, 'intent: 3 missing': 0.2, '20q: all': 0.2 });
  });

  it('estimates each label per method and InfoPO minus the others, paired by seed; null where nothing was re-evaluated', () => {
    // Hard instances: InfoPO +0.05 on every seed; easy ones: the same as GRPO but for a seed-dependent wobble.
    const withLabels = (r: RunData): RunData => {
      const wobble = r.method === 'infopo' ? ((r.seed % 3) - 1) / 100 : 0;
      return { ...r, byDifficulty: { all: 0.4, easy: 0.7 + wobble, hard: 0.1 + (r.method === 'infopo' ? 0.05 : 0) } };
    };
    const runs = SEEDS.flatMap((s) => [synthRun('grpo', s, 0.1), synthRun('infopo', s, 0.1)]);
    expect(analyseRuns(runs).tasks.smoke.by_difficulty).toBeNull();
    const d = analyse(runs.map(withLabels), { profile: 'test', personas: [], resamples: 2000, curveResamples: 50, byDifficulty: BY_DIFFICULTY }).tasks.smoke.by_difficulty!;
    expect(d).toMatchObject({ groups: 256, seed: 2, split: 'test', labels: ['all', 'easy', 'hard'], reference: 'infopo' });
    expect(Object.keys(d.success.hard)).toEqual(['infopo', 'grpo']);
    expect(d.success.hard.infopo.mean).toBeCloseTo(0.15, 12);
    expect(d.success.hard.grpo.n).toBe(5);
    const hard = d.difference.hard.infopo_minus_grpo;
    expect(hard.mean).toBeCloseTo(0.05, 12);
    expect(hard.ci95[0]).toBeCloseTo(0.05, 12);
    expect(Object.keys(hard.per_seed)).toEqual(SEEDS.map(String));
    const easy = d.difference.easy.infopo_minus_grpo;
    expect(easy.per_seed['1001']).toBeCloseTo(((1001 % 3) - 1) / 100, 12);
    expect(easy.ci95[0]).toBeLessThan(0);
    expect(easy.ci95[1]).toBeGreaterThan(0);
  });
});

describe('docs/replicate.md stays true', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/replicate.md'), 'utf8');
  it('names every profile and every key of results.json', () => {
    for (const [name, p] of Object.entries(PROFILES)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `docs/replicate.md: a table row for profile ${name}`).toBeDefined();
      for (const t of p.tasks) expect(row, `${name}: task ${t}`).toContain(`\`${t}\``);
      if (p.overrides.steps !== undefined) expect(row, `${name}: its budget`).toContain(`${p.overrides.steps} steps`);
    }
    const runs = SEEDS.flatMap((s) => [synthRun('infopo', s, 0.1), synthRun('grpo', s, 0.1)]).map((r) => ({ ...r, byDifficulty: { all: 0.5 } }));
    const res = analyse(runs, { profile: 'x', personas: ['cooperative'], resamples: 50, curveResamples: 10, byDifficulty: BY_DIFFICULTY });
    for (const key of Object.keys(res)) expect(doc, key).toContain(`\`${key}\``);
    const t = res.tasks.smoke as Record<string, unknown>;
    for (const key of Object.keys(t).filter((k) => !res.methods.includes(k) && !['preset', 'methods', 'seeds', 'test_episodes', 'format'].includes(k))) expect(doc, key).toContain(`\`${key}\``);
    for (const key of Object.keys(methodResult(res.tasks.smoke, 'infopo')!)) expect(doc, key).toContain(`\`${key}\``);
    for (const key of Object.keys(res.tasks.smoke.by_difficulty!)) expect(doc, `by_difficulty.${key}`).toContain(`\`${key}\``);
  });
});

describe('the mechanism analysis (what the credit rewards, whether asking changes)', () => {
  const config = configFromPresets(['paper-20q'], { steps: 8 });
  /** A traced rollout of real 20q replies to the given actions, with one advantage per turn. */
  function rollout(actions: string[], advantages: number[]) {
    const family = TASKS['20q'];
    const instance = family.sample(new Rng(3), 'train');
    const episode = family.start(instance, episodeOptions(config), new Rng(4));
    const turns = actions.map((action, i) => {
      const reply = episode.respond(action);
      return { action, feedback: reply.feedback, role: reply.role, action_tokens: action.split(' '), info_gain: null, info_gain_exact: null, step_reward: 0, valid: reply.valid, advantages: [advantages[i], advantages[i]] };
    });
    return { request: instance.request, rollout: { outcome: 0, success: false, end_reason: 'done', turns } };
  }
  const group = (step: number, std: number, rollouts: ReturnType<typeof rollout>[]): GroupTrace => ({ step, group: 0, task: '20q', instance: 'x', request: rollouts[0].request, gate: 0.5, outcome_mean: 0, outcome_std: std, cap: 1, beta: 0.5, kept: true, rollouts: rollouts.map((r) => r.rollout) });

  it('counts a repeated question as uninformative, early and late, and sums tied credit by class', () => {
    // The same question twice: the second answer was implied by the first.
    const repeat = rollout(['is it an animal ?', 'is it an animal ?', 'guess cat'], [0.3, -0.2, 0.1]);
    const fresh = rollout(['is it an animal ?', 'is it big ?', 'guess cat'], [0.5, 0.1, 0.0]);
    const t = feedbackMechanism([group(1, 0, [repeat, fresh]), group(8, 0.4, [repeat]), group(4, 0, [fresh])], config);
    // Questions are every turn but the last: 2 per rollout, 4 in tied groups at step 4 (mid: neither quarter).
    expect(t.questions).toBe(8);
    expect(t.early).toEqual({ questions: 4, uninformative: 1 });
    expect(t.late).toEqual({ questions: 2, uninformative: 1 });
    // Tied groups only (steps 1 and 4): informative 0.3, 0.5, 0.1, 0.5, 0.1; uninformative -0.2.
    expect(t.tiedCredit.uninformative).toEqual({ sum: -0.2, n: 1 });
    expect(t.tiedCredit.informative.n).toBe(5);
    expect(t.tiedCredit.informative.sum).toBeCloseTo(1.5, 12);
  });

  it('skips groups left out of the update and traces without a request', () => {
    const fresh = rollout(['is it an animal ?', 'guess cat'], [1, 1]);
    const dropped = { ...group(1, 0, [fresh]), kept: false };
    const old = { ...group(1, 0, [fresh]), request: undefined };
    expect(feedbackMechanism([dropped, old], config).questions).toBe(0);
  });
});
