/// <reference lib="webworker" />
/** The page's training host: runs the engine in a Web Worker so the UI never blocks. */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { RunFault, checkpointToFiles, chooseFastestBackend, configFromPresets, describeProbe, FAST_GPU_PRESET, environmentOf, fallbackOrder, HF_FILES, IMPORTED_INIT, initBackend, isCheckpointPath, LEGACY_FILES, loadTokenizer, loadUserSimulator, PlaySession, policyFromFiles, policyToOnnx, resourceLimit, runExperiment, TOKENIZER_NAME, UserPlaySession, userModelSource, WARM_START_NAME, type BackendChoice, type BackendName, type BackendReport, type CheckpointFiles, type Policy, type RunRecord, type TokenizerFiles, type Trainer, type UserSimulator, type WordTokenizer } from '../engine';
import type { TrainerApi, UserModelDevice, UserModelEvent, WorkerEvent } from './protocol';

async function loadBackend(name: BackendName): Promise<void> {
  if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
    await import('../engine/runtime/webgpu');
  } else if (name === 'wasm') {
    // Loaded on demand: a WebGPU or cpu run never fetches the wasm backend.
    await (await import('./wasm-setup')).registerWasmBinaries();
  }
}

/** Explicit preferences fall back in `BACKEND_NAMES` order (`fallbackOrder`); "auto" times every backend
 *  in this order instead (wasm first: the usual winner on CPUs, whose figure lets a slow software
 *  WebGPU adapter be cut short). */
const AUTO_CANDIDATES: BackendName[] = ['wasm', 'webgpu', 'cpu'];

/**
 * WebGPU reports validation failures (an invalid pipeline, a WGSL error) and a lost device only as
 * events: the failing op's output silently keeps stale memory, and in a worker nothing reaches the
 * page's console. Forward them as 'gpu-error' and 'device-lost' events (the page shows banners).
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
    if (count <= 5 || count % 100 === 0) emit({ type: 'gpu-error', message: (event as GPUUncapturedErrorEvent).error.message, count });
  });
  void device.lost.then((info) => deviceLost(`${info.reason}: ${info.message}`));
}

/**
 * The device is gone: nothing more can run on it. Hold the run at the next step boundary (a pause
 * no resume ends) and tell the page, which offers to continue on wasm from its last snapshot.
 */
function deviceLost(detail: string): void {
  // Told even when the run already failed on the lost device: the page's offer is the same.
  emit({ type: 'device-lost', message: detail });
  if (!training) return;
  if (!paused) {
    let resolve = () => {};
    paused = { promise: new Promise<void>((r) => (resolve = r)), resolve };
  }
  gpuLost = true;
}

// The site's models/ folder as an absolute path (transformers.js wants a path, see projectTokenizer).
// The build's base is relative ('./', docs/deploy.md): resolved against this worker's own URL
// (assets/), one level below the page. (A variable, not `import.meta.url` inline: Vite rewrites
// `new URL(<template>, import.meta.url)` as a reference to a bundled asset.)
const workerUrl = import.meta.url;
const MODELS = import.meta.env.BASE_URL.startsWith('/') ? `${import.meta.env.BASE_URL}models/` : new URL(`../${import.meta.env.BASE_URL}models/`, workerUrl).pathname;

/** A file under the app's models/, or null when absent (servers answer a missing path with the app's HTML). */
async function fetchModelFile(path: string): Promise<Uint8Array | null> {
  const res = await fetch(MODELS + path);
  if (res.status === 404 || (res.ok && (res.headers.get('content-type') ?? '').includes('text/html'))) return null;
  if (!res.ok) throw new Error(`could not fetch ${MODELS}${path} (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

async function fetchFiles(dir: string, names: readonly string[]): Promise<CheckpointFiles> {
  const got = await Promise.all(names.map((n) => fetchModelFile(`${dir}/${n}`)));
  return Object.fromEntries(names.flatMap((n, i) => (got[i] ? [[n, got[i]]] : [])));
}

/** The checkpoint an `init` value names: the imported one, or a folder under models/ in either layout. */
async function loadPretrained(name: string): Promise<CheckpointFiles> {
  if (name === IMPORTED_INIT) {
    if (!imported) throw new Error('no checkpoint has been imported on this page (Export and import: Import checkpoint)');
    return imported;
  }
  if (isCheckpointPath(name)) throw new Error('a path names a folder on disk, which only the command line can read; import the folder on the page instead');
  const hf = await fetchFiles(name, HF_FILES);
  if (Object.keys(hf).length) return hf;
  const legacy = await fetchFiles(name, [...LEGACY_FILES, 'training.json']);
  if (!Object.keys(legacy).length) throw new Error(`no checkpoint at ${MODELS}${name}/ (neither config.json + model.safetensors nor model.json + weights.bin)`);
  return legacy;
}

let tokenizerFiles: TokenizerFiles | null = null;
async function projectTokenizerFiles(): Promise<TokenizerFiles> {
  if (!tokenizerFiles) {
    const files = await fetchFiles(TOKENIZER_NAME, ['tokenizer.json', 'tokenizer_config.json']);
    if (!files['tokenizer.json'] || !files['tokenizer_config.json']) throw new Error(`the tokenizer files are missing under ${MODELS}${TOKENIZER_NAME}/`);
    tokenizerFiles = files as unknown as TokenizerFiles;
  }
  return tokenizerFiles;
}

let tokenizerPromise: Promise<WordTokenizer> | null = null;
function projectTokenizer(): Promise<WordTokenizer> {
  // A path, not a full URL: transformers.js 4.3 only probes local files (get_file_metadata) for
  // paths; for an http(s) URL it reports the tokenizer files missing ('tokenizer_class' of undefined).
  tokenizerPromise ??= loadTokenizer({ modelsPath: MODELS });
  return tokenizerPromise;
}

/**
 * The larger batch the probe also times on a hardware GPU (and wasm): the fast-GPU preset's rows, for
 * a run of that preset's model (the page's offer, fastGpuOffer); none for other models.
 */
function largeRowsFor(config: Parameters<TrainerApi['start']>[0]): number | undefined {
  const offered = configFromPresets([FAST_GPU_PRESET]);
  const same = (['dModel', 'nLayers', 'nHeads', 'maxContext'] as const).every((k) => config[k] === offered[k]);
  return same ? offered.promptsPerStep * offered.groupSize : undefined;
}

let imported: CheckpointFiles | null = null;
let lastRecord: RunRecord | null = null;

let stopRequested = false;
let training = false;
let backendChosen = false;
let play: { session: PlaySession; own: Policy | null } | null = null;

function endPlay(): void {
  play?.own?.dispose();
  play = null;
}

/** The backend this worker's last run chose (the LM user's device follows it). */
let chosen: BackendReport | null = null;

/** WebGPU for the LM user only on a hardware adapter: on a software one (SwiftShader) wasm is faster. */
function userModelDevice(): UserModelDevice {
  return chosen?.backend === 'webgpu' && !chosen.software ? 'webgpu' : 'wasm';
}

let onUserModel: (event: UserModelEvent) => void = () => {};
let onnxReady = false;

/**
 * LM users loaded in this worker, by device and userModel value: the Setup's load, a run and a play
 * session share one load. A new load first frees those nothing holds (a run, a play session, or a
 * load still under way holds one), so a tab trying several Hub models keeps one at a time.
 */
const userModels = new Map<string, Promise<UserSimulator>>();
const holds = new Map<string, number>();

/** The LM user `spec` names on this worker's device, held until `release` is called (also on failure: then already released). */
async function acquireUserModel(spec: string): Promise<{ sim: UserSimulator; release: () => void }> {
  const device = userModelDevice();
  const key = `${device} ${spec}`;
  // Held before anything is awaited, so no other load frees it in between.
  holds.set(key, (holds.get(key) ?? 0) + 1);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    holds.set(key, holds.get(key)! - 1);
  };
  let loading = userModels.get(key);
  if (!loading) {
    for (const [k, p] of userModels) {
      if (holds.get(k)) continue;
      userModels.delete(k);
      // A load that failed holds nothing to free (its caller reported the failure).
      void p.then((sim) => sim.dispose(), () => {});
    }
    onUserModel({ type: 'user-model', spec, device, status: 'loading', fraction: 0, file: '' });
    loading = loadOnDevice(spec, device);
    userModels.set(key, loading);
  }
  try {
    const sim = await loading;
    onUserModel({ type: 'user-model', spec, device, status: 'loaded', name: sim.name, bytes: sim.bytes });
    return { sim, release };
  } catch (error) {
    release();
    if (userModels.get(key) === loading) userModels.delete(key);
    onUserModel({ type: 'user-model', spec, device, status: 'failed', message: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

async function loadOnDevice(spec: string, device: UserModelDevice): Promise<UserSimulator> {
  const tokenizer = await projectTokenizer();
  if (!onnxReady) {
    (await import('./onnx-setup')).serveOnnxRuntimeFromApp();
    onnxReady = true;
  }
  const memoryGB = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const sim = await loadUserSimulator(spec, tokenizer, {
    modelsPath: MODELS,
    device,
    // The limit the page's resource check applies on this device (runtime/resources.ts).
    memoryLimitBytes: resourceLimit({ backend: device, deviceMemoryGB: typeof memoryGB === 'number' ? memoryGB : null }).bytes,
    online: navigator.onLine,
    canReadFolders: false,
    onProgress: (fraction, file) => onUserModel({ type: 'user-model', spec, device, status: 'loading', fraction, file }),
  });
  // null only for scripted, which callers never ask for.
  if (!sim) throw new Error(`userModel ${spec}: names no LM user`);
  return sim;
}

/** A run's user simulator: the worker's loaded one, whose dispose (at the run's end) only releases the hold. */
async function runUserModel(spec: string): Promise<UserSimulator | null> {
  if (userModelSource(spec).kind === 'scripted') return null;
  const { sim, release } = await acquireUserModel(spec);
  return { name: sim.name, bytes: sim.bytes, stats: sim.stats, replies: (requests, rng) => sim.replies(requests, rng), dispose: release };
}

let agentPlay: { session: UserPlaySession; release: () => void } | null = null;

function endAgentPlay(): void {
  agentPlay?.release();
  agentPlay = null;
}

let paused: { promise: Promise<void>; resolve: () => void } | null = null;
let gpuLost = false;
let current: Trainer | null = null;
let emit: (event: WorkerEvent) => void = () => {};

const api: TrainerApi = {
  async start(config, backend, onEvent, options = {}) {
    emit = onEvent;
    stopRequested = false;
    paused = null;
    gpuLost = false;
    training = true;
    try {
      endPlay();
      endAgentPlay();
      current?.dispose();
      current = null;
      lastRecord = null;
      // Loaded first: the backend probe needs the vocabulary size of the run's model.
      const tokenizer = await projectTokenizer();
      let choice: BackendChoice;
      if (backend === 'auto') {
        emit({ type: 'log', message: `timing each backend on this run's model (${AUTO_CANDIDATES.join(', ')})…` });
        const shape = { vocabSize: tokenizer.vocabSize, dModel: config.dModel, nLayers: config.nLayers, nHeads: config.nHeads, maxContext: config.maxContext, rows: config.promptsPerStep * config.groupSize, largeRows: largeRowsFor(config) };
        choice = await chooseFastestBackend(AUTO_CANDIDATES, loadBackend, shape);
        emit({ type: 'log', message: `backend probe (ms per probe unit): ${describeProbe(choice.probe!)}; using ${choice.backend}` });
      } else {
        choice = await initBackend(fallbackOrder(backend), loadBackend);
      }
      backendChosen = true;
      const versions = { '@tensorflow/tfjs': tf.version.tfjs, 'infopo-sandbox': __APP_VERSION__ };
      if (choice.backend === 'webgpu') watchGpuErrors();
      const threads = choice.backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : null;
      const report: BackendReport = { backend: choice.backend, adapter: choice.adapter, software: choice.software, fallbackReason: choice.fallbackReason, versions, probe: choice.probe, threads };
      chosen = report;
      emit({ type: 'ready', ...report });
      const environment = environmentOf(report, { runtime: navigator.userAgent, startedAt: new Date().toISOString() });
      const { record, trainer } = await runExperiment(config, tokenizer, environment, {
        onEvent: (e) => emit(e),
        shouldStop: () => stopRequested,
        beforeStep: async () => {
          if (paused) await paused.promise;
          // Stopped after a lost device: the device cannot give a snapshot; end without one.
          if (gpuLost) throw new Error('the WebGPU device was lost: continue on wasm from the last snapshot');
        },
        checkpointEvery: options.checkpointEvery ?? 0,
        onCheckpoint: (snapshot) => emit({ type: 'snapshot', snapshot }),
      }, { loadPretrained, resume: options.resume, loadUserModel: runUserModel });
      current = trainer;
      lastRecord = record;
      emit({ type: 'complete', record });
    } catch (error) {
      emit({ type: 'error', message: error instanceof Error ? error.message : String(error), record: error instanceof RunFault ? error.record : undefined });
    } finally {
      training = false;
    }
  },
  async playStart({ source, config, task, seed }) {
    if (training) throw new Error('a run is training in this worker: play when it has ended');
    endPlay();
    if (!backendChosen) {
      // No run chose a backend yet: wasm (greedy decoding of one dialogue is latency-bound), else cpu.
      await initBackend(fallbackOrder('wasm'), loadBackend);
      backendChosen = true;
    }
    const tokenizer = await projectTokenizer();
    let policy: Policy;
    let own: Policy | null = null;
    if (source === 'run') {
      if (!current) throw new Error('no finished run in this tab: train one first, or play with the shipped checkpoint');
      policy = current.policy;
    } else {
      policy = own = policyFromFiles(await loadPretrained(WARM_START_NAME), tokenizer, `models/${WARM_START_NAME}`).policy;
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
  async watchUserModels(onEvent) {
    onUserModel = onEvent;
  },
  async loadUserModel(spec) {
    if (userModelSource(spec).kind === 'scripted') throw new Error('scripted names no LM user: the personas need no model');
    const device = userModelDevice();
    const { sim, release } = await acquireUserModel(spec);
    release();
    return { name: sim.name, bytes: sim.bytes, device };
  },
  async playAgentStart({ userModel: spec, config, task, seed }) {
    if (training) throw new Error('a run is training in this worker: play when it has ended');
    endAgentPlay();
    if (userModelSource(spec).kind === 'scripted') throw new Error('playing the agent needs an LM user to answer: pick LM user (user-lm) or a Hub model');
    const tokenizer = await projectTokenizer();
    const { sim, release } = await acquireUserModel(spec);
    try {
      const session = new UserPlaySession(sim, tokenizer, config, task, seed);
      agentPlay = { session, release };
      return session.snapshot();
    } catch (error) {
      release();
      throw error;
    }
  },
  async playAgentMove(text) {
    if (!agentPlay) throw new Error('no play session: start one first');
    if (training) throw new Error('a run is training in this worker: play when it has ended');
    return agentPlay.session.act(text);
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
  async exportModel({ name, madeBy }) {
    if (!current) return null;
    const r = lastRecord;
    const files = await checkpointToFiles(current.policy, await projectTokenizerFiles(), {
      name,
      madeBy,
      config: r?.config,
      evaluations: r?.evaluations,
      warmStartLoss: r?.warm_start.final_loss,
      fingerprint: r?.fingerprint,
      createdAt: new Date().toISOString(),
    });
    // transformers.js reads onnx/model.onnx beside config.json (docs/models.md).
    files['onnx/model.onnx'] = await policyToOnnx(current.policy);
    // Copies: the tokenizer files are cached here, and a transfer detaches what it sends.
    const out: CheckpointFiles = Object.fromEntries(Object.entries(files).map(([k, b]) => [k, b.slice()]));
    return Comlink.transfer(out, Object.values(out).map((b) => b.buffer as ArrayBuffer));
  },
  async importCheckpoint(files) {
    const tokenizer = await projectTokenizer();
    // Decode fully (shape, names, tokenizer) now, so a bad folder is reported at import, not at Start.
    const { policy, decoded } = policyFromFiles(files, tokenizer, 'imported checkpoint');
    policy.dispose();
    imported = files;
    const sb = (decoded.sandbox ?? {}) as { config?: { task?: string; method?: string; seed?: number }; evaluations?: { success: number }[] };
    const evals = sb.evaluations ?? [];
    return {
      layout: decoded.layout,
      shape: decoded.shape,
      trainedOn: sb.config?.task ?? null,
      method: sb.config?.method ?? null,
      seed: sb.config?.seed ?? null,
      testSuccess: evals.length ? evals[evals.length - 1].success : null,
    };
  },
};

Comlink.expose(api);
