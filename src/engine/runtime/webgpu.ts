/**
 * The engine's browser-only entry: importing it loads TensorFlow.js's webgpu backend and registers
 * the WGSL kernels: the fused divergence and the fused training ops (dense, LayerNorm, causal
 * self-attention; kernels/fused.ts). Hosts import it dynamically, only where WebGPU may exist
 * (the page's worker, the lab page, and Node's Dawn path in cli/node-env.ts).
 */
export { divergenceWorkgroupSize, fusedKernelInvocations, setDivergenceWorkgroupSize, type DivergenceWorkgroupSize } from '../kernels/divergence-webgpu';
export { fusedOpDispatches } from '../kernels/fused-webgpu';
