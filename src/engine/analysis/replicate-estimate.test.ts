import { describe, expect, it } from 'vitest';
import { configFromPresets } from '../config';
import { DEFAULT_COSTS, estimateRun, evaluationCount, scheduleMs } from './replicate-estimate';
import { planRuns, PROFILES } from './replicate-profiles';

describe('time estimate', () => {
  it('counts the evaluations of a run: before RL, every evalEvery steps, and at the end', () => {
    const c = configFromPresets(['smoke'], { steps: 10, evalEvery: 5 });
    expect(evaluationCount(c)).toBe(3); // 0, 5, 10
    expect(evaluationCount({ ...c, evalEvery: 3 })).toBe(5); // 0, 3, 6, 9, 10
    expect(evaluationCount({ ...c, evalEvery: 0 })).toBe(2);
    expect(evaluationCount({ ...c, evalEpisodes: 0 })).toBe(0);
  });

  it('schedules the longest runs first onto the workers', () => {
    expect(scheduleMs([5, 4, 3, 3, 1], 2)).toBe(8);
    expect(scheduleMs([5, 4, 3], 1)).toBe(12);
    expect(scheduleMs([], 2)).toBe(0);
  });

  it('estimates a run from the default costs, or from a measured step time', () => {
    const [r] = planRuns(PROFILES.quick, { methods: ['infopo'], seeds: [1001] });
    const d = estimateRun(r, 0);
    expect(d.source).toBe('default');
    const perStep = DEFAULT_COSTS.msPerRollout.infopo * r.config.promptsPerStep * r.config.groupSize;
    const evalMs = evaluationCount(r.config) * r.config.evalEpisodes * DEFAULT_COSTS.msPerEvalEpisode;
    expect(d.ms).toBeCloseTo(DEFAULT_COSTS.msStartup + r.config.steps * perStep + r.config.sftSteps * DEFAULT_COSTS.msPerSftStep + evalMs, 6);
    const m = estimateRun(r, 0, DEFAULT_COSTS, { [r.task]: { infopo: 10 } });
    expect(m.source).toBe('measured');
    expect(d.ms - m.ms).toBeCloseTo(r.config.steps * (perStep - 10), 6);
    // Persona evaluations add a start-up and one evaluation per persona.
    expect(estimateRun(r, 2).ms - d.ms).toBeCloseTo(DEFAULT_COSTS.msStartup + 2 * r.config.evalEpisodes * DEFAULT_COSTS.msPerEvalEpisode, 6);
  });
});
