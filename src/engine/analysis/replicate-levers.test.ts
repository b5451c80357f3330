import { describe, expect, it } from 'vitest';
import { analyse } from './replicate-analysis';
import { compareLevers, renderLevers } from './replicate-levers';
import { syntheticRun } from '../test-support';

const SEEDS = [1001, 1002, 1003, 1004, 1005];
const replication = (methods: string[], gain: (m: string) => number) => analyse(SEEDS.flatMap((s) => methods.map((m) => syntheticRun(m, s, gain(m)))), { profile: 'test', personas: [], resamples: 500, curveResamples: 10 });

describe('lever comparison', () => {
  it('pairs a lever with the base by seed, against its own method first and then every other method of the base', () => {
    const base = replication(['infopo', 'grpo'], (m) => (m === 'infopo' ? 0.1 : 0.05));
    const lever = replication(['infopo'], () => 0.15);
    const c = compareLevers({ name: 'replicate-quick', results: base }, [{ name: 'lever-groupSize-8', results: lever }], 'smoke', 'infopo');
    expect(c.against).toEqual(['infopo', 'grpo']);
    expect(c.rows.map((r) => r.lever)).toEqual([null, 'groupSize-8']);
    // Final success rises by `gain` over the run; seeds share their offset, and InfoPO's jitter is the same in both replications.
    expect(c.rows[1].minus[0]!.mean).toBeCloseTo(0.05, 12);
    expect(c.rows[1].minus[0]!.ci95).toEqual([expect.closeTo(0.05, 12), expect.closeTo(0.05, 12)]);
    expect(c.rows[1].minus[1]!.mean).toBeCloseTo(0.1 + 0.004 / 5, 12);
    expect(c.rows[0].minus[0]).toBeNull();
    expect(c.rows[0].minus[1]!.mean).toBeCloseTo(0.05 + 0.004 / 5, 12);
    const table = renderLevers(c).split('\n');
    expect(table[0]).toBe('| smoke, infopo | final test success | minus infopo of replicate-quick [95% CI] | minus grpo of replicate-quick [95% CI] | seeds |');
    expect(table[2]).toMatch(/^\| \(no lever\) \| 0\.\d{3} \|  \| \+0\.051 \[0\.\d{3}, 0\.\d{3}\] \| 5 \|$/);
    expect(table[3]).toMatch(/^\| groupSize-8 \| 0\.\d{3} \| \+0\.050 \[0\.050, 0\.050\] \| \+0\.101 \[0\.\d{3}, 0\.\d{3}\] \| 5 \|$/);
  });

  it('names the replication that lacks the task or method', () => {
    const base = replication(['infopo', 'grpo'], () => 0.1);
    expect(() => compareLevers({ name: 'base', results: base }, [{ name: 'lever-x', results: replication(['grpo'], () => 0.1) }], 'smoke', 'infopo')).toThrow(/^lever-x: no smoke \/ infopo in its results\.json \(tasks: smoke; methods: grpo\)$/);
    expect(() => compareLevers({ name: 'base', results: base }, [], 'paper-20q', 'infopo')).toThrow(/^base: no paper-20q \/ infopo/);
  });
});
