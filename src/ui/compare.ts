/**
 * Overlaying runs (race mode, finished or imported runs): pure, unit-tested helpers. Every run
 * keeps its own curves; the x axis is the union of their RL steps, a run without a step there has a gap.
 */
import { movingAverage, type Config, type EvaluationEntry, type MetricName, type Metrics } from '../engine';

export interface ComparedRun {
  id: number;
  label: string;
  config: Config;
  /** Imported records may lack metrics made after them. */
  steps: { step: number; metrics: Partial<Metrics> }[];
  evaluations: EvaluationEntry[];
}

/** The two configs of a race: the same run (seed, tasks, model, every knob) but the method. */
export function raceConfigs(config: Config): { infopo: Config; grpo: Config } {
  return { infopo: { ...config, method: 'infopo' }, grpo: { ...config, method: 'grpo' } };
}

/** Distinct, colour-blind-safe-ish colours, by position; InfoPO blue and GRPO orange come first. */
export const RUN_COLORS = ['#2456c9', '#e07b00', '#1d7a46', '#7b3fbf', '#c2185b', '#0f8b8d', '#5b6675', '#8a5a00'];

export interface Overlay {
  x: number[];
  series: { label: string; color: string; values: (number | null)[]; points?: boolean; dash?: number[] }[];
}

/**
 * One line per run for `metric` (per RL step), labelled "<run> <what>"; with `evaluations`, also
 * each run's test success as points ("<run> test"). `smooth`: trailing mean over that many steps.
 */
export function overlay(runs: readonly ComparedRun[], metric: MetricName, options: { evaluations?: boolean; smooth?: number; what?: string; dash?: number[] } = {}): Overlay {
  const steps = new Set<number>();
  for (const r of runs) {
    for (const s of r.steps) steps.add(s.step);
    if (options.evaluations) for (const e of r.evaluations) steps.add(e.step);
  }
  const x = [...steps].sort((a, b) => a - b);
  const series: Overlay['series'] = [];
  runs.forEach((r, i) => {
    const color = RUN_COLORS[i % RUN_COLORS.length];
    const raw = r.steps.map((s) => { const v = s.metrics[metric]; return typeof v === 'number' && Number.isFinite(v) ? v : null; });
    const values = options.smooth && options.smooth > 1 ? movingAverage(raw, options.smooth) : raw;
    const byStep = new Map(r.steps.map((s, k) => [s.step, values[k]]));
    series.push({ label: options.what ? `${r.label} ${options.what}` : r.label, color, values: x.map((s) => byStep.get(s) ?? null), ...(options.dash ? { dash: options.dash } : {}) });
    if (options.evaluations && r.evaluations.length) {
      const ev = new Map(r.evaluations.map((e) => [e.step, e.success]));
      series.push({ label: `${r.label} test`, color, values: x.map((s) => ev.get(s) ?? null), points: true });
    }
  });
  return { x, series };
}

/**
 * Whether two runs met the same task instances: their traced groups (step, group, instance),
 * compared on the steps both traced. null when they share no traced step.
 */
export function sameInstances(a: { traces: readonly { step: number; group: number; instance: string }[] }, b: { traces: readonly { step: number; group: number; instance: string }[] }): boolean | null {
  const key = (t: { step: number; group: number }) => `${t.step}/${t.group}`;
  const bySlotB = new Map(b.traces.map((t) => [key(t), t.instance]));
  const stepsB = new Set(b.traces.map((t) => t.step));
  let compared = 0;
  for (const t of a.traces) {
    if (!stepsB.has(t.step)) continue;
    compared++;
    if (bySlotB.get(key(t)) !== t.instance) return false;
  }
  return compared ? true : null;
}
