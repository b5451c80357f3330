import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, configFromPresets, METHODS, type ConfigInput } from './config';
import { encodeLegacyCheckpoint } from './checkpoints/tfjs-checkpoint';
import { loadFilesInto, policyFromFiles, type CheckpointFiles } from './checkpoints/hf-checkpoint';
import { METRICS_UNDEFINED_WHEN_EMPTY, VOLATILE_METRICS } from './run';
import { Trainer } from './rl/trainer';
import { TASK_IDS } from './tasks';
import { loadTokenizer, type WordTokenizer } from './text/tokenizer';

/** Every file of a checkpoint folder (the shipped warm start), as the engine's loaders take them. */
const folderFiles = (dir: string) => Object.fromEntries(readdirSync(dir).filter((f) => statSync(resolve(dir, f)).isFile()).map((f) => [f, new Uint8Array(readFileSync(resolve(dir, f)))]));

const UNDEFINED_WHEN_EMPTY: ReadonlySet<string> = METRICS_UNDEFINED_WHEN_EMPTY;

let tokenizer: WordTokenizer;
beforeAll(async () => {
  await tf.setBackend('wasm');
  tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../models') });
});

describe('every method on every task (wasm backend)', () => {
  for (const task of TASK_IDS) {
    it(`${task}: ${METHODS.join(', ')} train without NaN`, async () => {
      for (const method of METHODS) {
        const trainer = new Trainer(configFromPresets(['smoke'], { task, method, maxTurns: 3, maxContext: 128, klCoef: method === 'rloo' ? 0.05 : 0, infoGainEstimator: method === 'infopo' ? 'exact' : 'sampled' }), tokenizer);
        await trainer.warmStart();
        for (let s = 0; s < 2; s++) {
          const { metrics } = await trainer.step();
          for (const [k, v] of Object.entries(metrics)) expect(Number.isFinite(v) || (UNDEFINED_WHEN_EMPTY.has(k) && Number.isNaN(v)), `${task}/${method}/${k} = ${v}`).toBe(true);
        }
        for (const v of trainer.policy.variables) expect(tf.any(tf.isNaN(v)).dataSync()[0], `${task}/${method}/${v.name}`).toBe(0);
        trainer.dispose();
      }
    });
  }
});

/**
 * Every training knob changes what training does. The base regime makes every term live (as in
 * experiment-trace.test.ts): the shipped warm start with its head scaled by 20 and sampled at
 * temperature 10 (varied rollouts, large information gains), raw intrinsic rewards (the cap binds),
 * two PPO mini-batches (the clip is active), intent (step rewards spread the returns). Each variant
 * changes one knob (on a base fitted to it) and must change the weights after two steps.
 */
describe('every knob changes the result (wasm)', () => {
  const K = 20;
  let sharpened: CheckpointFiles;
  beforeAll(async () => {
    const dir = resolve(import.meta.dirname, '../../models/infopo-warm');
    const { policy } = policyFromFiles(folderFiles(dir), tokenizer);
    policy.get('head').assign(tf.mul(policy.get('head'), K));
    sharpened = await encodeLegacyCheckpoint(policy);
    policy.dispose();
  });
  const BASE: ConfigInput = { task: 'intent', init: 'pretrained', sftSteps: 0, promptsPerStep: 2, groupSize: 4, temperature: K / 2, normalizeIntrinsic: false, miniBatches: 2, beta: 0.5, gateTemperature: 0.5, evalEpisodes: 0 };

  /** Weights after two steps, and every step metric that is not a timing. */
  async function train(overrides: ConfigInput): Promise<{ weights: Float32Array; metrics: Record<string, number>[] }> {
    const trainer = new Trainer(configFromPresets(['quick'], { ...BASE, ...overrides }), tokenizer);
    loadFilesInto(trainer.policy, sharpened);
    await trainer.warmStart();
    const metrics: Record<string, number>[] = [];
    for (let s = 0; s < 2; s++) {
      const m = (await trainer.step()).metrics;
      for (const [k, v] of Object.entries(m)) expect(Number.isFinite(v) || (UNDEFINED_WHEN_EMPTY.has(k) && Number.isNaN(v)), `${JSON.stringify(overrides)}: ${k} = ${v}`).toBe(true);
      metrics.push(Object.fromEntries(Object.entries(m).filter(([k]) => !VOLATILE_METRICS.has(k))));
    }
    const weights = Float32Array.from(trainer.policy.variables.flatMap((v) => Array.from(v.dataSync() as Float32Array)));
    trainer.dispose();
    return { weights, metrics };
  }

  const cache = new Map<string, Promise<Awaited<ReturnType<typeof train>>>>();
  const trained = (o: ConfigInput) => {
    const key = JSON.stringify(o);
    if (!cache.has(key)) cache.set(key, train(o));
    return cache.get(key)!;
  };
  const sameWeights = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => x === b[i]);

  // [the knob's own base, the change]: a knob acts only where its base lets it.
  const variants: [ConfigInput, ConfigInput][] = [
    ...METHODS.filter((m) => m !== 'infopo').map((method): [ConfigInput, ConfigInput] => [{}, { method }]),
    [{}, { lossAgg: 'seq-mean-token-mean' }],
    [{}, { lossAgg: 'seq-mean-token-sum-norm' }],
    [{}, { outcomeScaling: 'batch' }],
    [{}, { outcomeScaling: 'none' }],
    [{}, { ppoEpochs: 2 }],
    [{}, { miniBatches: 1 }],
    [{}, { epsLow: 0.001 }],
    [{}, { epsHigh: 0.001 }],
    [{ epsLow: 0.01 }, { dualClip: 1.01 }],
    [{}, { entropyCoef: 0.1 }],
    [{}, { klCoef: 0.5 }],
    [{ klCoef: 0.5 }, { klEstimator: 'k1' }],
    [{ method: 'starpo' }, { keepFraction: 1 }],
    [{}, { beta: 2 }],
    [{}, { betaDecay: 1 }],
    [{}, { gateTemperature: 0.05 }],
    [{}, { normalizeIntrinsic: true }],
    [{}, { intrinsicOnly: true }],
    [{}, { capIntrinsic: false }],
    [{}, { infoGainEstimator: 'exact' }],
    [{}, { placeholder: 'no .' }],
    [{}, { placeholderMode: 'replace' }],
    [{}, { lr: 1e-3 }],
    [{}, { warmupSteps: 5 }],
    [{}, { lrSchedule: 'cosine' }],
    [{}, { lrSchedule: 'linear' }],
    [{}, { adamBeta1: 0.5 }],
    [{}, { adamBeta2: 0.9 }],
    [{}, { weightDecay: 0.5 }],
    [{}, { gradClip: 0.01 }],
    [{}, { temperature: 5 }],
    [{}, { topK: 1 }],
    [{}, { topP: 0.5 }],
    [{}, { seed: 2 }],
    [{}, { groupSize: 3 }],
    [{}, { promptsPerStep: 3 }],
    [{}, { maxTurns: 2 }],
    [{}, { maxActionTokens: 4 }],
    [{}, { persona: 'noisy' }],
    [{ persona: 'noisy' }, { noise: 0.6 }],
    [{ task: '20q' }, { wrongGuess: 'turn' }],
    [{ task: '20q' }, { kinds: 1 }],
    [{ task: 'travel' }, { implicitRate: 0.9 }],
    [{ task: 'intent' }, { intentMissing: '3' }],
    [{}, { reward: 'success' }],
    [{}, { task: 'intent,code' }],
  ];
  for (const [base, change] of variants) {
    it(`${JSON.stringify(change)}${Object.keys(base).length ? ` (on ${JSON.stringify(base)})` : ''}`, async () => {
      const [a, b] = [await trained(base), await trained({ ...base, ...change })];
      expect(sameWeights(a.weights, b.weights)).toBe(false);
    });
  }

  it('prefixReuse and divergenceImpl change how, not what: same result within float rounding', async () => {
    const a = await trained({});
    for (const change of [{ prefixReuse: false }, { divergenceImpl: 'ops' as const }]) {
      const b = await trained(change);
      a.metrics.forEach((m, s) => {
        for (const k of ['success', 'return', 'info_gain_mean', 'info_gain_exact_mean', 'cap', 'gate_mean']) expect(b.metrics[s][k], `${JSON.stringify(change)} step ${s + 1} ${k}`).toBeCloseTo(m[k], 4);
      });
    }
  });

  it('covers every knob of the schema that acts on training', () => {
    const covered = new Set([...variants.flatMap(([base, change]) => [...Object.keys(base), ...Object.keys(change)]), 'prefixReuse', 'divergenceImpl']);
    // Not varied here: run length, tracing, evaluation, the model's shape (fixed by the checkpoint; maxContext sizes its
    // position table), the warm start's own knobs
    // (demoSlip, demoSlipByArea: src/engine/tasks/demonstrators.test.ts; demoNonAnswer: src/engine/rl/scripted.test.ts), the decoding of
    // test episodes (evalTemperature), who words the users' replies (userModel, evalUserModel: src/engine/user-lm/run.test.ts).
    const elsewhere = ['userModel', 'evalUserModel', 'steps', 'traceEvery', 'evalEvery', 'evalEpisodes', 'evalSeed', 'evalPersona', 'dModel', 'nLayers', 'nHeads', 'maxContext', 'init', 'sftSteps', 'sftBatch', 'sftLr', 'demoSlip', 'demoSlipByArea', 'demoNonAnswer', 'evalTemperature'];
    expect(CONFIG_KEYS.filter((k) => !covered.has(k) && !elsewhere.includes(k))).toEqual([]);
  });
});
