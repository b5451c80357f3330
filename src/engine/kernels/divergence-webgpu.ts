/**
 * The fused counterfactual-divergence kernel for the tfjs `webgpu` backend.
 *
 * Importing this module (browser / worker only: it imports @tensorflow/tfjs-backend-webgpu, which
 * also registers the webgpu backend) registers the kernel `InfoPODivergence` for backend `webgpu`;
 * divergence.ts finds it with tf.getKernel and calls it through tf.engine().runKernel, so inputs are
 * uploaded, outputs tracked and disposed by tfjs like any built-in op. Node never imports this file.
 *
 * Layout: inputs real, masked [P, V] float32 and tokens [P] int32; output [P, 2] float32
 * (column 0 logRatio, column 1 KL). One workgroup per row; each thread strides over the vocabulary.
 * Three strided passes over the two rows (max, sum of exp, KL terms; the re-reads of a row hit the
 * cache), each followed by a tree reduction in workgroup memory. See docs/kernels.md.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { DIVERGENCE_KERNEL_NAME } from './divergence';

export type DivergenceWorkgroupSize = 64 | 128 | 256;

let workgroupOverride: DivergenceWorkgroupSize | null = null;
let invocations = 0;

/**
 * Workgroup size (threads per row). 64 everywhere: on SwiftShader 128 and 256 were 2-9x slower at
 * every measured shape (257 to 5003 vocab; docs/kernels.md), since its barriers cost in proportion
 * to the group; with one workgroup per row, many rows already fill a real GPU. Re-measure on real
 * GPUs with the lab's benchDivergence({ workgroupSize }) before changing it.
 */
export function divergenceWorkgroupSize(_vocab: number): DivergenceWorkgroupSize {
  return workgroupOverride ?? 64;
}

/** For benchmarks: force a workgroup size (null restores the default choice). */
export function setDivergenceWorkgroupSize(size: DivergenceWorkgroupSize | null): void {
  workgroupOverride = size;
}

/** How many times the fused kernel has been dispatched (tests use it to prove it ran). */
export function fusedKernelInvocations(): number {
  return invocations;
}

class DivergenceProgram implements WebGPUProgram {
  variableNames = ['logitsReal', 'logitsMasked', 'sampledTokens'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];

  constructor(positions: number, vocab: number) {
    const wg = divergenceWorkgroupSize(vocab);
    this.outputShape = [positions, 2];
    this.dispatchLayout = webgpu_util.flatDispatchLayout(this.outputShape);
    // One workgroup per row. Above the device's per-dimension limit (65535) the backend reshapes
    // this into a 2-D/3-D grid; getGlobalIndex() then still counts workgroups linearly, and the
    // surplus workgroups of the reshaped grid see row >= positions and only do empty loops.
    this.dispatch = [positions, 1, 1];
    this.workgroupSize = [wg, 1, 1];
    // The backend appends shapes' ranks, dtypes and the dispatch flatness to this key.
    this.shaderKey = `infopoDivergence_${wg}`;
  }

  getUserCode(): string {
    const wg = this.workgroupSize[0];
    return /* wgsl */ `
const DV_WG : i32 = ${wg};
var<workgroup> dvRedA : array<f32, ${wg}>;
var<workgroup> dvRedB : array<f32, ${wg}>;
var<workgroup> dvFlag : array<u32, ${wg}>;

// -inf compared with a runtime uniform: WGSL lets compilers assume no infinities, so a test
// against a constant could be folded away; a uniform cannot.
fn dvIsNegInf(x : f32) -> bool {
  return x == -uniforms.INFINITY;
}

// Tree reductions over DV_WG (a power of two) slots. Called from uniform control flow only: the
// loop bound is a constant, so every barrier is reached by every invocation.
fn dvReduceMax2(tid : i32) {
  for (var s = DV_WG / 2; s > 0; s = s >> 1u) {
    if (tid < s) {
      dvRedA[tid] = max(dvRedA[tid], dvRedA[tid + s]);
      dvRedB[tid] = max(dvRedB[tid], dvRedB[tid + s]);
    }
    workgroupBarrier();
  }
}

fn dvReduceSum2(tid : i32) {
  for (var s = DV_WG / 2; s > 0; s = s >> 1u) {
    if (tid < s) {
      dvRedA[tid] = dvRedA[tid] + dvRedA[tid + s];
      dvRedB[tid] = dvRedB[tid] + dvRedB[tid + s];
    }
    workgroupBarrier();
  }
}

fn dvReduceSumFlag(tid : i32) {
  for (var s = DV_WG / 2; s > 0; s = s >> 1u) {
    if (tid < s) {
      dvRedA[tid] = dvRedA[tid] + dvRedA[tid + s];
      dvFlag[tid] = max(dvFlag[tid], dvFlag[tid + s]);
    }
    workgroupBarrier();
  }
}

// ((int x - int y) - cInt) + ((frac x - frac y) - cFrac): the integer parts (floor) and the
// fractional parts (x - floor x) are exact in fp32 and the integer arithmetic is exact, so only
// values of size < ~10 are rounded, instead of the ~160-sized x - lse of a direct evaluation.
fn dvLogDiff(x : f32, y : f32, cInt : f32, cFrac : f32) -> f32 {
  let ix = floor(x);
  let iy = floor(y);
  return ((ix - iy) - cInt) + (((x - ix) - (y - iy)) - cFrac);
}

fn main(index : i32) {
  let tid = i32(localId.x);
  let row = index / DV_WG;
  let rows = uniforms.logitsRealShape.x;
  let vocab = uniforms.logitsRealShape.y;
  let valid = row < rows;
  // Rows past the end (reshaped dispatch) loop over nothing but still reach every barrier.
  let n = select(0, vocab, valid);
  let base = select(0, row * vocab, valid);
  let negInf = -uniforms.INFINITY;

  // Pass 1: row maxima (-inf entries never win; an all -inf row keeps -inf).
  var mA = negInf;
  var mB = negInf;
  for (var v = tid; v < n; v += DV_WG) {
    mA = max(mA, logitsReal[base + v]);
    mB = max(mB, logitsMasked[base + v]);
  }
  dvRedA[tid] = mA;
  dvRedB[tid] = mB;
  workgroupBarrier();
  dvReduceMax2(tid);
  let maxA = dvRedA[0];
  let maxB = dvRedB[0];
  let rowOk = !dvIsNegInf(maxA) && !dvIsNegInf(maxB);
  workgroupBarrier();

  // Pass 2: sums of exp(x - max) over the finite entries (masked entries skipped explicitly
  // rather than trusting exp(-inf) = 0).
  var sA = 0.0;
  var sB = 0.0;
  if (rowOk) {
    for (var v = tid; v < n; v += DV_WG) {
      let a = logitsReal[base + v];
      let b = logitsMasked[base + v];
      if (!dvIsNegInf(a)) { sA += exp(a - maxA); }
      if (!dvIsNegInf(b)) { sB += exp(b - maxB); }
    }
  }
  dvRedA[tid] = sA;
  dvRedB[tid] = sB;
  workgroupBarrier();
  dvReduceSum2(tid);
  let sumA = dvRedA[0];
  let sumB = dvRedB[0];
  workgroupBarrier();

  // lse_a - lse_b = cInt + cFrac; sumA, sumB are in [1, vocab], so their ratio cannot overflow,
  // and log of the ratio is exactly 0 for identical rows.
  let iMaxA = floor(maxA);
  let iMaxB = floor(maxB);
  let cInt = iMaxA - iMaxB;
  let cFrac = ((maxA - iMaxA) - (maxB - iMaxB)) + log(sumA / sumB);

  // Pass 3: KL terms p_a(v) * (log p_a(v) - log p_b(v)). real = -inf contributes 0; finite real
  // with masked = -inf makes the row's KL +inf (flag, so no inf arithmetic is needed).
  var klPart = 0.0;
  var infPart = 0u;
  if (rowOk) {
    for (var v = tid; v < n; v += DV_WG) {
      let a = logitsReal[base + v];
      if (!dvIsNegInf(a)) {
        let b = logitsMasked[base + v];
        if (dvIsNegInf(b)) {
          infPart = 1u;
        } else {
          let p = exp(a - maxA) / sumA;
          klPart += p * dvLogDiff(a, b, cInt, cFrac);
        }
      }
    }
  }
  dvRedA[tid] = klPart;
  dvFlag[tid] = infPart;
  workgroupBarrier();
  dvReduceSumFlag(tid);

  if (tid == 0 && valid) {
    var logRatio = uniforms.NAN;
    var kl = uniforms.NAN;
    if (rowOk) {
      kl = select(max(dvRedA[0], 0.0), uniforms.INFINITY, dvFlag[0] != 0u);
      let t = sampledTokens[row];
      if (t >= 0 && t < vocab) {
        let at = logitsReal[base + t];
        let bt = logitsMasked[base + t];
        if (dvIsNegInf(at)) {
          logRatio = select(negInf, 0.0, dvIsNegInf(bt));
        } else if (dvIsNegInf(bt)) {
          logRatio = uniforms.INFINITY;
        } else {
          logRatio = dvLogDiff(at, bt, cInt, cFrac);
        }
      }
    }
    result[row * 2] = logRatio;
    result[row * 2 + 1] = kl;
  }
}
`;
  }
}

const divergenceKernelFunc: tf.KernelFunc = ({ inputs, backend }) => {
  const { real, masked, tokens } = inputs as { real: tf.TensorInfo; masked: tf.TensorInfo; tokens: tf.TensorInfo };
  if (real == null || masked == null || tokens == null) throw new Error(`${DIVERGENCE_KERNEL_NAME}: inputs real, masked, tokens are required`);
  const [positions, vocab] = real.shape;
  if (real.shape.length !== 2 || masked.shape.join() !== real.shape.join() || tokens.shape.join() !== String(positions)) {
    throw new Error(`${DIVERGENCE_KERNEL_NAME}: bad shapes ${JSON.stringify([real.shape, masked.shape, tokens.shape])}`);
  }
  if (real.dtype !== 'float32' || masked.dtype !== 'float32' || tokens.dtype !== 'int32') {
    throw new Error(`${DIVERGENCE_KERNEL_NAME}: expected float32 logits and int32 tokens`);
  }
  invocations++;
  const program = new DivergenceProgram(positions, vocab);
  // runWebGPUProgram uploads CPU-resident inputs itself, so the kernel runs on the GPU whatever
  // WEBGPU_CPU_FORWARD says.
  return (backend as WebGPUBackend).runWebGPUProgram(program, [real, masked, tokens], 'float32');
};

// Guarded: a second import (HMR, two bundles) must not re-register (tfjs warns on duplicates).
if (tf.getKernel(DIVERGENCE_KERNEL_NAME, 'webgpu') == null) {
  tf.registerKernel({ kernelName: DIVERGENCE_KERNEL_NAME, backendName: 'webgpu', kernelFunc: divergenceKernelFunc });
}
