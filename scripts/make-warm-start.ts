/**
 * Builds models/infopo-warm/: the project's warm-start policy checkpoint (model.json + weights.bin,
 * tfjs weights format), a transformer trained by imitation of every task family's scripted `demo`
 * agent. Runs that set `init=pretrained` start RL from it instead of a short in-run warm start.
 *
 *   npm run make-warm-start -- [--steps 2500] [--seed 1]
 *
 * Deterministic on the wasm backend for a given seed; takes ~15-20 minutes on 2 cores.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { nodeBackend, nodeTokenizer, quietTfjsBanner } from '../src/cli/node-env';
import { resolveConfig } from '../src/engine/config';
import { exportPolicy, WARM_START_NAME } from '../src/engine/policy/checkpoint';
import { evaluatePolicy } from '../src/engine/rl/evaluate';
import { Trainer } from '../src/engine/rl/trainer';
import { TASK_IDS } from '../src/engine/tasks';

const program = new Command().option('--steps <n>', 'supervised steps', '2500').option('--seed <n>', 'seed', '1').option('--eval-every <n>', 'evaluate every n steps', '500');
program.parse();
const o = program.opts<{ steps: string; seed: string; evalEvery: string }>();
quietTfjsBanner();
await nodeBackend('wasm');
const tokenizer = await nodeTokenizer();
const config = resolveConfig({ task: TASK_IDS.join(','), seed: Number(o.seed), sftSteps: Number(o.steps), sftBatch: 32, sftLr: 3e-3, dModel: 64, nLayers: 2, nHeads: 4, maxContext: 192, steps: 0 });
const trainer = new Trainer(config, tokenizer);
const started = Date.now();
const evaluations: unknown[] = [];
let finalLoss = NaN;
await trainer.warmStart(async (step, loss) => {
  finalLoss = loss;
  if (step % Number(o.evalEvery) !== 0 && step !== config.sftSteps) return;
  const { entry } = await evaluatePolicy(trainer.policy, tokenizer, config, { persona: 'cooperative', episodes: 32, seed: 1, step });
  evaluations.push(entry);
  const perTask = Object.entries(entry.per_task).map(([t, v]) => `${t} ${v.success.toFixed(2)}`).join(' ');
  console.error(`step ${step} loss ${loss.toFixed(3)} test success ${entry.success.toFixed(3)} (${perTask}) ${((Date.now() - started) / 1000).toFixed(0)} s`);
});
const dir = resolve(import.meta.dirname, '..', 'models', WARM_START_NAME);
mkdirSync(dir, { recursive: true });
const { modelJson, weights } = await exportPolicy(trainer.policy);
writeFileSync(join(dir, 'model.json'), modelJson + '\n');
writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weights));
writeFileSync(join(dir, 'training.json'), JSON.stringify({ made_by: 'npm run make-warm-start', config, final_loss: finalLoss, seconds: (Date.now() - started) / 1000, backend: tf.getBackend(), evaluations }, null, 1) + '\n');
console.error(`wrote ${dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
trainer.dispose();
