/**
 * Issue 23's two real-GPU goals read from the packed bench's JSON (scripts/pack-gpu-bench.ts):
 * the divergence kernel's GB/s at 256 x 8192 against the GPU's memory bandwidth, and a demo
 * training step at 320 dialogues on webgpu against wasm's at 30. Pure: the pack's run.sh calls it
 * through the bundle's `--pack-summary` mode after the bench.
 */

/**
 * Peak memory bandwidth in GB/s (10^9 bytes/s) as NVIDIA publishes it on each product's data
 * sheet: the vendor's figure, not a measurement. Matched against `nvidia-smi --query-gpu=name`
 * in order, so the more specific names come first.
 */
export const VENDOR_PEAK_BANDWIDTH: { pattern: RegExp; model: string; gbPerS: number }[] = [
  { pattern: /\bB200\b/i, model: 'B200', gbPerS: 8000 },
  { pattern: /\bGH200\b.*(144|HBM3e)/i, model: 'GH200 (HBM3e, 144 GB)', gbPerS: 4900 },
  { pattern: /\bGH200\b/i, model: 'GH200 (HBM3, 96 GB)', gbPerS: 4000 },
  { pattern: /\bH200\b/i, model: 'H200', gbPerS: 4800 },
  { pattern: /\bH100\b.*\bNVL\b/i, model: 'H100 NVL', gbPerS: 3900 },
  { pattern: /\bH100\b.*\bPCIe\b/i, model: 'H100 PCIe', gbPerS: 2000 },
  { pattern: /\bH100\b/i, model: 'H100 SXM', gbPerS: 3350 },
  { pattern: /\bA100\b.*\b80GB\b.*\bPCIe\b|\bA100\b.*PCIE.*80GB/i, model: 'A100 80GB PCIe', gbPerS: 1935 },
  { pattern: /\bA100\b.*80GB/i, model: 'A100 80GB SXM', gbPerS: 2039 },
  { pattern: /\bA100\b/i, model: 'A100 40GB', gbPerS: 1555 },
  { pattern: /\bL40S?\b/i, model: 'L40 / L40S', gbPerS: 864 },
  { pattern: /\bL4\b/i, model: 'L4', gbPerS: 300 },
  { pattern: /\bA10G?\b/i, model: 'A10 / A10G', gbPerS: 600 },
  { pattern: /\bT4\b/i, model: 'T4', gbPerS: 320 },
  { pattern: /\bV100\b/i, model: 'V100', gbPerS: 900 },
  { pattern: /RTX 6000 Ada/i, model: 'RTX 6000 Ada', gbPerS: 960 },
  { pattern: /RTX A6000/i, model: 'RTX A6000', gbPerS: 768 },
  { pattern: /RTX 4090/i, model: 'GeForce RTX 4090', gbPerS: 1008 },
  { pattern: /RTX 3090/i, model: 'GeForce RTX 3090', gbPerS: 936 },
];

/** The vendor's peak bandwidth for a GPU name, or null when the table does not know it. */
export function vendorBandwidth(gpuName: string): { model: string; gbPerS: number } | null {
  const hit = VENDOR_PEAK_BANDWIDTH.find((g) => g.pattern.test(gpuName));
  return hit ? { model: hit.model, gbPerS: hit.gbPerS } : null;
}

/** The parts of `npm run bench`'s JSON (src/cli/bench.ts) the goals read; anything else is ignored. */
interface BenchJson {
  results?: {
    backend: string;
    divergence?: { positions: number; vocab: number; kernel_gb_per_s: number | null; ops_gb_per_s: number }[];
    batch_scaling?: { rows: { dialogues: number; step_ms: number; steps: number }[] };
  }[];
}

export const GOAL_POSITIONS = 256;
export const GOAL_VOCAB = 8192;
export const GOAL_BANDWIDTH_SHARE = 0.5;
export const GOAL_GPU_DIALOGUES = 320;
export const GOAL_WASM_DIALOGUES = 30;

export interface GoalSummary {
  gpu: string;
  bandwidth: { model: string; vendor_peak_gb_per_s: number; source: string } | null;
  kernel: { positions: number; vocab: number; kernel_gb_per_s: number | null; ops_gb_per_s: number | null; share_of_peak: number | null; goal: string; met: boolean | null };
  demo_step: { webgpu_ms_at_320: number | null; wasm_ms_at_30: number | null; ratio: number | null; goal: string; met: boolean | null };
  /** One line per goal, as run.sh prints them. */
  lines: string[];
}

const webgpuResult = (b: BenchJson) => b.results?.find((r) => r.backend.startsWith('webgpu'));
const wasmResult = (b: BenchJson) => b.results?.find((r) => r.backend === 'wasm');

/**
 * The two goals from the webgpu bench's JSON and the wasm one's (either may be the same file, or
 * missing when its run failed) and nvidia-smi's name of the GPU ('unknown' without nvidia-smi). A
 * figure the bench did not record is null and its line says so.
 */
export function summariseGoals(webgpu: BenchJson | null, wasm: BenchJson | null, smiName: string): GoalSummary {
  const gpu = webgpu ? webgpuResult(webgpu) : undefined;
  // Without nvidia-smi, Dawn's adapter description (in the backend's label) names the GPU.
  const gpuName = smiName && smiName !== 'unknown' ? smiName : (gpu?.backend ?? 'unknown');
  const bw = vendorBandwidth(gpuName);
  const div = gpu?.divergence?.find((d) => d.positions === GOAL_POSITIONS && d.vocab === GOAL_VOCAB);
  const kernelGb = div?.kernel_gb_per_s ?? null;
  const share = kernelGb !== null && bw ? kernelGb / bw.gbPerS : null;
  const kernelGoal = `divergence kernel >= ${GOAL_BANDWIDTH_SHARE * 100}% of memory bandwidth at ${GOAL_POSITIONS} x ${GOAL_VOCAB}`;
  const rowAt = (r: ReturnType<typeof webgpuResult>, n: number) => r?.batch_scaling?.rows.find((x) => x.dialogues === n)?.step_ms ?? null;
  const gpuMs = rowAt(gpu, GOAL_GPU_DIALOGUES);
  const wasmMs = rowAt(wasm ? wasmResult(wasm) : undefined, GOAL_WASM_DIALOGUES);
  const ratio = gpuMs !== null && wasmMs !== null ? gpuMs / wasmMs : null;
  const stepGoal = `demo training step at ${GOAL_GPU_DIALOGUES} dialogues on webgpu in under wasm's at ${GOAL_WASM_DIALOGUES}`;
  const lines: string[] = [];
  if (!gpu) lines.push(`${kernelGoal}: no webgpu result (the webgpu bench failed or timed out: see its log)`);
  else if (kernelGb === null) lines.push(`${kernelGoal}: the bench recorded no kernel time at ${GOAL_POSITIONS} x ${GOAL_VOCAB}`);
  else if (!bw) lines.push(`${kernelGoal}: kernel ${kernelGb.toPrecision(3)} GB/s; "${gpuName}" is not in the table of vendor bandwidths (scripts/gpu-bench-summary.ts), so no share`);
  else lines.push(`${kernelGoal}: kernel ${kernelGb.toPrecision(3)} GB/s = ${(share! * 100).toFixed(1)}% of the ${bw.model}'s ${bw.gbPerS} GB/s (vendor's peak figure) -> ${share! >= GOAL_BANDWIDTH_SHARE ? 'met' : 'not met'}`);
  if (ratio === null)
    lines.push(`${stepGoal}: ${gpuMs === null ? `no webgpu step at ${GOAL_GPU_DIALOGUES} dialogues` : `webgpu ${gpuMs.toFixed(0)} ms`}, ${wasmMs === null ? `no wasm step at ${GOAL_WASM_DIALOGUES} dialogues` : `wasm ${wasmMs.toFixed(0)} ms`} in the bench JSON (batch_scaling)`);
  else lines.push(`${stepGoal}: webgpu ${gpuMs!.toFixed(0)} ms at ${GOAL_GPU_DIALOGUES}, wasm ${wasmMs!.toFixed(0)} ms at ${GOAL_WASM_DIALOGUES} (ratio ${ratio.toFixed(2)}) -> ${ratio < 1 ? 'met' : 'not met'}`);
  return {
    gpu: gpuName,
    bandwidth: bw && { model: bw.model, vendor_peak_gb_per_s: bw.gbPerS, source: "NVIDIA's published peak memory bandwidth (data sheet), not measured" },
    kernel: { positions: GOAL_POSITIONS, vocab: GOAL_VOCAB, kernel_gb_per_s: kernelGb, ops_gb_per_s: div?.ops_gb_per_s ?? null, share_of_peak: share, goal: kernelGoal, met: share === null ? null : share >= GOAL_BANDWIDTH_SHARE },
    demo_step: { webgpu_ms_at_320: gpuMs, wasm_ms_at_30: wasmMs, ratio, goal: stepGoal, met: ratio === null ? null : ratio < 1 },
    lines,
  };
}
