import { describe, expect, it } from 'vitest';
import { configFromPresets, diffFromDefaults } from '../engine';
import { overlay, raceConfigs, sameInstances, type ComparedRun } from './compare';

const run = (id: number, label: string, success: number[], from = 1): ComparedRun => ({
  id,
  label,
  config: configFromPresets(['smoke']),
  steps: success.map((v, i) => ({ step: from + i, metrics: { success: v, zero_std_fraction: 1 - v } })),
  evaluations: [{ step: 0, split: 'test', persona: 'cooperative', episodes: 4, success: 0.25, return: 0, turns: 1, per_task: {} }],
});

describe('race configs', () => {
  it('differ only in the method, so both see the same seed and instances', () => {
    const config = configFromPresets(['demo'], { seed: 7 });
    const { infopo, grpo } = raceConfigs(config);
    expect(infopo.method).toBe('infopo');
    expect(grpo.method).toBe('grpo');
    expect({ ...grpo, method: 'infopo' }).toEqual(infopo);
    expect(diffFromDefaults(grpo).seed).toBe(7);
  });
});

describe('overlay', () => {
  it('puts every run on the union of steps, with gaps where a run has no step', () => {
    const o = overlay([run(1, 'InfoPO', [0, 0.5, 1]), run(2, 'GRPO', [0.5])], 'success');
    expect(o.x).toEqual([1, 2, 3]);
    expect(o.series.map((s) => [s.label, s.values])).toEqual([
      ['InfoPO', [0, 0.5, 1]],
      ['GRPO', [0.5, null, null]],
    ]);
    expect(o.series[0].color).not.toBe(o.series[1].color);
  });

  it('adds each run\'s test evaluations as points at their step (step 0 included)', () => {
    const o = overlay([run(1, 'A', [1, 1])], 'success', { evaluations: true });
    expect(o.x).toEqual([0, 1, 2]);
    expect(o.series[1]).toMatchObject({ label: 'A test', points: true, values: [0.25, null, null] });
  });

  it('smooths with a trailing mean, keeping gaps', () => {
    expect(overlay([run(1, 'A', [1, 0])], 'success', { smooth: 2 }).series[0].values).toEqual([1, 0.5]);
    expect(overlay([run(1, 'A', [0, 1, 1])], 'success', { smooth: 3 }).series[0].values).toEqual([0, 0.5, 2 / 3]);
  });
});

describe('sameInstances', () => {
  const tr = (step: number, group: number, instance: string) => ({ step, group, instance });
  it('compares the traced groups of steps both runs traced', () => {
    expect(sameInstances({ traces: [tr(1, 0, 'a'), tr(1, 1, 'b'), tr(2, 0, 'c')] }, { traces: [tr(1, 0, 'a'), tr(1, 1, 'b')] })).toBe(true);
    expect(sameInstances({ traces: [tr(1, 0, 'a'), tr(1, 1, 'x')] }, { traces: [tr(1, 0, 'a'), tr(1, 1, 'b')] })).toBe(false);
    expect(sameInstances({ traces: [tr(2, 0, 'a')] }, { traces: [tr(1, 0, 'a')] })).toBeNull();
  });
});
