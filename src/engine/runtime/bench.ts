/**
 * Benchmarks shared by `npm run bench` (Node: cpu, wasm) and the lab page (webgpu). Every figure
 * is a ratio of two timings taken in the same process, on the same inputs, warm-up excluded.
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config';
import { buildCounterfactual, scoredTurns } from '../dialogue';
import { counterfactualDivergence, hasFusedDivergenceKernel } from '../kernels/divergence';
import { makeDivergenceCase } from '../kernels/reference';
import { Policy, type ModelShape } from '../policy/model';
import { tidy } from '../policy/ops';
import { Rng } from '../random';
import { median } from '../analysis/stats';
import { packDialogues, tokenLogProbs } from '../rl/batch';
import { computeInfoGain } from '../rl/infogain';
import { AdamW } from '../rl/optimizer';
import { Trainer } from '../rl/trainer';
import type { WordTokenizer } from '../text/tokenizer';
import { loadFilesInto, type CheckpointFiles } from '../checkpoints/hf-checkpoint';
import type { BatchTiming } from './batch-scaling';

const now = () => performance.now();

/** Forward FLOPs of the transformer for `tokens` positions attending to `context` keys on average. */
export function forwardFlops(shape: ModelShape, tokens: number, context: number): number {
  const d = shape.dModel;
  const perLayer = 2 * (3 * d * d + d * d + 8 * d * d) + 2 * 2 * context * d; // qkv, out, mlp; scores and mix
  return tokens * (shape.nLayers * perLayer + 2 * d * shape.vocabSize);
}

export interface StepTiming {
  method: string;
  stepMs: number[];
  rolloutMs: number[];
  infogainMs: number[];
  updateMs: number[];
  tokens: number[];
}

/** Train `steps` steps with each method from the same warm start and seed; per-step timings. */
export async function benchTrainSteps(config: Config, tokenizer: WordTokenizer, methods: Config['method'][], steps: number): Promise<StepTiming[]> {
  const out: StepTiming[] = [];
  for (const method of methods) {
    const trainer = new Trainer({ ...config, method }, tokenizer);
    await trainer.warmStart();
    const t: StepTiming = { method, stepMs: [], rolloutMs: [], infogainMs: [], updateMs: [], tokens: [] };
    for (let s = 0; s <= steps; s++) {
      const r = await trainer.step();
      if (s === 0) continue; // warm-up: first-call shader compiles and allocations
      t.stepMs.push(r.metrics.step_ms);
      t.rolloutMs.push(r.metrics.rollout_ms);
      t.infogainMs.push(r.metrics.infogain_ms);
      t.updateMs.push(r.metrics.update_ms);
      t.tokens.push(r.rollouts.reduce((a, x) => a + x.dialogue.tokens.length, 0));
    }
    trainer.dispose();
    out.push(t);
  }
  return out;
}

export interface PrefixReuseTiming {
  scoredTurns: number;
  fullMs: number;
  reuseMs: number;
  fullFlops: number;
  reuseFlops: number;
}

/** The counterfactual passes of one batch of rollouts, with and without prefix reuse. */
export async function benchPrefixReuse(config: Config, tokenizer: WordTokenizer, repeats: number): Promise<PrefixReuseTiming> {
  const trainer = new Trainer(config, tokenizer);
  await trainer.warmStart();
  const { rollouts } = await trainer.step();
  const dialogues = rollouts.map((r) => r.dialogue);
  const batch = packDialogues(dialogues);
  const real = tidy(() => tokenLogProbs(trainer.policy, batch, { logits: true, kv: true }));
  const placeholderIds = tokenizer.encode(config.placeholder);
  const times: Record<'full' | 'reuse', number[]> = { full: [], reuse: [] };
  let scored = 0;
  let fullTokens = 0;
  let reuseTokens = 0;
  for (let r = 0; r < repeats + 1; r++) {
    for (const prefixReuse of [false, true]) {
      const t0 = now();
      const gains = await computeInfoGain(trainer.policy, dialogues, batch.t, real.logits!, real.kv, { placeholderIds, placeholderMode: config.placeholderMode, prefixReuse, divergenceImpl: config.divergenceImpl });
      const dt = now() - t0;
      if (r > 0) times[prefixReuse ? 'reuse' : 'full'].push(dt);
      scored = gains.length;
    }
  }
  // Padded tokens each variant runs through the model (what the batched passes actually compute).
  const cfs = dialogues.flatMap((d) => scoredTurns(d).map((t) => buildCounterfactual(d, t, placeholderIds, config.placeholderMode)));
  if (cfs.length) {
    fullTokens = cfs.length * Math.max(...cfs.map((c) => c.nextActionEnd - 1));
    reuseTokens = cfs.length * Math.max(...cfs.map((c) => c.nextActionEnd - 1 - c.sharedPrefix));
  }
  tf.dispose([real.logp, real.logits, ...real.kv!.k, ...real.kv!.v]);
  const shape = trainer.policy.shape;
  trainer.dispose();
  return { scoredTurns: scored, fullMs: median(times.full), reuseMs: median(times.reuse), fullFlops: forwardFlops(shape, fullTokens, batch.t / 2), reuseFlops: forwardFlops(shape, reuseTokens, batch.t) };
}

export interface DecodeTiming {
  batch: number;
  tokens: number;
  cachedTokensPerS: number;
  uncachedTokensPerS: number;
}

/** Greedy decoding of `length` tokens for `batch` rows: with the KV cache vs recomputing the context. */
export async function benchDecode(shape: ModelShape, batch: number, length: number): Promise<DecodeTiming> {
  const policy = new Policy(shape, new Rng(1));
  const run = async (cached: boolean) => {
    const seq: number[][] = Array.from({ length: batch }, (_, b) => [2 + (b % 5)]);
    let past: { k: tf.Tensor4D[]; v: tf.Tensor4D[] } | undefined;
    const t0 = now();
    for (let t = 0; t < length; t++) {
      const next = tidy(() => {
        if (cached) {
          const out = policy.forward(tf.tensor2d(seq.map((s) => [s[s.length - 1]]), [batch, 1], 'int32'), { past, returnKV: true });
          return { ids: tf.argMax(out.logits.reshape([batch, -1]), 1), kv: out.kv! };
        }
        const out = policy.forward(tf.tensor2d(seq, [batch, seq[0].length], 'int32'));
        return { ids: tf.argMax(tf.slice(out.logits, [0, seq[0].length - 1, 0], [batch, 1, -1]).reshape([batch, -1]), 1), kv: undefined };
      });
      const ids = await next.ids.data();
      next.ids.dispose();
      if (past) tf.dispose([...past.k, ...past.v]);
      past = next.kv;
      seq.forEach((s, b) => s.push(ids[b]));
    }
    if (past) tf.dispose([...past.k, ...past.v]);
    return ((batch * length) / (now() - t0)) * 1000;
  };
  await run(true); // warm-up
  const cachedTokensPerS = await run(true);
  const uncachedTokensPerS = await run(false);
  policy.dispose();
  return { batch, tokens: length, cachedTokensPerS, uncachedTokensPerS };
}

export interface KernelTiming {
  positions: number;
  vocab: number;
  kernelMs: number | null;
  opsMs: number;
  /** Bytes of logits read (both tensors, fp32), the memory-traffic floor of the divergence. */
  bytes: number;
}

/** The divergence on one backend: fused kernel (where registered) vs tfjs ops, same inputs. */
export async function benchDivergence(positions: number, vocab: number, repeats: number): Promise<KernelTiming> {
  const c = makeDivergenceCase({ name: 'bench', kind: 'uniform', positions, vocab, seed: 1234 });
  const real = tf.tensor2d(c.real, [positions, vocab]);
  const masked = tf.tensor2d(c.masked, [positions, vocab]);
  const tokens = tf.tensor1d(c.tokens, 'int32');
  const time = async (impl: 'kernel' | 'ops') => {
    const samples: number[] = [];
    for (let r = 0; r < repeats + 2; r++) {
      const t0 = now();
      const out = counterfactualDivergence(real, masked, tokens, impl);
      await Promise.all([out.logRatio.data(), out.kl.data()]);
      tf.dispose([out.logRatio, out.kl]);
      if (r >= 2) samples.push(now() - t0);
    }
    return median(samples);
  };
  const opsMs = await time('ops');
  const kernelMs = hasFusedDivergenceKernel() ? await time('kernel') : null;
  tf.dispose([real, masked, tokens]);
  return { positions, vocab, kernelMs, opsMs, bytes: 2 * positions * vocab * 4 };
}

/** Median GFLOP/s of an n×n×n matmul: the machine's dense-compute bound in this process. */
export async function benchMatmulGflops(n = 1024, repeats = 5): Promise<number> {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const samples: number[] = [];
  for (let r = 0; r < repeats + 1; r++) {
    const t0 = now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    if (r > 0) samples.push(now() - t0);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / median(samples) / 1e6;
}

/**
 * FLOPs to train one token (forward + backward): 6 per parameter plus the attention products,
 * 2·2·T·d per layer forward (scores and mix over the full T keys, as the peer comparison counts),
 * three times for forward and backward.
 */
export function trainFlopsPerToken(shape: ModelShape, parameters: number, context: number): number {
  return 6 * parameters + 3 * shape.nLayers * 4 * context * shape.dModel;
}

export interface TrainThroughput {
  shape: ModelShape;
  batch: number;
  context: number;
  parameters: number;
  flopsPerToken: number;
  tokensPerS: number;
  stepMs: number;
  /** What `between` returned after each timed step (none without it). */
  between: number[];
}

/**
 * Language-model training throughput on random tokens (the peer protocol of issue 13: batch × context
 * tokens, next-token cross-entropy, AdamW with grad-norm clip 1), through the same forward, log-prob
 * and optimizer code as the RL update. Median of `steps` after `warmup` steps. `between` runs after
 * each timed step, outside its timing (the bench measures the matmul bound there, so that both
 * see the same moments of a shared machine).
 */
export async function benchTrainThroughput(shape: ModelShape, batch: number, context: number, steps: number, warmup = 2, between?: () => Promise<number>): Promise<TrainThroughput> {
  if (context + 1 > shape.maxContext + 1) throw new Error(`context ${context} exceeds the model's ${shape.maxContext}`);
  const policy = new Policy(shape, new Rng(7));
  const optimizer = new AdamW(policy.variables, { beta1: 0.9, beta2: 0.95, weightDecay: 0, gradClip: 1 });
  const rng = new Rng(8);
  const t = context + 1;
  const tokens = new Int32Array(batch * t).map(() => Math.floor(rng.next() * shape.vocabSize));
  const packed = { n: batch, t, tokens, mask: new Float32Array(batch * context).fill(1) };
  const samples: number[] = [];
  const betweenSamples: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t0 = now();
    const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(tokenLogProbs(policy, packed).logp)) as tf.Scalar, policy.variables);
    await optimizer.step(policy.variables.map((v) => grads[v.name]), 1e-3);
    await value.data();
    value.dispose();
    if (s >= warmup) {
      samples.push(now() - t0);
      if (between) betweenSamples.push(await between());
    }
  }
  const parameters = policy.parameterCount();
  optimizer.dispose();
  policy.dispose();
  const stepMs = median(samples);
  return { shape, batch, context, parameters, flopsPerToken: trainFlopsPerToken(shape, parameters, context), tokensPerS: ((batch * context) / stepMs) * 1000, stepMs, between: betweenSamples };
}

/**
 * Whole InfoPO training steps (rollouts, information gain, update: `Trainer.step`, as
 * benchTrainSteps runs it) at each batch of `dialogues` per step (promptsPerStep = dialogues /
 * groupSize), one trainer per batch from the same checkpoint (`init`: its files, loaded as
 * runExperiment loads them) and seed. One warm-up step each, then `steps` rounds of one step per
 * batch, interleaved so that every batch sees the same moments of a shared machine.
 */
export async function benchBatchSteps(config: Config, tokenizer: WordTokenizer, batches: number[], steps: number, init?: CheckpointFiles): Promise<BatchTiming[]> {
  const lanes: { trainer: Trainer; timing: BatchTiming }[] = [];
  try {
    for (const dialogues of batches) {
      const promptsPerStep = dialogues / config.groupSize;
      if (!Number.isInteger(promptsPerStep)) throw new Error(`batch scaling: ${dialogues} dialogues is not a multiple of groupSize ${config.groupSize}`);
      const trainer = new Trainer({ ...config, promptsPerStep }, tokenizer);
      lanes.push({ trainer, timing: { dialogues, promptsPerStep, stepMs: [], rolloutMs: [], infogainMs: [], updateMs: [], tokens: [] } });
      if (init) loadFilesInto(trainer.policy, init, tokenizer, `models/${config.init}`);
      await trainer.warmStart();
    }
    for (let s = 0; s <= steps; s++) {
      for (const { trainer, timing: t } of lanes) {
        const r = await trainer.step();
        if (r.rollouts.length !== t.dialogues) throw new Error(`batch scaling: a step of promptsPerStep ${t.promptsPerStep} ran ${r.rollouts.length} dialogues, not ${t.dialogues}`);
        if (s === 0) continue; // warm-up: first-call shader compiles and allocations at this batch's shapes
        t.stepMs.push(r.metrics.step_ms);
        t.rolloutMs.push(r.metrics.rollout_ms);
        t.infogainMs.push(r.metrics.infogain_ms);
        t.updateMs.push(r.metrics.update_ms);
        t.tokens.push(r.rollouts.reduce((a, x) => a + x.dialogue.tokens.length, 0));
      }
    }
  } finally {
    for (const { trainer } of lanes) trainer.dispose();
  }
  return lanes.map((l) => l.timing);
}
