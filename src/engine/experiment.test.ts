import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, type Config } from './config';
import { experimentPlan, runExperiment, type ExperimentEvent } from './experiment';
import { specAdvantages } from './rl/advantage-spec';
import { Trainer } from './rl/trainer';
import { Policy } from './policy/model';
import { encodeLegacyCheckpoint } from './checkpoints/tfjs-checkpoint';
import { Rng } from './random';
import { METRIC_NAMES, METRICS_UNDEFINED_WHEN_EMPTY, parseRunRecord } from './run';
import type { WordTokenizer } from './text/tokenizer';
import { cpuWithTokenizer, testEnvironment } from './test-support';

let tokenizer: WordTokenizer;
const env = testEnvironment();

beforeAll(async () => {
  tokenizer = await cpuWithTokenizer();
});

const smoke = (overrides: Partial<Config> = {}) => configFromPresets(['smoke'], overrides);

async function run(config: Config) {
  const { record, trainer } = await runExperiment(config, tokenizer, env);
  trainer.dispose();
  return record;
}

describe('experiment (smoke preset, cpu backend)', () => {
  it('has the same fingerprint for the same config and seed, another for another seed', async () => {
    const a = await run(smoke());
    const b = await run(smoke());
    const c = await run(smoke({ seed: 2 }));
    expect(a.status).toBe('complete');
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('records what run.json promises: steps with metrics, traces with per-token advantages', async () => {
    const r = await run(smoke());
    expect(r.format).toBe('infopo-sandbox/run@1');
    expect(r.steps.map((s) => s.step)).toEqual([1, 2, 3]);
    for (const s of r.steps) {
      // The typed list of metric names is exactly what the trainer reports, each a finite number.
      expect(Object.keys(s.metrics).sort()).toEqual([...METRIC_NAMES].sort());
      for (const key of METRIC_NAMES) expect(Number.isFinite(s.metrics[key]) || (METRICS_UNDEFINED_WHEN_EMPTY.has(key) && Number.isNaN(s.metrics[key])), key).toBe(true);
    }
    // The one reader accepts the record as written and gives it back unchanged.
    expect(parseRunRecord(JSON.stringify(r))).toEqual(r);
    expect(r.traces.length).toBe(3 * r.config.promptsPerStep);
    for (const g of r.traces) {
      expect(g.rollouts.length).toBe(r.config.groupSize);
      for (const ro of g.rollouts) for (const t of ro.turns) expect(t.advantages.length).toBe(t.action_tokens.length);
      const last = g.rollouts.map((ro) => ro.turns[ro.turns.length - 1]);
      for (const t of last) expect(t.info_gain).toBeNull();
    }
    expect(r.evaluations.length).toBe(2);
  });

  it('traces advantages that follow docs/infopo.md from the traced outcomes and IG values', async () => {
    for (const overrides of [{}, { infoGainEstimator: 'exact' as const, seed: 3 }]) {
      const config = smoke({ ...overrides, groupSize: 4, promptsPerStep: 3 });
      const r = await run(config);
      for (let step = 1; step <= config.steps; step++) {
        const traces = r.traces.filter((g) => g.step === step);
        const want = specAdvantages(traces, config, step - 1).advantages;
        traces.forEach((g, gi) => g.rollouts.forEach((ro, i) => ro.turns.forEach((t, ti) => t.advantages.forEach((a, k) => expect(a).toBeCloseTo(want[gi][i][ti][k], 6)))));
      }
    }
  });

  it('keeps tf.memory().numTensors flat across training steps, for every method', async () => {
    for (const method of ['infopo', 'grpo', 'rloo', 'reinforce', 'starpo'] as const) {
      const trainer = new Trainer(smoke({ method, klCoef: method === 'grpo' ? 0.1 : 0 }), tokenizer);
      await trainer.warmStart();
      await trainer.step();
      const after1 = tf.memory().numTensors;
      await trainer.step({ trace: true });
      await trainer.step();
      expect(tf.memory().numTensors, method).toBe(after1);
      trainer.dispose();
    }
  });

  it('stops between steps when asked', async () => {
    let steps = 0;
    const { record, trainer } = await runExperiment(smoke({ steps: 5 }), tokenizer, env, { onEvent: (e) => void (e.type === 'step' && steps++), shouldStop: () => steps >= 2 });
    trainer.dispose();
    expect(record.status).toBe('stopped');
    expect(record.steps.length).toBe(2);
  });

  it('init=pretrained starts from the host-provided checkpoint, and says clearly when its shape does not fit', async () => {
    const shape = { vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 96 };
    const source = new Policy(shape, new Rng(77));
    const files = await encodeLegacyCheckpoint(source);
    const config = smoke({ init: 'pretrained', sftSteps: 0, steps: 0, evalEpisodes: 0 });
    const { trainer } = await runExperiment(config, tokenizer, env, {}, { loadPretrained: async () => files });
    expect(trainer.policy.get('head').arraySync()).toEqual(source.get('head').arraySync());
    trainer.dispose();
    await expect(runExperiment({ ...config, dModel: 32 }, tokenizer, env, {}, { loadPretrained: async () => files })).rejects.toThrow(/init=pretrained: the checkpoint's model has dModel 16.*this run's has dModel 32/);
    await expect(runExperiment(config, tokenizer, env)).rejects.toThrow(/init=pretrained: this host provides no checkpoints/);
    source.dispose();
  });

  it('the shipped warm-start checkpoint (models/infopo-warm) fits the quick preset and the shipped tokenizer', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = resolve(import.meta.dirname, '../../models/infopo-warm');
    // The folder's files (onnx/ is a subfolder the loaders do not read).
    const files = Object.fromEntries(readdirSync(dir, { withFileTypes: true }).filter((f) => f.isFile()).map((f) => [f.name, new Uint8Array(readFileSync(resolve(dir, f.name)))]));
    const config = configFromPresets(['quick'], { steps: 0, evalEpisodes: 0 });
    expect(config.init).toBe('pretrained');
    const { trainer } = await runExperiment(config, tokenizer, env, {}, { loadPretrained: async () => files });
    expect(trainer.policy.shape.vocabSize).toBe(tokenizer.vocabSize);
    trainer.dispose();
  });
});

describe('phases announced by the engine', () => {
  it('plans every phase with its count, mid-run evaluations splitting the RL steps', () => {
    const plan = experimentPlan(configFromPresets(['smoke'], { init: 'pretrained', steps: 5, evalEvery: 2, sftSteps: 3, evalEpisodes: 4 }));
    expect(plan.map((p) => [p.id, p.units, p.fromStep ?? null, p.toStep ?? null])).toEqual([
      ['loading-checkpoint', 1, null, null],
      ['warm-start', 3, null, null],
      ['evaluation', 4, 0, 0],
      ['rl', 2, 1, 2],
      ['evaluation', 4, 2, 2],
      ['rl', 2, 3, 4],
      ['evaluation', 4, 4, 4],
      ['rl', 1, 5, 5],
      ['final-evaluation', 4, 5, 5],
    ]);
    expect(plan[5].label).toBe('RL steps 3-4');
    expect(experimentPlan(configFromPresets(['smoke'], { evalEpisodes: 0, sftSteps: 0, steps: 2 })).map((p) => p.id)).toEqual(['rl']);
  });

  it('emits the plan, then each phase in order before its work, with the events of that phase inside it', async () => {
    const events: ExperimentEvent[] = [];
    const config = smoke({ steps: 3, evalEvery: 2 });
    const { trainer } = await runExperiment(config, tokenizer, env, { onEvent: (e) => void events.push(e) });
    trainer.dispose();
    expect(events[0].type).toBe('plan');
    const plan = (events[0] as Extract<ExperimentEvent, { type: 'plan' }>).phases;
    const phases = events.filter((e): e is Extract<ExperimentEvent, { type: 'phase' }> => e.type === 'phase');
    expect(phases.map((p) => p.index)).toEqual(plan.map((_, i) => i));
    expect(phases.map((p) => p.phase)).toEqual(plan);
    // Every warm-start/step/evaluation event belongs to the phase announced last.
    let current: string | null = null;
    for (const e of events) {
      if (e.type === 'phase') current = e.phase.id;
      if (e.type === 'warm-start') expect(current).toBe('warm-start');
      if (e.type === 'step') expect(current).toBe('rl');
      if (e.type === 'evaluation') expect(current === 'evaluation' || current === 'final-evaluation').toBe(true);
    }
    expect(phases.at(-1)!.phase.id).toBe('final-evaluation');
  });
});
