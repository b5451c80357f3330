import { describe, expect, it } from 'vitest';
import { configFromPresets, DEFAULT_CONFIG, experimentPlan } from '../engine';
import { fractionDone, modelUnitMs, recentStepMs, remaining, remainingMs, type ProgressInput } from './progress';

// demo-like: checkpoint, eval (32 episodes), RL 1-10, eval, RL 11-20, eval, RL 21-30, final eval.
const plan = experimentPlan(configFromPresets([], { init: 'pretrained', sftSteps: 0, steps: 30, evalEvery: 10, evalEpisodes: 32 }));

describe('progress over every phase', () => {
  it('has no ETA until every kind of work ahead is timed, then sums remaining units x time per unit', () => {
    const base: ProgressInput = { plan, index: 1, done: 0, phaseElapsedMs: 500, perUnitMs: { 'loading-checkpoint': 200, evaluation: 50 } };
    expect(plan.map((p) => p.id)).toEqual(['loading-checkpoint', 'evaluation', 'rl', 'evaluation', 'rl', 'evaluation', 'rl', 'final-evaluation']);
    expect(remainingMs(base)).toBeNull();
    // In RL step 4 of 30 at 1 s a step, evaluations 32 episodes x 50 ms.
    const rl: ProgressInput = { ...base, index: 2, done: 4, perUnitMs: { ...base.perUnitMs, rl: 1000 } };
    expect(remainingMs(rl)).toBe(6 * 1000 + 1600 + 10_000 + 1600 + 10_000 + 1600);
    // An evaluation counts down by its elapsed time and never below zero.
    expect(remainingMs({ ...rl, index: 7, done: 0, phaseElapsedMs: 600 })).toBe(1000);
    expect(remainingMs({ ...rl, index: 7, done: 0, phaseElapsedMs: 5000 })).toBe(0);
  });

  it('fraction: by time when the ETA is known, else by phases; never above 1', () => {
    const p: ProgressInput = { plan, index: 2, done: 5, phaseElapsedMs: 0, perUnitMs: {} };
    expect(fractionDone(p, 10_000)).toBeCloseTo((2 + 0.5) / 8);
    const timed: ProgressInput = { ...p, perUnitMs: { 'loading-checkpoint': 100, evaluation: 10, rl: 100 } };
    const left = remainingMs(timed)!;
    expect(fractionDone(timed, 3000)).toBeCloseTo(3000 / (3000 + left));
    expect(fractionDone({ ...timed, index: 7, phaseElapsedMs: 1e6 }, 1e6)).toBe(1);
    expect(fractionDone({ ...p, index: -1 }, 0)).toBe(0);
  });

  it('step time from the last ten intervals', () => {
    expect(recentStepMs([])).toBeNull();
    expect(recentStepMs([5])).toBeNull();
    expect(recentStepMs([0, 100, 300])).toBe(150);
    expect(recentStepMs(Array.from({ length: 20 }, (_, i) => (i < 9 ? i * 1000 : 9000 + (i - 9) * 10)))).toBe(10);
  });

  it('before the first RL step (warm start, first evaluation) the whole run gets an ETA, marked estimated', () => {
    // The schema's defaults, what "reset all" used to leave: 150 warm-start steps from scratch, an evaluation, 60 RL steps, a final evaluation.
    const config = DEFAULT_CONFIG;
    const scratchPlan = experimentPlan(config);
    expect(scratchPlan.map((p) => p.id)).toEqual(['warm-start', 'evaluation', 'rl', 'final-evaluation']);
    const model = modelUnitMs(config);
    expect(model.rl).toBe(58 * config.promptsPerStep * config.groupSize);
    const warm: ProgressInput = { plan: scratchPlan, index: 0, done: 0, phaseElapsedMs: 0, perUnitMs: {}, modelMs: model };
    // Nothing timed yet: the model as measured on its own machine.
    const cold = remaining(warm)!;
    expect(cold.estimated).toBe(true);
    expect(cold.ms).toBeCloseTo(150 * model['warm-start']! + 32 * model.evaluation! + 60 * model.rl! + 32 * model.evaluation!, 6);
    // 30 warm-start steps in 9 s: this device runs 2.5x slower than the model's machine, so every untimed kind is scaled by 2.5.
    const paced = remaining({ ...warm, done: 30, phaseElapsedMs: 9000 })!;
    expect(paced.estimated).toBe(true);
    expect(paced.ms).toBeCloseTo(120 * 300 + 2.5 * (64 * model.evaluation! + 60 * model.rl!), 6);
    // In the first evaluation, with the warm start timed: still an overall ETA, counting down the evaluation by its elapsed time.
    const evaluating = remaining({ ...warm, index: 1, done: 0, phaseElapsedMs: 100, perUnitMs: { 'warm-start': 300 } })!;
    expect(evaluating.ms).toBeCloseTo(2.5 * (32 * model.evaluation! - 40 + 60 * model.rl! + 32 * model.evaluation!), 6);
    expect(evaluating.estimated).toBe(true);
    // Once RL and evaluations are timed here, the ETA is measured, not estimated.
    const measured = remaining({ ...warm, index: 2, done: 5, perUnitMs: { 'warm-start': 300, evaluation: 20, rl: 1000 } })!;
    expect(measured).toEqual({ ms: 55 * 1000 + 32 * 20, estimated: false });
    // Without a model (an older caller), the ETA waits for the timing, as before.
    expect(remaining({ ...warm, modelMs: undefined, index: 1, perUnitMs: { 'warm-start': 300 } })).toBeNull();
  });

  it('a mixture of tasks evaluates each task, and a loading checkpoint is timed, not modelled', () => {
    const mix = { ...DEFAULT_CONFIG, task: '20q,intent,travel' };
    expect(modelUnitMs(mix).evaluation).toBe(3 * modelUnitMs(DEFAULT_CONFIG).evaluation!);
    const demo = configFromPresets(['demo']);
    const demoPlan = experimentPlan(demo);
    const loading: ProgressInput = { plan: demoPlan, index: 0, done: 0, phaseElapsedMs: 50, perUnitMs: {}, modelMs: modelUnitMs(demo) };
    expect(remaining(loading)).toBeNull();
    expect(remaining({ ...loading, index: 1, perUnitMs: { 'loading-checkpoint': 400 } })?.estimated).toBe(true);
  });
});
