/**
 * tfjs-backend-wasm copies a tensor's whole buffer in Identity and in a same-dtype Cast, where the
 * cpu and webgl backends only add a reference (tensors are immutable; a variable's assign swaps
 * buffers, it never writes into one). Every op recorded for a gradient saves its inputs through
 * Identity (the engine clones what it keeps for the backward pass), so a d 128 / 4-layer training
 * step made ~350 such copies: 3-4% of its kernel time (docs/performance.md). These two kernels do
 * what the cpu backend's do; a Cast to another dtype still converts through the original kernel.
 */
import * as tf from '@tensorflow/tfjs';

interface WasmBackendLike {
  incRef(dataId: object): void;
}
interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: tf.DataType;
}

let installed = false;

/** Install the sharing Identity and Cast for the wasm backend (once; a no-op until the wasm backend is registered). */
export function shareWasmCopies(): void {
  if (installed) return;
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!identity || !cast) return; // tfjs-backend-wasm not loaded: nothing to replace yet
  installed = true;
  const share = (x: TensorInfoLike, backend: WasmBackendLike, dtype = x.dtype): TensorInfoLike => {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype };
  };
  const originalIdentity = identity.kernelFunc;
  const originalCast = cast.kernelFunc;
  tf.unregisterKernel('Identity', 'wasm');
  tf.unregisterKernel('Cast', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as TensorInfoLike;
      return x.dtype === 'string' ? originalIdentity(args) : share(x, args.backend as unknown as WasmBackendLike);
    },
  });
  tf.registerKernel({
    kernelName: 'Cast',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as TensorInfoLike;
      const dtype = (args.attrs as { dtype: tf.DataType }).dtype;
      return x.dtype === dtype && dtype !== 'string' ? share(x, args.backend as unknown as WasmBackendLike) : originalCast(args);
    },
  });
}

/** Whether the sharing kernels are installed (tests). */
export function wasmCopiesShared(): boolean {
  return installed;
}
