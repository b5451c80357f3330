/**
 * `npm run replicate`: the profiles (what to run), the plan and its time estimate, and the
 * analysis of finished runs into `results.json` and `report.md`. Pure TypeScript (no Node
 * modules), so the page can reuse it; the runner that spawns processes is src/cli/replicate.ts.
 *
 * The profiles below are the one place to edit what a replication runs and how long it takes.
 */
import { canonicalJson, type EvaluationEntry, type GroupTrace, type MetricName, type Metrics, type RunRecord } from '../run';
import { configFromPresets, episodeOptions, PRESETS, METHODS, resolveConfig, type Config, type ConfigInput, type Method } from '../config';
import { getTask, TASKS } from '../tasks';
import { MechanismTally, questionsInformative } from '../rl/mechanism';
import { PERSONA_IDS } from '../users';
import { correlationWithInterval, estimateMean, mean, median, movingAverage, pairedDifference, stepsToThreshold, type BootstrapOptions, type CorrelationEstimate, type Estimate } from './stats';

/** Every key at its default: what a run record made before a key existed ran with. */
const CONFIG_DEFAULTS: Config = resolveConfig({});

export const RESULTS_FORMAT = 'infopo-sandbox/replicate@1';

/** Seeds reserved for reported results: used nowhere else in the project (never tune on them). */
export const REPORT_SEEDS = [1001, 1002, 1003, 1004, 1005];

/** Seed of the test episodes every run is evaluated on: the same instances and users for every method and seed (paired). */
export const REPORT_EVAL_SEED = 9001;

/** Seed of every bootstrap in the analysis: the same runs always give the same intervals. */
export const BOOTSTRAP_SEED = 20260;

export interface Profile {
  help: string;
  /** Task presets (names in PRESETS of config.ts), one per task; the results are keyed by these names. */
  tasks: string[];
  methods: Method[];
  seeds: number[];
  /** Test personas of the simulator-shift matrix (each run is trained with its preset's persona). */
  personas: string[];
  /** Applied on top of every task preset: the budget (steps) and the evaluation protocol. */
  overrides: ConfigInput;
  /** Per task preset, applied after `overrides` (e.g. a longer budget for one task). */
  taskOverrides?: Record<string, ConfigInput>;
}

/** The evaluation protocol shared by the real profiles: >= 256 paired test episodes, a learning curve, traces for the IG analysis. */
const PROTOCOL: ConfigInput = { evalEpisodes: 256, evalSeed: REPORT_EVAL_SEED, evalEvery: 10, traceEvery: 5 };

/**
 * THE BUDGET. Task lists use today's presets until the paper-regime presets (paper-20q,
 * paper-intent, paper-travel, ...) land; swap the names in, then tune `steps` so that
 * `npm run replicate -- --profile NAME --dry-run` stays within the target (quick <= 20 min,
 * full <= 2 h on 2 cores with --jobs 2).
 */
export const PROFILES: Record<string, Profile> = {
  quick: {
    help: 'InfoPO vs GRPO on two paper-regime tasks (20 questions, intent), 5 report seeds, 30 RL steps: <= 20 minutes on 2 cores.',
    tasks: ['paper-20q', 'paper-intent'],
    methods: ['infopo', 'grpo'],
    seeds: REPORT_SEEDS,
    personas: [...PERSONA_IDS],
    overrides: { ...PROTOCOL, steps: 30 },
  },
  full: {
    help: 'The protocol of the studies in docs/results.md: every paper-regime task (20 questions, intent, intent with no turn to waste, intent and coding from warm starts of uneven skill, coding, travel, mastermind), 5 report seeds, InfoPO vs GRPO vs RLOO, 60 RL steps, test curves every 15 steps (256 episodes each evaluation is as costly as ~10 training steps): <= 2 hours on 2 cores.',
    tasks: ['paper-20q', 'paper-intent', 'paper-intent-tight', 'paper-intent-uneven', 'paper-code', 'paper-code-uneven', 'paper-travel', 'paper-mastermind'],
    methods: ['infopo', 'grpo', 'rloo'],
    seeds: REPORT_SEEDS,
    personas: [...PERSONA_IDS],
    overrides: { ...PROTOCOL, steps: 60, evalEvery: 15 },
  },
  smoke: {
    help: 'Seconds: the smoke preset, 2 seeds, 2 methods, 8 test episodes. For the tests, not for conclusions.',
    tasks: ['smoke'],
    methods: ['infopo', 'grpo'],
    seeds: [1001, 1002],
    personas: ['cooperative', 'noisy'],
    overrides: { evalEpisodes: 8, evalSeed: REPORT_EVAL_SEED, evalEvery: 1, traceEvery: 1 },
  },
};

export interface PlannedRun {
  /** Task preset name (the key of the task in results.json). */
  task: string;
  method: Method;
  seed: number;
  /** `key=value` pairs passed to `npm run experiment -- --preset TASK --set ...`. */
  sets: string[];
  /** The resolved config the run must have (compared with a finished run.json to resume). */
  config: Config;
  /** Folder relative to the output folder: runs/<task>/<method>-<seed>. */
  dir: string;
}

export interface Selection {
  tasks?: string[];
  methods?: string[];
  seeds?: number[];
  /** Config overrides on top of the profile's (e.g. `--set steps=10`). */
  overrides?: ConfigInput;
}

function formatValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Every (task, method, seed) of a profile, after the selection; throws on unknown names. */
export function planRuns(profile: Profile, sel: Selection = {}): PlannedRun[] {
  const tasks = sel.tasks ?? profile.tasks;
  const methods = sel.methods ?? profile.methods;
  const seeds = sel.seeds ?? profile.seeds;
  const problems: string[] = [];
  for (const t of tasks) if (!PRESETS[t]) problems.push(`unknown task preset "${t}" (known: ${Object.keys(PRESETS).join(', ')})`);
  for (const m of methods) if (!(METHODS as readonly string[]).includes(m)) problems.push(`unknown method "${m}" (known: ${METHODS.join(', ')})`);
  for (const s of seeds) if (!Number.isInteger(s) || s < 0) problems.push(`seed ${s}: expected a non-negative integer`);
  if (new Set(seeds).size !== seeds.length) problems.push(`seeds repeat: ${seeds.join(',')}`);
  if (!tasks.length || !methods.length || !seeds.length) problems.push('need at least one task, one method and one seed');
  if (problems.length) throw new Error(problems.join('\n'));
  const plan: PlannedRun[] = [];
  for (const task of tasks)
    for (const method of methods as Method[])
      for (const seed of seeds) {
        const overrides: Record<string, unknown> = { ...profile.overrides, ...profile.taskOverrides?.[task], ...sel.overrides, method, seed };
        const config = configFromPresets([task], overrides);
        plan.push({ task, method, seed, config, sets: Object.entries(overrides).map(([k, v]) => `${k}=${formatValue(v)}`), dir: `runs/${task}/${method}-${seed}` });
      }
  return plan;
}

/** A finished run.json that this planned run may reuse: complete, and made with exactly this config. */
export function isReusable(run: Pick<PlannedRun, 'config'>, record: unknown): record is RunRecord {
  const r = record as Partial<RunRecord> | null;
  if (!r || r.status !== 'complete' || !r.config) return false;
  // A run made before a config key existed ran with that key's default (new knobs default to the
  // old behaviour), so a key it lacks counts as its default.
  return canonicalJson({ ...CONFIG_DEFAULTS, ...r.config }) === canonicalJson({ ...CONFIG_DEFAULTS, ...run.config });
}

// ---------------------------------------------------------------- time estimate

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

// ---------------------------------------------------------------- analysis

/** What the analysis needs of one run: its record (read from run.json) and its persona-shift evaluation. */
export interface RunData {
  task: string;
  method: string;
  seed: number;
  /** Steps may carry a subset of the metrics (synthetic records in tests, older run.json files). */
  record: Pick<RunRecord, 'config' | 'evaluations' | 'traces' | 'status'> & { steps: readonly { step: number; metrics: Partial<Metrics> }[] };
  /** Test success per test persona on the shared paired episodes (absent if not evaluated). */
  personas?: Record<string, { success: number; return: number; turns: number; episodes: number }>;
}

export interface CurvePoint {
  step: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

export interface MethodResult {
  test_success: Estimate & { per_seed: Record<string, number> };
  test_success_start: Estimate;
  test_return: Estimate;
  train_success_final: Estimate;
  /** Mean train success over the first half of the steps: how early a method learns. */
  train_success_first_half: Estimate & { per_seed: Record<string, number> };
  /** Mean share of tied groups (zero outcome std) and gate over the first quarter of the steps. */
  tied_fraction_early: Estimate;
  gate_early: Estimate;
  /** Traced groups whose outcomes are all tied: share of their action tokens with a non-zero advantage, and mean |advantage| (GRPO: 0 by construction). */
  tied_signal: { token_share: Estimate; mean_abs_advantage: Estimate; groups: number };
  /**
   * Share of tied groups to expect over the first quarter if every instance were equally hard
   * (p^G + (1 - p)^G at each step's train success p): observed above it means some instances are
   * much harder than others, which is how a task can be both half-tied and 0.2-0.6 successful.
   */
  tied_fraction_homogeneous_early: Estimate;
  mechanism: MechanismResult;
  /** Median step time per seed (ms). */
  step_ms: Estimate & { per_seed: Record<string, number> };
  steps_to_threshold: { train: ThresholdResult; test: ThresholdResult | null };
  personas: Record<string, Estimate & { per_seed: Record<string, number> }>;
  curves: { test_success: CurvePoint[]; train_success: CurvePoint[]; tied_fraction: CurvePoint[]; gate: CurvePoint[] };
}

/** What the credit rewards and whether behaviour follows, from the traced rollouts (docs/replicate.md). */
export interface MechanismResult {
  /** Share of questions (every turn but a dialogue's last) whose feedback was uninformative (the family's describeFeedback), over the first and last quarter of the steps. */
  uninformative_early: Estimate;
  uninformative_late: Estimate;
  /** Last quarter minus first quarter, per seed (negative: fewer uninformative questions after RL). */
  uninformative_change: Estimate & { per_seed: Record<string, number> };
  /** Mean advantage of a question's action tokens in tied groups, by whether its feedback was informative (GRPO: 0 by construction). */
  tied_credit_informative: Estimate;
  tied_credit_uninformative: Estimate;
  /** Informative minus uninformative, per seed: the direction InfoPO's intrinsic term pushes where the outcome says nothing. */
  tied_credit_gap: Estimate & { per_seed: Record<string, number> };
  /** Questions classified (all traced steps). */
  questions: number;
}

/** Tallies of one run's traces for MechanismResult: early and late questions, and the whole run's (rl/mechanism.ts). */
export interface RunMechanismTally {
  early: { questions: number; uninformative: number };
  late: { questions: number; uninformative: number };
  tiedCredit: MechanismTally['tied'];
  questions: number;
}

/**
 * Classify every question of the traced rollouts by its feedback (informative: it changed what
 * the agent can know, `family.describeFeedback`), early (first quarter of the steps) and late
 * (last quarter), and sum the advantages that tied groups gave to each class.
 */
export function feedbackMechanism(traces: readonly GroupTrace[], config: Config): RunMechanismTally {
  const early = { questions: 0, uninformative: 0 };
  const late = { questions: 0, uninformative: 0 };
  const all = new MechanismTally();
  const simulator = episodeOptions(config);
  const steps = config.steps;
  for (const g of traces) {
    // Older traces carry no request: their questions cannot be classified.
    if (g.kept === false || g.request === undefined) continue;
    const family = getTask(g.task);
    const tied = g.outcome_std <= 1e-12;
    const phase = g.step <= Math.ceil(steps / 4) ? early : g.step > steps - Math.ceil(steps / 4) ? late : null;
    for (const r of g.rollouts) {
      const informative = questionsInformative(family, g.request, r.turns.map((t) => ({ action: t.action, feedback: t.feedback, role: t.role })), config.maxTurns || r.turns.length, simulator);
      all.add(informative, tied ? r.turns.map((t) => (t.advantages.length ? mean(t.advantages) : NaN)) : null);
      if (phase) {
        phase.questions += informative.length;
        phase.uninformative += informative.filter((inf) => !inf).length;
      }
    }
  }
  return { early, late, tiedCredit: all.tied, questions: all.questions };
}

export interface ThresholdResult {
  /** GRPO's final mean (the level to reach). */
  threshold: number;
  /** First step per seed, or null when never reached. */
  per_seed: Record<string, number | null>;
  reached: number;
  /** Mean over seeds, a seed that never reached it counted at the last step + 1 (censored). */
  censored: Estimate;
}

export interface Comparison extends Estimate {
  per_seed: Record<string, number>;
}

export interface TaskResult {
  preset: string;
  family: string;
  /** 'env' when the family's feedback comes from an environment, not a user (the paper's Sokoban/WebShop claim). */
  role: 'user' | 'env' | 'mixed';
  steps: number;
  test_episodes: number;
  methods: string[];
  seeds: number[];
  /** Per method: `tasks.<task>.<method>` (kept flat so the documented keys hold). */
  [method: string]: unknown;
}

export interface TaskComparisons {
  infopo_minus_grpo: Comparison | null;
  infopo_minus_rloo: Comparison | null;
  /** InfoPO - GRPO in steps to GRPO's final train success (negative = earlier), censored. */
  speed_train: Comparison | null;
  speed_test: Comparison | null;
  /** InfoPO - GRPO in mean train success over the first half of the steps. */
  early_train_success: Comparison | null;
  /** InfoPO - GRPO in the change of the uninformative-question share from the first to the last quarter (negative = InfoPO cut them more). */
  uninformative_change: Comparison | null;
  persona_shift: Record<string, Comparison>;
  /** Per test persona: InfoPO's drop from the training persona minus GRPO's (negative = InfoPO more robust). */
  persona_drop: Record<string, Comparison>;
  /** The persona the runs were trained with (the base of persona_drop). */
  train_persona: string;
  /** InfoPO step ms / GRPO step ms, per seed, and its mean. */
  cost_ratio: Comparison | null;
  /** Correlation of total exact IG per traced InfoPO dialogue with success, cluster-bootstrapped over groups. */
  ig_success: CorrelationEstimate | null;
}

export interface Results {
  format: typeof RESULTS_FORMAT;
  profile: string;
  /** The command that regenerates these results (finished runs are reused). */
  command: string;
  seeds: number[];
  methods: string[];
  test_episodes: number;
  eval_seed: number;
  /** Decoding of the test episodes: 0 = greedy, > 0 = sampled at this temperature (the highest of the tasks). */
  eval_temperature: number;
  personas: string[];
  bootstrap: { resamples: number; level: number; seed: number; curve_resamples: number };
  /** Runs that failed or are missing, as `task/method-seed: reason`. */
  missing: string[];
  /** Consistency problems found while running (e.g. two evaluation paths that disagree). */
  warnings: string[];
  tasks: Record<string, TaskResult & TaskComparisons>;
}

/** The last evaluation at each step (a run with 0 steps evaluates twice at step 0). */
function evaluationsByStep(evals: readonly EvaluationEntry[]): EvaluationEntry[] {
  const m = new Map<number, EvaluationEntry>();
  for (const e of evals) m.set(e.step, e);
  return [...m.values()].sort((a, b) => a.step - b.step);
}

function seriesOf(steps: RunData['record']['steps'], key: MetricName): { steps: number[]; values: number[] } {
  const rows = steps.filter((s) => Number.isFinite(s.metrics[key]));
  return { steps: rows.map((s) => s.step), values: rows.map((s) => s.metrics[key]!) };
}

function perSeedEstimate(values: Map<number, number>, opts: BootstrapOptions): Estimate & { per_seed: Record<string, number> } {
  return { ...estimateMean([...values.values()], opts), per_seed: Object.fromEntries(values) };
}

/** Mean and bootstrap band across seeds at every step that all the given series share. */
function curve(series: { steps: number[]; values: number[] }[], opts: BootstrapOptions): CurvePoint[] {
  const byStep = new Map<number, number[]>();
  for (const s of series) s.steps.forEach((step, i) => byStep.set(step, [...(byStep.get(step) ?? []), s.values[i]]));
  return [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, xs]) => {
      const e = estimateMean(xs, opts);
      return { step, mean: e.mean, lo: e.ci95[0], hi: e.ci95[1], n: xs.length };
    });
}


function thresholdResult(runs: RunData[], pick: (r: RunData) => { steps: number[]; values: number[] }, threshold: number, window: number, lastStep: number, opts: BootstrapOptions): ThresholdResult {
  const per = new Map<number, number | null>();
  for (const r of runs) {
    const s = pick(r);
    per.set(r.seed, s.steps.length ? stepsToThreshold(s.steps, s.values, threshold, window) : null);
  }
  const censored = [...per.values()].map((v) => v ?? lastStep + 1);
  return { threshold, per_seed: Object.fromEntries(per), reached: [...per.values()].filter((v) => v !== null).length, censored: estimateMean(censored, opts) };
}

/** Total exact IG of each traced dialogue with its success, one cluster per traced group. */
export function igSuccessClusters(traces: readonly GroupTrace[]): { x: number; y: number }[][] {
  return traces
    .filter((g) => g.kept !== false)
    .map((g) =>
      g.rollouts.map((r) => ({
        x: r.turns.reduce((a, t) => a + (t.info_gain_exact ?? 0), 0),
        y: r.success ? 1 : 0,
      })),
    );
}

/** Action tokens of tied groups (outcome std 0) in the traces: how many carry a non-zero advantage, and the mean |advantage|. */
export function tiedGroupSignal(traces: readonly GroupTrace[]): { groups: number; tokens: number; nonzero: number; absSum: number } {
  let groups = 0;
  let tokens = 0;
  let nonzero = 0;
  let absSum = 0;
  for (const g of traces) {
    if (g.kept === false || g.outcome_std > 1e-12) continue;
    groups++;
    for (const r of g.rollouts)
      for (const t of r.turns)
        for (const a of t.advantages) {
          tokens++;
          absSum += Math.abs(a);
          if (Math.abs(a) > 1e-9) nonzero++;
        }
  }
  return { groups, tokens, nonzero, absSum };
}

export interface AnalyseOptions {
  profile: string;
  command?: string;
  personas: string[];
  missing?: string[];
  warnings?: string[];
  resamples?: number;
  /** Resamples for the per-step bands of the curves (many points; default 2,000). */
  curveResamples?: number;
}

/** Turn finished runs into the results: per task, per method estimates and the comparisons. */
export function analyse(runs: RunData[], options: AnalyseOptions): Results {
  const opts: BootstrapOptions = { resamples: options.resamples ?? 10_000, seed: BOOTSTRAP_SEED };
  const curveOpts: BootstrapOptions = { resamples: options.curveResamples ?? 2_000, seed: BOOTSTRAP_SEED };
  const complete = runs.filter((r) => r.record.status === 'complete');
  const taskNames = [...new Set(complete.map((r) => r.task))];
  const tasks: Results['tasks'] = {};
  let testEpisodes = 0;
  let evalSeed = NaN;
  let evalTemperature = 0;
  for (const task of taskNames) {
    const taskRuns = complete.filter((r) => r.task === task);
    const methods = [...new Set(taskRuns.map((r) => r.method))];
    const c0 = taskRuns[0].record.config;
    const families = c0.task.split(',');
    const roles = new Set(families.map((f) => TASKS[f]?.role ?? 'user'));
    const lastStep = Math.max(...taskRuns.map((r) => r.record.config.steps));
    const window = Math.max(1, Math.round(lastStep / 10));
    testEpisodes = Math.max(testEpisodes, c0.evalEpisodes);
    evalSeed = c0.evalSeed;
    evalTemperature = Math.max(evalTemperature, c0.evalTemperature);
    const finalTest = (r: RunData) => evaluationsByStep(r.record.evaluations).at(-1);
    const trainSeries = (r: RunData) => seriesOf(r.record.steps, 'success');
    const testSeries = (r: RunData) => {
      const ev = evaluationsByStep(r.record.evaluations);
      return { steps: ev.map((e) => e.step), values: ev.map((e) => e.success) };
    };
    const smoothedFinal = (r: RunData) => movingAverage(trainSeries(r).values, window).at(-1) ?? NaN;
    const grpoRuns = taskRuns.filter((r) => r.method === 'grpo');
    const trainThreshold = grpoRuns.length ? mean(grpoRuns.map(smoothedFinal).filter(Number.isFinite)) : NaN;
    const testThreshold = grpoRuns.length ? mean(grpoRuns.map((r) => finalTest(r)?.success ?? NaN).filter(Number.isFinite)) : NaN;
    const hasTestCurve = taskRuns.every((r) => evaluationsByStep(r.record.evaluations).length > 2);

    const entry: Record<string, unknown> = {
      preset: task,
      family: c0.task,
      role: roles.size > 1 ? 'mixed' : [...roles][0],
      steps: lastStep,
      test_episodes: c0.evalEpisodes,
      methods,
      seeds: [...new Set(taskRuns.map((r) => r.seed))].sort((a, b) => a - b),
    };
    const perMethod: Record<string, MethodResult> = {};
    for (const method of methods) {
      const mr = taskRuns.filter((r) => r.method === method).sort((a, b) => a.seed - b.seed);
      const bySeed = (f: (r: RunData) => number | undefined) => new Map(mr.map((r) => [r.seed, f(r)] as const).filter((p): p is [number, number] => p[1] !== undefined && Number.isFinite(p[1])));
      /** Mean of a metric (optionally transformed per step) over the first `frac` of the steps. */
      const quarter = (r: RunData, key: MetricName, frac: number, map: (x: number) => number = (x) => x) => {
        const s = seriesOf(r.record.steps, key);
        const n = Math.max(1, Math.ceil(s.values.length * frac));
        return s.values.length ? mean(s.values.slice(0, n).map(map)) : undefined;
      };
      const personas: MethodResult['personas'] = {};
      for (const p of options.personas) {
        const v = bySeed((r) => r.personas?.[p]?.success);
        if (v.size) personas[p] = perSeedEstimate(v, opts);
      }
      perMethod[method] = {
        test_success: perSeedEstimate(bySeed((r) => finalTest(r)?.success), opts),
        test_success_start: estimateMean([...bySeed((r) => evaluationsByStep(r.record.evaluations)[0]?.success).values()], opts),
        test_return: estimateMean([...bySeed((r) => finalTest(r)?.return).values()], opts),
        train_success_final: estimateMean([...bySeed(smoothedFinal).values()], opts),
        train_success_first_half: perSeedEstimate(bySeed((r) => quarter(r, 'success', 0.5)), opts),
        tied_fraction_early: estimateMean([...bySeed((r) => quarter(r, 'zero_std_fraction', 0.25)).values()], opts),
        gate_early: estimateMean([...bySeed((r) => quarter(r, 'gate_mean', 0.25)).values()], opts),
        tied_signal: (() => {
          const per = mr.map((r) => tiedGroupSignal(r.record.traces)).filter((x) => x.tokens > 0);
          return { token_share: estimateMean(per.map((x) => x.nonzero / x.tokens), opts), mean_abs_advantage: estimateMean(per.map((x) => x.absSum / x.tokens), opts), groups: per.reduce((a, x) => a + x.groups, 0) };
        })(),
        tied_fraction_homogeneous_early: estimateMean([...bySeed((r) => quarter(r, 'success', 0.25, (p) => p ** r.record.config.groupSize + (1 - p) ** r.record.config.groupSize)).values()], opts),
        mechanism: (() => {
          const tally = new Map(mr.map((r) => [r, feedbackMechanism(r.record.traces, r.record.config)] as const));
          const share = (t: { questions: number; uninformative: number }) => (t.questions ? t.uninformative / t.questions : undefined);
          const credit = (c: { sum: number; n: number }) => (c.n ? c.sum / c.n : undefined);
          const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a - b);
          const of = (f: (t: RunMechanismTally) => number | undefined) => bySeed((r) => f(tally.get(r)!));
          return {
            uninformative_early: estimateMean([...of((t) => share(t.early)).values()], opts),
            uninformative_late: estimateMean([...of((t) => share(t.late)).values()], opts),
            uninformative_change: perSeedEstimate(of((t) => diff(share(t.late), share(t.early))), opts),
            tied_credit_informative: estimateMean([...of((t) => credit(t.tiedCredit.informative)).values()], opts),
            tied_credit_uninformative: estimateMean([...of((t) => credit(t.tiedCredit.uninformative)).values()], opts),
            tied_credit_gap: perSeedEstimate(of((t) => diff(credit(t.tiedCredit.informative), credit(t.tiedCredit.uninformative))), opts),
            questions: [...tally.values()].reduce((a, t) => a + t.questions, 0),
          };
        })(),
        step_ms: perSeedEstimate(bySeed((r) => (r.record.steps.length ? median(r.record.steps.map((s) => s.metrics.step_ms ?? NaN).filter(Number.isFinite)) : undefined)), opts),
        steps_to_threshold: {
          train: thresholdResult(mr, trainSeries, trainThreshold, window, lastStep, opts),
          test: hasTestCurve && Number.isFinite(testThreshold) ? thresholdResult(mr, testSeries, testThreshold, 1, lastStep, opts) : null,
        },
        personas,
        curves: {
          test_success: curve(mr.map(testSeries), curveOpts),
          train_success: curve(mr.map((r) => ({ steps: trainSeries(r).steps, values: movingAverage(trainSeries(r).values, window) })), curveOpts),
          tied_fraction: curve(mr.map((r) => seriesOf(r.record.steps, 'zero_std_fraction')), curveOpts),
          gate: curve(mr.map((r) => seriesOf(r.record.steps, 'gate_mean')), curveOpts),
        },
      };
      entry[method] = perMethod[method];
    }
    const cmp = (a: string, b: string, f: (m: MethodResult) => Record<string, number | null> | undefined, censorAt?: number): Comparison | null => {
      if (!perMethod[a] || !perMethod[b]) return null;
      const toMap = (rec: Record<string, number | null> | undefined) => new Map(Object.entries(rec ?? {}).map(([k, v]) => [k, v ?? censorAt ?? NaN] as const).filter(([, v]) => Number.isFinite(v)));
      const d = pairedDifference(toMap(f(perMethod[a])), toMap(f(perMethod[b])), opts);
      if (!d.keys.length) return null;
      return { mean: d.mean, ci95: d.ci95, n: d.n, per_seed: Object.fromEntries(d.keys.map((k, i) => [k, d.differences[i]])) };
    };
    const personaShift: Record<string, Comparison> = {};
    for (const p of options.personas) {
      const d = cmp('infopo', 'grpo', (m) => m.personas[p]?.per_seed);
      if (d) personaShift[p] = d;
    }
    // Robustness: how much each method loses from its training persona to each test persona, paired by seed.
    const base = c0.persona;
    const personaDrop: Record<string, Comparison> = {};
    for (const p of options.personas) {
      if (p === base) continue;
      const drop = (m: MethodResult) => {
        const b = m.personas[base]?.per_seed;
        const t = m.personas[p]?.per_seed;
        return b && t ? Object.fromEntries(Object.keys(b).filter((k) => k in t).map((k) => [k, b[k] - t[k]])) : undefined;
      };
      const d = cmp('infopo', 'grpo', drop);
      if (d) personaDrop[p] = d;
    }
    let cost: Comparison | null = null;
    if (perMethod.infopo && perMethod.grpo) {
      const a = perMethod.infopo.step_ms.per_seed;
      const b = perMethod.grpo.step_ms.per_seed;
      const keys = Object.keys(a).filter((k) => k in b && b[k] > 0);
      if (keys.length) {
        const ratios = keys.map((k) => a[k] / b[k]);
        cost = { ...estimateMean(ratios, opts), per_seed: Object.fromEntries(keys.map((k, i) => [k, ratios[i]])) };
      }
    }
    const infopoTraces = taskRuns.filter((r) => r.method === 'infopo').flatMap((r) => r.record.traces);
    const clusters = igSuccessClusters(infopoTraces);
    const comparisons: TaskComparisons = {
      infopo_minus_grpo: cmp('infopo', 'grpo', (m) => m.test_success.per_seed),
      infopo_minus_rloo: cmp('infopo', 'rloo', (m) => m.test_success.per_seed),
      speed_train: cmp('infopo', 'grpo', (m) => m.steps_to_threshold.train.per_seed, lastStep + 1),
      speed_test: perMethod.infopo?.steps_to_threshold.test && perMethod.grpo?.steps_to_threshold.test ? cmp('infopo', 'grpo', (m) => m.steps_to_threshold.test!.per_seed, lastStep + 1) : null,
      early_train_success: cmp('infopo', 'grpo', (m) => m.train_success_first_half.per_seed),
      uninformative_change: cmp('infopo', 'grpo', (m) => m.mechanism.uninformative_change.per_seed),
      persona_shift: personaShift,
      persona_drop: personaDrop,
      train_persona: base,
      cost_ratio: cost,
      ig_success: clusters.flat().length >= 3 ? correlationWithInterval(clusters, opts) : null,
    };
    tasks[task] = { ...(entry as TaskResult), ...comparisons };
  }
  return {
    format: RESULTS_FORMAT,
    profile: options.profile,
    command: options.command ?? `npm run replicate -- --profile ${options.profile}`,
    seeds: [...new Set(complete.map((r) => r.seed))].sort((a, b) => a - b),
    methods: [...new Set(complete.map((r) => r.method))],
    test_episodes: testEpisodes,
    eval_seed: evalSeed,
    eval_temperature: evalTemperature,
    personas: options.personas,
    bootstrap: { resamples: opts.resamples!, level: 0.95, seed: BOOTSTRAP_SEED, curve_resamples: curveOpts.resamples! },
    missing: options.missing ?? [],
    warnings: options.warnings ?? [],
    tasks,
  };
}

/** The method block of a task result (typed access to `tasks.<task>.<method>`). */
export function methodResult(t: TaskResult, method: string): MethodResult | undefined {
  return (t.methods as string[]).includes(method) ? (t[method] as MethodResult) : undefined;
}
