/// <reference lib="webworker" />
/** The page's training host: runs the engine in a Web Worker so the UI never blocks. */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { initBackend, runExperiment, exportPolicy, loadTokenizer, type BackendName, type Trainer } from '../engine';
import type { BackendPreference, TrainerApi, WorkerEvent } from './protocol';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

async function loadBackend(name: BackendName): Promise<void> {
  if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
    await import('../engine/webgpu');
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
  }
}

const ORDER: Record<BackendPreference, BackendName[]> = {
  auto: ['webgpu', 'wasm', 'cpu'],
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
let paused: { promise: Promise<void>; resolve: () => void } | null = null;
let current: Trainer | null = null;
let emit: (event: WorkerEvent) => void = () => {};

const api: TrainerApi = {
  async start(config, backend, onEvent) {
    emit = onEvent;
    stopRequested = false;
    paused = null;
    try {
      current?.dispose();
      current = null;
      const choice = await initBackend(ORDER[backend], loadBackend);
      const versions = { '@tensorflow/tfjs': tf.version.tfjs, 'infopo-sandbox': __APP_VERSION__ };
      if (choice.backend === 'webgpu') watchGpuErrors();
      emit({ type: 'ready', backend: choice.backend, adapter: choice.adapter, fallbackReason: choice.fallbackReason, versions });
      // A path, not a full URL: transformers.js 4.3 only probes local files (get_file_metadata) for
      // paths; for an http(s) URL it reports the tokenizer files missing ('tokenizer_class' of undefined).
      const tokenizer = await loadTokenizer({ modelsPath: `${import.meta.env.BASE_URL}models/` });
      const environment = { backend: choice.backend, fallback_reason: choice.fallbackReason, adapter: choice.adapter, runtime: navigator.userAgent, versions, started_at: new Date().toISOString() };
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
    }
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
