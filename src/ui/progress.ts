/**
 * Progress and ETA over every phase of a run, from the plan the engine announces (no schedule is
 * re-derived here). Pure, so it is unit-tested. Time per unit is measured per kind of work: RL steps
 * from the recent step intervals, warm-start steps and evaluation episodes from the phases done
 * (evaluations report no progress inside a phase, so the current one counts by its elapsed time),
 * and the warm start also from its own pace while it runs. A kind not timed yet on this device (RL
 * before its first step) is estimated from the replication planner's cost model (`DEFAULT_COSTS`,
 * measured on a 2-core machine), scaled by how fast this device ran the work timed so far; the ETA
 * then says it is an estimate.
 */
import { DEFAULT_COSTS, type Config, type PhaseId, type PhasePlan } from '../engine';

export type WorkKind = 'loading-checkpoint' | 'warm-start' | 'evaluation' | 'rl';

export function kindOf(id: PhaseId): WorkKind {
  return id === 'final-evaluation' ? 'evaluation' : id;
}

export interface ProgressInput {
  plan: PhasePlan[];
  /** Index of the phase running now (-1 before the first). */
  index: number;
  /** Units done inside the current phase (warm-start steps, RL steps of this stretch; 0 for evaluations). */
  done: number;
  /** ms already spent in the current phase. */
  phaseElapsedMs: number;
  /** Measured ms per unit, by kind (absent = not measured yet). */
  perUnitMs: Partial<Record<WorkKind, number>>;
  /** The cost model's ms per unit for this run (`modelUnitMs`); without it, no ETA until every kind ahead is timed. */
  modelMs?: Partial<Record<WorkKind, number>>;
}

export interface Eta {
  ms: number;
  /** Some kind of work ahead has not been timed on this device yet: its share comes from the cost model. */
  estimated: boolean;
}

/**
 * The cost model's ms per plan unit for a config: an RL step is promptsPerStep x groupSize
 * rollouts of its method, an evaluation unit one test episode per task of the mixture, a
 * warm-start unit one supervised step. Loading a checkpoint has no model (it is timed).
 */
export function modelUnitMs(config: Pick<Config, 'method' | 'promptsPerStep' | 'groupSize' | 'task'>): Partial<Record<WorkKind, number>> {
  const perRollout = DEFAULT_COSTS.msPerRollout[config.method] ?? DEFAULT_COSTS.msPerRollout.grpo;
  return {
    rl: perRollout * config.promptsPerStep * config.groupSize,
    evaluation: DEFAULT_COSTS.msPerEvalEpisode * config.task.split(',').length,
    'warm-start': DEFAULT_COSTS.msPerSftStep,
  };
}

const usable = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x) && x > 0;

/** ms per unit by kind: measured, the running warm start's own pace, else the model scaled to this device. */
function unitMs(p: ProgressInput): { per: Partial<Record<WorkKind, number>>; modelled: Set<WorkKind> } {
  const per = { ...p.perUnitMs };
  const current = p.plan[p.index];
  if (current && current.id === 'warm-start' && p.done > 0 && !usable(per['warm-start'])) per['warm-start'] = p.phaseElapsedMs / p.done;
  const modelled = new Set<WorkKind>();
  const model = p.modelMs ?? {};
  // This device's speed against the model's machine: geometric mean over the kinds timed here.
  const ratios = (Object.keys(model) as WorkKind[]).filter((k) => usable(per[k]) && usable(model[k])).map((k) => Math.log(per[k]! / model[k]!));
  const speed = ratios.length ? Math.exp(ratios.reduce((a, b) => a + b, 0) / ratios.length) : 1;
  for (const kind of Object.keys(model) as WorkKind[]) {
    if (!usable(per[kind]) && usable(model[kind])) {
      per[kind] = model[kind]! * speed;
      modelled.add(kind);
    }
  }
  return { per, modelled };
}

/** Remaining ms and whether part of it is modelled, or null while a kind of work ahead is neither timed nor modelled. */
export function remaining(p: ProgressInput): Eta | null {
  if (p.index < 0 || !p.plan.length) return null;
  const { per: perKind, modelled } = unitMs(p);
  let total = 0;
  let estimated = false;
  for (let i = p.index; i < p.plan.length; i++) {
    const phase = p.plan[i];
    const kind = kindOf(phase.id);
    const per = perKind[kind];
    if (per === undefined || !Number.isFinite(per)) return null;
    estimated ||= modelled.has(kind);
    if (i > p.index) total += phase.units * per;
    else if (phase.unit === 'episode' || phase.unit === 'checkpoint') total += Math.max(0, phase.units * per - p.phaseElapsedMs);
    else total += Math.max(0, phase.units - p.done) * per;
  }
  return { ms: total, estimated };
}

/** Remaining ms, or null while a kind of work ahead is neither timed nor modelled. */
export function remainingMs(p: ProgressInput): number | null {
  return remaining(p)?.ms ?? null;
}

/** Fraction of the run done: by time once the ETA is known, else by phases (the current one by its units). */
export function fractionDone(p: ProgressInput, elapsedMs: number): number {
  if (p.index < 0 || !p.plan.length) return 0;
  const left = remainingMs(p);
  if (left !== null && elapsedMs + left > 0) return Math.min(1, elapsedMs / (elapsedMs + left));
  const current = p.plan[p.index];
  const inPhase = current.unit === 'step' ? Math.min(1, p.done / Math.max(1, current.units)) : 0;
  return Math.min(1, (p.index + inPhase) / p.plan.length);
}

/** Mean ms per RL step from stamps of the last (up to) 10 intervals; null with fewer than two stamps. */
export function recentStepMs(stamps: readonly number[]): number | null {
  const recent = stamps.slice(-11);
  return recent.length >= 2 ? (recent[recent.length - 1] - recent[0]) / (recent.length - 1) : null;
}
