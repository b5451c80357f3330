/**
 * npm run bench -- [--backends cpu,wasm,webgpu,webgpu-page] [--out FILE.json] [--steps N] [--repeats N] [--no-page-threads]
 *   [--batches 30,120,320] [--slow-batches 30] [--slow-steps 1] [--no-batch-scaling] [--scaling-only]
 * Ratios measured in one run: fused kernel vs tfjs ops, InfoPO step vs GRPO step, prefix reuse,
 * KV-cache decoding, training throughput vs the measured matmul bound (wasm), and the page's wasm
 * training with all cores vs one thread; cpu, wasm and webgpu (Dawn, node-webgpu.ts) in Node,
 * webgpu-page and the page's threads in headless Chromium through the lab page; and whole InfoPO
 * training steps of the demo at several batches (dialogues per step) on each Node backend.
 */
import { benchUserLm, userLmBenchText } from './bench-user-lm';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { BOOTSTRAP_SEED, setWebGpuFusedOps, Trainer, benchBatchSteps, DEFAULT_BATCHES, parseBatches, SLOW_BATCHES, summariseBatchScaling, type BatchScalingSummary, divergenceParity, PARITY_CASES, benchDecode, benchDivergence, benchMatmulGflops, benchPrefixReuse, benchTrainSteps, benchTrainThroughput, type TrainThroughput, configFromPresets, curveArea, DEMO_CHECK_SEEDS, setDepthwiseProducts, firstRise, median, pairedDifference, raceVerdict, runExperiment, VISIBLE_RISE, type ConfigInput, type DecodeTiming, type EvaluationEntry, type KernelTiming, type PrefixReuseTiming, type RaceVerdict, type StepTiming } from '../engine';
import { parseSeeds, ROOT, runNode } from './processes';
import { nodeBackend, nodeEnvironment, nodePretrained, nodeTokenizer, quietTfjsBanner } from './node-env';
import { CHROMIUM_ARGS, systemChromium } from './browser';

const LAB_PORT = Number(process.env.BENCH_PORT ?? 4175);

/** The step benchmark's config: the quick model shape on 20 questions, fewer groups, a short warm start. */
const NODE_CONFIG: ConfigInput = { task: '20q', dModel: 64, nLayers: 2, nHeads: 4, promptsPerStep: 4, groupSize: 5, maxTurns: 5, sftSteps: 20, sftBatch: 16 };
/** SwiftShader (~1 GFLOP/s) and the cpu backend (plain JS) are slow: their step benchmark uses a smaller model. */
const SMALL_CONFIG: ConfigInput = { task: '20q', dModel: 32, nLayers: 2, nHeads: 2, promptsPerStep: 2, groupSize: 3, maxTurns: 4, sftSteps: 5, sftBatch: 8 };
/** Language-model training throughput against the matmul bound (issue 13's peer protocol): vocab 256, batch 8 x 128. */
const LM_SHAPES: [number, number][] = [
  [64, 2],
  [128, 4],
];
const SIZES: [number, number][] = [
  [64, 512],
  [256, 2048],
  [256, 8192],
];

interface BackendResult {
  backend: string;
  config: ConfigInput;
  divergence: (KernelTiming & { kernel_speedup: number | null; kernel_gb_per_s: number | null; ops_gb_per_s: number })[];
  infopo_over_grpo: number;
  /** InfoPO step over the same InfoPO step without its information-gain phase (same rollouts). */
  infopo_overhead: number;
  step_ms: { grpo: number; infopo: number; infopo_infogain: number };
  prefix_reuse_speedup: number;
  prefix_reuse: PrefixReuseTiming;
  decode_tokens_per_s: { kv_cache: number; no_cache: number; speedup: number; batch: number; tokens: number };
  train_tokens_per_s: number;
  /** Language-model training (batch 8 x 128, vocab 256, AdamW, clip 1) against the matmul bound measured on the same backend (Node backends). */
  lm_train?: LmTrainResult[];
  /** Timed LM-training steps per shape and why that many (slow backends run fewer). */
  lm_train_steps?: { steps: number; warmup: number; choice: string };
  /** Whole InfoPO steps of the demo preset at each batch of dialogues per step (Node backends). */
  batch_scaling?: BatchScalingResult;
  fidelity_max_abs?: { log_ratio: number; kl: number };
  /** webgpu in Node: the fused dense / LayerNorm / attention kernels (kernels/fused.ts) against tfjs's stock ops. */
  webgpu_fused_ops?: WebGpuFusedOpsResult;
}

/** GPU dispatches and time of one step with the fused ops on and with them off (tfjs's stock ops), and their ratios. */
interface FusedComparison {
  dispatches: { fused: number; stock: number };
  step_ms: { fused: number; stock: number };
  /** fused / stock: below 1 is a gain. */
  time_ratio: number;
  dispatch_ratio: number;
}

interface WebGpuFusedOpsResult {
  /** Language-model training step (forward, backward, AdamW) on random tokens. */
  lm_step: FusedComparison & { shape: { d_model: number; n_layers: number; n_heads: number; batch: number; context: number } };
  /** One Trainer step of InfoPO on the bench's webgpu config, and the medians of its phases (rollouts decode token by token with a KV cache: no fused attention there). */
  trainer_step: FusedComparison & { phase_ms: Record<'rollout' | 'infogain' | 'update', { fused: number; stock: number }> };
}

interface LmTrainResult {
  d_model: number;
  n_layers: number;
  parameters: number;
  flops_per_token: number;
  train_tokens_per_s: number;
  /** 1024^3 matmul GFLOP/s: the median of measurements before, between every timed training step, and after. */
  matmul_gflops: number;
  bound_tokens_per_s: number;
  train_fraction_of_bound: number;
  /** Training throughput with attention's products as depthwise convolutions over the same without (policy/ops.ts); wasm only (the path is wasm's), else null. */
  depthwise_speedup: number | null;
}

/** Whole InfoPO training steps of the demo preset's model and task, from its warm start, at each batch. */
interface BatchScalingResult extends BatchScalingSummary {
  preset: string;
  model: { d_model: number; n_layers: number; n_heads: number };
  task: string;
  init: string;
  group_size: number;
  /** The batches asked for and the timed steps per batch (after one warm-up step), and which flag chose them. */
  batches: number[];
  steps: number;
  choice: string;
}

/** What the batch-scaling and LM-training benchmarks run: the full set on fast backends, fewer on slow ones. */
interface ScalingPlan {
  batches: number[];
  steps: number;
  slowBatches: number[];
  slowSteps: number;
}

interface PageThreadsResult {
  threads: number;
  shape: { d_model: number; n_layers: number };
  one_thread: { train_tokens_per_s: number; matmul_gflops: number };
  all_threads: { train_tokens_per_s: number; matmul_gflops: number };
  train_speedup: number;
  matmul_speedup: number;
}

/**
 * Training throughput per LM shape, each beside the matmul speed measured around it on the same
 * backend (the machine is shared). `depthwise`: also time the step without wasm's depthwise products.
 */
async function benchLmTrain(steps: number, warmup = 2, depthwise = true): Promise<LmTrainResult[]> {
  const out: LmTrainResult[] = [];
  // A 1024^3 matmul is 2 GFLOP: seconds each on a software adapter, so fewer repeats on slow runs.
  const matmulRepeats = warmup < 2 ? 2 : 5;
  for (const [d, layers] of LM_SHAPES) {
    // The bound is measured before, between every timed step and after (median): on a shared
    // machine the load changes within seconds, and both figures should see the same moments.
    const before = await benchMatmulGflops(1024, matmulRepeats);
    const r: TrainThroughput = await benchTrainThroughput({ vocabSize: 256, dModel: d, nLayers: layers, nHeads: 4, maxContext: 128 }, 8, 128, steps, warmup, () => benchMatmulGflops(1024, 1));
    const gflops = median([before, ...r.between, await benchMatmulGflops(1024, matmulRepeats)]);
    const bound = (gflops * 1e9) / r.flopsPerToken;
    let depthwiseSpeedup: number | null = null;
    if (depthwise) {
      const was = setDepthwiseProducts(false);
      const plain = await benchTrainThroughput({ vocabSize: 256, dModel: d, nLayers: layers, nHeads: 4, maxContext: 128 }, 8, 128, steps, warmup).finally(() => setDepthwiseProducts(was));
      depthwiseSpeedup = r.tokensPerS / plain.tokensPerS;
    }
    out.push({ d_model: d, n_layers: layers, parameters: r.parameters, flops_per_token: r.flopsPerToken, train_tokens_per_s: r.tokensPerS, matmul_gflops: gflops, bound_tokens_per_s: bound, train_fraction_of_bound: r.tokensPerS / bound, depthwise_speedup: depthwiseSpeedup });
  }
  return out;
}

/** The preset whose model, task and warm start the batch-scaling benchmark trains (the page's landing run). */
const BATCH_PRESET = 'demo';

/**
 * Whole InfoPO training steps (`benchBatchSteps`) of the demo preset, from its warm start, at each of
 * `batches` dialogues per step on the active backend.
 */
async function benchBatchScaling(tokenizer: Awaited<ReturnType<typeof nodeTokenizer>>, batches: number[], steps: number, choice: string): Promise<BatchScalingResult> {
  const config = configFromPresets([BATCH_PRESET]);
  const init = await nodePretrained(config.init);
  const timings = await benchBatchSteps(config, tokenizer, batches, steps, init);
  for (const t of timings) console.error(`bench: batch scaling, ${t.dialogues} dialogues per step: median ${median(t.stepMs).toFixed(0)} ms a step`);
  return { preset: BATCH_PRESET, model: { d_model: config.dModel, n_layers: config.nLayers, n_heads: config.nHeads }, task: config.task, init: `models/${config.init}`, group_size: config.groupSize, batches, steps, choice, ...summariseBatchScaling(timings) };
}

/**
 * The batch-scaling and LM-training runs of one Node backend; slow backends (plain-JS cpu, a
 * software WebGPU adapter) run the slow plan, and the JSON says which. `plan` null: no batch scaling.
 */
async function benchScaling(backend: string, slow: boolean, plan: ScalingPlan | null, tokenizer: Awaited<ReturnType<typeof nodeTokenizer>>, lmSteps: number): Promise<Pick<BackendResult, 'batch_scaling' | 'lm_train' | 'lm_train_steps'>> {
  const slowWhy = `${backend} is slow (plain JS or a software WebGPU adapter): --slow-batches and --slow-steps`;
  const batchScaling = plan ? await benchBatchScaling(tokenizer, slow ? plan.slowBatches : plan.batches, slow ? plan.slowSteps : plan.steps, slow ? slowWhy : '--batches and --steps') : undefined;
  const lmTrain = slow ? { steps: plan?.slowSteps ?? 1, warmup: 1, choice: slowWhy } : { steps: Math.max(6, lmSteps), warmup: 2, choice: 'at least 6 timed steps after 2 warm-up steps' };
  console.error(`bench: ${backend}, LM training vs the matmul bound (${lmTrain.steps} timed steps after ${lmTrain.warmup})...`);
  const lm = await benchLmTrain(lmTrain.steps, lmTrain.warmup, backend === 'wasm');
  return { batch_scaling: batchScaling, lm_train: lm, lm_train_steps: lmTrain };
}

function summarise(backend: string, config: ConfigInput, divergence: KernelTiming[], steps: StepTiming[], prefix: PrefixReuseTiming, decode: DecodeTiming): BackendResult {
  const grpo = steps.find((s) => s.method === 'grpo')!;
  const infopo = steps.find((s) => s.method === 'infopo')!;
  const tokens = infopo.tokens.reduce((a, b) => a + b, 0) + grpo.tokens.reduce((a, b) => a + b, 0);
  const updateMs = infopo.updateMs.reduce((a, b) => a + b, 0) + grpo.updateMs.reduce((a, b) => a + b, 0);
  return {
    backend,
    config,
    divergence: divergence.map((d) => ({
      ...d,
      kernel_speedup: d.kernelMs ? d.opsMs / d.kernelMs : null,
      kernel_gb_per_s: d.kernelMs ? d.bytes / d.kernelMs / 1e6 : null,
      ops_gb_per_s: d.bytes / d.opsMs / 1e6,
    })),
    infopo_over_grpo: median(infopo.stepMs) / median(grpo.stepMs),
    infopo_overhead: median(infopo.stepMs.map((ms, i) => ms / (ms - infopo.infogainMs[i]))),
    step_ms: { grpo: median(grpo.stepMs), infopo: median(infopo.stepMs), infopo_infogain: median(infopo.infogainMs) },
    prefix_reuse_speedup: prefix.fullMs / prefix.reuseMs,
    prefix_reuse: prefix,
    decode_tokens_per_s: { kv_cache: decode.cachedTokensPerS, no_cache: decode.uncachedTokensPerS, speedup: decode.cachedTokensPerS / decode.uncachedTokensPerS, batch: decode.batch, tokens: decode.tokens },
    train_tokens_per_s: (tokens / updateMs) * 1000,
  };
}

async function benchNode(backend: 'cpu' | 'wasm' | 'webgpu', steps: number, repeats: number, scaling: ScalingPlan | null): Promise<BackendResult> {
  const choice = await nodeBackend(backend);
  if (backend === 'webgpu') console.error(`bench: webgpu adapter ${choice.adapter}`);
  const tokenizer = await nodeTokenizer();
  // cpu (plain JS) and a software WebGPU adapter would take minutes per step at wasm's shape.
  const small = backend === 'cpu' || (backend === 'webgpu' && choice.software);
  const shape = small ? SMALL_CONFIG : NODE_CONFIG;
  const config = configFromPresets(small ? ['smoke'] : [], { ...shape, steps: 1 });
  const fidelity = backend === 'webgpu' ? kernelFidelity() : undefined;
  const sizes = SIZES;
  const divergence: KernelTiming[] = [];
  for (const [p, v] of sizes) divergence.push(await benchDivergence(p, v, repeats));
  const stepTimes = await benchTrainSteps(config, tokenizer, ['grpo', 'infopo'], steps);
  const prefix = await benchPrefixReuse(config, tokenizer, repeats);
  const decode = await benchDecode({ vocabSize: tokenizer.vocabSize, dModel: config.dModel, nLayers: config.nLayers, nHeads: config.nHeads, maxContext: config.maxContext }, 16, 96);
  const scaled = await benchScaling(backend, small, scaling, tokenizer, steps);
  const fusedOps = backend === 'webgpu' ? await benchWebGpuFusedOps(config, tokenizer, repeats) : undefined;
  return { ...summarise(backend === 'webgpu' ? `webgpu (Node: ${choice.adapter})` : backend, shape, divergence, stepTimes, prefix, decode), ...scaled, fidelity_max_abs: await fidelity, webgpu_fused_ops: fusedOps };
}

/** GPU dispatches made by `fn` on the webgpu backend: every program tfjs records into a compute pass (kernels it runs on the CPU are not counted). */
async function countDispatches<T>(fn: () => Promise<T>): Promise<{ result: T; dispatches: number }> {
  const backend = tf.backend() as unknown as { recordAndSubmit: (...args: unknown[]) => unknown };
  const record = backend.recordAndSubmit;
  let dispatches = 0;
  backend.recordAndSubmit = function (this: unknown, ...args: unknown[]) {
    dispatches++;
    return record.apply(this, args);
  };
  try {
    return { result: await fn(), dispatches };
  } finally {
    backend.recordAndSubmit = record;
  }
}

function compareFused(fused: { ms: number[]; dispatches: number }, stock: { ms: number[]; dispatches: number }): FusedComparison {
  const step = { fused: median(fused.ms), stock: median(stock.ms) };
  return { dispatches: { fused: fused.dispatches, stock: stock.dispatches }, step_ms: step, time_ratio: step.fused / step.stock, dispatch_ratio: fused.dispatches / stock.dispatches };
}

/**
 * The fused WebGPU ops against tfjs's stock ops, alternating on / off so both see the same load
 * (medians): dispatches and time of one language-model training step (after a warm-up step that
 * compiles the shaders) and of one InfoPO Trainer step (each path its own trainer, after its warm
 * start and one warm-up step).
 */
async function benchWebGpuFusedOps(config: ReturnType<typeof configFromPresets>, tokenizer: Awaited<ReturnType<typeof nodeTokenizer>>, repeats: number): Promise<WebGpuFusedOpsResult> {
  const lmShape = { vocabSize: 64, dModel: config.dModel, nLayers: config.nLayers, nHeads: config.nHeads, maxContext: 64 };
  const [batch, context] = [4, 48];
  const lm = { fused: { ms: [] as number[], dispatches: 0 }, stock: { ms: [] as number[], dispatches: 0 } };
  for (let r = 0; r < Math.max(2, repeats); r++)
    for (const which of ['fused', 'stock'] as const) {
      const was = setWebGpuFusedOps(which === 'fused');
      try {
        // One timed step after one warm-up step: the dispatches of the two, halved.
        const { result, dispatches } = await countDispatches(() => benchTrainThroughput(lmShape, batch, context, 1, 1));
        lm[which].ms.push(result.stepMs);
        lm[which].dispatches = dispatches / 2;
      } finally {
        setWebGpuFusedOps(was);
      }
    }
  // Two trainers from the same config, one per path, stepped alternately so both see the same load.
  const trainers = {} as Record<'fused' | 'stock', Trainer>;
  const trainer = { fused: { ms: [] as number[], dispatches: 0, phases: [] as number[][] }, stock: { ms: [] as number[], dispatches: 0, phases: [] as number[][] } };
  const withPath = async <T>(which: 'fused' | 'stock', fn: () => Promise<T>): Promise<T> => {
    const was = setWebGpuFusedOps(which === 'fused');
    return fn().finally(() => setWebGpuFusedOps(was));
  };
  for (const which of ['fused', 'stock'] as const)
    await withPath(which, async () => {
      trainers[which] = new Trainer({ ...config, method: 'infopo' }, tokenizer);
      await trainers[which].warmStart();
      await trainers[which].step(); // warm-up: shader compiles
    });
  for (let r = 0; r < Math.max(3, repeats); r++)
    for (const which of ['fused', 'stock'] as const) {
      const { result, dispatches } = await withPath(which, () => countDispatches(() => trainers[which].step()));
      trainer[which].ms.push(result.metrics.step_ms);
      trainer[which].phases.push([result.metrics.rollout_ms, result.metrics.infogain_ms, result.metrics.update_ms]);
      trainer[which].dispatches = dispatches;
    }
  for (const t of Object.values(trainers)) t.dispose();
  const phase = (i: number) => ({ fused: median(trainer.fused.phases.map((p) => p[i])), stock: median(trainer.stock.phases.map((p) => p[i])) });
  return {
    lm_step: { ...compareFused(lm.fused, lm.stock), shape: { d_model: lmShape.dModel, n_layers: lmShape.nLayers, n_heads: lmShape.nHeads, batch, context } },
    trainer_step: { ...compareFused(trainer.fused, trainer.stock), phase_ms: { rollout: phase(0), infogain: phase(1), update: phase(2) } },
  };
}

/** `--scaling-only`: the batch scaling and the LM training against the bound, nothing else, on one Node backend. */
async function benchScalingOnly(backend: 'cpu' | 'wasm' | 'webgpu', steps: number, scaling: ScalingPlan): Promise<ScalingOnlyResult> {
  const choice = await nodeBackend(backend);
  if (backend === 'webgpu') console.error(`bench: webgpu adapter ${choice.adapter}`);
  const tokenizer = await nodeTokenizer();
  const slow = backend === 'cpu' || (backend === 'webgpu' && choice.software);
  return { backend: backend === 'webgpu' ? `webgpu (Node: ${choice.adapter})` : backend, ...(await benchScaling(backend, slow, scaling, tokenizer, steps)) };
}

type ScalingOnlyResult = { backend: string } & Pick<BackendResult, 'batch_scaling' | 'lm_train' | 'lm_train_steps'>;

/** The latest modification time of any file under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(resolve(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** The built lab page in headless Chromium, served by `vite preview` (which sends COOP/COEP). */
async function withLabBrowser<T>(fn: (open: (query: string) => Promise<{ page: import('@playwright/test').Page; problems: string[] }>) => Promise<T>): Promise<T> {
  // A stale dist/ would benchmark (and validate configs against) old code, so rebuild when any
  // source file is newer than the built lab page.
  const built = resolve(ROOT, 'dist/src/lab/index.html');
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : -1;
  if (builtAt < newestMtime(resolve(ROOT, 'src'))) {
    console.error(builtAt < 0 ? 'building the app (dist/ is missing)...' : 'building the app (dist/ is older than src/)...');
    execSync('npx vite build', { cwd: ROOT, stdio: 'inherit' });
  }
  const { preview } = await import('vite');
  const server = await preview({ root: ROOT, preview: { port: LAB_PORT, host: 'localhost', strictPort: true }, logLevel: 'warn' });
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({ executablePath: systemChromium(), args: CHROMIUM_ARGS });
  try {
    return await fn(async (query) => {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`http://localhost:${LAB_PORT}/src/lab/index.html${query}`);
      await page.waitForFunction(() => Boolean(window.infopoLab?.info) || document.getElementById('status')?.dataset.state === 'error', undefined, { timeout: 60_000 });
      if (!(await page.evaluate(() => Boolean(window.infopoLab?.info)))) throw new Error(`the lab page did not start (${await page.locator('#status').textContent()}) ${problems.join(' | ')}`);
      return { page, problems };
    });
  } finally {
    await browser.close();
    await new Promise<void>((done) => server.httpServer.close(() => done()));
  }
}

/**
 * The page's wasm training throughput with one thread and with all cores (cross-origin isolated
 * lab page, production build), alternating `rounds` times; medians.
 */
async function benchPageThreads(steps: number, rounds: number): Promise<PageThreadsResult> {
  return withLabBrowser(async (open) => {
    const probe = await open('?backend=wasm&threads=1');
    const cores = await probe.page.evaluate(() => navigator.hardwareConcurrency);
    await probe.page.close();
    const shape = { dModel: 64, nLayers: 2 };
    const runs: Record<'one' | 'all', { tok: number[]; gf: number[] }> = { one: { tok: [], gf: [] }, all: { tok: [], gf: [] } };
    for (let r = 0; r < rounds; r++) {
      for (const which of ['one', 'all'] as const) {
        const threads = which === 'one' ? 1 : cores;
        const { page, problems } = await open(`?backend=wasm&threads=${threads}`);
        const res = await page.evaluate((o) => window.infopoLab.benchTrain(o), { ...shape, steps });
        if (problems.length) throw new Error(`the lab page (wasm, ${threads} threads) reported errors: ${problems.join(' | ')}`);
        if (res.threads !== threads) throw new Error(`the lab page ran ${res.threads} wasm threads, not ${threads}`);
        runs[which].tok.push(res.tokensPerS);
        runs[which].gf.push(res.matmulGflops);
        await page.close();
      }
    }
    const one = { train_tokens_per_s: median(runs.one.tok), matmul_gflops: median(runs.one.gf) };
    const all = { train_tokens_per_s: median(runs.all.tok), matmul_gflops: median(runs.all.gf) };
    return { threads: cores, shape: { d_model: shape.dModel, n_layers: shape.nLayers }, one_thread: one, all_threads: all, train_speedup: all.train_tokens_per_s / one.train_tokens_per_s, matmul_speedup: all.matmul_gflops / one.matmul_gflops };
  });
}

/** Worst absolute error of the fused kernel against the float64 reference over the parity cases (up to 300k entries). */
async function kernelFidelity(): Promise<{ log_ratio: number; kl: number }> {
  let logRatio = 0;
  let kl = 0;
  for (const spec of PARITY_CASES.filter((c) => c.positions * c.vocab <= 300_000)) {
    const r = await divergenceParity(spec, 'kernel');
    logRatio = Math.max(logRatio, r.logRatio.maxAbs);
    kl = Math.max(kl, r.kl.maxAbs);
  }
  return { log_ratio: logRatio, kl };
}

async function benchWebgpuPage(steps: number, repeats: number): Promise<BackendResult> {
  return withLabBrowser(async (open) => {
    const { page, problems } = await open('');
    const fidelity = await page.evaluate(async () => {
      const lab = window.infopoLab;
      let logRatio = 0;
      let kl = 0;
      for (const spec of lab.cases.filter((c) => c.positions * c.vocab <= 300_000)) {
        const r = await lab.parity(spec, 'kernel');
        logRatio = Math.max(logRatio, r.logRatio.maxAbs);
        kl = Math.max(kl, r.kl.maxAbs);
      }
      return { log_ratio: logRatio, kl };
    });
    const r = await page.evaluate((o) => window.infopoLab.benchEngine(o), { config: { ...configFromPresets(['smoke'], SMALL_CONFIG) }, steps, repeats, sizes: SIZES, decode: { batch: 8, length: 32 } });
    if (problems.length) throw new Error(`the lab page reported errors: ${problems.join(' | ')}`);
    return { ...summarise('webgpu (Chromium lab page)', SMALL_CONFIG, r.divergence, r.steps, r.prefix, r.decode), fidelity_max_abs: fidelity };
  });
}

/** One lane of a demo race, as the child process reports it. */
interface DemoLane {
  seed: number;
  method: 'infopo' | 'grpo';
  /** Step-0 test success and the first evaluation at least VISIBLE_RISE above it: ms from the run's start (checkpoint loading included) to the end of that evaluation. */
  baseline: number;
  rise: { step: number; ms: number; success: number } | null;
  final: number;
  total_ms: number;
  step_ms_median: number;
  /** Mean over the run's steps of the share of uninformative questions, and of the tied groups' credit gap (informative - uninformative). */
  uninformative_share: number;
  tied_credit_gap: number;
  evaluations: EvaluationEntry[];
}

/**
 * One lane of the page's landing run (the demo preset), in this process on wasm. Node's wasm
 * backend runs one thread; the race runs two lanes as two processes, one per core, as the page's
 * two workers do.
 */
async function demoLane(seed: number, method: 'infopo' | 'grpo'): Promise<DemoLane> {
  const choice = await nodeBackend('wasm');
  const tokenizer = await nodeTokenizer();
  const config = configFromPresets(['demo'], { seed, method });
  const t0 = performance.now();
  const evalAt = new Map<number, number>();
  const { record, trainer } = await runExperiment(config, tokenizer, nodeEnvironment(choice), { onEvent: (e) => void (e.type === 'evaluation' && evalAt.set(e.entry.step, performance.now() - t0)) }, { loadPretrained: nodePretrained });
  const total = performance.now() - t0;
  trainer.dispose();
  const rise = firstRise(record.steps, record.evaluations, { margin: VISIBLE_RISE });
  const risen = rise.evalStep === null ? null : record.evaluations.find((e) => e.step === rise.evalStep)!;
  const meanOf = (xs: number[]) => { const f = xs.filter(Number.isFinite); return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN; };
  const gap = record.steps.map((s) => s.metrics.tied_credit_informative - s.metrics.tied_credit_uninformative);
  return { seed, method, baseline: record.evaluations[0].success, rise: risen ? { step: risen.step, ms: evalAt.get(risen.step)!, success: risen.success } : null, final: record.evaluations.at(-1)!.success, total_ms: total, step_ms_median: median(record.steps.map((s) => s.metrics.step_ms)), uninformative_share: meanOf(record.steps.map((s) => s.metrics.uninformative_share)), tied_credit_gap: meanOf(gap), evaluations: record.evaluations };
}

/** A race per seed: InfoPO and GRPO at once, each in its own process (`--demo-lane`), then paired. */
async function demoRaces(seeds: number[]) {
  const lane = async (seed: number, method: string): Promise<DemoLane> => {
    const r = await runNode('bench.ts', ['--demo-lane', `${seed}:${method}`]);
    if (r.code !== 0) throw new Error(`demo lane ${seed}:${method} exited with ${r.code}:\n${r.stderr.slice(-2000)}`);
    return JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as DemoLane;
  };
  const races: { seed: number; infopo: DemoLane; grpo: DemoLane; verdict: RaceVerdict | null }[] = [];
  for (const seed of seeds) {
    console.error(`bench: demo race, seed ${seed} (InfoPO and GRPO at once)...`);
    const [infopo, grpo] = await Promise.all([lane(seed, 'infopo'), lane(seed, 'grpo')]);
    races.push({ seed, infopo, grpo, verdict: raceVerdict(infopo.evaluations, grpo.evaluations) });
  }
  const per = (m: 'infopo' | 'grpo', f: (l: DemoLane) => number) => new Map(races.map((r) => [r.seed, f(r[m])] as [number, number]));
  const paired = (f: (l: DemoLane) => number) => (races.length >= 2 ? pairedDifference(per('infopo', f), per('grpo', f), { seed: BOOTSTRAP_SEED }) : null);
  const brief = (e: ReturnType<typeof paired>) => e && { mean: e.mean, ci95: e.ci95, n: e.n, per_seed: Object.fromEntries(e.keys.map((k, i) => [String(k), e.differences[i]])) };
  return { races, across: brief(paired((l) => curveArea(l.evaluations))), uninformative: brief(paired((l) => l.uninformative_share)) };
}

/** The batch-scaling rows (step ms and dialogues/s per batch, the largest over the smallest) and the fraction of the bound, per backend. */
function scalingTable(results: ScalingOnlyResult[]): string {
  const lines: string[] = [];
  const row = (...cells: string[]) => lines.push(cells.map((c, i) => (i === 0 ? c.padEnd(34) : c.padStart(12))).join(''));
  const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
  row('figure', ...results.map((r) => r.backend));
  const batches = [...new Set(results.flatMap((r) => r.batch_scaling?.batches ?? []))].sort((a, b) => a - b);
  for (const n of batches) {
    const at = (r: ScalingOnlyResult) => r.batch_scaling?.rows.find((x) => x.dialogues === n);
    row(`demo step ms | dialogues/s @ ${n}`, ...results.map((r) => (at(r) ? `${f(at(r)!.step_ms, 0)}|${f(at(r)!.dialogues_per_s, 1)}` : '-')));
  }
  if (batches.length) row('  step ms largest / smallest', ...results.map((r) => (r.batch_scaling?.largest_over_smallest ? `${f(r.batch_scaling.largest_over_smallest.step_time_ratio)} (${r.batch_scaling.largest_over_smallest.to}/${r.batch_scaling.largest_over_smallest.from})` : '-')));
  for (const [d, layers] of LM_SHAPES) {
    const lm = (r: ScalingOnlyResult) => r.lm_train?.find((x) => x.d_model === d && x.n_layers === layers);
    row(`LM train tok/s d ${d}/${layers}`, ...results.map((r) => f(lm(r)?.train_tokens_per_s, 0)));
    row(`  train_fraction_of_bound`, ...results.map((r) => f(lm(r)?.train_fraction_of_bound, 3)));
    row(`  depthwise products speedup`, ...results.map((r) => f(lm(r)?.depthwise_speedup)));
    row(`  bound tok/s (matmul GFLOP/s)`, ...results.map((r) => (lm(r) ? `${f(lm(r)!.bound_tokens_per_s, 0)} (${f(lm(r)!.matmul_gflops, 1)})` : '-')));
  }
  return lines.join('\n');
}

function table(results: BackendResult[]): string {
  const lines: string[] = [];
  const row = (...cells: string[]) => lines.push(cells.map((c, i) => (i === 0 ? c.padEnd(34) : c.padStart(12))).join(''));
  row('figure', ...results.map((r) => r.backend));
  const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
  for (let i = 0; i < SIZES.length; i++) {
    const [p, v] = SIZES[i];
    row(`kernel_speedup ${p}x${v}`, ...results.map((r) => f(r.divergence[i]?.kernel_speedup)));
    row(`  ops GB/s | kernel GB/s ${p}x${v}`, ...results.map((r) => `${f(r.divergence[i]?.ops_gb_per_s, 3)}|${f(r.divergence[i]?.kernel_gb_per_s, 3)}`));
  }
  row('infopo_over_grpo (step time)', ...results.map((r) => f(r.infopo_over_grpo)));
  row('infopo_overhead (IG phase share)', ...results.map((r) => f(r.infopo_overhead)));
  row('  grpo step ms | infopo step ms', ...results.map((r) => `${f(r.step_ms.grpo, 0)}|${f(r.step_ms.infopo, 0)}`));
  row('prefix_reuse_speedup', ...results.map((r) => f(r.prefix_reuse_speedup)));
  row('  counterfactual GFLOP full|reuse', ...results.map((r) => `${f(r.prefix_reuse.fullFlops / 1e9, 3)}|${f(r.prefix_reuse.reuseFlops / 1e9, 3)}`));
  row('decode tok/s KV cache', ...results.map((r) => f(r.decode_tokens_per_s.kv_cache, 0)));
  row('decode tok/s no cache', ...results.map((r) => f(r.decode_tokens_per_s.no_cache, 0)));
  row('train_tokens_per_s (update)', ...results.map((r) => f(r.train_tokens_per_s, 0)));
  lines.push(...scalingTable(results).split('\n').slice(1));
  for (const which of ['lm_step', 'trainer_step'] as const) {
    const x = (r: BackendResult) => r.webgpu_fused_ops?.[which];
    row(`webgpu fused ops ${which}: time fused/stock`, ...results.map((r) => f(x(r)?.time_ratio, 3)));
    row(`  dispatches fused|stock`, ...results.map((r) => (x(r) ? `${x(r)!.dispatches.fused}|${x(r)!.dispatches.stock}` : '-')));
    row(`  step ms fused|stock`, ...results.map((r) => (x(r) ? `${f(x(r)!.step_ms.fused, 0)}|${f(x(r)!.step_ms.stock, 0)}` : '-')));
  }
  for (const p of ['rollout', 'infogain', 'update'] as const) {
    const x = (r: BackendResult) => r.webgpu_fused_ops?.trainer_step.phase_ms[p];
    row(`  ${p} ms fused|stock`, ...results.map((r) => (x(r) ? `${f(x(r)!.fused, 0)}|${f(x(r)!.stock, 0)}` : '-')));
  }
  row('webgpu max |err| logRatio|KL', ...results.map((r) => (r.fidelity_max_abs ? `${r.fidelity_max_abs.log_ratio.toExponential(1)}|${r.fidelity_max_abs.kl.toExponential(1)}` : '-')));
  return lines.join('\n');
}

/** The batch-scaling plan from the flags (null with --no-batch-scaling); each bad value is one error line. */
function scalingPlan(o: { batches: string; slowBatches: string; slowSteps: string; batchScaling: boolean }, steps: number): ScalingPlan | null {
  if (!o.batchScaling) return null;
  const groupSize = configFromPresets([BATCH_PRESET]).groupSize;
  const slowSteps = Number(o.slowSteps);
  if (!Number.isInteger(slowSteps) || slowSteps < 1) throw new Error(`--slow-steps: expected a whole number of at least 1, got "${o.slowSteps}"`);
  return { batches: parseBatches(o.batches, groupSize, '--batches'), steps, slowBatches: parseBatches(o.slowBatches, groupSize, '--slow-batches'), slowSteps };
}

async function main(): Promise<void> {
  const program = new Command()
    .name('npm run bench --')
    .description('Benchmark the divergence kernel, InfoPO vs GRPO step time, prefix reuse, decoding, training vs the matmul bound and whole demo steps at several batches on each backend.')
    .option('--backends <list>', 'comma-separated: cpu, wasm, webgpu (Node, Dawn), webgpu-page (Chromium)', 'wasm,webgpu-page,cpu')
    .option('--steps <n>', 'timed training steps per method (after one warm-up step)', '3')
    .option('--repeats <n>', 'repeats of each micro-benchmark (median reported)', '5')
    .option('--out <file.json>', 'write the results as JSON')
    .option('--no-page-threads', 'skip the page benchmark of wasm with one thread vs all cores (Chromium, lab page)')
    .option('--batches <list>', 'dialogues per step (promptsPerStep x G 5) at which whole InfoPO steps of the demo preset are timed, on wasm and a hardware GPU', DEFAULT_BATCHES.join(','))
    .option('--slow-batches <list>', 'the same on slow backends: cpu and a software WebGPU adapter (SwiftShader)', SLOW_BATCHES.join(','))
    .option('--slow-steps <n>', 'timed steps per batch, and per LM-training shape, on slow backends (after one warm-up step)', '1')
    .option('--no-batch-scaling', 'skip the batch-scaling benchmark')
    .option('--scaling-only', 'only the batch scaling and the LM training against the matmul bound, per Node backend (cpu, wasm, webgpu)')
    .option('--demo', `instead: race the demo preset (the page's landing run), InfoPO and GRPO at once on wasm, and time each to a +${VISIBLE_RISE} rise in test success`)
    .option('--seeds <list>', 'with --demo: seeds, comma-separated or a range (default: three of the fresh demo-check seeds)', DEMO_CHECK_SEEDS.slice(0, 3).join(','))
    .option('--demo-lane <seed:method>', 'internal: one lane of a demo race, as JSON on stdout')
    .option('--user-lm [spec]', 'instead: time the LM user (default user-lm) on wasm: user turns/s one at a time vs batched, and a demo training step with it vs the scripted user');
  program.parse();
  const o = program.opts<{ userLm?: string | true; backends: string; steps: string; repeats: string; out?: string; demo?: boolean; demoLane?: string; seeds: string; pageThreads: boolean; batches: string; slowBatches: string; slowSteps: string; batchScaling: boolean; scalingOnly?: boolean }>();
  if (o.demoLane) {
    quietTfjsBanner();
    const [seed, method] = o.demoLane.split(':');
    if (!/^\d+$/.test(seed) || (method !== 'infopo' && method !== 'grpo')) throw new Error(`--demo-lane: expected SEED:infopo or SEED:grpo, got "${o.demoLane}"`);
    process.stdout.write(JSON.stringify(await demoLane(Number(seed), method)) + '\n');
    return;
  }
  if (o.userLm) {
    quietTfjsBanner();
    await nodeBackend('wasm');
    const userModel = o.userLm === true ? 'user-lm' : o.userLm;
    const result = await benchUserLm(await nodeTokenizer(), { userModel, steps: Number(o.steps), repeats: Number(o.repeats) });
    console.log(userLmBenchText(result));
    if (o.out) {
      const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', node: process.versions.node, tfjs: tf.version.tfjs };
      writeFileSync(o.out, JSON.stringify({ format: 'infopo-sandbox/bench-user-lm@1', date: new Date().toISOString(), machine, backend: 'wasm', command: `npm run bench -- ${process.argv.slice(2).join(' ')}`, result }, null, 1) + '\n');
      console.error(`wrote ${o.out}`);
    }
    return;
  }
  if (o.demo) {
    const seeds = parseSeeds(o.seeds);
    const { races, across, uninformative } = await demoRaces(seeds);
    const at = (l: DemoLane) => (l.rise ? `+${VISIBLE_RISE} at step ${l.rise.step}, ${(l.rise.ms / 1000).toFixed(1)} s` : `no +${VISIBLE_RISE} rise`);
    for (const r of races) {
      const v = r.verdict;
      console.log(`seed ${r.seed}: InfoPO ${r.infopo.baseline.toFixed(3)} -> ${r.infopo.final.toFixed(3)} (${at(r.infopo)}; run ${(r.infopo.total_ms / 1000).toFixed(1)} s) | GRPO ${r.grpo.baseline.toFixed(3)} -> ${r.grpo.final.toFixed(3)} (${at(r.grpo)}; run ${(r.grpo.total_ms / 1000).toFixed(1)} s) | area InfoPO - GRPO ${v ? `${v.areaDifference.mean.toFixed(3)} [${v.areaDifference.ci95.map((x) => x.toFixed(3)).join(', ')}] over episodes` : '-'}`);
    }
    for (const m of ['infopo', 'grpo'] as const) {
      const times = races.map((r) => r[m].rise?.ms).filter((x): x is number => x !== undefined);
      console.log(`${m}: reached +${VISIBLE_RISE} in ${times.length}/${races.length} races; seconds to it: median ${times.length ? (median(times) / 1000).toFixed(1) : '-'}, max ${times.length ? (Math.max(...times) / 1000).toFixed(1) : '-'} (the page's target: 90 s)`);
    }
    if (across) console.log(`InfoPO - GRPO, mean test success over the run (area under the test curve), paired by seed over ${across.n} seeds: ${across.mean.toFixed(3)} [${across.ci95.map((x) => x.toFixed(3)).join(', ')}]`);
    if (uninformative) console.log(`InfoPO - GRPO, share of uninformative questions (mean over the run's steps), paired by seed: ${uninformative.mean.toFixed(3)} [${uninformative.ci95.map((x) => x.toFixed(3)).join(', ')}]`);
    if (o.out) {
      const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', node: process.versions.node, tfjs: tf.version.tfjs };
      writeFileSync(o.out, JSON.stringify({ format: 'infopo-sandbox/bench-demo@2', date: new Date().toISOString(), machine, command: `npm run bench -- --demo --seeds ${o.seeds}`, definition: `first evaluation with test success >= step 0 + ${VISIBLE_RISE} (src/engine/analysis/first-rise.ts); area: src/engine/analysis/race.ts`, races: races.map(({ infopo, grpo, ...r }) => ({ ...r, infopo: { ...infopo, evaluations: undefined }, grpo: { ...grpo, evaluations: undefined } })), across, uninformative }, null, 1) + '\n');
      console.error(`wrote ${o.out}`);
    }
    return;
  }
  const backends = o.backends.split(',').map((b) => b.trim());
  for (const b of backends) if (!['cpu', 'wasm', 'webgpu', 'webgpu-page'].includes(b)) throw new Error(`--backends: unknown backend "${b}" (cpu, wasm, webgpu, webgpu-page)`);
  const steps = Number(o.steps);
  const repeats = Number(o.repeats);
  if (!(steps >= 1) || !(repeats >= 1)) throw new Error('--steps and --repeats must be at least 1');
  const scaling = scalingPlan(o, steps);
  if (o.scalingOnly) {
    if (!scaling) throw new Error('--scaling-only and --no-batch-scaling exclude each other');
    const nodeOnly = backends.filter((b) => b !== 'webgpu-page');
    if (nodeOnly.length !== backends.length) throw new Error('--scaling-only runs on the Node backends (cpu, wasm, webgpu), not webgpu-page');
    quietTfjsBanner();
    const results: ScalingOnlyResult[] = [];
    for (const b of nodeOnly as ('cpu' | 'wasm' | 'webgpu')[]) {
      const t0 = Date.now();
      console.error(`bench: ${b}, batch scaling...`);
      results.push(await benchScalingOnly(b, steps, scaling));
      console.error(`bench: ${b} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    console.log(scalingTable(results));
    if (o.out) {
      const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', node: process.versions.node, tfjs: tf.version.tfjs };
      writeFileSync(o.out, JSON.stringify({ format: 'infopo-sandbox/bench-scaling@1', date: new Date().toISOString(), machine, command: `npm run bench -- ${process.argv.slice(2).join(' ')}`, results }, null, 1) + '\n');
      console.error(`wrote ${o.out}`);
    }
    return;
  }
  quietTfjsBanner();
  const results: BackendResult[] = [];
  for (const b of backends) {
    const t0 = Date.now();
    console.error(`bench: ${b}...`);
    results.push(b === 'webgpu-page' ? await benchWebgpuPage(steps, repeats) : await benchNode(b as 'cpu' | 'wasm' | 'webgpu', steps, repeats, scaling));
    console.error(`bench: ${b} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  let pageThreads: PageThreadsResult | null = null;
  if (o.pageThreads) {
    const t0 = Date.now();
    console.error('bench: page wasm, one thread vs all cores...');
    pageThreads = await benchPageThreads(Math.max(3, steps), 2);
    console.error(`bench: page threads done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', node: process.versions.node, tfjs: tf.version.tfjs, chromium: systemChromium() ?? 'playwright' };
  console.log(table(results));
  if (pageThreads) {
    const p = pageThreads;
    console.log(`page (lab, Chromium, wasm, d ${p.shape.d_model}/${p.shape.n_layers}): ${p.threads} threads vs 1: train ${p.all_threads.train_tokens_per_s.toFixed(0)} vs ${p.one_thread.train_tokens_per_s.toFixed(0)} tok/s (${p.train_speedup.toFixed(2)}x), 1024^3 matmul ${p.all_threads.matmul_gflops.toFixed(1)} vs ${p.one_thread.matmul_gflops.toFixed(1)} GFLOP/s (${p.matmul_speedup.toFixed(2)}x)`);
  }
  if (o.out) {
    writeFileSync(o.out, JSON.stringify({ format: 'infopo-sandbox/bench@2', date: new Date().toISOString(), machine, flops_note: 'forwardFlops() and trainFlopsPerToken() in src/engine/runtime/bench.ts', results, page_threads: pageThreads }, null, 1) + '\n');
    console.error(`wrote ${o.out}`);
  }
}

// Exit when done: WebGPU in Node holds the event loop open (node-webgpu.ts).
main().then(() => process.exit(process.exitCode ?? 0), (e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
