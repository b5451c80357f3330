import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateAgent } from '../baselines';
import { configFromPresets } from '../config';
import { loadTokenizer, type WordTokenizer } from '../text/tokenizer';
import { evaluatePolicy } from './evaluate';
import { policyBatchAgent } from './policy-agent';
import { Trainer } from './trainer';

let tokenizer: WordTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../../models') });
});

describe('a trained policy as an evaluation agent', () => {
  it('plays the same episodes as the training-side evaluation (same instances, users, greedy actions)', async () => {
    for (const task of ['20q', 'travel']) {
      const config = configFromPresets(['smoke'], { task, sftSteps: 12, sftBatch: 8, maxTurns: 4, maxContext: 128 });
      const trainer = new Trainer(config, tokenizer);
      await trainer.warmStart();
      const episodes = 8;
      const { entry, rollouts } = await evaluatePolicy(trainer.policy, tokenizer, config, { persona: 'cooperative', episodes, seed: 5, step: 0 });
      const before = tf.memory().numTensors;
      const viaAgent = await evaluateAgent({ task, persona: 'cooperative', noise: config.noise, episodes, seed: 5, split: 'test', maxTurns: 4, agentName: 'policy', act: policyBatchAgent(trainer.policy, tokenizer, config), keepDialogues: true });
      expect(tf.memory().numTensors).toBe(before);
      expect(viaAgent.records.map((r) => r.exchanges!.map((e) => e.action))).toEqual(rollouts.map((r) => r.dialogue.turns.map((t) => t.action)));
      expect(viaAgent.success).toBe(entry.success);
      expect(viaAgent.return).toBeCloseTo(entry.return, 10);
      trainer.dispose();
    }
  });
});
