/**
 * End-to-end check of the traced advantages where every term of docs/infopo.md §4 is live: spread
 * outcomes (A_out != 0, gates other than 0.5) and a batch cap s < 1. Starts from the shipped
 * warm-start checkpoint on intent (step rewards spread the returns) with its output head scaled by
 * K and sampled at temperature K/2: rollouts stay varied while the log-ratios of the information
 * gain grow ~K-fold, so with raw (not z-scored) intrinsic rewards std(A_int) exceeds 1 and the cap
 * binds. wasm backend: the 64-wide model runs ~10x faster there than on cpu.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, type Config } from './config';
import { policyFromFiles, type CheckpointFiles } from './checkpoints/hf-checkpoint';
import { runExperiment } from './experiment';
import { encodeLegacyCheckpoint } from './checkpoints/tfjs-checkpoint';
import { specAdvantages } from './rl/advantage-spec';
import type { EnvironmentInfo } from './run';
import { loadTokenizer, type WordTokenizer } from './text/tokenizer';

/** Every file of a checkpoint folder (the shipped warm start), as the engine's loaders take them. */
const folderFiles = (dir: string) => Object.fromEntries(readdirSync(dir).filter((f) => statSync(resolve(dir, f)).isFile()).map((f) => [f, new Uint8Array(readFileSync(resolve(dir, f)))]));

let tokenizer: WordTokenizer;
const env: EnvironmentInfo = { backend: 'wasm', fallback_reason: null, adapter: null, runtime: 'vitest', versions: {}, started_at: '' };
const K = 20;
let sharpened: CheckpointFiles;

beforeAll(async () => {
  await tf.setBackend('wasm');
  tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../models') });
  const dir = resolve(import.meta.dirname, '../../models/infopo-warm');
  const { policy } = policyFromFiles(folderFiles(dir), tokenizer);
  const head = policy.get('head');
  head.assign(tf.mul(head, K));
  sharpened = await encodeLegacyCheckpoint(policy);
  policy.dispose();
});

describe('traced advantages with spread outcomes and a binding cap (wasm)', () => {
  it('match docs/infopo.md §3-§4 recomputed independently, gates and cap included', async () => {
    const config: Config = configFromPresets(['quick', 'ref-userrl'], { task: 'intent', steps: 2, promptsPerStep: 3, groupSize: 4, evalEpisodes: 0, traceEvery: 1, temperature: K / 2, miniBatches: 2, normalizeIntrinsic: false, betaDecay: 0.1 });
    const { record, trainer } = await runExperiment(config, tokenizer, env, {}, { loadPretrained: async () => sharpened });
    trainer.dispose();
    const caps: number[] = [];
    const gates: number[] = [];
    let outcomeTerms = 0;
    for (let step = 1; step <= config.steps; step++) {
      const traces = record.traces.filter((g) => g.step === step);
      expect(traces).toHaveLength(config.promptsPerStep);
      const spec = specAdvantages(traces, config, step - 1);
      traces.forEach((g, gi) => {
        expect(g.gate).toBeCloseTo(spec.gates[gi], 9);
        expect(g.cap).toBeCloseTo(spec.cap, 9);
        expect(g.beta).toBeCloseTo(spec.betaEffective, 12);
        g.rollouts.forEach((ro, i) => ro.turns.forEach((t, ti) => t.advantages.forEach((a, k) => expect(a).toBeCloseTo(spec.advantages[gi][i][ti][k], 6))));
        gates.push(g.gate);
        if (g.outcome_std > 0) outcomeTerms++;
      });
      caps.push(spec.cap);
    }
    // The regime this test exists for: every term live.
    expect(Math.min(...caps)).toBeLessThan(0.9);
    expect(gates.some((x) => Math.abs(x - 0.5) > 0.05)).toBe(true);
    expect(outcomeTerms).toBeGreaterThan(2);
    expect(record.traces[record.traces.length - 1].beta).toBeLessThan(config.beta);
    // Two PPO mini-batches: the second is scored by a moved policy, so the clip sees ratios != 1.
    expect(record.steps.some((s) => s.metrics.approx_kl > 0)).toBe(true);
  });
});
