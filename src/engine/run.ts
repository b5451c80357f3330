/**
 * The run record (`run.json`, format `infopo-sandbox/run@1`, documented in docs/run-format.md):
 * the resolved config, the environment, one metrics object per step, dialogue traces, the
 * evaluation, and a fingerprint over everything that must repeat bit for bit.
 */
import { z } from 'zod';
import { CONFIG_KEYS, ConfigError, DEFAULT_CONFIG, resolveConfig, type Config } from './config';
import { decodeShare, shareParamsOfLink } from './share';
import { BACKEND_NAMES } from './runtime/backend';

export const RUN_FORMAT = 'infopo-sandbox/run@1';

/** Every step metric the trainer reports, in run.json / metrics.csv order (docs/run-format.md "Step metrics"). */
export const METRIC_NAMES = [
  'success', 'return', 'turns', 'action_len', 'tokens_generated', 'invalid_action_fraction', 'zero_std_fraction',
  'uninformative_share', 'tied_credit_informative', 'tied_credit_uninformative',
  'gate_min', 'gate_mean', 'gate_max', 'scored_turns', 'info_gain_mean', 'info_gain_std', 'info_gain_exact_mean', 'info_gain_exact_std',
  'fused_divergence', 'intrinsic_share', 'cap', 'beta_effective',
  'loss', 'policy_loss', 'entropy', 'clip_fraction', 'approx_kl', 'kl_ref', 'grad_norm', 'lr',
  'rollout_ms', 'infogain_ms', 'update_ms', 'step_ms', 'tokens_per_s', 'num_tensors',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
/** Means over questions (of tied groups): NaN in a step that has none. */
export const METRICS_UNDEFINED_WHEN_EMPTY: ReadonlySet<MetricName> = new Set(['uninformative_share', 'tied_credit_informative', 'tied_credit_uninformative']);
/** One step's metrics. A record read from a file that lacks some (made before they existed) has NaN there, as for "not measured". */
export type Metrics = Record<MetricName, number>;

/** Metrics that measure time or process state: they vary between identical runs and are left out of the fingerprint. */
export const VOLATILE_METRICS: ReadonlySet<string> = new Set<MetricName>(['step_ms', 'rollout_ms', 'infogain_ms', 'update_ms', 'tokens_per_s', 'num_tensors']);

// JSON writes NaN and ±Infinity as null: read null back as NaN.
const num = z.number().nullable().transform((v) => v ?? NaN);
const configField = z.unknown().transform((value, ctx): Config => {
  try {
    return resolveConfig(value);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    ctx.addIssue({ code: 'custom', message: `its config is invalid: ${error.problems.join('; ')}` });
    return z.NEVER;
  }
});

const metric = z.number().nullable().optional().transform((v) => v ?? NaN);
const metricsSchema = z.strictObject(Object.fromEntries(METRIC_NAMES.map((k) => [k, metric])) as unknown as Record<MetricName, typeof metric>);

export const stepEntrySchema = z.object({ step: z.number().int(), metrics: metricsSchema });

export const turnTraceSchema = z.object({
  action: z.string(),
  feedback: z.string(),
  role: z.enum(['user', 'env']),
  /** The action's tokens as strings (its <eot> included). */
  action_tokens: z.array(z.string()),
  /** IG_t credited to this action (sampled estimator); null when the turn is not scored. */
  info_gain: z.number().nullable(),
  /** The exact-KL estimate of the same turn; null when not scored. */
  info_gain_exact: z.number().nullable(),
  step_reward: z.number(),
  valid: z.boolean(),
  /** Final per-token advantages of this action's tokens. */
  advantages: z.array(z.number()),
});

export const rolloutTraceSchema = z.object({ outcome: z.number(), success: z.boolean(), end_reason: z.string(), turns: z.array(turnTraceSchema) });

export const groupTraceSchema = z.object({
  step: z.number().int(),
  group: z.number().int(),
  task: z.string(),
  instance: z.string(),
  /** The user's opening request (what the agent saw first). Absent in records made before it was added. */
  request: z.string().optional(),
  gate: z.number(),
  outcome_mean: z.number(),
  outcome_std: z.number(),
  /** Batch-level cap s and effective beta of this step (the same for every group of the step). */
  cap: z.number(),
  beta: z.number(),
  kept: z.boolean(),
  rollouts: z.array(rolloutTraceSchema),
});

const evaluationMeans = { success: z.number(), return: z.number(), turns: z.number(), episodes: z.number().int() };
export const evaluationEntrySchema = z.object({
  step: z.number().int(),
  split: z.literal('test'),
  persona: z.string(),
  ...evaluationMeans,
  per_task: z.record(z.string(), z.object(evaluationMeans)),
  /**
   * Success of every episode, '1' or '0', in evaluation order (task by task, episode 0 first):
   * episode i meets the same instance and user in every evaluation of every run with this
   * evalSeed, so two runs (a race's lanes) compare episode by episode. Absent in older records.
   */
  successes: z.string().regex(/^[01]*$/).optional(),
});

export const environmentSchema = z.object({
  backend: z.string(),
  /** Why the preferred backend was not used (e.g. no WebGPU adapter), or null. */
  fallback_reason: z.string().nullable(),
  adapter: z.string().nullable(),
  runtime: z.string(),
  versions: z.record(z.string(), z.string()),
  started_at: z.string(),
  /** The WebGPU adapter is a software rasteriser (SwiftShader): it runs on the CPU. Absent in older records. */
  adapter_software: z.boolean().optional(),
  /** Backend preference "auto": each backend's measured probe (ms per probe unit) behind the choice. */
  backend_probe: z
    .array(
      z.object({
        backend: z.enum(BACKEND_NAMES),
        ms: z.number().nullable(),
        warmupMs: z.number().nullable(),
        units: z.number().int(),
        screenMs: z.number().nullable(),
        note: z.string().nullable(),
        // webgpu: its adapter; and the probe at a larger batch (a hardware GPU and wasm). Absent in older records.
        adapter: z.string().nullable().optional(),
        software: z.boolean().optional(),
        large: z.object({ rows: z.number().int(), ms: z.number().nullable(), warmupMs: z.number().nullable(), units: z.number().int(), note: z.string().nullable() }).optional(),
      }),
    )
    .nullable()
    .optional(),
  /** Threads of the wasm backend (1 without cross-origin isolation); null when not wasm. */
  wasm_threads: z.number().int().nullable().optional(),
});

export const RUN_STATUSES = ['running', 'complete', 'stopped', 'failed'] as const;

/** The run record; `parseRunRecord` is the one reader (page import, `--config run.json`, `evaluate --run`). */
export const runRecordSchema = z.object({
  format: z.literal(RUN_FORMAT),
  config: configField,
  environment: environmentSchema,
  model: z.object({ parameters: z.number().int(), vocab_size: z.number().int() }),
  warm_start: z.object({ steps: z.number().int(), final_loss: num }),
  steps: z.array(stepEntrySchema),
  traces: z.array(groupTraceSchema),
  evaluations: z.array(evaluationEntrySchema),
  status: z.enum(RUN_STATUSES),
  fingerprint: z.string(),
  /** The link that reproduces this run (setup, backend, fingerprint); absent in older records. Outside the fingerprint, which it contains. */
  share_url: z.string().max(20_000).optional(),
});

export type StepEntry = z.infer<typeof stepEntrySchema>;
export type TurnTrace = z.infer<typeof turnTraceSchema>;
export type RolloutTrace = z.infer<typeof rolloutTraceSchema>;
export type GroupTrace = z.infer<typeof groupTraceSchema>;
export type EvaluationEntry = z.infer<typeof evaluationEntrySchema>;
export type EnvironmentInfo = z.infer<typeof environmentSchema>;
export type RunRecord = Omit<z.infer<typeof runRecordSchema>, 'warm_start'> & { warm_start: { steps: number; final_loss: number | null } };

/** Parse and check a run.json's text; throws an Error that names the first problems and where they are. Unknown keys are left out (readRunRecord names them). */
export function parseRunRecord(text: string): RunRecord {
  return readRunRecord(text).record;
}

/** Most characters of a run.json read (a long run with traces every step is a few MB). */
export const MAX_RUN_FILE_CHARS = 200_000_000;

/**
 * What a record's fingerprint says about its content: `verified` (recomputed over the file's
 * content, it matches), `verified-legacy` (it matches the older coverage: config, steps, traces and
 * evaluations only, as records written before `model`, `warm_start` and `status` were covered),
 * `modified` (no match: the content was edited after the run, or the file was damaged), or
 * `unsealed` (no fingerprint).
 */
export type Integrity = 'verified' | 'verified-legacy' | 'modified' | 'unsealed';

export interface ReadRun {
  record: RunRecord;
  /** Keys this version does not know, left out (top level, config, step metrics), as `where.key`. */
  ignored: string[];
  integrity: Integrity;
}

/** A copy of a parsed run.json without the keys the schema does not know (top level, config, step metrics), and their names. Unknown keys deeper in traces and evaluations are dropped by the schema unnamed. */
function stripUnknown(value: Record<string, unknown>): { clean: Record<string, unknown>; ignored: string[] } {
  const ignored: string[] = [];
  const clean: Record<string, unknown> = {};
  const top = Object.keys(runRecordSchema.shape);
  for (const [k, v] of Object.entries(value)) {
    if (top.includes(k)) clean[k] = v;
    else ignored.push(k);
  }
  const config = clean.config;
  if (config && typeof config === 'object' && !Array.isArray(config)) {
    const keep: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
      if ((CONFIG_KEYS as string[]).includes(k)) keep[k] = v;
      else ignored.push(`config.${k}`);
    }
    clean.config = keep;
  }
  if (Array.isArray(clean.steps)) {
    const seen = new Set<string>();
    clean.steps = clean.steps.map((entry: unknown) => {
      const metrics = (entry as { metrics?: unknown })?.metrics;
      if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) return entry;
      const keep: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(metrics)) {
        if ((METRIC_NAMES as readonly string[]).includes(k)) keep[k] = v;
        else if (!seen.has(k)) {
          seen.add(k);
          ignored.push(`steps[].metrics.${k}`);
        }
      }
      return { ...(entry as object), metrics: keep };
    });
  }
  return { clean, ignored };
}

/**
 * Parse and check a run.json's text, leave out keys this version does not know (named in
 * `ignored`), and recompute the fingerprint over the file's own content (`integrity`).
 */
export async function inspectRunRecord(text: string): Promise<ReadRun> {
  const read = readRunRecord(text);
  let integrity = await integrityOf(JSON.parse(text) as Record<string, unknown>);
  // share_url is outside the fingerprint (it contains it), so check it against what it claims:
  // a link that would run another setup, or name another fingerprint, makes the record modified.
  if ((integrity === 'verified' || integrity === 'verified-legacy') && read.record.share_url !== undefined && !shareUrlMatches(read.record)) integrity = 'modified';
  return { ...read, integrity };
}

/** Whether a record's share_url decodes to the record's own config and (when it carries one) fingerprint. */
export function shareUrlMatches(record: Pick<RunRecord, 'config' | 'fingerprint' | 'share_url'>): boolean {
  if (record.share_url === undefined) return true;
  try {
    const link = decodeShare(shareParamsOfLink(record.share_url));
    return canonicalJson(link.config) === canonicalJson(record.config) && (link.proof === null || link.proof.fingerprint === record.fingerprint);
  } catch {
    return false;
  }
}

/** Parse and check a run.json's text and name the unknown keys left out; no fingerprint check (inspectRunRecord adds it). */
export function readRunRecord(text: string): { record: RunRecord; ignored: string[] } {
  if (text.length > MAX_RUN_FILE_CHARS) throw new Error(`Not a valid run.json: ${(text.length / 1e6).toFixed(0)} MB is more than a run record can hold (limit ${MAX_RUN_FILE_CHARS / 1e6} MB).`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`Not a valid run.json: the file is not JSON (${error instanceof Error ? error.message.slice(0, 120) : String(error)}).`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('Not a valid run.json: the top level must be a JSON object.');
  const format = (value as { format?: unknown }).format;
  if (format !== RUN_FORMAT) throw new Error(`Not a valid run.json: "format" is ${JSON.stringify(format)?.slice(0, 60)}, expected "${RUN_FORMAT}".`);
  const { clean, ignored } = stripUnknown(value as Record<string, unknown>);
  const result = runRecordSchema.safeParse(clean);
  if (!result.success) {
    const where = (path: readonly PropertyKey[]) => path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
    const problems = result.error.issues.slice(0, 5).map((i) => (i.path.length && i.path[0] !== 'config' ? `"${where(i.path)}": ${i.message}` : i.message));
    throw new Error(`Not a valid run.json: ${problems.join('; ')}`);
  }
  return { record: result.data, ignored };
}

/** Recompute the fingerprint over a parsed run.json's own content (as written, before any defaults or NaN conversion) and compare. */
export async function integrityOf(raw: Record<string, unknown>): Promise<Integrity> {
  const stated = raw.fingerprint;
  if (typeof stated !== 'string' || stated === '') return 'unsealed';
  const fields = raw as unknown as FingerprintFields;
  if ((await fingerprint(fields)) === stated) return 'verified';
  if ((await legacyFingerprint(fields)) === stated) return 'verified-legacy';
  return 'modified';
}

/** A new record of a run of `config`, before any step (the engine's and the page's records both start here). */
export function newRunRecord(p: { config: Config; environment: EnvironmentInfo; model?: RunRecord['model']; status?: RunRecord['status'] }): RunRecord {
  return {
    format: RUN_FORMAT,
    config: p.config,
    environment: p.environment,
    // Unknown where the record is rebuilt from events (the page's partial records): 0 and 0.
    model: p.model ?? { parameters: 0, vocab_size: 0 },
    warm_start: { steps: p.config.sftSteps, final_loss: null },
    steps: [],
    traces: [],
    evaluations: [],
    status: p.status ?? 'running',
    fingerprint: '',
  };
}

/** JSON with sorted keys, so equal records serialise equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The parts of a record its fingerprint covers. */
export type FingerprintFields = Pick<RunRecord, 'config' | 'steps' | 'traces' | 'evaluations' | 'status' | 'model'> & { warm_start: { steps: number; final_loss: number | null } };

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function stableSteps(steps: readonly StepEntry[]) {
  return steps.map((s) => ({ step: s.step, metrics: Object.fromEntries(Object.entries(s.metrics).filter(([k]) => !VOLATILE_METRICS.has(k))) }));
}

/**
 * SHA-256 (Web Crypto, in Node and browsers) of everything in the record that must repeat and
 * that the page or a reader shows as the run's result: the config, the non-timing metrics, the
 * traces, the evaluations, the status, the model's size and the warm start. Left out: the
 * environment (when, where, versions), the fingerprint itself and `share_url` (which contains it).
 */
export async function fingerprint(record: FingerprintFields): Promise<string> {
  const { config, traces, evaluations, status, model, warm_start } = record;
  return sha256Hex(canonicalJson({ config: fingerprintedConfig(config), steps: stableSteps(record.steps), traces, evaluations, status, model, warm_start }));
}

/**
 * Keys added after runs were published, left out of the fingerprint at their defaults so the
 * fingerprints of earlier runs (and of every run that leaves them alone) stay what they were.
 */
const LATER_KEYS: Partial<Record<keyof Config, unknown>> = { userModel: DEFAULT_CONFIG.userModel, evalUserModel: DEFAULT_CONFIG.evalUserModel };

function fingerprintedConfig(config: Config): Partial<Config> {
  const out: Partial<Config> = { ...config };
  for (const [k, v] of Object.entries(LATER_KEYS)) if (out[k as keyof Config] === v) delete out[k as keyof Config];
  return out;
}

/** The fingerprint of records written before status, model and warm start were covered: verifies older files. */
export async function legacyFingerprint(record: Pick<RunRecord, 'config' | 'steps' | 'traces' | 'evaluations'>): Promise<string> {
  return sha256Hex(canonicalJson({ config: fingerprintedConfig(record.config), steps: stableSteps(record.steps), traces: record.traces, evaluations: record.evaluations }));
}

/** One row per step, one column per metric (union of keys, in first-seen order). */
export function metricsCsv(steps: readonly StepEntry[]): string {
  const columns: MetricName[] = [];
  for (const s of steps) for (const k of Object.keys(s.metrics) as MetricName[]) if (!columns.includes(k)) columns.push(k);
  const lines = [['step', ...columns].join(',')];
  for (const s of steps) lines.push([s.step, ...columns.map((c) => (c in s.metrics ? String(s.metrics[c]) : ''))].join(','));
  return lines.join('\n') + '\n';
}
