import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configFromPresets, episodeOptions } from '../config';
import { analyse, estimateRun, feedbackMechanism, evaluationCount, igSuccessClusters, tiedGroupSignal, isReusable, methodResult, planRuns, PROFILES, scheduleMs, DEFAULT_COSTS, type RunData } from './replicate';
import { renderReport, verdict } from './replicate-report';
import type { GroupTrace } from '../run';
import { PRESETS } from '../config';
import { signOfInterval } from './stats';
import { TASKS } from '../tasks';
import { Rng } from '../random';

describe('profiles and plan', () => {
  it('every profile names known presets and methods, and plans task x method x seed runs', () => {
    for (const [name, p] of Object.entries(PROFILES)) {
      const plan = planRuns(p);
      expect(plan.length, name).toBe(p.tasks.length * p.methods.length * p.seeds.length);
      for (const t of p.tasks) expect(PRESETS[t], `${name}: ${t}`).toBeDefined();
    }
    expect(PROFILES.quick.seeds).toEqual([1001, 1002, 1003, 1004, 1005]);
    expect(PROFILES.full.overrides.evalEpisodes).toBeGreaterThanOrEqual(256);
  });

  it('resolves each run config from its preset, the profile and the method and seed', () => {
    const plan = planRuns(PROFILES.smoke, { methods: ['grpo'], seeds: [7] });
    expect(plan).toHaveLength(1);
    const r = plan[0];
    expect(r.dir).toBe('runs/smoke/grpo-7');
    expect(r.config).toEqual(configFromPresets(['smoke'], { ...PROFILES.smoke.overrides, method: 'grpo', seed: 7 }));
    expect(r.sets).toContain('method=grpo');
    expect(r.sets).toContain('seed=7');
    expect(r.sets).toContain('evalEpisodes=8');
  });

  it('rejects unknown names and bad seeds with clear errors', () => {
    expect(() => planRuns(PROFILES.smoke, { tasks: ['nope'] })).toThrow(/unknown task preset "nope"/);
    expect(() => planRuns(PROFILES.smoke, { methods: ['ppo'] })).toThrow(/unknown method "ppo"/);
    expect(() => planRuns(PROFILES.smoke, { seeds: [1, 1] })).toThrow(/seeds repeat/);
    expect(() => planRuns(PROFILES.smoke, { seeds: [] })).toThrow(/at least one/);
  });

  it('reuses only a complete run with the same config', () => {
    const [r] = planRuns(PROFILES.smoke, { methods: ['infopo'], seeds: [1001] });
    expect(isReusable(r, { status: 'complete', config: { ...r.config } })).toBe(true);
    expect(isReusable(r, { status: 'stopped', config: r.config })).toBe(false);
    expect(isReusable(r, { status: 'complete', config: { ...r.config, steps: r.config.steps + 1 } })).toBe(false);
    expect(isReusable(r, null)).toBe(false);
    // A record made before a key existed counts as that key's default, not as another config.
    const { demoNonAnswer: _absent, ...older } = r.config;
    expect(r.config.demoNonAnswer).toBe(0);
    expect(isReusable(r, { status: 'complete', config: older })).toBe(true);
    expect(isReusable({ ...r, config: { ...r.config, demoNonAnswer: 0.15 } }, { status: 'complete', config: older })).toBe(false);
  });

  it('counts evaluations and estimates time', () => {
    const c = configFromPresets(['smoke'], { steps: 10, evalEvery: 5 });
    expect(evaluationCount(c)).toBe(3); // 0, 5, 10
    expect(evaluationCount({ ...c, evalEvery: 3 })).toBe(5); // 0, 3, 6, 9, 10
    expect(evaluationCount({ ...c, evalEvery: 0 })).toBe(2);
    expect(scheduleMs([5, 4, 3, 3, 1], 2)).toBe(8);
    expect(scheduleMs([5, 4, 3], 1)).toBe(12);
    const [r] = planRuns(PROFILES.quick, { methods: ['infopo'], seeds: [1001] });
    const d = estimateRun(r, 0);
    expect(d.source).toBe('default');
    const perStep = DEFAULT_COSTS.msPerRollout.infopo * r.config.promptsPerStep * r.config.groupSize;
    expect(d.ms).toBeGreaterThan(r.config.steps * perStep);
    const m = estimateRun(r, 0, DEFAULT_COSTS, { [r.task]: { infopo: 10 } });
    expect(m.source).toBe('measured');
    expect(d.ms - m.ms).toBeCloseTo(r.config.steps * (perStep - 10), 6);
  });
});

// ------------------------------------------------------------ synthetic runs

const STEPS = 20;

function trace(step: number, ig: number[], success: boolean[], advantage = 0): GroupTrace {
  return {
    step, group: 0, task: '20q', instance: 'x', gate: 0.5, outcome_mean: 0, outcome_std: 0, cap: 1, beta: 0.5, kept: true,
    rollouts: ig.map((g, i) => ({ outcome: success[i] ? 1 : 0, success: success[i], end_reason: 'done', turns: [{ action: 'a', feedback: 'b', role: 'user' as const, action_tokens: ['a', '<eot>'], info_gain: g, info_gain_exact: g, step_reward: 0, valid: true, advantages: [advantage, 0] }] })),
  };
}

/** A run whose success rises linearly from `start` by `gain` over the steps, with a seed-dependent offset. */
function synthRun(method: string, seed: number, gain: number, opts: { start?: number; stepMs?: number; personaDrop?: number } = {}): RunData {
  const start = opts.start ?? 0.3;
  const offset = ((seed * 37) % 7) / 200; // the same for both methods of a seed: paired
  const jitter = method === 'infopo' ? (seed % 2 ? 0.004 : -0.004) : 0;
  const at = (step: number) => start + offset + (gain * step) / STEPS + (step === STEPS ? jitter : 0);
  const config = configFromPresets(['smoke'], { method: method as 'infopo', seed, steps: STEPS, evalEvery: 5, evalEpisodes: 256 });
  const steps = Array.from({ length: STEPS }, (_, i) => ({ step: i + 1, metrics: { success: at(i + 1), zero_std_fraction: 0.8 - (0.3 * i) / STEPS, gate_mean: 0.4, step_ms: method === 'infopo' ? (opts.stepMs ?? 150) + seed : 100 + seed } }));
  const evaluations = [0, 5, 10, 15, 20].map((step) => ({ step, split: 'test' as const, persona: 'cooperative', episodes: 256, success: at(step), return: at(step), turns: 3, per_task: {} }));
  // Traced groups count as tied (outcome_std 0): InfoPO gives one of each action's two tokens an advantage, GRPO none.
  const traces = [1, 5, 10].map((s) => trace(s, [0.1, 0.9, 0.2, 1.1], [false, true, false, true], method === 'infopo' ? 0.4 : 0));
  const drop = opts.personaDrop ?? 0.1;
  return { task: 'smoke', method, seed, record: { config, steps, evaluations, traces, status: 'complete' }, personas: { cooperative: { success: at(STEPS), return: 0, turns: 3, episodes: 256 }, noisy: { success: at(STEPS) - drop, return: 0, turns: 3, episodes: 256 } } };
}

const SEEDS = [1001, 1002, 1003, 1004, 1005];
const analyseRuns = (runs: RunData[]) => analyse(runs, { profile: 'test', personas: ['cooperative', 'noisy'], resamples: 2000, curveResamples: 200 });

describe('analysis and report on synthetic runs', () => {
  it('a clear gain: the interval excludes zero and the report says InfoPO is ahead', () => {
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
    expect(infopo.curves.train_success).toHaveLength(STEPS);
    expect(infopo.curves.tied_fraction[0].mean).toBeCloseTo(0.8, 12);
    // cost: (150 + s) / (100 + s) per seed
    expect(t.cost_ratio!.mean).toBeCloseTo(SEEDS.reduce((a, s) => a + (150 + s) / (100 + s), 0) / 5, 12);
    // IG and success are perfectly aligned in the synthetic traces
    expect(t.ig_success!.r).toBeGreaterThan(0.9);
    expect(Object.keys(t.persona_shift)).toEqual(['cooperative', 'noisy']);
    const report = renderReport(res);
    expect(report).toContain('`smoke` final test success: InfoPO - GRPO = +0.20');
    expect(report).toContain('The interval excludes zero: InfoPO is ahead of GRPO.');
    expect(report).toContain('InfoPO is ahead with an interval that excludes zero on 1 of 1 task');
    expect(report).toMatch(/Steps to GRPO's final train success: InfoPO - GRPO = -[\d.]+, .*The interval excludes zero: InfoPO is ahead of GRPO\./);
    expect(report).toContain('dialogues with more information gain succeed more often');
    expect(report).toContain('most early groups are tied');
    expect(report).toContain('In traced tied groups, action tokens with a non-zero advantage: infopo 0.50 of tokens, mean |A| 0.200; grpo 0.00 of tokens, mean |A| 0.000.');
    expect(report).toMatch(/Drop in success from cooperative \(training\) to noisy: InfoPO - GRPO = -0.050, .*The interval excludes zero: InfoPO is ahead of GRPO\./);
    expect(report).toContain('No task of this profile is environment-interactive');
    expect(report).toContain('| higher final success than GRPO | InfoPO ahead on 1, behind on 0, no difference shown on 0 (of 1) tasks |');
    expect(report).toContain("| learns earlier (steps to GRPO's final train success) | InfoPO ahead on 1, behind on 0, no difference shown on 0 (of 1) tasks |");
    expect(report).toContain('| environment-interactive tasks | not tested (no environment task in the profile) |');
  });

  it('a null result: the interval includes zero and the report says so plainly', () => {
    const runs = SEEDS.flatMap((s) => [synthRun('infopo', s, 0.1), synthRun('grpo', s, 0.1)]);
    const res = analyseRuns(runs);
    const d = res.tasks.smoke.infopo_minus_grpo!;
    expect(d.ci95[0]).toBeLessThan(0);
    expect(d.ci95[1]).toBeGreaterThan(0);
    const report = renderReport(res);
    expect(report).toContain('The interval includes zero: no difference shown.');
    expect(report).toContain('**Not reproduced:** on none of 1 task');
    expect(report).toContain('| higher final success than GRPO | InfoPO ahead on 0, behind on 0, no difference shown on 1 (of 1) tasks |');
    expect(report).toContain('A gain of 0.14 in success lies above the interval.');
    expect(report).not.toContain('InfoPO is ahead of GRPO');
    expect(report).toMatch(/Drop in success from cooperative \(training\) to noisy: InfoPO - GRPO = \+0.000, .*no difference shown/);
  });

  it('a loss is reported as a loss, and failed runs are left out and listed', () => {
    const runs = SEEDS.flatMap((s) => [synthRun('infopo', s, 0.0), synthRun('grpo', s, 0.2)]);
    runs.push({ ...synthRun('infopo', 1006, 0.5), record: { ...synthRun('infopo', 1006, 0.5).record, status: 'failed' } });
    const res = analyse(runs, { profile: 'test', personas: ['cooperative'], missing: ['smoke/infopo-1006: exit 1'], warnings: ['evaluation paths differ'], resamples: 500, curveResamples: 100 });
    expect(res.seeds).toEqual(SEEDS);
    const report = renderReport(res);
    expect(report).toContain('InfoPO is behind GRPO');
    expect(report).toContain('`smoke/infopo-1006: exit 1`');
    expect(report).toContain('**Warnings:**\n\n- evaluation paths differ');
    expect(report).toContain('| higher final success than GRPO | InfoPO ahead on 0, behind on 1, no difference shown on 0 (of 1) tasks |');
  });

  it('verdicts need two seeds and paired runs', () => {
    expect(verdict(null, 'X')).toMatch(/nothing to compare/);
    expect(verdict({ mean: 0.1, ci95: [0.1, 0.1], n: 1 }, 'X')).toMatch(/one seed gives no interval/);
    expect(verdict({ mean: -3, ci95: [-5, -1], n: 4 }, 'Steps', { better: 'lower', digits: 1 })).toMatch(/InfoPO is ahead of GRPO/);
  });

  it('sums exact IG per dialogue for the correlation', () => {
    const c = igSuccessClusters([trace(1, [0.5, 0.25], [true, false])]);
    expect(c).toEqual([[{ x: 0.5, y: 1 }, { x: 0.25, y: 0 }]]);
    const tied = tiedGroupSignal([trace(1, [0.5, 0.25], [true, false], -0.3), { ...trace(2, [0, 0], [true, false], 1), outcome_std: 0.5 }]);
    expect(tied).toEqual({ groups: 1, tokens: 4, nonzero: 2, absSum: 0.6 });
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
    const res = analyse(SEEDS.flatMap((s) => [synthRun('infopo', s, 0.1), synthRun('grpo', s, 0.1)]), { profile: 'x', personas: ['cooperative'], resamples: 50, curveResamples: 10 });
    for (const key of Object.keys(res)) expect(doc, key).toContain(`\`${key}\``);
    const t = res.tasks.smoke as Record<string, unknown>;
    for (const key of Object.keys(t).filter((k) => !res.methods.includes(k) && !['preset', 'methods', 'seeds', 'test_episodes', 'format'].includes(k))) expect(doc, key).toContain(`\`${key}\``);
    for (const key of Object.keys(methodResult(res.tasks.smoke, 'infopo')!)) expect(doc, key).toContain(`\`${key}\``);
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
