/**
 * `npm run learning-speed`: how fast each knob that decides sample efficiency makes the demo
 * learn, against dialogues seen and against wall-clock seconds (docs/learning-speed.md). The
 * study is a list of settings (overrides of one base preset) run on the same dialogue budget, so
 * a setting with twice the dialogues per step runs half the steps. Pure TypeScript: the runner
 * that spawns the runs is src/cli/learning-speed.ts.
 */
import type { RunRecord } from '../run';
import { configFromPresets, resolveConfig, type Config, type ConfigInput, type Method } from '../config';
import { curveArea } from './race';
import { BOOTSTRAP_SEED, estimateMean, mean, pairedDifference, type BootstrapOptions, type Estimate } from './stats';

export const SPEED_FORMAT = 'infopo-sandbox/learning-speed@1';

/**
 * The study's seeds. They chose the demo's knobs (this study is where the demo was tuned), so
 * claims about the demo are tested on other seeds (DEMO_CHECK_SEEDS), never on these.
 */
export const SPEED_SEEDS = [601, 602, 603, 604, 605];

/** Fresh seeds for the demo's claims (InfoPO vs GRPO, the +0.20 rise): used for nothing else. */
export const DEMO_CHECK_SEEDS = [2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2010];

/** The rise a lecturer must see (test success over the step-0 evaluation). */
export const VISIBLE_RISE = 0.2;

/** The previous demo preset's task and warm start (until issue 20): intent, 5 turns, 1-3 missing details, models/warm-intent. */
const OLD_DEMO: ConfigInput = { init: 'warm-intent', maxTurns: 5, intentMissing: '1-3', demoSlip: 0.3 };

export interface SpeedSetting {
  /** Folder-safe id. */
  id: string;
  /** Plain words for the report. */
  label: string;
  overrides: ConfigInput;
  /** Methods this setting applies to (default: the study's). */
  methods?: Method[];
}

export interface SpeedStudy {
  help: string;
  /** The preset every setting starts from, and overrides applied to every setting before its own. */
  base: string;
  common?: ConfigInput;
  /** Dialogues each run trains on (steps = dialogues / (promptsPerStep x groupSize)). */
  dialogues: number;
  /** Evaluations after step 0, evenly spaced in steps (steps must be a multiple). */
  evaluations: number;
  methods: Method[];
  seeds: number[];
  settings: SpeedSetting[];
}

/** The demo and diagnosis studies' shared base: the demo at one mini-batch (its value before the study), 1,920 dialogues, 8 evaluations. */
const DEMO_STUDY_BUDGET: Omit<SpeedStudy, 'help' | 'settings'> = {
  base: 'demo',
  common: { miniBatches: 1 },
  dialogues: 1920,
  evaluations: 8,
  methods: ['infopo', 'grpo'],
  seeds: SPEED_SEEDS,
};

export const SPEED_STUDIES: Record<string, SpeedStudy> = {
  demo: {
    help: "The demo's task and warm start at one mini-batch (the demo before this study chose 4) and one knob changed at a time: learning rate (and its schedule), data reuse (epochs x mini-batches), prompts x group size, KL to the warm start, entropy bonus, outcome scaling, the IG estimator, the intrinsic weight and model width; 1920 dialogues a run (48 steps of 8 x 5), 8 evaluations of 256 sampled test episodes; InfoPO and GRPO; 5 seeds.",
    ...DEMO_STUDY_BUDGET,
    settings: [
      { id: 'base', label: 'base (lr 3e-4 constant, 1 epoch, 1 mini-batch, 8 prompts x G 5)', overrides: {} },
      { id: 'lr-1e-4', label: 'lr 1e-4', overrides: { lr: 1e-4 } },
      { id: 'lr-1e-3', label: 'lr 1e-3', overrides: { lr: 1e-3 } },
      { id: 'lr-1e-3-cosine', label: 'lr 1e-3, 5 warm-up steps, cosine decay', overrides: { lr: 1e-3, warmupSteps: 5, lrSchedule: 'cosine' } },
      { id: 'epochs-2', label: '2 PPO epochs', overrides: { ppoEpochs: 2 } },
      { id: 'minibatches-4', label: '4 mini-batches (the reference; the demo since)', overrides: { miniBatches: 4 } },
      { id: 'epochs-2-minibatches-2', label: '2 epochs x 2 mini-batches', overrides: { ppoEpochs: 2, miniBatches: 2 } },
      { id: 'prompts-4', label: '4 prompts x G 5 (20 dialogues a step)', overrides: { promptsPerStep: 4 } },
      { id: 'prompts-16', label: '16 prompts x G 5 (80 a step)', overrides: { promptsPerStep: 16 } },
      { id: 'group-10', label: '4 prompts x G 10 (40 a step)', overrides: { promptsPerStep: 4, groupSize: 10 } },
      { id: 'kl-0.05', label: 'KL to the warm start 0.05 (k3)', overrides: { klCoef: 0.05 } },
      { id: 'entropy-0.01', label: 'entropy bonus 0.01', overrides: { entropyCoef: 0.01 } },
      { id: 'scaling-none', label: 'outcome scaling none (Dr. GRPO)', overrides: { outcomeScaling: 'none' } },
      { id: 'ig-exact', label: 'exact KL as IG', overrides: { infoGainEstimator: 'exact' }, methods: ['infopo'] },
      { id: 'beta-1', label: 'beta0 1 (intrinsic weight, reference 0.5)', overrides: { beta: 1 }, methods: ['infopo'] },
      { id: 'd-32', label: 'd 32 (warm-intent-demo-d32)', overrides: { dModel: 32, init: 'warm-intent-demo-d32' } },
    ],
  },
  diagnosis: {
    help: "Why the previous demo learned so little: its task and warm start (models/warm-intent, whose most likely move is often wrong) against the demo's (models/warm-intent-demo, whose most likely move is the expert's), at the demo's learning rate and at higher ones, on the demo study's budget and seeds (its base runs are the demo study's).",
    ...DEMO_STUDY_BUDGET,
    settings: [
      { id: 'base', label: 'demo task and warm start (models/warm-intent-demo), 1 mini-batch', overrides: {} },
      { id: 'lr-3e-3', label: 'demo task and warm start, lr 3e-3', overrides: { lr: 3e-3 } },
      { id: 'old-warm-start', label: 'previous demo (models/warm-intent, 5 turns, 1-3 missing)', overrides: OLD_DEMO },
      { id: 'old-warm-start-lr-1e-3', label: 'previous demo, lr 1e-3', overrides: { ...OLD_DEMO, lr: 1e-3 } },
      { id: 'old-warm-start-lr-3e-3', label: 'previous demo, lr 3e-3', overrides: { ...OLD_DEMO, lr: 3e-3 } },
    ],
  },
  smoke: {
    help: 'Seconds: the smoke preset, two settings, 2 seeds. For the tests, not for conclusions.',
    base: 'smoke',
    dialogues: 24,
    evaluations: 2,
    methods: ['infopo', 'grpo'],
    seeds: [601, 602],
    settings: [
      { id: 'base', label: 'smoke', overrides: {} },
      { id: 'lr-1e-3', label: 'lr 1e-3', overrides: { lr: 1e-3 } },
    ],
  },
};

export interface PlannedSpeedRun {
  setting: string;
  method: Method;
  seed: number;
  config: Config;
  /** `key=value` pairs for `npm run experiment -- --preset BASE --set ...`. */
  sets: string[];
  /** runs/<setting>/<method>-<seed> under the output folder. */
  dir: string;
}

/** The budget's steps and evaluation spacing for a setting's batch. */
export function budgetOf(study: Pick<SpeedStudy, 'dialogues' | 'evaluations'>, config: Pick<Config, 'promptsPerStep' | 'groupSize'>): { steps: number; evalEvery: number } {
  const perStep = config.promptsPerStep * config.groupSize;
  const steps = study.dialogues / perStep;
  if (!Number.isInteger(steps)) throw new Error(`learning-speed: ${study.dialogues} dialogues is not a whole number of steps of ${perStep} dialogues`);
  const evalEvery = steps / study.evaluations;
  if (!Number.isInteger(evalEvery)) throw new Error(`learning-speed: ${steps} steps do not split into ${study.evaluations} evaluations`);
  return { steps, evalEvery };
}

const formatValue = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Every (setting, method, seed) of a study, after the selection; throws on unknown names. */
export function planSpeedRuns(study: SpeedStudy, sel: { settings?: string[]; methods?: Method[]; seeds?: number[] } = {}): PlannedSpeedRun[] {
  const unknown = (sel.settings ?? []).filter((s) => !study.settings.some((x) => x.id === s));
  if (unknown.length) throw new Error(`unknown setting(s) ${unknown.join(', ')} (known: ${study.settings.map((s) => s.id).join(', ')})`);
  const plan: PlannedSpeedRun[] = [];
  for (const setting of study.settings.filter((s) => !sel.settings || sel.settings.includes(s.id)))
    for (const method of (setting.methods ?? study.methods).filter((m) => !sel.methods || sel.methods.includes(m)))
      for (const seed of sel.seeds ?? study.seeds) {
        const own = { ...study.common, ...setting.overrides };
        const shaped = configFromPresets([study.base], own);
        const overrides: Record<string, unknown> = { ...own, ...budgetOf(study, shaped), method, seed };
        const config = resolveConfig({ ...configFromPresets([study.base]), ...overrides });
        plan.push({ setting: setting.id, method, seed, config, sets: Object.entries(overrides).map(([k, v]) => `${k}=${formatValue(v)}`), dir: `runs/${setting.id}/${method}-${seed}` });
      }
  return plan;
}

/** A finished run.json is this planned run: complete, with the same config. */

export interface SpeedPoint {
  step: number;
  dialogues: number;
  /** Training seconds up to this step (the sum of step_ms: evaluations excluded). */
  seconds: number;
  success: number;
}

export interface SpeedRunResult {
  setting: string;
  method: Method;
  seed: number;
  points: SpeedPoint[];
  /** Mean test success over the budget (area under the test curve). */
  area: number;
  rise: number;
  /** Dialogues and training seconds until test success first reaches step 0 + VISIBLE_RISE (linear between evaluations); null if never. */
  toRise: { dialogues: number; seconds: number } | null;
  dialoguesPerSecond: number;
  invalidActions: number;
}

/** One run's curve against dialogues and seconds. */
export function speedRun(run: Pick<PlannedSpeedRun, 'setting' | 'method' | 'seed'>, record: RunRecord): SpeedRunResult {
  const c = record.config;
  const perStep = c.promptsPerStep * c.groupSize;
  const cumulative = new Map<number, number>([[0, 0]]);
  let ms = 0;
  for (const s of record.steps) {
    ms += Number.isFinite(s.metrics.step_ms) ? s.metrics.step_ms : 0;
    cumulative.set(s.step, ms / 1000);
  }
  const points = record.evaluations.map((e) => ({ step: e.step, dialogues: e.step * perStep, seconds: cumulative.get(e.step) ?? NaN, success: e.success }));
  const target = points[0].success + VISIBLE_RISE;
  let toRise: SpeedRunResult['toRise'] = null;
  for (let i = 1; i < points.length && !toRise; i++) {
    const [p, q] = [points[i - 1], points[i]];
    if (q.success >= target - 1e-12) {
      const f = q.success === p.success ? 1 : Math.min(1, Math.max(0, (target - p.success) / (q.success - p.success)));
      toRise = { dialogues: p.dialogues + f * (q.dialogues - p.dialogues), seconds: p.seconds + f * (q.seconds - p.seconds) };
    }
  }
  const last = points.at(-1)!;
  const invalid = record.steps.map((s) => s.metrics.invalid_action_fraction).filter(Number.isFinite);
  return { ...run, points, area: curveArea(points), rise: last.success - points[0].success, toRise, dialoguesPerSecond: last.seconds > 0 ? last.dialogues / last.seconds : NaN, invalidActions: invalid.length ? Math.max(...invalid) : NaN };
}

export interface SpeedCell {
  setting: string;
  label: string;
  method: Method;
  seeds: number;
  area: Estimate;
  /** The setting's area minus the base's, paired by seed (null for the base itself). */
  vsBase: (Estimate & { per_seed: Record<string, number> }) | null;
  rise: Estimate;
  /** Runs that reached the visible rise, and their mean dialogues and seconds to it. */
  reached: number;
  dialoguesToRise: number | null;
  secondsToRise: number | null;
  dialoguesPerSecond: number;
  /** Worst step's invalid-action fraction, the largest over seeds. */
  invalidActions: number;
  /** Mean test success at each evaluation, by dialogues. */
  curve: { dialogues: number; seconds: number; success: Estimate }[];
}

export interface SpeedResults {
  format: typeof SPEED_FORMAT;
  study: string;
  command: string;
  base: string;
  dialogues: number;
  seeds: number[];
  testEpisodes: number;
  cells: SpeedCell[];
  /** InfoPO's area minus GRPO's, per setting, paired by seed. */
  methodGap: { setting: string; difference: Estimate & { per_seed: Record<string, number> } }[];
  missing: string[];
}

/** Group finished runs into the study's table. */
export function analyseSpeed(study: SpeedStudy, runs: SpeedRunResult[], options: { study: string; command: string; testEpisodes: number; missing: string[]; resamples?: number }): SpeedResults {
  const opts: BootstrapOptions = { resamples: options.resamples ?? 10_000, seed: BOOTSTRAP_SEED };
  const cells: SpeedCell[] = [];
  const bySeed = (setting: string, method: Method, f: (r: SpeedRunResult) => number) => new Map(runs.filter((r) => r.setting === setting && r.method === method).map((r) => [r.seed, f(r)] as [number, number]));
  const withSeeds = (e: ReturnType<typeof pairedDifference>) => ({ mean: e.mean, ci95: e.ci95, n: e.n, per_seed: Object.fromEntries(e.keys.map((k, i) => [String(k), e.differences[i]])) });
  for (const setting of study.settings) {
    for (const method of setting.methods ?? study.methods) {
      const mine = runs.filter((r) => r.setting === setting.id && r.method === method);
      if (!mine.length) continue;
      const reachedRuns = mine.filter((r) => r.toRise);
      const evals = mine[0].points.length;
      cells.push({
        setting: setting.id,
        label: setting.label,
        method,
        seeds: mine.length,
        area: estimateMean(mine.map((r) => r.area), opts),
        vsBase: setting.id === 'base' ? null : withSeeds(pairedDifference(bySeed(setting.id, method, (r) => r.area), bySeed('base', method, (r) => r.area), opts)),
        rise: estimateMean(mine.map((r) => r.rise), opts),
        reached: reachedRuns.length,
        dialoguesToRise: reachedRuns.length ? mean(reachedRuns.map((r) => r.toRise!.dialogues)) : null,
        secondsToRise: reachedRuns.length ? mean(reachedRuns.map((r) => r.toRise!.seconds)) : null,
        dialoguesPerSecond: mean(mine.map((r) => r.dialoguesPerSecond)),
        invalidActions: Math.max(...mine.map((r) => r.invalidActions)),
        curve: Array.from({ length: evals }, (_, i) => ({ dialogues: mine[0].points[i].dialogues, seconds: mean(mine.map((r) => r.points[i].seconds)), success: estimateMean(mine.map((r) => r.points[i].success), opts) })),
      });
    }
  }
  const methodGap = study.settings
    .filter((s) => (s.methods ?? study.methods).includes('infopo') && (s.methods ?? study.methods).includes('grpo'))
    .map((s) => ({ setting: s.id, difference: withSeeds(pairedDifference(bySeed(s.id, 'infopo', (r) => r.area), bySeed(s.id, 'grpo', (r) => r.area), opts)) }))
    .filter((g) => g.difference.n > 0);
  return { format: SPEED_FORMAT, study: options.study, command: options.command, base: study.base, dialogues: study.dialogues, seeds: [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b), testEpisodes: options.testEpisodes, cells, methodGap, missing: options.missing };
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3));
const sgn = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}` : '—');
const ci = (e: Estimate) => (Number.isFinite(e.ci95[0]) ? `[${sgn(e.ci95[0])}, ${sgn(e.ci95[1])}]` : '');
const verdictOf = (e: Estimate) => (e.ci95[0] > 0 ? ' **faster**' : e.ci95[1] < 0 ? ' **slower**' : '');

/** The study as markdown tables (the generated part of docs/learning-speed.md). */
export function renderSpeedReport(r: SpeedResults): string {
  const lines: string[] = [];
  lines.push(`# Learning speed: ${r.study} study`, '');
  lines.push(`Generated by \`${r.command}\`. Base preset \`${r.base}\`; every run trains on ${r.dialogues} dialogues; test success on ${r.testEpisodes} sampled test episodes (the same for every run) at ${r.cells[0]?.curve.length ?? 0} points of the budget; seeds ${r.seeds.join(', ')}. Intervals: 95% percentile bootstrap over seeds; "vs base" is paired by seed. Seconds are training time on wasm (evaluations excluded), two runs at a time on 2 cores.`, '');
  lines.push('| setting | method | mean test success over the budget | vs base | rise at the end | reached +0.20 | dialogues to +0.20 | seconds to +0.20 | dialogues/s | worst invalid-action share |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of r.cells) {
    const vs = c.vsBase ? `${sgn(c.vsBase.mean)} ${ci(c.vsBase)}${verdictOf(c.vsBase)}` : '—';
    lines.push(`| ${c.label} | ${c.method} | ${f3(c.area.mean)} ${ci(c.area)} | ${vs} | ${sgn(c.rise.mean)} | ${c.reached}/${c.seeds} | ${c.dialoguesToRise === null ? '—' : Math.round(c.dialoguesToRise)} | ${c.secondsToRise === null ? '—' : c.secondsToRise.toFixed(1)} | ${Number.isFinite(c.dialoguesPerSecond) ? c.dialoguesPerSecond.toFixed(0) : '—'} | ${f3(c.invalidActions)} |`);
  }
  lines.push('', '## InfoPO − GRPO per setting (mean test success over the budget, paired by seed)', '');
  lines.push('| setting | InfoPO − GRPO | per seed |', '|---|---:|---|');
  for (const g of r.methodGap) {
    const label = r.cells.find((c) => c.setting === g.setting)?.label ?? g.setting;
    lines.push(`| ${label} | ${sgn(g.difference.mean)} ${ci(g.difference)} | ${Object.entries(g.difference.per_seed).map(([s, d]) => `${s}: ${sgn(d)}`).join(', ')} |`);
  }
  lines.push('', '## Test success by dialogues seen (mean over seeds)', '');
  const base = r.cells.find((c) => c.setting === 'base');
  if (base) {
    lines.push(`| setting | method | ${base.curve.map((p) => `${p.dialogues}`).join(' | ')} |`);
    lines.push(`|---|---|${base.curve.map(() => '---:').join('|')}|`);
  }
  for (const c of r.cells) lines.push(`| ${c.label} | ${c.method} | ${c.curve.map((p) => f3(p.success.mean)).join(' | ')} |`);
  if (r.missing.length) lines.push('', '## Missing runs', '', ...r.missing.map((m) => `- ${m}`));
  return lines.join('\n') + '\n';
}
