/**
 * What a setup will cost before it runs: the policy's parameter count and an upper bound on the
 * memory a training step holds, against a limit derived from the device. Pure: the page checks it
 * before Start, the command line before it loads a backend (docs/ui.md, "Oversized setups").
 *
 * The bound counts float32 tensors:
 * - weights: parameters, their gradients and AdamW's two moments (4 x P), plus a frozen copy when
 *   klCoef > 0 (the KL reference);
 * - the update's activations, kept by the gradient tape for the backward pass: per token and layer
 *   the block's intermediates (ln, qkv, projections, MLP hidden and activation: ~16 d) and the
 *   attention scores and probabilities (2 H T), plus logits, log-softmax and its gradient (3 V) per
 *   token; doubled for the backward pass's gradients of the same shapes and scaled by a measured
 *   factor for tfjs's own intermediates (ACTIVATION_FACTOR). One mini-batch holds
 *   ceil(promptsPerStep x groupSize / miniBatches) dialogues, each padded to maxContext tokens (the
 *   worst case: real dialogues are often shorter, so this bounds rather than predicts);
 * - the same for the warm start's batch of sftBatch dialogues, when sftSteps > 0 (the larger wins).
 */
import type { Config } from '../config';

/** The project tokenizer's vocabulary (models/infopo-words: 398 words and specials), rounded up: the estimate needs it before the tokenizer loads. */
export const ESTIMATE_VOCAB = 400;
const FLOAT = 4;
/**
 * Bytes of activations per float counted above: 2 for the backward pass's gradients of the same
 * shapes, times 2.5 for what the count leaves out (tfjs's intermediate reshapes, transposes, masks
 * and the counterfactual passes' logits). Calibrated on the peak bytes tf.profile measured over
 * whole small runs (smoke, d 32 x 2 layers, d 64 x 2 layers at 192 tokens: the count alone was 0.5-0.6
 * of the peak; with the factor the estimate is 1.2-1.5x the peak; resources.test.ts checks it).
 */
const ACTIVATION_FACTOR = 5;
const GiB = 1024 ** 3;

export interface ResourceEstimate {
  parameters: number;
  /** Parameters, gradients, AdamW moments (and the KL reference): bytes. */
  weightBytes: number;
  /** Activations of the larger of an RL update mini-batch and a warm-start batch, forward and backward: bytes (an upper bound). */
  activationBytes: number;
  /** weightBytes + activationBytes. */
  totalBytes: number;
  /** The largest single tensor (attention scores or logits of one batch): WebGPU's per-buffer limit applies to it. */
  largestTensorBytes: number;
  /** Which part dominates, in words (for the message). */
  dominant: string;
}

/** Parameter count of the policy (src/engine/policy/model.ts: GPT-2 blocks, untied head). */
export function parameterCount(c: Pick<Config, 'dModel' | 'nLayers' | 'maxContext'>, vocab = ESTIMATE_VOCAB): number {
  const d = c.dModel;
  const block = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (4 * d * d + 4 * d) + (4 * d * d + d);
  return vocab * d + c.maxContext * d + c.nLayers * block + 2 * d + d * vocab;
}

export function estimateResources(c: Config, vocab = ESTIMATE_VOCAB): ResourceEstimate {
  const P = parameterCount(c, vocab);
  const weightBytes = FLOAT * P * (4 + (c.klCoef > 0 ? 1 : 0));
  const T = c.maxContext;
  const perToken = c.nLayers * (16 * c.dModel + 2 * c.nHeads * T) + 3 * vocab;
  const rlBatch = Math.ceil((c.promptsPerStep * c.groupSize) / c.miniBatches);
  const sftBatch = c.sftSteps > 0 ? c.sftBatch : 0;
  const batch = Math.max(rlBatch, sftBatch);
  const activationBytes = FLOAT * ACTIVATION_FACTOR * batch * T * perToken;
  const largestTensorBytes = FLOAT * batch * T * Math.max(c.nHeads * T, vocab, 4 * c.dModel);
  const dominant =
    weightBytes >= activationBytes
      ? `the model: ${formatCount(P)} parameters (dModel ${c.dModel}, nLayers ${c.nLayers}) with gradients and AdamW state`
      : `the activations of ${batch} dialogues of up to ${T} tokens in one ${batch === rlBatch ? `update (promptsPerStep ${c.promptsPerStep} x groupSize ${c.groupSize} / miniBatches ${c.miniBatches})` : `warm-start batch (sftBatch ${c.sftBatch})`} through ${c.nLayers} layers of width ${c.dModel}`;
  return { parameters: P, weightBytes, activationBytes, totalBytes: weightBytes + activationBytes, largestTensorBytes, dominant };
}

export interface DeviceInfo {
  backend: 'webgpu' | 'wasm' | 'cpu' | 'auto';
  /** navigator.deviceMemory (GB; browsers round it and cap it at 8), or the machine's memory in Node; null when unknown. */
  deviceMemoryGB: number | null;
  /** WebGPU adapter's maxBufferSize / maxStorageBufferBindingSize (bytes), when known. */
  maxBufferBytes?: number | null;
}

export interface ResourceLimit {
  bytes: number;
  /** Where the limit comes from, in words. */
  reason: string;
}

/** WebAssembly's 32-bit address space: a wasm heap never exceeds 4 GiB; tfjs also keeps its tensors there. */
export const WASM_HEAP_BYTES = 4 * GiB;
/** Share of the device's memory one tab may fill before the browser (or the OS) kills it. */
const DEVICE_SHARE = 0.5;
/** Memory assumed when the browser does not say (Firefox, Safari: no navigator.deviceMemory). */
const UNKNOWN_DEVICE_GB = 4;

/** The limit a setup must stay under on this device and backend: the smaller of the wasm heap (wasm) and half the device's memory. */
export function resourceLimit(d: DeviceInfo): ResourceLimit {
  const gb = d.deviceMemoryGB ?? UNKNOWN_DEVICE_GB;
  const device: ResourceLimit = {
    bytes: DEVICE_SHARE * gb * GiB,
    reason: `half of this device's ${gb} GB of memory${d.deviceMemoryGB === null ? ' (assumed: the browser does not report it)' : ''}`,
  };
  // "auto" may pick wasm: its heap limit applies too.
  if ((d.backend === 'wasm' || d.backend === 'auto') && WASM_HEAP_BYTES < device.bytes) return { bytes: WASM_HEAP_BYTES, reason: "WebAssembly's 4 GiB heap, where the wasm backend keeps every tensor" };
  return device;
}

export type ResourceLevel = 'ok' | 'warn' | 'refuse';

/** Warn from this share of the limit on: the estimate is a bound (1.2-1.5x the measured peak), but a tab near its limit is slow long before it fails. */
export const WARN_SHARE = 0.5;

export interface ResourceCheck {
  level: ResourceLevel;
  estimate: ResourceEstimate;
  limit: ResourceLimit;
  /** One line for the page and the command line (empty when ok). */
  message: string;
}

export function checkResources(c: Config, d: DeviceInfo, vocab = ESTIMATE_VOCAB): ResourceCheck {
  const estimate = estimateResources(c, vocab);
  const limit = resourceLimit(d);
  const need = `${formatBytes(estimate.totalBytes)} (${formatCount(estimate.parameters)} parameters; mostly ${estimate.dominant})`;
  if (d.maxBufferBytes && d.backend === 'webgpu' && estimate.largestTensorBytes > d.maxBufferBytes) {
    return { level: 'refuse', estimate, limit, message: `This setup is too large for this device: its largest tensor needs ${formatBytes(estimate.largestTensorBytes)}, more than the WebGPU adapter's largest buffer (${formatBytes(d.maxBufferBytes)}). Lower maxContext, promptsPerStep x groupSize (or raise miniBatches).` };
  }
  if (estimate.totalBytes > limit.bytes) {
    return { level: 'refuse', estimate, limit, message: `This setup is too large for this device: it needs up to ${need}, over the limit of ${formatBytes(limit.bytes)} (${limit.reason}).` };
  }
  if (estimate.totalBytes > WARN_SHARE * limit.bytes) {
    return { level: 'warn', estimate, limit, message: `This setup needs up to ${need}: ${Math.round((100 * estimate.totalBytes) / limit.bytes)}% of the limit of ${formatBytes(limit.bytes)} (${limit.reason}). Expect a slow run and a busy machine.` };
  }
  return { level: 'ok', estimate, limit, message: '' };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * GiB) return `${(bytes / 1024 / GiB).toFixed(1)} TB`;
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} k`;
  return String(n);
}
