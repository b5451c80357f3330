/**
 * The run record (`run.json`, format `infopo-sandbox/run@1`, documented in docs/run-format.md):
 * the resolved config, the environment, one metrics object per step, dialogue traces, the
 * evaluation, and a fingerprint over everything that must repeat bit for bit.
 */
import type { BackendProbe } from './backend';
import type { Config } from './config';

export const RUN_FORMAT = 'infopo-sandbox/run@1';

export type Metrics = Record<string, number>;

export interface StepEntry {
  step: number;
  metrics: Metrics;
}

export interface TurnTrace {
  action: string;
  feedback: string;
  role: 'user' | 'env';
  /** The action's tokens as strings (its <eot> included). */
  action_tokens: string[];
  /** IG_t credited to this action (sampled estimator); null when the turn is not scored. */
  info_gain: number | null;
  /** The exact-KL estimate of the same turn; null when not scored. */
  info_gain_exact: number | null;
  step_reward: number;
  valid: boolean;
  /** Final per-token advantages of this action's tokens. */
  advantages: number[];
}

export interface RolloutTrace {
  outcome: number;
  success: boolean;
  end_reason: string;
  turns: TurnTrace[];
}

export interface GroupTrace {
  step: number;
  group: number;
  task: string;
  instance: string;
  /** The user's opening request (what the agent saw first). Absent in records made before it was added. */
  request?: string;
  gate: number;
  outcome_mean: number;
  outcome_std: number;
  /** Batch-level cap s and effective beta of this step (the same for every group of the step). */
  cap: number;
  beta: number;
  kept: boolean;
  rollouts: RolloutTrace[];
}

export interface EvaluationEntry {
  step: number;
  split: 'test';
  persona: string;
  episodes: number;
  success: number;
  return: number;
  turns: number;
  per_task: Record<string, { success: number; return: number; turns: number; episodes: number }>;
}

export interface EnvironmentInfo {
  backend: string;
  /** Why the preferred backend was not used (e.g. no WebGPU adapter), or null. */
  fallback_reason: string | null;
  adapter: string | null;
  runtime: string;
  versions: Record<string, string>;
  started_at: string;
  /** The WebGPU adapter is a software rasteriser (SwiftShader): it runs on the CPU. Absent in older records. */
  adapter_software?: boolean;
  /** Backend preference "auto": each backend's measured probe (ms per probe unit) behind the choice. */
  backend_probe?: BackendProbe[] | null;
  /** Threads of the wasm backend (1 without cross-origin isolation); null when not wasm. */
  wasm_threads?: number | null;
}

export interface RunRecord {
  format: typeof RUN_FORMAT;
  config: Config;
  environment: EnvironmentInfo;
  model: { parameters: number; vocab_size: number };
  warm_start: { steps: number; final_loss: number | null };
  steps: StepEntry[];
  traces: GroupTrace[];
  evaluations: EvaluationEntry[];
  status: 'running' | 'complete' | 'stopped' | 'failed';
  fingerprint: string;
}

/** Metrics that measure time or process state: they vary between identical runs and are left out of the fingerprint. */
export const VOLATILE_METRICS = new Set(['step_ms', 'rollout_ms', 'infogain_ms', 'update_ms', 'tokens_per_s', 'num_tensors']);

/** JSON with sorted keys, so equal records serialise equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 (Web Crypto, in Node and browsers) of the config, the non-timing metrics, the traces and evaluations. */
export async function fingerprint(record: Pick<RunRecord, 'config' | 'steps' | 'traces' | 'evaluations'>): Promise<string> {
  const steps = record.steps.map((s) => ({ step: s.step, metrics: Object.fromEntries(Object.entries(s.metrics).filter(([k]) => !VOLATILE_METRICS.has(k))) }));
  const text = canonicalJson({ config: record.config, steps, traces: record.traces, evaluations: record.evaluations });
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** One row per step, one column per metric (union of keys, in first-seen order). */
export function metricsCsv(steps: readonly StepEntry[]): string {
  const columns: string[] = [];
  for (const s of steps) for (const k of Object.keys(s.metrics)) if (!columns.includes(k)) columns.push(k);
  const lines = [['step', ...columns].join(',')];
  for (const s of steps) lines.push([s.step, ...columns.map((c) => (c in s.metrics ? String(s.metrics[c]) : ''))].join(','));
  return lines.join('\n') + '\n';
}
