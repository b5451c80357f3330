/** Node host of the engine: backend, tokenizer from models/, environment info. */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { environmentOf, initBackend, loadTokenizer, loadUserSimulator, userModelSource, type BackendChoice, type UserSimulator, type BackendName, type BackendReport, type EnvironmentInfo, type WordTokenizer } from '../engine';

import { MODELS_DIR } from './checkpoint-folder';
import { installNodeWebGpu } from './node-webgpu';

export { MODELS_DIR };

const require = createRequire(import.meta.url);
function versionOf(pkg: string): string {
  try {
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** A backend started in Node, with the wasm backend's thread count (null on cpu and webgpu). */
export type NodeBackendChoice = BackendChoice & { threads: number | null };

export async function nodeBackend(name: BackendName): Promise<NodeBackendChoice> {
  // WebGPU in Node is Dawn's (node-webgpu.ts); without an adapter this throws what to install.
  if (name === 'webgpu') await installNodeWebGpu();
  // Only the named backend is tried: a CLI run says exactly what it ran on.
  const choice = await initBackend([name], async (n) => {
    if (n === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    // The page's webgpu entry: TensorFlow.js's webgpu backend and the fused divergence kernel.
    if (n === 'webgpu') await import('../engine/runtime/webgpu');
  });
  const threads = choice.backend === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : null;
  return { ...choice, threads };
}

/** Reads a checkpoint folder named by an `init` value (models/<name>, or a path); see checkpoint-folder.ts. */
export { nodePretrained } from './checkpoint-folder';

export async function nodeTokenizer(): Promise<WordTokenizer> {
  return loadTokenizer({ modelsPath: MODELS_DIR });
}

/** Whether the Hugging Face Hub answers within 5 s (only asked when a Hub id is named). */
async function hubReachable(id: string): Promise<boolean> {
  try {
    const res = await fetch(`https://huggingface.co/api/models/${id}`, { signal: AbortSignal.timeout(5000) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The Node host's `loadUserModel` (runExperiment, evaluate, the probes): transformers.js on
 * onnxruntime-node, models/ for user-lm, any folder on disk, the Hub when it answers; weights may
 * take at most half this machine's memory.
 */
export function nodeUserModelLoader(tokenizer: WordTokenizer): (spec: string) => Promise<UserSimulator | null> {
  return async (spec) => {
    const source = userModelSource(spec);
    const online = source.kind === 'hub' ? await hubReachable(source.id) : false;
    const path = source.kind === 'folder' ? resolve(source.path.replace(/^~(?=$|[/\\])/, process.env.HOME ?? '~')) : null;
    return loadUserSimulator(path ?? spec, tokenizer, { modelsPath: MODELS_DIR, device: 'cpu', memoryLimitBytes: totalmem() / 2, online, canReadFolders: true });
  };
}

/** The run record's environment in Node: the same mapping as the page's (`environmentOf`), with Node's runtime and package versions. */
export function nodeEnvironment(choice: NodeBackendChoice): EnvironmentInfo {
  const versions = {
    'infopo-sandbox': JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version,
    '@tensorflow/tfjs': tf.version.tfjs,
    '@tensorflow/tfjs-backend-wasm': versionOf('@tensorflow/tfjs-backend-wasm'),
    '@huggingface/transformers': versionOf('@huggingface/transformers'),
  };
  const report: BackendReport = { backend: choice.backend, adapter: choice.adapter, software: choice.software, fallbackReason: choice.fallbackReason, versions, probe: choice.probe, threads: choice.threads };
  return environmentOf(report, { runtime: `node ${process.versions.node}`, startedAt: new Date().toISOString() });
}

/** tfjs prints an advertisement for tfjs-node on first use in Node; it is not for our users. */
export function quietTfjsBanner(): void {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('tfjs-node')) return;
    warn(...args);
  };
  const log = console.log;
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && (args[0].includes('tfjs-node') || /^=+$/.test(args[0].trim()))) return;
    log(...args);
  };
}

/**
 * The command line of a tool that works on checkpoint folders one at a time (convert-checkpoint,
 * export-onnx), after its flags are parsed: one line per folder, the others go on after a failure,
 * exit 1 if any failed.
 */
export async function eachFolderMain(command: string, work: (dir: string) => Promise<string>, dirs = process.argv.slice(2)): Promise<never> {
  if (!dirs.length) {
    console.error(`usage: npm run ${command} -- DIR [DIR ...]`);
    process.exit(2);
  }
  quietTfjsBanner();
  await tf.setBackend('cpu');
  let failed = 0;
  for (const d of dirs) {
    try {
      console.log(await work(d));
    } catch (e) {
      failed++;
      console.error((e as Error).message);
    }
  }
  process.exit(failed ? 1 : 0);
}
