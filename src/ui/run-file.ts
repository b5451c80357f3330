/** Records the page builds from the events it received, for runs that ended without the worker's own record. */
import { environmentOf, fingerprint, newRunRecord, type Config, type EnvironmentInfo, type EvaluationEntry, type GroupTrace, type RunHost, type RunRecord, type ShareProof, type StepEntry } from '../engine';
import { isActive, type RunState } from './run-state';

export interface PartialRunInput {
  config: Config;
  environment: EnvironmentInfo;
  warmStart: { steps: number; finalLoss: number | null };
  steps: StepEntry[];
  traces: GroupTrace[];
  evaluations: EvaluationEntry[];
  status: 'stopped' | 'failed' | 'running';
}

/** A record of a run that ended without the worker's own record (aborted, failed, or still running); model size unknown (0). */
export async function partialRecord(p: PartialRunInput): Promise<RunRecord> {
  const record: RunRecord = { ...newRunRecord({ config: p.config, environment: p.environment, status: p.status }), warm_start: { steps: p.warmStart.steps, final_loss: p.warmStart.finalLoss }, steps: p.steps, traces: p.traces, evaluations: p.evaluations };
  record.fingerprint = await fingerprint(record);
  return record;
}

/**
 * The run on screen as a record: the worker's (or the imported one) when there is one, else one
 * rebuilt from the events received (status `failed`, `running` or `stopped`: partial), with the
 * page's link for its backend and fingerprint once the backend is known; null before any run.
 */
export async function recordOfRun(s: RunState, host: RunHost, pageLink: (config: Config, proof: ShareProof) => string): Promise<RunRecord | null> {
  if (s.record) return s.record;
  if (!s.config) return null;
  const record = await partialRecord({
    config: s.config,
    environment: environmentOf(s.backend, host),
    warmStart: { steps: s.config.sftSteps, finalLoss: s.warm?.loss ?? null },
    steps: s.steps,
    traces: s.traces,
    evaluations: s.evaluations,
    status: s.phase === 'failed' ? 'failed' : isActive(s.phase) ? 'running' : 'stopped',
  });
  if (s.backend) record.share_url = pageLink(s.config, { backend: s.backend.backend, fingerprint: record.fingerprint });
  return record;
}
