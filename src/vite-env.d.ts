/// <reference types="svelte" />
/// <reference types="vite/client" />
declare const __APP_VERSION__: string;

/** The Emscripten factory of tfjs-backend-wasm's threaded build (CommonJS; see worker/trainer.worker.ts). */
declare module '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js' {
  const factory: (module?: object) => Promise<unknown>;
  export default factory;
}
