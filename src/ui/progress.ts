/**
 * Progress and ETA over every phase of a run, from the plan the engine announces (no schedule is
 * re-derived here). Pure, so it is unit-tested. Time per unit is measured per kind of work: RL steps
 * from the recent step intervals, warm-start steps and evaluation episodes from the phases done
 * (evaluations report no progress inside a phase, so the current one counts by its elapsed time).
 */
import { type PhaseId, type PhasePlan } from '../engine';

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
}

/** Remaining ms, or null while a kind of work still ahead has not been timed. */
export function remainingMs(p: ProgressInput): number | null {
  if (p.index < 0 || !p.plan.length) return null;
  let total = 0;
  for (let i = p.index; i < p.plan.length; i++) {
    const phase = p.plan[i];
    const per = p.perUnitMs[kindOf(phase.id)];
    if (per === undefined || !Number.isFinite(per)) return null;
    if (i > p.index) total += phase.units * per;
    else if (phase.unit === 'episode' || phase.unit === 'checkpoint') total += Math.max(0, phase.units * per - p.phaseElapsedMs);
    else total += Math.max(0, phase.units - p.done) * per;
  }
  return total;
}

/** Fraction of the run done: by time once every kind is timed, else by phases (the current one by its units). */
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
