/**
 * Kernel lab: a plain page (no Svelte) that puts tfjs on the webgpu backend and exposes
 * `window.infopoLab` for the Playwright parity test (e2e/kernels.spec.ts) and for benchmarks.
 * Inputs are generated in the page from a seed (reference.ts), so only small JSON crosses the
 * Playwright bridge, and the float64 reference runs here too.
 */
import * as tf from '@tensorflow/tfjs';
import { benchDecode, benchDivergence as benchDivergenceSizes, benchMatmulGflops, benchPrefixReuse, benchTrainSteps, benchTrainThroughput, configFromPresets, loadTokenizer, counterfactualDivergence, divergenceParity, hasFusedDivergenceKernel, median, PARITY_CASES, makeDivergenceCase, type DecodeTiming, type KernelTiming, type PrefixReuseTiming, type StepTiming, type Config, type DivergenceImpl, type DivergenceCaseSpec, type DivergenceParity, type ErrorStats } from '../engine';
import {
  fusedKernelInvocations,
  setDivergenceWorkgroupSize,
  divergenceWorkgroupSize,
  type DivergenceWorkgroupSize,
} from '../engine/runtime/webgpu';

export interface LabInfo {
  backend: string;
  /** wasm threads in use (null on webgpu); `?backend=wasm&threads=N` selects the wasm backend. */
  threads: number | null;
  crossOriginIsolated: boolean;
  adapter: { vendor: string; architecture: string; device: string; description: string };
  features: string[];
  maxComputeWorkgroupsPerDimension: number;
}

/** The engine's parity check (kernels/parity.ts) plus what the lab knows of the WebGPU kernel. */
export interface ParityResult extends DivergenceParity {
  backend: string;
  /** dispatches of the fused kernel during this call (1 when it ran, 0 for the ops path) */
  kernelRuns: number;
  workgroupSize: number;
}

export interface BenchOptions {
  positions: number;
  vocab: number;
  repeats?: number;
  warmup?: number;
  seed?: number;
  workgroupSize?: DivergenceWorkgroupSize;
  /** which implementations to time; default both */
  impls?: Array<'kernel' | 'ops'>;
}

export interface BenchResult {
  backend: string;
  positions: number;
  vocab: number;
  repeats: number;
  workgroupSize: number;
  /** median wall-clock ms per call including the GPU sync (await data()), warm-up excluded */
  kernelMs: number | null;
  opsMs: number | null;
  kernelSamples: number[];
  opsSamples: number[];
}

export interface EngineBenchOptions {
  config: Partial<Config>;
  steps: number;
  repeats: number;
  sizes: [number, number][];
  decode: { batch: number; length: number };
}

export interface EngineBenchResult {
  backend: string;
  divergence: KernelTiming[];
  steps: StepTiming[];
  prefix: PrefixReuseTiming;
  decode: DecodeTiming;
}

export interface TrainBenchOptions {
  dModel: number;
  nLayers: number;
  steps: number;
}

export interface TrainBenchResult {
  backend: string;
  threads: number | null;
  tokensPerS: number;
  matmulGflops: number;
}

export interface InfopoLab {
  ready: Promise<LabInfo>;
  info: LabInfo | null;
  cases: DivergenceCaseSpec[];
  parity(spec: DivergenceCaseSpec, impl?: DivergenceImpl): Promise<ParityResult>;
  benchDivergence(options: BenchOptions): Promise<BenchResult>;
  /** The engine benchmarks of `npm run bench` on this page's backend (webgpu). */
  benchEngine(options: EngineBenchOptions): Promise<EngineBenchResult>;
  /** Language-model training throughput (batch 8 x 128, vocab 256) and 1024^3 matmul speed on this page's backend. */
  benchTrain(options: TrainBenchOptions): Promise<TrainBenchResult>;
}

declare global {
  interface Window {
    infopoLab: InfopoLab;
  }
}

const statusEl = document.getElementById('status') as HTMLElement;
const logEl = document.getElementById('log') as HTMLElement;

function setStatus(state: 'loading' | 'ready' | 'busy' | 'error', text: string): void {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function log(line: string): void {
  logEl.textContent += line + '\n';
}

const params = new URLSearchParams(location.search);
const requestedBackend = params.get('backend') ?? 'webgpu';
let wasmThreads: (() => number) | null = null;

/** `?backend=wasm&threads=N`: the wasm backend with N threads (N > 1 needs cross-origin isolation). */
async function initWasm(): Promise<LabInfo> {
  const threads = Number(params.get('threads') ?? '1');
  const setup = await import('../worker/wasm-setup');
  await setup.prepareWasm(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('could not initialise the wasm backend');
  await tf.ready();
  wasmThreads = setup.wasmThreads;
  const actual = setup.wasmThreads();
  // tfjs quietly runs one thread without SharedArrayBuffer: say so instead of measuring the wrong thing.
  if (actual !== threads) throw new Error(`asked for ${threads} wasm threads, got ${actual} (cross-origin isolated: ${self.crossOriginIsolated})`);
  return { backend: tf.getBackend(), threads: actual, crossOriginIsolated: self.crossOriginIsolated, adapter: { vendor: '', architecture: '', device: '', description: '' }, features: [], maxComputeWorkgroupsPerDimension: 0 };
}

async function init(): Promise<LabInfo> {
  if (requestedBackend === 'wasm') return initWasm();
  if (requestedBackend !== 'webgpu') throw new Error(`?backend=${requestedBackend}: the lab runs webgpu (default) or wasm`);
  // Small tensors would otherwise run on the CPU (WEBGPU_CPU_FORWARD): the ops baseline must
  // stay on the GPU to be a fair comparison. The fused kernel ignores the flag anyway.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!('gpu' in navigator)) throw new Error('navigator.gpu is missing (WebGPU needs a secure context and a WebGPU-enabled browser)');
  const ok = await tf.setBackend('webgpu');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'webgpu') throw new Error(`could not initialise the webgpu backend (backend is ${tf.getBackend()})`);
  // A second adapter request only to read its description; tfjs keeps its own adapter private.
  const adapter = await navigator.gpu.requestAdapter();
  const info = adapter?.info;
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  return {
    backend: tf.getBackend(),
    threads: null,
    crossOriginIsolated: self.crossOriginIsolated,
    adapter: {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
    },
    features: adapter ? [...adapter.features].map(String).sort() : [],
    maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
  };
}

async function parity(spec: DivergenceCaseSpec, impl: DivergenceImpl = 'kernel'): Promise<ParityResult> {
  const runsBefore = fusedKernelInvocations();
  const result = await divergenceParity(spec, impl);
  return { ...result, backend: tf.getBackend(), kernelRuns: fusedKernelInvocations() - runsBefore, workgroupSize: divergenceWorkgroupSize(result.vocab) };
}

async function benchDivergence(options: BenchOptions): Promise<BenchResult> {
  const { positions, vocab } = options;
  const repeats = options.repeats ?? 5;
  const warmup = options.warmup ?? 2;
  const impls = options.impls ?? ['kernel', 'ops'];
  const c = makeDivergenceCase({ name: 'bench', kind: 'uniform', positions, vocab, seed: options.seed ?? 1234 });
  setDivergenceWorkgroupSize(options.workgroupSize ?? null);
  const real = tf.tensor2d(c.real, [positions, vocab]);
  const masked = tf.tensor2d(c.masked, [positions, vocab]);
  const tokens = tf.tensor1d(c.tokens, 'int32');
  const samples: Record<'kernel' | 'ops', number[]> = { kernel: [], ops: [] };
  try {
    for (const impl of impls) {
      for (let r = 0; r < warmup + repeats; r++) {
        const t0 = performance.now();
        const out = counterfactualDivergence(real, masked, tokens, impl);
        // The readback is the GPU sync: the time covers the whole queue, not only the encoding.
        await Promise.all([out.logRatio.data(), out.kl.data()]);
        const dt = performance.now() - t0;
        tf.dispose([out.logRatio, out.kl]);
        if (r >= warmup) samples[impl].push(dt);
      }
    }
  } finally {
    tf.dispose([real, masked, tokens]);
    setDivergenceWorkgroupSize(null);
  }
  return {
    backend: tf.getBackend(),
    positions,
    vocab,
    repeats,
    workgroupSize: options.workgroupSize ?? divergenceWorkgroupSize(vocab),
    kernelMs: samples.kernel.length ? median(samples.kernel) : null,
    opsMs: samples.ops.length ? median(samples.ops) : null,
    kernelSamples: samples.kernel,
    opsSamples: samples.ops,
  };
}

async function benchEngine(o: EngineBenchOptions): Promise<EngineBenchResult> {
  // A path, not a full URL: transformers.js resolves local model files only from paths.
  const tokenizer = await loadTokenizer({ modelsPath: '/models/' });
  const config = configFromPresets([], o.config);
  const divergence: KernelTiming[] = [];
  for (const [positions, vocab] of o.sizes) divergence.push(await benchDivergenceSizes(positions, vocab, o.repeats));
  const steps = await benchTrainSteps(config, tokenizer, ['grpo', 'infopo'], o.steps);
  const prefix = await benchPrefixReuse(config, tokenizer, o.repeats);
  const decode = await benchDecode({ vocabSize: tokenizer.vocabSize, dModel: config.dModel, nLayers: config.nLayers, nHeads: config.nHeads, maxContext: config.maxContext }, o.decode.batch, o.decode.length);
  return { backend: tf.getBackend(), divergence, steps, prefix, decode };
}

async function benchTrain(o: TrainBenchOptions): Promise<TrainBenchResult> {
  const before = await benchMatmulGflops();
  const r = await benchTrainThroughput({ vocabSize: 256, dModel: o.dModel, nLayers: o.nLayers, nHeads: 4, maxContext: 128 }, 8, 128, o.steps);
  const after = await benchMatmulGflops();
  return { backend: tf.getBackend(), threads: wasmThreads ? wasmThreads() : null, tokensPerS: r.tokensPerS, matmulGflops: (before + after) / 2 };
}

function fmt(s: ErrorStats): string {
  return `maxAbs ${s.maxAbs.toExponential(2)} maxRel ${s.maxRel.toExponential(2)} NaN ${s.nanCount} nonFinite ${s.nonFiniteCount}/${s.nonFiniteMismatches} bad`;
}

const lab: InfopoLab = {
  ready: init(),
  info: null,
  cases: PARITY_CASES,
  parity,
  benchDivergence,
  benchEngine,
  benchTrain,
};
window.infopoLab = lab;

lab.ready.then(
  (info) => {
    lab.info = info;
    const fused = hasFusedDivergenceKernel() ? 'fused divergence kernel registered' : 'NO fused kernel';
    const where = info.threads === null ? `adapter ${info.adapter.vendor}/${info.adapter.architecture}, ${fused}` : `${info.threads} thread${info.threads === 1 ? '' : 's'}, cross-origin isolated: ${info.crossOriginIsolated}`;
    setStatus('ready', `ready: backend ${info.backend}, ${where}`);
    const parityButton = document.getElementById('run-parity') as HTMLButtonElement;
    const benchButton = document.getElementById('run-bench') as HTMLButtonElement;
    // The buttons exercise the fused WGSL kernel: webgpu only.
    parityButton.disabled = benchButton.disabled = info.threads !== null;
    parityButton.onclick = async () => {
      setStatus('busy', 'running parity suite…');
      for (const spec of PARITY_CASES) {
        const r = await parity(spec);
        log(`${r.pass ? 'PASS' : 'FAIL'} ${r.name}: logRatio ${fmt(r.logRatio)} | kl ${fmt(r.kl)} | ${r.ms.toFixed(0)} ms`);
      }
      setStatus('ready', 'parity suite done');
    };
    benchButton.onclick = async () => {
      setStatus('busy', 'benchmarking…');
      const r = await benchDivergence({ positions: 256, vocab: 5003 });
      log(`bench ${r.positions}x${r.vocab} WG ${r.workgroupSize}: fused ${r.kernelMs?.toFixed(2)} ms, ops ${r.opsMs?.toFixed(2)} ms`);
      setStatus('ready', 'benchmark done');
    };
  },
  (err: unknown) => {
    setStatus('error', `error: ${err instanceof Error ? err.message : String(err)}`);
  },
);
