/**
 * Builds the shipped LM user, models/user-lm (Hugging Face layout plus onnx/model.onnx, as the
 * policies): a small causal transformer trained to continue a dialogue with the simulated user's
 * next turn, given what the user knows (the hidden instance) and the dialogue so far
 * (src/engine/user-lm/prompt.ts has the layout). Its data are the scripted users' turns: dialogues
 * of the demonstrator (with its slips), the random and the ask-all agents, against all five
 * personas, on every family a user answers (20q, intent, code, travel; mastermind's replies come
 * from an environment). The persona is not in the prompt, so the model learns their mixture: sampled,
 * it varies its wording, sometimes answers tersely or loosely, as the personas it saw do.
 *
 *   npm run make-user-model [-- --steps 1600 --seed 1]
 *
 * Deterministic on wasm for a given seed. docs/users.md reports its fidelity (`npm run user-fidelity`).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { nodeBackend, nodeTokenizer, quietTfjsBanner } from '../src/cli/node-env';
import { AdamW, createStreams, episodeOptions, getTask, PERSONA_IDS, Policy, resolveConfig, scriptedRollout, tokenLogProbs, USER_LM_FAMILIES, USER_LM_CHAT_TEMPLATE, USER_LM_NAME, userLmTrainingSequence, type PackedBatch, PAD } from '../src/engine';
import { writeCheckpointFolder } from '../src/cli/checkpoint-folder';
import { exportOnnx } from '../src/cli/export-onnx';


const program = new Command()
  .option('--steps <n>', 'training steps', '1600')
  .option('--batch <n>', 'dialogues per step', '32')
  .option('--lr <x>', 'peak learning rate (linear warm-up over 50 steps, then half-cosine decay)', '0.003')
  .option('--seed <n>', 'seed', '1')
  .option('--d-model <n>', 'width', '64')
  .option('--layers <n>', 'layers', '2')
  .option('--out <dir>', 'folder to write', resolve(import.meta.dirname, '..', 'models', 'user-lm'));
program.parse();
const o = program.opts<{ steps: string; batch: string; lr: string; seed: string; dModel: string; layers: string; out: string }>();
const steps = Number(o.steps);
const batchSize = Number(o.batch);
const peakLr = Number(o.lr);
const seed = Number(o.seed);
for (const [name, v] of [['--steps', steps], ['--batch', batchSize], ['--seed', seed], ['--d-model', Number(o.dModel)], ['--layers', Number(o.layers)]] as const) if (!Number.isInteger(v) || v < 0) program.error(`${name} must be a non-negative integer`);
if (!(peakLr > 0)) program.error('--lr must be positive');

quietTfjsBanner();
await nodeBackend('wasm');
const tokenizer = await nodeTokenizer();
const MAX_CONTEXT = 256;
/** Agents whose dialogues the user is trained on, with their shares: the demonstrator asks what matters, random and ask-all ask everything else. */
const AGENT_MIX: readonly (readonly [string, number])[] = [['demo', 0.5], ['random', 0.25], ['ask-all', 0.25]];
const streams = createStreams(seed);
const policy = new Policy({ vocabSize: tokenizer.vocabSize, dModel: Number(o.dModel), nLayers: Number(o.layers), nHeads: 4, maxContext: MAX_CONTEXT }, streams.init);
const optimizer = new AdamW(policy.variables, { beta1: 0.9, beta2: 0.99, weightDecay: 0, gradClip: 1 });
const config = resolveConfig({ task: USER_LM_FAMILIES.join(','), maxContext: MAX_CONTEXT, maxTurns: 0 });

function pickAgent(rng: typeof streams.sft): string {
  let u = rng.next();
  for (const [name, share] of AGENT_MIX) if ((u -= share) < 0) return name;
  return AGENT_MIX[0][0];
}

/** One batch of user-turn targets from fresh scripted dialogues (train split only: fidelity is measured on test instances). */
function sampleBatch(): PackedBatch {
  const rng = streams.sft;
  const sequences = [];
  while (sequences.length < batchSize) {
    const family = getTask(rng.pick(USER_LM_FAMILIES));
    const persona = rng.pick(PERSONA_IDS);
    const instance = family.sample(rng, 'train', episodeOptions(config, persona));
    const agentName = pickAgent(rng);
    const agent = agentName === 'demo' ? family.demonstrator(0.3) : family.agents[agentName];
    const rollout = scriptedRollout(family, instance, agent, episodeOptions(config, persona), { agent: rng, user: streams.sftUser }, tokenizer);
    const sequence = userLmTrainingSequence(instance, rollout.dialogue.turns, tokenizer, MAX_CONTEXT);
    if (sequence.target.some((m) => m > 0)) sequences.push(sequence);
  }
  const t = Math.max(...sequences.map((s) => s.tokens.length));
  const tokens = new Int32Array(batchSize * t).fill(PAD);
  const mask = new Float32Array(batchSize * (t - 1));
  sequences.forEach((s, i) => {
    tokens.set(s.tokens, i * t);
    mask.set(s.target, i * (t - 1));
  });
  return { n: batchSize, t, tokens, mask };
}

const lrAt = (s: number) => (s < 50 ? (peakLr * (s + 1)) / 50 : peakLr * 0.5 * (1 + Math.cos((Math.PI * (s - 50)) / Math.max(1, steps - 50))));
const started = Date.now();
const losses: { step: number; loss: number }[] = [];
let running = NaN;
for (let s = 0; s < steps; s++) {
  const batch = sampleBatch();
  const { value, grads } = tf.variableGrads(() => {
    const { logp } = tokenLogProbs(policy, batch);
    const mask = tf.tensor2d(batch.mask, [batch.n, batch.t - 1]);
    return tf.div(tf.neg(tf.sum(tf.mul(logp, mask))), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  }, policy.variables);
  await optimizer.step(policy.variables.map((v) => grads[v.name]), lrAt(s));
  const loss = (await value.data())[0];
  value.dispose();
  running = Number.isNaN(running) ? loss : 0.95 * running + 0.05 * loss;
  if ((s + 1) % 50 === 0 || s + 1 === steps) {
    losses.push({ step: s + 1, loss: running });
    console.error(`user-lm step ${s + 1}/${steps} loss ${running.toFixed(3)} lr ${lrAt(s).toExponential(2)} ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}
const dir = resolve(o.out);
mkdirSync(dir, { recursive: true });
const command = `npm run make-user-model -- --steps ${steps} --batch ${batchSize} --lr ${peakLr} --seed ${seed} --d-model ${o.dModel} --layers ${o.layers}`;
await writeCheckpointFolder(dir, policy, {
  name: USER_LM_NAME,
  madeBy: command,
  createdAt: new Date().toISOString(),
  notes: 'A simulated user, not a policy: it continues `<bos> <env> hidden <eot> <user> request <eot> <agent> action <eot> <user>` with the user\'s reply. Trained on the scripted personas\' replies (docs/users.md).',
});
// Its chat template renders the user's view (roles swapped: it speaks as <user>), src/engine/user-lm/chat-user.ts.
const tokenizerConfig = join(dir, 'tokenizer_config.json');
writeFileSync(tokenizerConfig, JSON.stringify({ ...JSON.parse(readFileSync(tokenizerConfig, 'utf8')), chat_template: USER_LM_CHAT_TEMPLATE }, null, 2) + '\n');
console.error(await exportOnnx(dir));
writeFileSync(
  join(dir, 'training.json'),
  JSON.stringify({ made_by: command, kind: 'user-lm', families: USER_LM_FAMILIES, personas: PERSONA_IDS, agents: Object.fromEntries(AGENT_MIX), demo_slip: 0.3, max_context: MAX_CONTEXT, steps, batch: batchSize, peak_lr: peakLr, seed, final_loss: running, losses, seconds: (Date.now() - started) / 1000, backend: tf.getBackend() }, null, 1) + '\n',
);
console.error(`wrote ${dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
optimizer.dispose();
policy.dispose();
