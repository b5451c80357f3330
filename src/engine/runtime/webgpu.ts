/**
 * The engine's browser-only entry: importing it loads TensorFlow.js's webgpu backend and registers
 * the fused divergence kernel (WGSL). Hosts import it dynamically, only where WebGPU may exist.
 */
export { divergenceWorkgroupSize, fusedKernelInvocations, setDivergenceWorkgroupSize, type DivergenceWorkgroupSize } from '../kernels/divergence-webgpu';
