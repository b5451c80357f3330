/**
 * The tfjs wasm backend in a browser context (the training worker and the lab page): binaries from
 * the build, and with threads (a cross-origin isolated page) a self-contained source text for the
 * pthread workers' factory.
 */
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/**
 * tfjs-backend-wasm starts each pthread worker from `factory.toString()`; minified by the
 * production build, that function refers to variables of the bundle. Give it the package's
 * unminified source back.
 */
let factorySourceKept = false;
async function keepThreadedFactorySource(): Promise<void> {
  // Once per context: a second run would redefine the property and fall back to cpu ("Cannot redefine property: toString").
  if (factorySourceKept) return;
  factorySourceKept = true;
  const [{ default: factory }, { default: source }] = await Promise.all([
    import('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'),
    import('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw'),
  ]);
  const text = `(() => {\n${source}\nreturn WasmBackendModuleThreadedSimd;\n})()`;
  Object.defineProperty(factory, 'toString', { value: () => text });
}

/**
 * Register the wasm binaries; `threads` (>= 1) is applied before the backend starts.
 * tfjs-backend-wasm caps its thread pool at navigator.hardwareConcurrency / 2 (it assumes two
 * hyperthreads per core), so on a 2-vCPU machine it never runs more than one thread. To measure
 * what more threads give, the lab presents 2 × threads logical cores to it; the page reports the
 * count the backend actually runs (getThreadsCount).
 */
export async function prepareWasm(threads: number): Promise<void> {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm threads must be a positive integer, got ${threads}`);
  if (threads > 1) Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  await registerWasmBinaries();
  wasm.setThreadsCount(threads);
}

/** The binaries (and, in a build, the pthread factory's source), with tfjs's default thread count. */
export async function registerWasmBinaries(): Promise<void> {
  if (import.meta.env.PROD) await keepThreadedFactorySource();
  wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
}

export const wasmThreads = (): number => wasm.getThreadsCount();
