/**
 * Choosing the TensorFlow.js backend. Never silent: when the preferred backend cannot start, the
 * reason is returned so the page and the run record can say so. "auto" does not trust the order
 * webgpu > wasm > cpu: a software WebGPU adapter (SwiftShader) is ~10x slower than wasm, so each
 * backend that starts is timed briefly on the run's own model shape and the fastest wins.
 */
import * as tf from '@tensorflow/tfjs';
import { Policy, type ModelShape } from '../policy/model';
import { Rng } from '../random';
import type { EnvironmentInfo } from '../run';

/**
 * Every backend a run may use, in the order an explicit preference falls back (webgpu, then wasm,
 * then cpu): the one list the share links, the run record's schema, the worker and the page use.
 */
export const BACKEND_NAMES = ['webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(name: unknown): name is BackendName {
  return (BACKEND_NAMES as readonly unknown[]).includes(name);
}

/** The backends an explicit preference tries, in order: itself, then the ones after it in `BACKEND_NAMES`. */
export function fallbackOrder(preferred: BackendName): BackendName[] {
  return BACKEND_NAMES.slice(BACKEND_NAMES.indexOf(preferred));
}

export interface BackendChoice {
  backend: BackendName;
  fallbackReason: string | null;
  adapter: string | null;
  /** True when the WebGPU adapter is a software rasteriser (SwiftShader, a fallback adapter): it runs on the CPU. */
  software: boolean;
  /** The timings behind an "auto" choice (null when one backend was asked for). */
  probe: BackendProbe[] | null;
}

/** One backend's probe: milliseconds for one probe unit (see `probeUnit`), or why it could not run. */
export interface BackendProbe {
  backend: BackendName;
  /** Median ms of a probe unit after one warm-up unit; null when it failed or was cut short. */
  ms: number | null;
  /** ms of the warm-up unit (shader compilation and first allocations included). */
  warmupMs: number | null;
  units: number;
  /** Median ms of the screening op (one MLP block of the run's shape), every backend that started; null if it failed. */
  screenMs: number | null;
  /** Why there is no figure (failed to start, screened out, or its warm-up alone was slower than the best). */
  note: string | null;
  /** webgpu: the adapter's name and whether it is software (runs on the CPU). Absent in older records and on other backends. */
  adapter?: string | null;
  software?: boolean;
  /**
   * The same probe unit at a larger batch's rows (`ProbeShape.largeRows`), timed on a hardware GPU
   * that passed the probe and on wasm: what `fastGpuOffer` compares. Absent when not measured.
   */
  large?: LargeProbe;
}

/** A probe at a larger batch: rows, median ms of a unit (null: failed), the GPU's warm-up unit (wasm runs none: null), units timed. */
export interface LargeProbe {
  rows: number;
  ms: number | null;
  warmupMs: number | null;
  units: number;
  note: string | null;
}

/**
 * What the page reports about the backend of a run (the worker's `ready` event, the backend strip,
 * the run record's environment): one type for the engine, the worker boundary and the UI.
 */
export interface BackendReport {
  backend: BackendName;
  adapter: string | null;
  software: boolean;
  fallbackReason: string | null;
  versions: Record<string, string>;
  probe: BackendProbe[] | null;
  /** wasm threads in use (null when not wasm or unknown). */
  threads: number | null;
}

/** What a run record's environment says besides the backend: the host and when the run started. */
export interface RunHost {
  /** The user agent in a browser, `node <version>` on the command line. */
  runtime: string;
  /** ISO time. */
  startedAt: string;
}

/**
 * The run record's `environment` for a backend report; `null` for a run that ended before its
 * backend was chosen (a partial record: backend "unknown"). `reportOf` reads it back.
 */
export function environmentOf(report: BackendReport | null, host: RunHost): EnvironmentInfo {
  return {
    backend: report?.backend ?? 'unknown',
    fallback_reason: report?.fallbackReason ?? null,
    adapter: report?.adapter ?? null,
    adapter_software: report?.software ?? false,
    backend_probe: report?.probe ?? null,
    wasm_threads: report?.threads ?? null,
    runtime: host.runtime,
    versions: report?.versions ?? {},
    started_at: host.startedAt,
  };
}

/**
 * The backend report a run record's environment describes (an imported or stored run's backend
 * strip), or null when it names no backend this version knows (a run that ended before its
 * backend was chosen). Keys older records lack read as their defaults.
 */
export function reportOf(environment: EnvironmentInfo): BackendReport | null {
  if (!isBackendName(environment.backend)) return null;
  return {
    backend: environment.backend,
    adapter: environment.adapter ?? null,
    software: environment.adapter_software ?? false,
    fallbackReason: environment.fallback_reason ?? null,
    versions: environment.versions ?? {},
    probe: environment.backend_probe ?? null,
    threads: environment.wasm_threads ?? null,
  };
}

/** Registers a backend's module (dynamic imports keep Node free of WebGPU code). */
export type BackendLoader = (name: BackendName) => Promise<void>;

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** A software WebGPU adapter runs on the CPU: SwiftShader (Chromium), or one flagged as the fallback adapter. */
export function isSoftwareAdapter(info: AdapterInfoLike | undefined): boolean {
  if (!info) return false;
  if (info.isFallbackAdapter) return true;
  return /swiftshader|llvmpipe|lavapipe|software|warp|basic render/i.test([info.vendor, info.architecture, info.description].filter(Boolean).join(' '));
}

/** "google / swiftshader" (+ " — software, runs on the CPU"). */
export function adapterName(info: AdapterInfoLike | undefined): string {
  const name = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' / ') || 'unnamed adapter';
  return isSoftwareAdapter(info) ? `${name} (software adapter: runs on the CPU)` : name;
}

async function startBackend(name: BackendName, load: BackendLoader): Promise<{ adapter: string | null; software: boolean }> {
  let adapter: string | null = null;
  let software = false;
  if (name === 'webgpu') {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    if (!gpu) throw new Error('navigator.gpu is missing (this browser or context has no WebGPU; it needs a secure context such as http://localhost)');
    const found = await gpu.requestAdapter();
    if (!found) throw new Error('no WebGPU adapter is available');
    const raw = (found as unknown as { info?: AdapterInfoLike }).info;
    // Read field by field: Dawn's Node adapter info has getters that a spread does not copy.
    const info: AdapterInfoLike = { vendor: raw?.vendor, architecture: raw?.architecture, description: raw?.description, isFallbackAdapter: raw?.isFallbackAdapter ?? (found as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter };
    software = isSoftwareAdapter(info);
    adapter = adapterName({ ...info, isFallbackAdapter: software });
  }
  await load(name);
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
  return { adapter, software };
}

export async function initBackend(preferred: BackendName[], load: BackendLoader): Promise<BackendChoice> {
  const reasons: string[] = [];
  for (const name of preferred) {
    try {
      const { adapter, software } = await startBackend(name, load);
      return { backend: name, fallbackReason: reasons.length ? reasons.join('; ') : null, adapter, software, probe: null };
    } catch (error) {
      reasons.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could start: ${reasons.join('; ')}`);
}

/** The run's shape as the probe needs it: the model, and how many rollouts decode side by side. */
export interface ProbeShape extends ModelShape {
  /** Rows decoded in lockstep (promptsPerStep x groupSize). */
  rows: number;
  /**
   * A larger batch's rows (the demo-gpu preset's 320 dialogues) to time too, on a hardware GPU that
   * passed the probe and on wasm; nothing is added without a hardware GPU. Absent: not probed.
   */
  largeRows?: number;
}

/**
 * One probe unit, on the active backend: what dominates a training step. Eight lockstep decoding
 * steps of `rows` rows over a 32-token KV cache, each read back to the CPU (as sampling does), and one
 * forward + backward over [rows, 16] tokens. Returns when every result has been read.
 */
export async function probeUnit(policy: Policy, rows: number): Promise<void> {
  const V = policy.shape.vocabSize;
  const past = Math.min(32, policy.shape.maxContext - 9);
  let kv = tf.tidy(() => {
    const prompt = tf.randomUniform([rows, past], 0, V, 'int32', 7) as tf.Tensor2D;
    const kv = policy.forward(prompt, { returnKV: true }).kv!;
    return { k: kv.k, v: kv.v };
  });
  for (let i = 0; i < 8; i++) {
    const next = tf.tidy(() => {
      const token = tf.fill([rows, 1], (i * 13) % V, 'int32') as tf.Tensor2D;
      const out = policy.forward(token, { past: kv, returnKV: true });
      return { k: out.kv!.k, v: out.kv!.v, last: tf.argMax(out.logits.reshape([rows, V]), 1) };
    });
    await next.last.data();
    tf.dispose([...kv.k, ...kv.v, next.last]);
    kv = { k: next.k, v: next.v };
  }
  tf.dispose([...kv.k, ...kv.v]);
  const T = Math.min(16, policy.shape.maxContext);
  const sum = tf.tidy(() => {
    const tokens = tf.randomUniform([rows, T], 0, V, 'int32', 11) as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => tf.mean(policy.forward(tokens).logits) as tf.Scalar, policy.variables);
    // Pairwise sums: tfjs-webgpu's AddN binds every input as a storage buffer (at most 7 on SwiftShader).
    return Object.values(grads).reduce((acc: tf.Tensor, g) => tf.add(acc, tf.sum(g)), value);
  });
  await sum.data();
  sum.dispose();
}

/**
 * The screening op: one MLP block of the run's shape ([rows x 8, d] through d -> 4d -> d) read back.
 * A single matmul kernel pair compiles in well under a second even on SwiftShader, where a whole
 * probe unit (dozens of forward and gradient kernels) took 14 s to compile and run.
 */
export async function screenUnit(shape: ProbeShape): Promise<void> {
  const n = shape.rows * 8;
  const d = shape.dModel;
  const out = tf.tidy(() => {
    const x = tf.randomUniform([n, d], -1, 1, 'float32', 3) as tf.Tensor2D;
    const w1 = tf.randomUniform([d, 4 * d], -0.1, 0.1, 'float32', 5) as tf.Tensor2D;
    const w2 = tf.randomUniform([4 * d, d], -0.1, 0.1, 'float32', 9) as tf.Tensor2D;
    return tf.sum(tf.matMul(tf.relu(tf.matMul(x, w1)), w2));
  });
  await out.data();
  out.dispose();
}

export interface ProbeOptions {
  /** Wall-clock budget per backend after its warm-up unit (ms). */
  budgetMs?: number;
  /** At most this many measured units per backend. */
  maxUnits?: number;
  now?: () => number;
  /** Stand-in for `probeUnit` (tests). */
  unit?: (policy: Policy, rows: number) => Promise<void>;
  /** Stand-in for `screenUnit` (tests). */
  screen?: (shape: ProbeShape) => Promise<void>;
}

/**
 * "auto": start each candidate and keep the fastest on the run's model shape, in two stages.
 * 1. Screening: every backend that starts times one MLP block (`screenUnit`); backends over 4x the
 *    best screen are out (SwiftShader and plain-JS cpu are 10-50x slower than wasm on it, and a
 *    full unit on SwiftShader costs seconds of shader compilation).
 * 2. The rest run probe units (`probeUnit`): one warm-up, then up to `maxUnits` within `budgetMs`;
 *    the lowest median wins. A warm-up over 4x the best median so far also ends a backend's probe,
 *    except on a hardware GPU, whose warm-up is mostly shader compilation later units do not pay.
 * 3. With `shape.largeRows` and a hardware GPU among the measured: that GPU and wasm also time units
 *    at the larger rows (`BackendProbe.large`, what `fastGpuOffer` reads); nothing otherwise.
 * Tensors are disposed on the backend that made them before switching. The winner is the active
 * backend on return.
 */
export async function chooseFastestBackend(candidates: BackendName[], load: BackendLoader, shape: ProbeShape, options: ProbeOptions = {}): Promise<BackendChoice> {
  const now = options.now ?? (() => performance.now());
  const budget = options.budgetMs ?? 300;
  const maxUnits = options.maxUnits ?? 5;
  const unit = options.unit ?? probeUnit;
  const screen = options.screen ?? screenUnit;
  const probe: BackendProbe[] = [];
  const started = new Map<BackendName, { adapter: string | null; software: boolean }>();
  const reasons: string[] = [];
  const timeOf = async (f: () => Promise<void>) => {
    const t = now();
    await f();
    return now() - t;
  };

  for (const name of candidates) {
    try {
      started.set(name, await startBackend(name, load));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reasons.push(`${name}: ${message}`);
      probe.push({ backend: name, ms: null, warmupMs: null, units: 0, screenMs: null, note: `did not start: ${message}` });
      continue;
    }
    const entry: BackendProbe = { backend: name, ms: null, warmupMs: null, units: 0, screenMs: null, note: null };
    if (name === 'webgpu') Object.assign(entry, { adapter: started.get(name)!.adapter, software: started.get(name)!.software });
    probe.push(entry);
    try {
      await screen(shape);
      const times = [await timeOf(() => screen(shape)), await timeOf(() => screen(shape)), await timeOf(() => screen(shape))].sort((a, b) => a - b);
      entry.screenMs = times[1];
    } catch (error) {
      entry.note = `screening failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const screened = probe.filter((p) => p.screenMs !== null);
  const bestScreen = Math.min(...screened.map((p) => p.screenMs!));
  for (const p of screened) if (p.screenMs! > 4 * bestScreen) p.note = `screened out: ${formatMs(p.screenMs!)} per MLP block, over 4x the best (${formatMs(bestScreen)})`;

  let best: { name: BackendName; ms: number } | null = null;
  for (const entry of probe) {
    if (entry.screenMs === null || entry.note !== null) continue;
    const name = entry.backend;
    const info = started.get(name)!;
    if (!(await tf.setBackend(name))) {
      entry.note = `tf.setBackend('${name}') failed`;
      continue;
    }
    const policy = new Policy(shape, new Rng(1));
    try {
      const warmupMs = await timeOf(() => unit(policy, shape.rows));
      entry.warmupMs = warmupMs;
      const mayCompile = name === 'webgpu' && !info.software;
      if (best && warmupMs > 4 * best.ms && !mayCompile) {
        entry.note = `warm-up unit alone took ${Math.round(warmupMs)} ms, over 4x ${best.name}'s ${best.ms.toFixed(1)} ms`;
        continue;
      }
      const times: number[] = [];
      const end = now() + budget;
      while (times.length < maxUnits && (times.length === 0 || now() < end)) times.push(await timeOf(() => unit(policy, shape.rows)));
      times.sort((a, b) => a - b);
      entry.ms = times[Math.floor((times.length - 1) / 2)];
      entry.units = times.length;
      if (!best || entry.ms < best.ms) best = { name, ms: entry.ms };
    } catch (error) {
      entry.note = `probe failed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      policy.dispose();
    }
  }
  if (!best) throw new Error(`No TensorFlow.js backend could run the probe: ${probe.map((p) => `${p.backend}: ${p.note}`).join('; ')}`);

  // The larger batch: only where a hardware GPU passed the probe (a software adapter or none adds
  // nothing), on that GPU and on wasm (screened out or not: the comparison needs its figure).
  const large = shape.largeRows;
  const gpu = probe.find((p) => p.backend === 'webgpu' && p.ms !== null && started.get('webgpu')?.software === false);
  if (large !== undefined && large > shape.rows && gpu) {
    for (const entry of [gpu, probe.find((p) => p.backend === 'wasm' && started.has('wasm'))]) {
      if (!entry) continue;
      const result: LargeProbe = { rows: large, ms: null, warmupMs: null, units: 0, note: null };
      entry.large = result;
      if (!(await tf.setBackend(entry.backend))) {
        result.note = `tf.setBackend('${entry.backend}') failed`;
        continue;
      }
      const policy = new Policy(shape, new Rng(1));
      try {
        // The GPU compiles shaders for the new shapes: a warm-up unit first. wasm has none to
        // compile, and a unit at 320 rows costs seconds there (measured: docs/performance.md).
        if (entry.backend === 'webgpu') result.warmupMs = await timeOf(() => unit(policy, large));
        const times: number[] = [];
        const end = now() + budget;
        while (times.length < maxUnits && (times.length === 0 || now() < end)) times.push(await timeOf(() => unit(policy, large)));
        times.sort((a, b) => a - b);
        result.ms = times[Math.floor((times.length - 1) / 2)];
        result.units = times.length;
      } catch (error) {
        result.note = `probe failed: ${error instanceof Error ? error.message : String(error)}`;
      } finally {
        policy.dispose();
      }
    }
  }
  if (!(await tf.setBackend(best.name))) throw new Error(`tf.setBackend('${best.name}') failed after the probe`);
  await tf.ready();
  const info = started.get(best.name)!;
  // Backends that could not start are reported like any fallback; the slower ones are not a fallback.
  return { backend: best.name, fallbackReason: reasons.length ? reasons.join('; ') : null, adapter: info.adapter, software: info.software, probe };
}

/** "wasm 41 ms · cpu 380 ms · webgpu (software) 2.9 s warm-up, not measured". */
export function describeProbe(probe: BackendProbe[]): string {
  return probe
    .map((p) => {
      const large = p.large ? ` (${p.large.ms !== null ? formatMs(p.large.ms) : (p.large.note ?? 'no figure')} at ${p.large.rows} rows)` : '';
      if (p.ms !== null) return `${p.backend} ${formatMs(p.ms)}${large}`;
      return `${p.backend} ${p.note ?? 'no figure'}${large}`;
    })
    .join(' · ');
}

/** The preset the page offers on a GPU that is fast at its larger batch: the demo at 64 prompts x G = 5 (config.ts). */
export const FAST_GPU_PRESET = 'demo-gpu';
/** "About as fast": the GPU's probe at the larger batch within this factor of wasm's at the run's batch. */
const ABOUT_AS_FAST = 1.25;

export interface FastGpuOffer {
  preset: string;
  adapter: string;
  /** The larger batch's rows and the probed run's. */
  rows: number;
  baseRows: number;
  /** ms per probe unit: the GPU and wasm at `rows`, wasm at `baseRows` (null when wasm was not fully probed there). */
  gpuMs: number;
  wasmMs: number;
  wasmBaseMs: number | null;
  /** wasm over the GPU at `rows`. */
  speedup: number;
  /** The GPU at `rows` within 1.25x wasm at `baseRows`. */
  aboutAsFast: boolean;
  text: string;
}

/**
 * Whether to offer the larger batch's preset, from a run's probe figures alone (pure: the page and
 * its tests call it with real or injected figures). Only when the probe timed a hardware WebGPU
 * adapter (not software, and known to be hardware: older records do not say) and wasm at the same
 * larger batch (`rows`), and the GPU was faster there. `baseRows`: the probed run's rows.
 */
export function fastGpuOffer(probe: BackendProbe[] | null | undefined, offer: { preset: string; rows: number; baseRows: number }): FastGpuOffer | null {
  if (!probe || offer.rows <= offer.baseRows) return null;
  const gpu = probe.find((p) => p.backend === 'webgpu');
  const wasm = probe.find((p) => p.backend === 'wasm');
  if (!gpu || gpu.software !== false || !wasm) return null;
  const gpuMs = gpu.large?.rows === offer.rows ? gpu.large.ms : null;
  const wasmMs = wasm.large?.rows === offer.rows ? wasm.large.ms : null;
  if (gpuMs === null || wasmMs === null || !(gpuMs > 0) || !(gpuMs < wasmMs)) return null;
  const wasmBaseMs = wasm.ms;
  const aboutAsFast = wasmBaseMs !== null && gpuMs <= ABOUT_AS_FAST * wasmBaseMs;
  const adapter = gpu.adapter ?? 'WebGPU adapter';
  const speedup = wasmMs / gpuMs;
  const x = `${speedup.toFixed(speedup < 10 ? 1 : 0)}x`;
  const compared = aboutAsFast
    ? `in ${formatMs(gpuMs)}, about as fast as wasm at ${offer.baseRows} (${formatMs(wasmBaseMs!)}) and ${x} faster than wasm at ${offer.rows} (${formatMs(wasmMs)})`
    : `${x} faster than wasm (${formatMs(gpuMs)} vs ${formatMs(wasmMs)}${wasmBaseMs !== null ? `; wasm at ${offer.baseRows}: ${formatMs(wasmBaseMs)}` : ''})`;
  const text = `This GPU (${adapter}) runs the backend probe at ${offer.rows} dialogues per step ${compared}: run the demo at ${offer.rows} dialogues per step (preset ${offer.preset}).`;
  return { preset: offer.preset, adapter, rows: offer.rows, baseRows: offer.baseRows, gpuMs, wasmMs, wasmBaseMs, speedup, aboutAsFast, text };
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}
