/**
 * run.json in and out of the page, pure (no DOM): parse and check an imported file, and build a
 * partial record from the events received when a run did not complete.
 */
import { ConfigError, resolveConfig, type Config } from '../engine/config';
import { RUN_FORMAT, fingerprint, type EnvironmentInfo, type EvaluationEntry, type GroupTrace, type RunRecord, type StepEntry } from '../engine/run';

const STATUSES = ['running', 'complete', 'stopped', 'failed'];

function fail(message: string): never {
  throw new Error(`Not a valid run.json: ${message}`);
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Parse and check a run.json; throws an Error that says what is wrong. */
export function parseRunRecord(text: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(`the file is not JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (!isObject(value)) fail('the top level must be a JSON object.');
  if (value.format !== RUN_FORMAT) fail(`"format" is ${JSON.stringify(value.format)}, expected "${RUN_FORMAT}".`);
  let config: Config;
  try {
    config = resolveConfig(value.config);
  } catch (error) {
    if (error instanceof ConfigError) fail(`its config is invalid: ${error.problems.join('; ')}`);
    throw error;
  }
  if (!Array.isArray(value.steps)) fail('"steps" must be an array.');
  value.steps.forEach((s, i) => {
    if (!isObject(s) || typeof s.step !== 'number' || !isObject(s.metrics)) fail(`steps[${i}] must be { step: number, metrics: {...} }.`);
    for (const [k, v] of Object.entries(s.metrics)) if (typeof v !== 'number' && v !== null) fail(`steps[${i}].metrics.${k} must be a number.`);
  });
  if (!Array.isArray(value.traces)) fail('"traces" must be an array.');
  value.traces.forEach((t, i) => {
    if (!isObject(t) || typeof t.step !== 'number' || typeof t.group !== 'number' || !Array.isArray(t.rollouts)) fail(`traces[${i}] must have step, group and rollouts.`);
    t.rollouts.forEach((r, j) => {
      if (!isObject(r) || !Array.isArray(r.turns)) fail(`traces[${i}].rollouts[${j}] must have turns.`);
      r.turns.forEach((turn, k) => {
        if (!isObject(turn) || typeof turn.action !== 'string' || !Array.isArray(turn.action_tokens) || !Array.isArray(turn.advantages)) fail(`traces[${i}].rollouts[${j}].turns[${k}] must have action, action_tokens and advantages.`);
      });
    });
  });
  if (!Array.isArray(value.evaluations)) fail('"evaluations" must be an array.');
  value.evaluations.forEach((e, i) => {
    if (!isObject(e) || typeof e.step !== 'number' || typeof e.success !== 'number') fail(`evaluations[${i}] must have step and success.`);
  });
  if (!isObject(value.environment) || typeof value.environment.backend !== 'string') fail('"environment.backend" is missing.');
  if (!STATUSES.includes(value.status as string)) fail(`"status" is ${JSON.stringify(value.status)}, expected one of ${STATUSES.join(', ')}.`);
  return { ...(value as unknown as RunRecord), config };
}

export interface PartialRunInput {
  config: Config;
  environment: EnvironmentInfo;
  warmStart: { steps: number; finalLoss: number | null };
  steps: StepEntry[];
  traces: GroupTrace[];
  evaluations: EvaluationEntry[];
  status: 'stopped' | 'failed' | 'running';
}

/**
 * A record built in the page from the events received, for runs that ended without the worker's
 * own record (aborted, failed, or still running). Model size is unknown there: 0 and 0.
 */
export async function partialRecord(p: PartialRunInput): Promise<RunRecord> {
  const record: RunRecord = {
    format: RUN_FORMAT,
    config: p.config,
    environment: p.environment,
    model: { parameters: 0, vocab_size: 0 },
    warm_start: { steps: p.warmStart.steps, final_loss: p.warmStart.finalLoss },
    steps: p.steps,
    traces: p.traces,
    evaluations: p.evaluations,
    status: p.status,
    fingerprint: '',
  };
  record.fingerprint = await fingerprint(record);
  return record;
}
