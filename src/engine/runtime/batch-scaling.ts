/**
 * Batch scaling of a whole training step (`npm run bench`, `benchBatchSteps`): the pure parts, the
 * list of batches a run asks for and the summary of its timings, so they are unit-tested without
 * timing anything.
 */
import { median } from '../analysis/stats';

/** The batches (dialogues per step = promptsPerStep x groupSize) timed by default: 6, 24 and 64 prompts x G = 5; the reference trains 64 x 5. */
export const DEFAULT_BATCHES = [30, 120, 320];
/** Slow backends (plain-JS cpu, a software WebGPU adapter, ~1 GFLOP/s): the smallest batch only. */
export const SLOW_BATCHES = [30];
/** The schema's largest promptsPerStep (config.ts). */
const MAX_PROMPTS = 512;

/**
 * "30,120,320" -> [30, 120, 320]: distinct whole numbers of dialogues, each a multiple of the group
 * size (promptsPerStep = batch / groupSize), in increasing order. Throws one line naming the problem.
 */
export function parseBatches(list: string, groupSize: number, flag = '--batches'): number[] {
  const parts = list.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new Error(`${flag}: expected comma-separated numbers of dialogues per step (e.g. 30,120,320), got "${list}"`);
  const batches: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) < 1) throw new Error(`${flag}: "${p}" is not a positive whole number of dialogues per step`);
    const n = Number(p);
    if (n % groupSize !== 0) throw new Error(`${flag}: ${n} dialogues is not a multiple of the group size ${groupSize} (promptsPerStep = dialogues / ${groupSize})`);
    if (n / groupSize > MAX_PROMPTS) throw new Error(`${flag}: ${n} dialogues needs promptsPerStep ${n / groupSize}, over the schema's ${MAX_PROMPTS}`);
    if (batches.includes(n)) throw new Error(`${flag}: ${n} is listed twice`);
    batches.push(n);
  }
  return batches.sort((a, b) => a - b);
}

/** One batch's timed steps (after a warm-up step), as the trainer's metrics give them. */
export interface BatchTiming {
  dialogues: number;
  promptsPerStep: number;
  stepMs: number[];
  rolloutMs: number[];
  infogainMs: number[];
  updateMs: number[];
  tokens: number[];
}

export interface BatchRow {
  dialogues: number;
  prompts_per_step: number;
  steps: number;
  /** Medians over the timed steps. */
  step_ms: number;
  rollout_ms: number;
  infogain_ms: number;
  update_ms: number;
  tokens: number;
  dialogues_per_s: number;
}

export interface BatchScalingSummary {
  rows: BatchRow[];
  /** The largest batch's step time over the smallest's (1 would be a free batch; dialogues ratio = linear cost), null with one batch. */
  largest_over_smallest: { from: number; to: number; step_time_ratio: number; dialogues_ratio: number } | null;
}

/** Medians per batch, dialogues per second, and the largest batch's step time over the smallest's. */
export function summariseBatchScaling(timings: BatchTiming[]): BatchScalingSummary {
  if (timings.length === 0) throw new Error('batch scaling: no batch was timed');
  const rows = [...timings]
    .sort((a, b) => a.dialogues - b.dialogues)
    .map((t): BatchRow => {
      if (t.stepMs.length === 0) throw new Error(`batch scaling: the batch of ${t.dialogues} dialogues has no timed step`);
      const stepMs = median(t.stepMs);
      return { dialogues: t.dialogues, prompts_per_step: t.promptsPerStep, steps: t.stepMs.length, step_ms: stepMs, rollout_ms: median(t.rolloutMs), infogain_ms: median(t.infogainMs), update_ms: median(t.updateMs), tokens: median(t.tokens), dialogues_per_s: (t.dialogues / stepMs) * 1000 };
    });
  const [first, last] = [rows[0], rows[rows.length - 1]];
  return { rows, largest_over_smallest: rows.length > 1 ? { from: first.dialogues, to: last.dialogues, step_time_ratio: last.step_ms / first.step_ms, dialogues_ratio: last.dialogues / first.dialogues } : null };
}
