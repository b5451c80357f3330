/** Set-up shared by the engine's tests (imported only by *.test.ts files). */
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import type { RunData } from './analysis/replicate-analysis';
import { configFromPresets, type Method } from './config';
import type { EnvironmentInfo, GroupTrace } from './run';
import { loadTokenizer, type WordTokenizer } from './text/tokenizer';

/** The environment block a test run records. */
export const testEnvironment = (backend: string = 'cpu'): EnvironmentInfo => ({ backend, fallback_reason: null, adapter: null, runtime: 'vitest', versions: {}, started_at: '' });

/** The project's shipped tokenizer. */
export const shippedTokenizer = (): Promise<WordTokenizer> => loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../models') });

/** The cpu backend and the shipped tokenizer, for a beforeAll. */
export async function cpuWithTokenizer(): Promise<WordTokenizer> {
  await tf.setBackend('cpu');
  return shippedTokenizer();
}

/** A traced group of one-turn dialogues, tied (outcome std 0): each action's first token gets `advantage`. */
export function syntheticTrace(step: number, ig: number[], success: boolean[], advantage = 0): GroupTrace {
  return {
    step, group: 0, task: '20q', instance: 'x', gate: 0.5, outcome_mean: 0, outcome_std: 0, cap: 1, beta: 0.5, kept: true,
    rollouts: ig.map((g, i) => ({ outcome: success[i] ? 1 : 0, success: success[i], end_reason: 'done', turns: [{ action: 'a', feedback: 'b', role: 'user' as const, action_tokens: ['a', '<eot>'], info_gain: g, info_gain_exact: g, step_reward: 0, valid: true, advantages: [advantage, 0] }] })),
  };
}

/** Steps of the synthetic replication runs. */
export const SYNTHETIC_STEPS = 20;

/**
 * A finished replication run of the smoke preset whose success rises linearly from `start` by
 * `gain` over SYNTHETIC_STEPS, with an offset that depends on the seed only (so two methods of a
 * seed are paired) and, for InfoPO, a final jitter of ±0.004 by the seed's parity.
 */
export function syntheticRun(method: string, seed: number, gain: number, opts: { start?: number; stepMs?: number; personaDrop?: number } = {}): RunData {
  const start = opts.start ?? 0.3;
  const offset = ((seed * 37) % 7) / 200;
  const jitter = method === 'infopo' ? (seed % 2 ? 0.004 : -0.004) : 0;
  const at = (step: number) => start + offset + (gain * step) / SYNTHETIC_STEPS + (step === SYNTHETIC_STEPS ? jitter : 0);
  const config = configFromPresets(['smoke'], { method: method as Method, seed, steps: SYNTHETIC_STEPS, evalEvery: 5, evalEpisodes: 256 });
  const steps = Array.from({ length: SYNTHETIC_STEPS }, (_, i) => ({ step: i + 1, metrics: { success: at(i + 1), zero_std_fraction: 0.8 - (0.3 * i) / SYNTHETIC_STEPS, gate_mean: 0.4, step_ms: method === 'infopo' ? (opts.stepMs ?? 150) + seed : 100 + seed } }));
  const evaluations = [0, 5, 10, 15, 20].map((step) => ({ step, split: 'test' as const, persona: 'cooperative', episodes: 256, success: at(step), return: at(step), turns: 3, per_task: {} }));
  // Traced groups are tied: InfoPO gives one of each action's two tokens an advantage, GRPO none.
  const traces = [1, 5, 10].map((s) => syntheticTrace(s, [0.1, 0.9, 0.2, 1.1], [false, true, false, true], method === 'infopo' ? 0.4 : 0));
  const drop = opts.personaDrop ?? 0.1;
  return { task: 'smoke', method, seed, record: { config, steps, evaluations, traces, status: 'complete' }, personas: { cooperative: { success: at(SYNTHETIC_STEPS), return: 0, turns: 3, episodes: 256 }, noisy: { success: at(SYNTHETIC_STEPS) - drop, return: 0, turns: 3, episodes: 256 } } };
}
