import { describe, expect, it } from 'vitest';
import { analyseSpeed, budgetOf, planSpeedRuns, renderSpeedReport, speedRun, DEMO_CHECK_SEEDS, SPEED_SEEDS, SPEED_STUDIES, VISIBLE_RISE, type SpeedRunResult } from './learning-speed';
import { isReusable, REPORT_SEEDS } from './replicate-profiles';
import { newRunRecord, type RunRecord } from '../run';
import { testEnvironment } from '../test-support';

describe('learning-speed plan', () => {
  it('gives every setting the same dialogue budget and evaluation points', () => {
    const study = SPEED_STUDIES.demo;
    const plan = planSpeedRuns(study);
    const perSetting = study.settings.map((s) => (s.methods ?? study.methods).length * study.seeds.length);
    expect(plan.length).toBe(perSetting.reduce((a, b) => a + b, 0));
    for (const run of plan) {
      expect(run.config.steps * run.config.promptsPerStep * run.config.groupSize).toBe(study.dialogues);
      expect(run.config.steps / run.config.evalEvery).toBe(study.evaluations);
      expect(run.config.evalEpisodes).toBeGreaterThanOrEqual(256);
      expect(run.dir).toBe(`runs/${run.setting}/${run.method}-${run.seed}`);
    }
    // The exact estimator only changes InfoPO.
    expect(plan.filter((r) => r.setting === 'ig-exact').every((r) => r.method === 'infopo')).toBe(true);
    expect(plan.find((r) => r.setting === 'prompts-16')!.config.steps).toBe(24);
    expect(() => planSpeedRuns(study, { settings: ['nope'] })).toThrow(/unknown setting/);
  });
  it('refuses a budget that is not a whole number of steps or evaluations', () => {
    expect(budgetOf({ dialogues: 1920, evaluations: 8 }, { promptsPerStep: 8, groupSize: 5 })).toEqual({ steps: 48, evalEvery: 6 });
    expect(() => budgetOf({ dialogues: 1900, evaluations: 8 }, { promptsPerStep: 8, groupSize: 5 })).toThrow(/whole number of steps/);
    expect(() => budgetOf({ dialogues: 1920, evaluations: 7 }, { promptsPerStep: 8, groupSize: 5 })).toThrow(/evaluations/);
  });
  it('keeps its seeds apart from the report seeds and the demo check seeds (never tune on what you report)', () => {
    const all = [...SPEED_SEEDS, ...DEMO_CHECK_SEEDS, ...REPORT_SEEDS];
    expect(new Set(all).size).toBe(all.length);
  });
});

/** A finished record with test success `curve` at steps 0, 10, 20 and 100 ms per step. */
function record(plan: ReturnType<typeof planSpeedRuns>[number], curve: number[]): RunRecord {
  const r = newRunRecord({ config: plan.config, environment: testEnvironment('wasm'), status: 'complete' });
  const step = (s: number) => ({ step: s, metrics: { step_ms: 100, invalid_action_fraction: 0.01 } as never });
  r.steps = Array.from({ length: 20 }, (_, i) => step(i + 1));
  r.evaluations = curve.map((success, i) => ({ step: i * 10, split: 'test', persona: 'cooperative', success, return: success, turns: 3, episodes: 256, per_task: {} }));
  return r;
}

describe('learning-speed analysis', () => {
  const study = { ...SPEED_STUDIES.smoke, seeds: [1, 2, 3] };
  const plan = planSpeedRuns(study);
  const run = (setting: string, method: 'infopo' | 'grpo', seed: number, curve: number[]): SpeedRunResult => speedRun({ setting, method, seed }, record(plan.find((p) => p.setting === setting && p.method === method && p.seed === seed)!, curve));
  it('puts each evaluation at its dialogues and training seconds, and interpolates the time to the visible rise', () => {
    const r = run('base', 'infopo', 1, [0.2, 0.3, 0.6]);
    const perStep = plan[0].config.promptsPerStep * plan[0].config.groupSize;
    expect(r.points.map((p) => [p.dialogues, p.seconds])).toEqual([[0, 0], [10 * perStep, 1], [20 * perStep, 2]]);
    expect(r.area).toBeCloseTo((0.25 + 0.45) / 2, 12);
    expect(r.rise).toBeCloseTo(0.4, 12);
    // +0.20 over 0.2 is 0.4: a third of the way from 0.3 (step 10) to 0.6 (step 20).
    expect(r.toRise!.seconds).toBeCloseTo(1 + 1 / 3, 9);
    expect(r.toRise!.dialogues).toBeCloseTo((10 + 10 / 3) * perStep, 9);
    expect(r.dialoguesPerSecond).toBeCloseTo((20 * perStep) / 2, 9);
    expect(run('base', 'infopo', 1, [0.2, 0.25, 0.35]).toRise).toBeNull();
    expect(VISIBLE_RISE).toBe(0.2);
  });
  it('pairs settings with the base and InfoPO with GRPO by seed', () => {
    const runs = [1, 2, 3].flatMap((seed) => [
      run('base', 'infopo', seed, [0.2, 0.5, 0.8]),
      run('base', 'grpo', seed, [0.2, 0.4, 0.7]),
      run('lr-1e-3', 'infopo', seed, [0.2, 0.3 + seed * 0.01, 0.5]),
      run('lr-1e-3', 'grpo', seed, [0.2, 0.4, 0.7]),
    ]);
    const res = analyseSpeed(study, runs, { study: 'smoke', command: 'test', testEpisodes: 256, missing: [], resamples: 500 });
    const cell = res.cells.find((c) => c.setting === 'lr-1e-3' && c.method === 'infopo')!;
    expect(cell.vsBase!.n).toBe(3);
    expect(cell.vsBase!.mean).toBeLessThan(0);
    expect(cell.vsBase!.ci95[1]).toBeLessThan(0);
    const gap = res.methodGap.find((g) => g.setting === 'base')!;
    expect(gap.difference.mean).toBeCloseTo((0.35 + 0.65) / 2 - (0.3 + 0.55) / 2, 12);
    expect(Object.keys(gap.difference.per_seed)).toEqual(['1', '2', '3']);
    const md = renderSpeedReport(res);
    expect(md).toContain('| lr 1e-3 | infopo |');
    expect(md).toContain('**slower**');
  });
  it('reuses a finished run only when its config is the planned one (the replication\'s rule)', () => {
    const p = plan[0];
    expect(isReusable(p, record(p, [0.1, 0.2, 0.3]))).toBe(true);
    expect(isReusable(p, { ...record(p, [0.1]), config: { ...p.config, lr: 0.5 } })).toBe(false);
    expect(isReusable(p, { ...record(p, [0.1]), status: 'stopped' })).toBe(false);
    expect(isReusable(p, null)).toBe(false);
  });
});
