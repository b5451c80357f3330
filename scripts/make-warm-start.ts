/**
 * Builds a warm-start checkpoint under models/ (Hugging Face layout, docs/models.md): a transformer trained by imitation of the task
 * families' answer-conditioned demonstrators (`family.demonstrator(demoSlip)`). Runs whose `init`
 * names the folder start RL from it instead of a warm start of their own.
 *
 *   npm run make-warm-start -- --preset paper-20q [--steps 800] [--seed 1]   # writes models/warm-20q
 *   npm run make-warm-start -- --all-tasks [--steps 2500]                      # writes models/infopo-warm
 *   npm run make-warm-start -- --preset paper-intent --set demoSlip=0.4 --set init=try-1   # a variant, in models/try-1
 *   npm run make-warm-start -- --preset demo --expert-steps 3000 --steps 800 --set sftLr=0.0003   # two stages: models/warm-intent-demo
 *
 * --expert-steps N first imitates the expert alone (no slips: demoSlip 0, demoSlipByArea empty)
 * for N steps at --expert-lr, then the preset's demonstrator for --steps. A demonstrator that
 * slips often gives noisy targets, and imitating it from scratch learns the slips before the
 * skill (an intent policy that asks the right question and then answers a wrong value: the
 * copying trap, docs/tasks.md); learning the skill from clean demonstrations first, then the
 * slips, gives a policy whose most likely move is the expert's, which RL sharpens fast
 * (docs/learning-speed.md).
 *
 * With --preset, the checkpoint is made for that preset's task, simulator knobs (kinds, maxTurns,
 * persona), demonstrator slip and model shape, and written to the folder its `init` names.
 * Deterministic on the wasm backend for a given seed. Cost on 2 cores (wasm): about 1 s a step at
 * d 64 / 2 layers and batch 32 (see docs/tasks.md for the measured times of the shipped ones).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { nodeBackend, nodeTokenizer, quietTfjsBanner } from '../src/cli/node-env';
import { configFromPresets, evaluate, evaluationEntry, resolveConfig, TASK_IDS, Trainer, WARM_START_NAME, type Config, type EvaluationEntry } from '../src/engine';
import { writeCheckpointFolder } from '../src/cli/checkpoint-folder';
import { setOverrides } from '../src/cli/config-flags';

const program = new Command()
  .option('--preset <name>', 'make the checkpoint a preset names in its init (its task, knobs and model shape)')
  .option('--all-tasks', 'the all-task checkpoint models/infopo-warm (init=pretrained)')
  .option('--steps <n>', 'supervised steps', '800')
  .option('--seed <n>', 'seed', '1')
  .option('--expert-steps <n>', 'first stage: imitate the expert alone (no slips) for n steps', '0')
  .option('--expert-lr <x>', 'learning rate of the expert stage', '0.001')
  .option('--eval-every <n>', 'evaluate every n steps', '200')
  .option('--eval-episodes <n>', 'test episodes per evaluation', '64')
  .option('--set <key=value>', 'with --preset: override one config key of the preset, repeatable (e.g. demoSlip=0.4, or init=NAME to write another folder)', (v: string, all: string[]) => [...all, v], [] as string[]);
program.parse();
const o = program.opts<{ preset?: string; allTasks?: boolean; steps: string; seed: string; expertSteps: string; expertLr: string; evalEvery: string; evalEpisodes: string; set: string[] }>();
const expertSteps = Number(o.expertSteps);
if (!Number.isInteger(expertSteps) || expertSteps < 0) program.error(`--expert-steps must be a non-negative integer, got ${o.expertSteps}`);
if (!(Number(o.expertLr) > 0)) program.error(`--expert-lr must be a positive number, got ${o.expertLr}`);
if (o.allTasks && o.set.length) program.error('--set applies to --preset only');
if (!o.preset === !o.allTasks) program.error('give exactly one of --preset NAME or --all-tasks');
quietTfjsBanner();
await nodeBackend('wasm');
const tokenizer = await nodeTokenizer();

const supervised = { seed: Number(o.seed), sftSteps: Number(o.steps), sftBatch: 32, sftLr: 3e-3, steps: 0, init: 'scratch' };
let config: Config;
let name: string;
if (o.preset) {
  // --set names the folder (init) and wins over the supervised defaults too (sftLr, sftBatch).
  const { init, ...sets } = setOverrides(o.set);
  const preset = configFromPresets([o.preset], init === undefined ? {} : { init });
  if (preset.init === 'scratch' || preset.init === 'pretrained') program.error(`preset ${o.preset} has init=${preset.init}: it names no checkpoint folder to make`);
  name = preset.init;
  config = resolveConfig({ ...preset, ...supervised, ...sets });
} else {
  name = WARM_START_NAME;
  config = resolveConfig({ task: TASK_IDS.join(','), dModel: 64, nLayers: 2, nHeads: 4, maxContext: 192, ...supervised });
}
const started = Date.now();
const evaluations: EvaluationEntry[] = [];
let finalLoss = NaN;
/** Imitation of `stage`'s demonstrator, evaluated every --eval-every steps; `offset` numbers the steps after an earlier stage. */
const imitate = (trainer: Trainer, stage: Config, offset: number, label: string) =>
  trainer.warmStart(async (step, loss) => {
    finalLoss = loss;
    if (step % Number(o.evalEvery) !== 0 && step !== stage.sftSteps) return;
    const entry = evaluationEntry(await evaluate({ policy: trainer.policy }, { config, tokenizer, episodes: Number(o.evalEpisodes) }), offset + step);
    evaluations.push(entry);
    const perTask = Object.entries(entry.per_task).map(([t, v]) => `${t} ${v.success.toFixed(2)}`).join(' ');
    console.error(`${name} ${label}step ${offset + step} loss ${loss.toFixed(3)} test success ${entry.success.toFixed(3)} (${perTask}) ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
const trainer = new Trainer(config, tokenizer);
if (expertSteps > 0) {
  // Stage 1 on its own streams (seed + 1), so stage 2 draws what a one-stage run of --seed draws.
  const expert = resolveConfig({ ...config, seed: config.seed + 1, demoSlip: 0, demoSlipByArea: '', sftSteps: expertSteps, sftLr: Number(o.expertLr) });
  const first = new Trainer(expert, tokenizer);
  await imitate(first, expert, 0, 'expert ');
  const weights = first.policy.snapshot();
  trainer.policy.load(weights);
  weights.forEach((t) => t.dispose());
  first.dispose();
}
await imitate(trainer, config, expertSteps, '');
const dir = resolve(import.meta.dirname, '..', 'models', name);
mkdirSync(dir, { recursive: true });
const command = `npm run make-warm-start -- ${o.preset ? `--preset ${o.preset}` : '--all-tasks'}${expertSteps > 0 ? ` --expert-steps ${expertSteps} --expert-lr ${o.expertLr}` : ''} --steps ${o.steps} --seed ${o.seed}${o.set.map((kv) => ` --set ${kv}`).join('')}`;
await writeCheckpointFolder(dir, trainer.policy, { name, madeBy: command, config, evaluations, warmStartLoss: finalLoss, createdAt: new Date().toISOString() });
writeFileSync(join(dir, 'training.json'), JSON.stringify({ made_by: command, preset: o.preset ?? null, expert_stage: expertSteps > 0 ? { steps: expertSteps, lr: Number(o.expertLr), seed: config.seed + 1 } : null, config, final_loss: finalLoss, seconds: (Date.now() - started) / 1000, backend: tf.getBackend(), evaluations }, null, 1) + '\n');
console.error(`wrote ${dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
trainer.dispose();
