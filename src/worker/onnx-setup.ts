/**
 * onnxruntime-web (the LM user's runtime, through transformers.js) from the app itself.
 * transformers.js points onnxruntime at cdn.jsdelivr.net unless told otherwise; the page loads
 * nothing from outside its origin (it may have no internet), so the worker names the app's own
 * copies of onnxruntime's files before any session starts: Vite serves them from node_modules in
 * dev and emits them into the build, as it does the tfjs wasm binaries (wasm-setup.ts).
 */
import { env } from '@huggingface/transformers';
// The build transformers.js's `onnxruntime-web/webgpu` entry runs: asyncify, with the wasm and WebGPU execution providers.
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
// Its factory as a file of its own: onnxruntime starts its thread pool's workers from this file's URL.
import ortFactory from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

export function serveOnnxRuntimeFromApp(): void {
  const wasm = env.backends.onnx.wasm;
  if (!wasm) throw new Error('transformers.js has no onnxruntime-web wasm backend in this context');
  wasm.wasmPaths = { wasm: new URL(ortWasm, self.location.href).href, mjs: new URL(ortFactory, self.location.href).href };
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page has; onnxruntime then picks its own count.
  if (!crossOriginIsolated) wasm.numThreads = 1;
}
