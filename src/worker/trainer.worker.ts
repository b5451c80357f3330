/// <reference lib="webworker" />
/** The page's training host: runs the engine in a Web Worker so the UI never blocks. */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { chooseFastestBackend, describeProbe, initBackend, type BackendChoice, type BackendName, type BackendReport } from '../engine/backend';
import { runExperiment } from '../engine/experiment';
import { exportPolicy, importPolicy, WARM_START_NAME } from '../engine/policy/checkpoint';
import type { Policy } from '../engine/policy/model';
import { PlaySession } from '../engine/play';
import type { Trainer } from '../engine/rl/trainer';
import { loadTokenizer, type WordTokenizer } from '../engine/text/tokenizer';
import type { BackendPreference, TrainerApi, WorkerEvent } from './protocol';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

async function loadBackend(name: BackendName): Promise<void> {
  if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
    await import('../engine/kernels/divergence-webgpu');
  } else if (name === 'wasm') {
    if (import.meta.env.PROD) await keepThreadedFactorySource();
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
  }
}

/** Explicit preferences fall back in this order; "auto" times every backend (wasm first: the usual
 *  winner on CPUs, whose figure lets a slow software WebGPU adapter be cut short). */
const AUTO_CANDIDATES: BackendName[] = ['wasm', 'webgpu', 'cpu'];
/**
 * With threads (a cross-origin isolated page), tfjs-backend-wasm starts each pthread worker from
 * `factory.toString()` of its Emscripten module. Minified by the production build, that function
 * refers to variables of the bundle ("e is not defined" in every pthread worker). Give the factory
 * its own, self-contained source text back: the package's unminified file, evaluated to the factory.
 */
async function keepThreadedFactorySource(): Promise<void> {
  const [{ default: factory }, { default: source }] = await Promise.all([
    import('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'),
    import('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw'),
  ]);
  const text = `(() => {\n${source}\nreturn WasmBackendModuleThreadedSimd;\n})()`;
  Object.defineProperty(factory, 'toString', { value: () => text });
}

const ORDER: Record<Exclude<BackendPreference, 'auto'>, BackendName[]> = {
  webgpu: ['webgpu', 'wasm', 'cpu'],
  wasm: ['wasm', 'cpu'],
  cpu: ['cpu'],
};

/**
 * WebGPU reports validation failures (an invalid pipeline, a WGSL error) and a lost device only as
 * events: the failing op's output silently keeps stale memory, and in a worker nothing reaches the
 * page's console. Forward them as 'log' events prefixed "WebGPU error:" (the page shows a banner).
 */
const watchedDevices = new WeakSet<GPUDevice>();
function watchGpuErrors(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device || watchedDevices.has(device)) return;
  watchedDevices.add(device);
  let count = 0;
  device.addEventListener('uncapturederror', (event) => {
    count++;
    // The same failure repeats every step: forward the first few, then every 100th.
    if (count <= 5 || count % 100 === 0) emit({ type: 'log', message: `WebGPU error: (#${count}) ${(event as GPUUncapturedErrorEvent).error.message}` });
  });
  void device.lost.then((info) => emit({ type: 'log', message: `WebGPU error: device lost (${info.reason}): ${info.message}` }));
}

/** A checkpoint folder by name (init=pretrained: infopo-warm), fetched from the app's models/ folder. */
async function loadPretrained(name: string): Promise<{ modelJson: string; weights: ArrayBuffer }> {
  const base = `${import.meta.env.BASE_URL}models/${name}/`;
  const [model, weights] = await Promise.all([fetch(base + 'model.json'), fetch(base + 'weights.bin')]);
  if (!model.ok || !weights.ok) throw new Error(`could not fetch ${base}model.json / weights.bin (HTTP ${model.status} / ${weights.status})`);
  return { modelJson: await model.text(), weights: await weights.arrayBuffer() };
}

let stopRequested = false;
let training = false;
let backendChosen = false;
let tokenizerCache: WordTokenizer | null = null;
let play: { session: PlaySession; own: Policy | null } | null = null;

function endPlay(): void {
  play?.own?.dispose();
  play = null;
}

async function workerTokenizer(): Promise<WordTokenizer> {
  // A path, not a full URL: transformers.js 4.3 only probes local files (get_file_metadata) for
  // paths; for an http(s) URL it reports the tokenizer files missing ('tokenizer_class' of undefined).
  tokenizerCache ??= await loadTokenizer({ modelsPath: `${import.meta.env.BASE_URL}models/` });
  return tokenizerCache;
}
let paused: { promise: Promise<void>; resolve: () => void } | null = null;
let current: Trainer | null = null;
let emit: (event: WorkerEvent) => void = () => {};

const api: TrainerApi = {
  async start(config, backend, onEvent) {
    emit = onEvent;
    stopRequested = false;
    paused = null;
    training = true;
    try {
      endPlay();
      current?.dispose();
      current = null;
      // Loaded first: the backend probe needs the vocabulary size of the run's model.
      const tokenizer = await workerTokenizer();
      let choice: BackendChoice;
      if (backend === 'auto') {
        emit({ type: 'log', message: `timing each backend on this run's model (${AUTO_CANDIDATES.join(', ')})…` });
        const shape = { vocabSize: tokenizer.vocabSize, dModel: config.dModel, nLayers: config.nLayers, nHeads: config.nHeads, maxContext: config.maxContext, rows: config.promptsPerStep * config.groupSize };
        choice = await chooseFastestBackend(AUTO_CANDIDATES, loadBackend, shape);
        emit({ type: 'log', message: `backend probe (ms per probe unit): ${describeProbe(choice.probe!)}; using ${choice.backend}` });
      } else {
        choice = await initBackend(ORDER[backend], loadBackend);
      }
      backendChosen = true;
      const versions = { '@tensorflow/tfjs': tf.version.tfjs, 'infopo-sandbox': __APP_VERSION__ };
      if (choice.backend === 'webgpu') watchGpuErrors();
      const threads = choice.backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : null;
      const report: BackendReport = { backend: choice.backend, adapter: choice.adapter, software: choice.software, fallbackReason: choice.fallbackReason, versions, probe: choice.probe, threads };
      emit({ type: 'ready', ...report });
      const environment = {
        backend: choice.backend,
        fallback_reason: choice.fallbackReason,
        adapter: choice.adapter,
        adapter_software: choice.software,
        backend_probe: choice.probe,
        wasm_threads: threads,
        runtime: navigator.userAgent,
        versions,
        started_at: new Date().toISOString(),
      };
      const { record, trainer } = await runExperiment(config, tokenizer, environment, {
        onEvent: (e) => emit(e),
        shouldStop: () => stopRequested,
        beforeStep: async () => {
          if (paused) await paused.promise;
        },
      }, { loadPretrained });
      current = trainer;
      emit({ type: 'complete', record });
    } catch (error) {
      emit({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    } finally {
      training = false;
    }
  },
  async playStart({ source, config, task, seed }) {
    if (training) throw new Error('a run is training in this worker: play when it has ended');
    endPlay();
    if (!backendChosen) {
      // No run chose a backend yet: wasm (greedy decoding of one dialogue is latency-bound), else cpu.
      await initBackend(['wasm', 'cpu'], loadBackend);
      backendChosen = true;
    }
    const tokenizer = await workerTokenizer();
    let policy: Policy;
    let own: Policy | null = null;
    if (source === 'run') {
      if (!current) throw new Error('no finished run in this tab: train one first, or play with the shipped checkpoint');
      policy = current.policy;
    } else {
      const { modelJson, weights } = await loadPretrained(WARM_START_NAME);
      policy = own = importPolicy(modelJson, weights, tokenizer.vocabSize);
    }
    try {
      const session = new PlaySession(policy, tokenizer, config, task, seed);
      play = { session, own };
      return await session.begin();
    } catch (error) {
      endPlay();
      throw error;
    }
  },
  async playAnswer(text) {
    if (!play) throw new Error('no play session: start one first');
    return play.session.answer(text);
  },
  async pause() {
    if (paused) return;
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    paused = { promise, resolve };
    emit({ type: 'paused' });
  },
  async resume() {
    const p = paused;
    paused = null;
    p?.resolve();
    emit({ type: 'resumed' });
  },
  async stop() {
    stopRequested = true;
    paused?.resolve();
    paused = null;
  },
  async exportModel() {
    if (!current) return null;
    const { modelJson, weights } = await exportPolicy(current.policy);
    return Comlink.transfer({ modelJson, weights }, [weights]);
  },
};

Comlink.expose(api);
