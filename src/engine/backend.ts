/**
 * Choosing the TensorFlow.js backend. Never silent: when the preferred backend cannot start, the
 * reason is returned so the page and the run record can say so.
 */
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';

export interface BackendChoice {
  backend: BackendName;
  fallbackReason: string | null;
  adapter: string | null;
}

/** Registers a backend's module (dynamic imports keep Node free of WebGPU code). */
export type BackendLoader = (name: BackendName) => Promise<void>;

export async function initBackend(preferred: BackendName[], load: BackendLoader): Promise<BackendChoice> {
  const reasons: string[] = [];
  for (const name of preferred) {
    try {
      let adapter: string | null = null;
      if (name === 'webgpu') {
        const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
        if (!gpu) throw new Error('navigator.gpu is missing (this browser or context has no WebGPU; it needs a secure context such as http://localhost)');
        const found = await gpu.requestAdapter();
        if (!found) throw new Error('no WebGPU adapter is available');
        const info = found.info;
        adapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' / ') || 'unnamed adapter';
      }
      await load(name);
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
      await tf.ready();
      return { backend: name, fallbackReason: reasons.length ? reasons.join('; ') : null, adapter };
    } catch (error) {
      reasons.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could start: ${reasons.join('; ')}`);
}
