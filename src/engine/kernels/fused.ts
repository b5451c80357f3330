/**
 * The transformer's dense layers, LayerNorms and causal self-attention as fused WGSL kernels on the
 * tfjs `webgpu` backend, each with its gradient written out (docs/kernels.md, "Fused training ops").
 *
 * This file names the kernels and wraps them in tf.customGrad; the WGSL programs live in
 * fused-webgpu.ts, which registers them for backend `webgpu` when imported (browser, worker, and
 * Node's Dawn path through runtime/webgpu.ts). This file imports no backend, so it runs anywhere:
 * `webgpuFusedOpsApply()` is false unless the current backend is webgpu and the kernels are registered.
 *
 * Every op keeps the stock expression's math; sums are reassociated (rounding-level differences).
 */
import * as tf from '@tensorflow/tfjs';

/** Kernel names registered by fused-webgpu.ts; inputs and attributes as documented there. */
export const FUSED_KERNELS = {
  /** C = op(A) op(B) (+ bias, then ReLU), operands read transposed by index; optional masks zero A or B where mask <= 0. */
  matMul: 'InfoPOMatMul',
  /** Sum over the rows of x [n, m] → [m], optionally where mask > 0 only. */
  columnSum: 'InfoPOColumnSum',
  /** LayerNorm over the last axis of x [n, d] with gain and bias [d]. */
  layerNorm: 'InfoPOLayerNorm',
  /** Per row of x [n, d]: mean and 1/√(σ² + ε) → [n, 2]. */
  layerNormStats: 'InfoPOLayerNormStats',
  /** dx of LayerNorm from x, gain, dy and the row statistics. */
  layerNormGrad: 'InfoPOLayerNormGrad',
  /** dγ = Σ_rows dy · x̂ from x, dy and the row statistics. */
  layerNormGainGrad: 'InfoPOLayerNormGainGrad',
  /** Causal self-attention of qkv [B, T, 3d] → [B, T, d]. */
  attention: 'InfoPOAttention',
  /** Per (batch, head, query): max score, Σ exp, and D = Σ_j P_ij dP_ij → [B, H, T, 3]. */
  attentionStats: 'InfoPOAttentionStats',
  /** d qkv [B, T, 3d] from qkv, dy and the statistics. */
  attentionGrad: 'InfoPOAttentionGrad',
} as const;

/** Largest head width the attention kernel keeps in registers (a query, a key and two accumulators of this size per thread). */
export const MAX_FUSED_HEAD_DIM = 64;

let enabled = true;
/** Turn the WebGPU fused ops off (true: on, the default) to compare against tfjs's stock ops; returns the previous setting. */
export function setWebGpuFusedOps(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether the fused ops run now: the backend is webgpu, the kernels are registered and the switch is on. */
export function webgpuFusedOpsApply(): boolean {
  return enabled && hasWebGpuFusedKernels();
}

/** Whether fused-webgpu.ts registered its kernels for the current backend. */
export function hasWebGpuFusedKernels(): boolean {
  const backend = tf.getBackend();
  return backend === 'webgpu' && Object.values(FUSED_KERNELS).every((k) => tf.getKernel(k, backend) != null);
}

type Activation = 'linear' | 'relu';
type GradFn = Parameters<typeof tf.customGrad>[0];

function run(kernel: string, inputs: Record<string, tf.Tensor | undefined>, attrs: Record<string, number | boolean | string> = {}): tf.Tensor {
  // Absent optional inputs are left out of the map (the engine reads every value it is given).
  const present = Object.fromEntries(Object.entries(inputs).filter(([, t]) => t != null)) as tf.NamedTensorMap;
  return tf.engine().runKernel(kernel, present, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** C = op(A) op(B) with the fused kernel (the building block of dense and its gradient). */
export function fusedMatMul(a: tf.Tensor2D, b: tf.Tensor2D, o: { transposeA?: boolean; transposeB?: boolean; bias?: tf.Tensor1D; activation?: Activation; maskA?: tf.Tensor2D; maskB?: tf.Tensor2D } = {}): tf.Tensor2D {
  return run(FUSED_KERNELS.matMul, { a, b, bias: o.bias, maskA: o.maskA, maskB: o.maskB }, { transposeA: !!o.transposeA, transposeB: !!o.transposeB, activation: o.activation ?? 'linear' }) as tf.Tensor2D;
}

/** Σ over the rows of x [n, m] (where mask > 0, when given). */
export function fusedColumnSum(x: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor1D {
  return run(FUSED_KERNELS.columnSum, { x, mask }) as tf.Tensor1D;
}

const denseOps = new Map<string, (...args: tf.Tensor[]) => tf.Tensor>();

/**
 * x [n, din] @ w [din, dout] (+ b) (then ReLU) in one dispatch; the gradient in three, none of
 * which transposes: dx = g wᵀ (w read transposed), dw = xᵀ g (x read transposed), db = 1ᵀ g, with
 * g = dy where y > 0 (ReLU) read through the mask rather than materialised.
 */
export function webgpuDense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | undefined, activation: Activation): tf.Tensor2D {
  const key = `${b != null}/${activation}`;
  let op = denseOps.get(key);
  if (!op) {
    const relu = activation === 'relu';
    op = tf.customGrad(((...args: unknown[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const [sx, sw, sb] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined];
      const y = fusedMatMul(sx, sw, { bias: sb, activation });
      save(relu ? [sx, sw, y] : [sx, sw]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
          const [gx, gw, gy] = saved as tf.Tensor2D[];
          const mask = relu ? gy : undefined;
          const dx = fusedMatMul(dy, gw, { transposeB: true, maskA: mask });
          const dw = fusedMatMul(gx, dy, { transposeA: true, maskB: mask });
          return sb ? [dx, dw, fusedColumnSum(dy, mask)] : [dx, dw];
        },
      };
    }) as unknown as GradFn) as unknown as (...args: tf.Tensor[]) => tf.Tensor;
    denseOps.set(key, op);
  }
  return (b ? op(x, w, b) : op(x, w)) as tf.Tensor2D;
}

const layerNormOps = new Map<number, (x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor) => tf.Tensor>();

/**
 * LayerNorm over the last axis in one dispatch (one thread per row); the gradient in four: the row
 * statistics (mean, r = 1/√(σ² + ε)), dx = r · (dx̂ - mean(dx̂) - x̂ · mean(dx̂ · x̂)) with dx̂ = dy · γ,
 * dγ = Σ_rows dy · x̂ and dβ = Σ_rows dy. x̂ is recomputed from x and the statistics, never stored.
 */
export function webgpuLayerNorm(x: tf.Tensor, gain: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor {
  let op = layerNormOps.get(eps);
  if (!op) {
    op = tf.customGrad(((sx: tf.Tensor, sg: tf.Tensor, sbias: tf.Tensor, save: tf.GradSaveFunc) => {
      const d = sx.shape[sx.rank - 1];
      const x2 = sx.reshape([-1, d]);
      save([x2, sg]);
      return {
        value: run(FUSED_KERNELS.layerNorm, { x: x2, gain: sg, bias: sbias }, { eps }).reshape(sx.shape),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [gx, gg] = saved;
          const dy2 = dy.reshape([-1, d]);
          const stats = run(FUSED_KERNELS.layerNormStats, { x: gx }, { eps });
          const dx = run(FUSED_KERNELS.layerNormGrad, { x: gx, gain: gg, dy: dy2, stats });
          const dgain = run(FUSED_KERNELS.layerNormGainGrad, { x: gx, dy: dy2, stats });
          return [dx.reshape(dy.shape), dgain, fusedColumnSum(dy2 as tf.Tensor2D)];
        },
      };
    }) as unknown as GradFn) as unknown as (x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor) => tf.Tensor;
    layerNormOps.set(eps, op);
  }
  return op(x, gain, bias);
}

const attentionOps = new Map<number, (qkv: tf.Tensor) => tf.Tensor>();

/**
 * Causal self-attention from qkv [B, T, 3d] (heads of dh = d / H) to the merged heads [B, T, d] in
 * one dispatch, reading q, k and v by index (no split, no transpose). The gradient in two: the row
 * statistics (max score m, Σ exp l, D = Σ_j P_ij dP_ij), then dQ, dK, dV written straight into
 * [B, T, 3d]. P is recomputed from q, k, m and l, never stored (nothing score-sized is kept).
 */
export function webgpuCausalSelfAttention(qkv: tf.Tensor3D, heads: number): tf.Tensor3D {
  const d3 = qkv.shape[2];
  const d = d3 / 3;
  if (!Number.isInteger(d) || d % heads !== 0) throw new Error(`webgpuCausalSelfAttention: last axis ${d3} is not 3 × d with d a multiple of ${heads} heads`);
  if (d / heads > MAX_FUSED_HEAD_DIM) throw new Error(`webgpuCausalSelfAttention: head width ${d / heads} is above ${MAX_FUSED_HEAD_DIM}`);
  let op = attentionOps.get(heads);
  if (!op) {
    op = tf.customGrad(((sqkv: tf.Tensor, save: tf.GradSaveFunc) => {
      save([sqkv]);
      return {
        value: run(FUSED_KERNELS.attention, { qkv: sqkv }, { heads }),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const stats = run(FUSED_KERNELS.attentionStats, { qkv: saved[0], dy }, { heads });
          return [run(FUSED_KERNELS.attentionGrad, { qkv: saved[0], dy, stats }, { heads })];
        },
      };
    }) as unknown as GradFn) as unknown as (qkv: tf.Tensor) => tf.Tensor;
    attentionOps.set(heads, op);
  }
  return op(qkv) as tf.Tensor3D;
}
