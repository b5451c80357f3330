import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, METHODS } from './config';
import { Trainer } from './rl/trainer';
import { TASK_IDS } from './tasks';
import { loadTokenizer, type WordTokenizer } from './text/tokenizer';

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
          for (const [k, v] of Object.entries(metrics)) expect(Number.isFinite(v), `${task}/${method}/${k} = ${v}`).toBe(true);
        }
        for (const v of trainer.policy.variables) expect(tf.any(tf.isNaN(v)).dataSync()[0], `${task}/${method}/${v.name}`).toBe(0);
        trainer.dispose();
      }
    });
  }
});

describe('knob variants train without NaN', () => {
  const variants = [
    { lossAgg: 'seq-mean-token-mean', ppoEpochs: 2, miniBatches: 2 },
    { lossAgg: 'seq-mean-token-sum-norm', outcomeScaling: 'batch', placeholderMode: 'replace', prefixReuse: false },
    { outcomeScaling: 'none', intrinsicOnly: true, normalizeIntrinsic: false, capIntrinsic: false, betaDecay: 0.1, warmupSteps: 2, topK: 5, topP: 0.9, temperature: 0.7, klCoef: 0.1, klEstimator: 'k1' },
    { task: '20q,travel,mastermind', persona: 'noisy', evalPersona: 'terse', wrongGuess: 'turn' },
  ] as const;
  for (const v of variants) {
    it(JSON.stringify(v), async () => {
      const trainer = new Trainer(configFromPresets(['smoke'], { task: 'intent', maxTurns: 3, maxContext: 128, ...v }), tokenizer);
      await trainer.warmStart();
      for (let s = 0; s < 2; s++) {
        const { metrics } = await trainer.step();
        for (const [k, x] of Object.entries(metrics)) expect(Number.isFinite(x), `${k} = ${x}`).toBe(true);
      }
      trainer.dispose();
    });
  }
});
