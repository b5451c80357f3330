import { describe, expect, it } from 'vitest';
import { configFromPresets, PRESETS } from '../config';
import { isReusable, planRuns, PROFILES } from './replicate-profiles';

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
    // --set overrides come after the profile's, task overrides in between.
    const [o] = planRuns({ ...PROFILES.smoke, taskOverrides: { smoke: { steps: 4, lr: 0.01 } } }, { methods: ['grpo'], seeds: [7], overrides: { steps: 2 } });
    expect([o.config.steps, o.config.lr]).toEqual([2, 0.01]);
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
});
