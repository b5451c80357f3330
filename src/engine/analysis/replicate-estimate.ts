/**
 * `npm run replicate -- --dry-run` and the progress bar's ETA: how long each planned run takes
 * (steps, warm start, evaluations, start-up) and how long the plan takes on `--jobs` workers.
 */
import type { Config } from '../config';
import type { PlannedRun } from './replicate-profiles';

/**
 * Cost model of the estimate. Defaults measured on this project's 2-core machine (wasm, two runs
 * at a time): travel `quick` steps of 8 groups x G 5 took ~2.3 s (InfoPO) and ~1.9 s (GRPO), i.e.
 * ~58 / ~48 ms per rollout (docs/replicate.md); 256 greedy test episodes at d 64 took ~3.5 s.
 * Measured step times from finished run.json files of the same config replace the defaults.
 */
export interface CostModel {
  msPerRollout: Record<string, number>;
  msPerEvalEpisode: number;
  msPerSftStep: number;
  msStartup: number;
}

export const DEFAULT_COSTS: CostModel = {
  msPerRollout: { infopo: 58, grpo: 48, rloo: 48, reinforce: 48, starpo: 48 },
  msPerEvalEpisode: 14,
  msPerSftStep: 120,
  msStartup: 4000,
};

export interface RunEstimate {
  ms: number;
  /** 'measured' when a finished run of the same task and method gave its step time. */
  source: 'measured' | 'default';
}

/** Evaluations a run makes: before RL, every evalEvery steps, and at the end. */
export function evaluationCount(c: Config): number {
  if (c.evalEpisodes === 0) return 0;
  const periodic = c.evalEvery > 0 ? Math.floor(c.steps / c.evalEvery) : 0;
  const endIsPeriodic = c.evalEvery > 0 && c.steps % c.evalEvery === 0 && c.steps > 0;
  return 1 + periodic + (endIsPeriodic ? 0 : 1);
}

/**
 * Estimated wall clock of one run, including its persona-shift evaluation. `measuredStepMs`
 * (task -> method -> median step ms) comes from finished runs of the same config.
 */
export function estimateRun(run: PlannedRun, personas: number, costs: CostModel = DEFAULT_COSTS, measuredStepMs?: Record<string, Record<string, number>>): RunEstimate {
  const c = run.config;
  const measured = measuredStepMs?.[run.task]?.[run.method];
  const stepMs = measured ?? (costs.msPerRollout[run.method] ?? costs.msPerRollout.grpo) * c.promptsPerStep * c.groupSize;
  const tasksInMix = c.task.split(',').length;
  const evalMs = (evaluationCount(c) + personas) * c.evalEpisodes * tasksInMix * costs.msPerEvalEpisode;
  const ms = costs.msStartup * (personas > 0 ? 2 : 1) + c.steps * stepMs + c.sftSteps * costs.msPerSftStep + evalMs;
  return { ms, source: measured !== undefined ? 'measured' : 'default' };
}

/** Longest-first assignment of run times to `jobs` workers: the estimated wall clock. */
export function scheduleMs(durations: number[], jobs: number): number {
  const workers = new Array(Math.max(1, jobs)).fill(0);
  for (const d of [...durations].sort((a, b) => b - a)) {
    let i = 0;
    for (let j = 1; j < workers.length; j++) if (workers[j] < workers[i]) i = j;
    workers[i] += d;
  }
  return Math.max(...workers);
}
