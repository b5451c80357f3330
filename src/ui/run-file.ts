/** Records the page builds from the events it received, for runs that ended without the worker's own record. */
import { fingerprint, newRunRecord, type Config, type EnvironmentInfo, type EvaluationEntry, type GroupTrace, type RunRecord, type StepEntry } from '../engine';

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
