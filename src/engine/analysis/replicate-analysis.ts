/**
 * `npm run replicate`'s analysis: finished runs (their run.json records and persona evaluations)
 * into `results.json`: per task and method, estimates with bootstrap intervals over seeds, and the
 * paired comparisons the report (replicate-report.ts) turns into verdicts. Pure TypeScript (no
 * Node modules); docs/replicate.md documents every key.
 */
import type { EvaluationEntry, GroupTrace, MetricName, Metrics, RunRecord } from '../run';
import type { Split } from '../tasks/types';
import { episodeOptions, type Config } from '../config';
import { getTask, TASKS } from '../tasks';
import { MechanismTally, questionsInformative } from '../rl/mechanism';
import { tiedIfAlike } from './regime';
import { evaluationColumn } from '../evaluation';
import { BOOTSTRAP_SEED, correlationWithInterval, estimateMean, mean, median, movingAverage, pairedDifference, stepsToThreshold, type BootstrapOptions, type CorrelationEstimate, type Estimate } from './stats';

export const RESULTS_FORMAT = 'infopo-sandbox/replicate@1';

/** What the analysis needs of one run: its record (read from run.json) and its persona-shift evaluation. */
export interface RunData {
  task: string;
  method: string;
  seed: number;
  /** Steps may carry a subset of the metrics (synthetic records in tests, older run.json files). */
  record: Pick<RunRecord, 'config' | 'evaluations' | 'traces' | 'status'> & { steps: readonly { step: number; metrics: Partial<Metrics> }[] };
  /** Test success per test persona on the shared paired episodes (absent if not evaluated). */
  personas?: Record<string, { success: number; return: number; turns: number; episodes: number }>;
  /** Success of the final policy per instance label (difficultySuccess; absent if not evaluated). */
  byDifficulty?: Record<string, number>;
}

/**
 * How `npm run replicate -- --by-difficulty` re-evaluates each final policy: `groups` instances of
 * the split x G sampled episodes, from the regime probe's streams of `seed` (the same instances,
 * users and sampling for every run, so success is paired by seed and by instance). The defaults
 * are the protocol of the by-difficulty tables in docs/results.
 */
export interface DifficultyProtocol {
  groups: number;
  seed: number;
  split: Split;
}

export const BY_DIFFICULTY: DifficultyProtocol = { groups: 256, seed: 2, split: 'test' };

/**
 * One run's success per instance label from the regime probe's cells (`probeRegime`): "all", each
 * difficulty the family names ("3 missing") and each demonstrator slip of uneven warm-start skill
 * ("demo slip 0.9"); in a mix of families, a family's own labels are prefixed with it ("intent: all").
 */
export function difficultySuccess(cells: readonly { family: string; difficulty: string; success: number }[]): Record<string, number> {
  const mixed = cells.some((c) => c.family === 'all');
  return Object.fromEntries(cells.map((c) => [mixed && c.family !== 'all' ? `${c.family}: ${c.difficulty}` : c.difficulty, c.success]));
}

/** Final success by instance label, per method, and the first method (InfoPO when present) minus each other, paired by seed. */
export interface DifficultyResult extends DifficultyProtocol {
  labels: string[];
  /** The method every difference starts from. */
  reference: string;
  success: Record<string, Record<string, Estimate & { per_seed: Record<string, number> }>>;
  /** Per label: `<reference>_minus_<method>` for every other method. */
  difference: Record<string, Record<string, Comparison>>;
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
  /** Success by instance difficulty, when the final policies were re-evaluated so (`--by-difficulty`). */
  by_difficulty: DifficultyResult | null;
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


function thresholdResult(runs: readonly RunData[], pick: (r: RunData) => { steps: number[]; values: number[] }, threshold: number, window: number, lastStep: number, opts: BootstrapOptions): ThresholdResult {
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
  /** The protocol of the runs' `byDifficulty` evaluations, when they were made. */
  byDifficulty?: DifficultyProtocol;
}

/** a - b over the seeds both hold, with its interval; null when they share none. */
function pairedComparison(a: Record<string, number | null> | undefined, b: Record<string, number | null> | undefined, opts: BootstrapOptions, censorAt?: number): Comparison | null {
  const toMap = (rec: Record<string, number | null> | undefined) => new Map(Object.entries(rec ?? {}).map(([k, v]) => [k, v ?? censorAt ?? NaN] as const).filter(([, v]) => Number.isFinite(v)));
  const d = pairedDifference(toMap(a), toMap(b), opts);
  if (!d.keys.length) return null;
  return { mean: d.mean, ci95: d.ci95, n: d.n, per_seed: Object.fromEntries(d.keys.map((k, i) => [k, d.differences[i]])) };
}

function byDifficultyOf(taskRuns: readonly RunData[], methods: string[], protocol: DifficultyProtocol | undefined, opts: BootstrapOptions): DifficultyResult | null {
  const evaluated = taskRuns.filter((r) => r.byDifficulty);
  if (!protocol || !evaluated.length) return null;
  const labels = [...new Set(evaluated.flatMap((r) => Object.keys(r.byDifficulty!)))];
  const ordered = methods.includes('infopo') ? ['infopo', ...methods.filter((m) => m !== 'infopo')] : methods;
  const reference = ordered[0];
  const success: DifficultyResult['success'] = {};
  const difference: DifficultyResult['difference'] = {};
  for (const label of labels) {
    success[label] = {};
    for (const m of ordered) {
      const v = perSeed(evaluated.filter((r) => r.method === m), (r) => r.byDifficulty![label]);
      if (v.size) success[label][m] = perSeedEstimate(v, opts);
    }
    difference[label] = {};
    for (const m of ordered.slice(1)) {
      const d = pairedComparison(success[label][reference]?.per_seed, success[label][m]?.per_seed, opts);
      if (d) difference[label][`${reference}_minus_${m}`] = d;
    }
  }
  return { ...protocol, labels, reference, success, difference };
}

/** One value per seed of `runs` (one method's), leaving out seeds where it is missing or not finite. */
function perSeed(runs: readonly RunData[], f: (r: RunData) => number | undefined): Map<number, number> {
  return new Map(runs.map((r) => [r.seed, f(r)] as const).filter((p): p is [number, number] => p[1] !== undefined && Number.isFinite(p[1])));
}

const finalTest = (r: RunData) => evaluationsByStep(r.record.evaluations).at(-1);
const trainSeries = (r: RunData) => seriesOf(r.record.steps, 'success');
const testSeries = (r: RunData) => {
  const ev = evaluationsByStep(r.record.evaluations);
  return { steps: ev.map((e) => e.step), values: ev.map((e) => e.success) };
};

/** Mean of a metric (optionally transformed per step) over the first `frac` of a run's steps. */
function earlyMean(r: RunData, key: MetricName, frac: number, map: (x: number) => number = (x) => x): number | undefined {
  const s = seriesOf(r.record.steps, key);
  const n = Math.max(1, Math.ceil(s.values.length * frac));
  return s.values.length ? mean(s.values.slice(0, n).map(map)) : undefined;
}

/** What every method of a task is measured against: its last step, the smoothing window and GRPO's final levels. */
interface TaskFrame {
  lastStep: number;
  /** Trailing moving average over a tenth of the steps. */
  window: number;
  trainThreshold: number;
  testThreshold: number;
  hasTestCurve: boolean;
}

const smoothedFinal = (r: RunData, window: number) => movingAverage(trainSeries(r).values, window).at(-1) ?? NaN;

function taskFrame(taskRuns: readonly RunData[]): TaskFrame {
  const lastStep = Math.max(...taskRuns.map((r) => r.record.config.steps));
  const window = Math.max(1, Math.round(lastStep / 10));
  const grpoRuns = taskRuns.filter((r) => r.method === 'grpo');
  return {
    lastStep,
    window,
    trainThreshold: grpoRuns.length ? mean(grpoRuns.map((r) => smoothedFinal(r, window)).filter(Number.isFinite)) : NaN,
    testThreshold: grpoRuns.length ? mean(grpoRuns.map((r) => finalTest(r)?.success ?? NaN).filter(Number.isFinite)) : NaN,
    hasTestCurve: taskRuns.every((r) => evaluationsByStep(r.record.evaluations).length > 2),
  };
}

function tiedSignalOf(runs: readonly RunData[], opts: BootstrapOptions): MethodResult['tied_signal'] {
  const per = runs.map((r) => tiedGroupSignal(r.record.traces)).filter((x) => x.tokens > 0);
  return { token_share: estimateMean(per.map((x) => x.nonzero / x.tokens), opts), mean_abs_advantage: estimateMean(per.map((x) => x.absSum / x.tokens), opts), groups: per.reduce((a, x) => a + x.groups, 0) };
}

function mechanismOf(runs: readonly RunData[], opts: BootstrapOptions): MechanismResult {
  const tally = new Map(runs.map((r) => [r, feedbackMechanism(r.record.traces, r.record.config)] as const));
  const share = (t: { questions: number; uninformative: number }) => (t.questions ? t.uninformative / t.questions : undefined);
  const credit = (c: { sum: number; n: number }) => (c.n ? c.sum / c.n : undefined);
  const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a - b);
  const of = (f: (t: RunMechanismTally) => number | undefined) => perSeed(runs, (r) => f(tally.get(r)!));
  return {
    uninformative_early: estimateMean([...of((t) => share(t.early)).values()], opts),
    uninformative_late: estimateMean([...of((t) => share(t.late)).values()], opts),
    uninformative_change: perSeedEstimate(of((t) => diff(share(t.late), share(t.early))), opts),
    tied_credit_informative: estimateMean([...of((t) => credit(t.tiedCredit.informative)).values()], opts),
    tied_credit_uninformative: estimateMean([...of((t) => credit(t.tiedCredit.uninformative)).values()], opts),
    tied_credit_gap: perSeedEstimate(of((t) => diff(credit(t.tiedCredit.informative), credit(t.tiedCredit.uninformative))), opts),
    questions: [...tally.values()].reduce((a, t) => a + t.questions, 0),
  };
}

/** Every estimate of one method on one task, from its runs (one per seed). */
function methodResultOf(runs: readonly RunData[], frame: TaskFrame, personaIds: readonly string[], opts: BootstrapOptions, curveOpts: BootstrapOptions): MethodResult {
  const values = (f: (r: RunData) => number | undefined) => [...perSeed(runs, f).values()];
  const personas: MethodResult['personas'] = {};
  for (const p of personaIds) {
    const v = perSeed(runs, (r) => r.personas?.[p]?.success);
    if (v.size) personas[p] = perSeedEstimate(v, opts);
  }
  const smoothed = (r: RunData) => ({ steps: trainSeries(r).steps, values: movingAverage(trainSeries(r).values, frame.window) });
  return {
    test_success: perSeedEstimate(perSeed(runs, (r) => finalTest(r)?.success), opts),
    test_success_start: estimateMean(values((r) => evaluationsByStep(r.record.evaluations)[0]?.success), opts),
    test_return: estimateMean(values((r) => finalTest(r)?.return), opts),
    train_success_final: estimateMean(values((r) => smoothedFinal(r, frame.window)), opts),
    train_success_first_half: perSeedEstimate(perSeed(runs, (r) => earlyMean(r, 'success', 0.5)), opts),
    tied_fraction_early: estimateMean(values((r) => earlyMean(r, 'zero_std_fraction', 0.25)), opts),
    gate_early: estimateMean(values((r) => earlyMean(r, 'gate_mean', 0.25)), opts),
    tied_signal: tiedSignalOf(runs, opts),
    tied_fraction_homogeneous_early: estimateMean(values((r) => earlyMean(r, 'success', 0.25, (p) => tiedIfAlike(p, r.record.config.groupSize))), opts),
    mechanism: mechanismOf(runs, opts),
    step_ms: perSeedEstimate(perSeed(runs, (r) => (r.record.steps.length ? median(r.record.steps.map((s) => s.metrics.step_ms ?? NaN).filter(Number.isFinite)) : undefined)), opts),
    steps_to_threshold: {
      train: thresholdResult(runs, trainSeries, frame.trainThreshold, frame.window, frame.lastStep, opts),
      test: frame.hasTestCurve && Number.isFinite(frame.testThreshold) ? thresholdResult(runs, testSeries, frame.testThreshold, 1, frame.lastStep, opts) : null,
    },
    personas,
    curves: {
      test_success: curve(runs.map(testSeries), curveOpts),
      train_success: curve(runs.map(smoothed), curveOpts),
      tied_fraction: curve(runs.map((r) => seriesOf(r.record.steps, 'zero_std_fraction')), curveOpts),
      gate: curve(runs.map((r) => seriesOf(r.record.steps, 'gate_mean')), curveOpts),
    },
  };
}

/** InfoPO against the other methods of a task, paired by seed. */
function comparisonsOf(perMethod: Record<string, MethodResult>, frame: TaskFrame, infopoTraces: readonly GroupTrace[], personaIds: readonly string[], trainPersona: string, opts: BootstrapOptions): TaskComparisons {
  const cmp = (a: string, b: string, f: (m: MethodResult) => Record<string, number | null> | undefined, censorAt?: number): Comparison | null =>
    perMethod[a] && perMethod[b] ? pairedComparison(f(perMethod[a]), f(perMethod[b]), opts, censorAt) : null;
  const personaShift: Record<string, Comparison> = {};
  for (const p of personaIds) {
    const d = cmp('infopo', 'grpo', (m) => m.personas[p]?.per_seed);
    if (d) personaShift[p] = d;
  }
  // Robustness: how much each method loses from its training persona to each test persona, paired by seed.
  const personaDrop: Record<string, Comparison> = {};
  for (const p of personaIds) {
    if (p === trainPersona) continue;
    const drop = (m: MethodResult) => {
      const b = m.personas[trainPersona]?.per_seed;
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
  const clusters = igSuccessClusters(infopoTraces);
  return {
    infopo_minus_grpo: cmp('infopo', 'grpo', (m) => m.test_success.per_seed),
    infopo_minus_rloo: cmp('infopo', 'rloo', (m) => m.test_success.per_seed),
    speed_train: cmp('infopo', 'grpo', (m) => m.steps_to_threshold.train.per_seed, frame.lastStep + 1),
    speed_test: perMethod.infopo?.steps_to_threshold.test && perMethod.grpo?.steps_to_threshold.test ? cmp('infopo', 'grpo', (m) => m.steps_to_threshold.test!.per_seed, frame.lastStep + 1) : null,
    early_train_success: cmp('infopo', 'grpo', (m) => m.train_success_first_half.per_seed),
    uninformative_change: cmp('infopo', 'grpo', (m) => m.mechanism.uninformative_change.per_seed),
    persona_shift: personaShift,
    persona_drop: personaDrop,
    train_persona: trainPersona,
    cost_ratio: cost,
    ig_success: clusters.flat().length >= 3 ? correlationWithInterval(clusters, opts) : null,
  };
}

/** Turn finished runs into the results: per task, per method estimates and the comparisons. */
export function analyse(runs: RunData[], options: AnalyseOptions): Results {
  const opts: BootstrapOptions = { resamples: options.resamples ?? 10_000, seed: BOOTSTRAP_SEED };
  const curveOpts: BootstrapOptions = { resamples: options.curveResamples ?? 2_000, seed: BOOTSTRAP_SEED };
  const complete = runs.filter((r) => r.record.status === 'complete');
  const tasks: Results['tasks'] = {};
  let testEpisodes = 0;
  let evalSeed = NaN;
  let evalTemperature = 0;
  for (const task of new Set(complete.map((r) => r.task))) {
    const taskRuns = complete.filter((r) => r.task === task);
    const methods = [...new Set(taskRuns.map((r) => r.method))];
    const c0 = taskRuns[0].record.config;
    const roles = new Set(c0.task.split(',').map((f) => TASKS[f]?.role ?? 'user'));
    const frame = taskFrame(taskRuns);
    testEpisodes = Math.max(testEpisodes, c0.evalEpisodes);
    evalSeed = c0.evalSeed;
    evalTemperature = Math.max(evalTemperature, c0.evalTemperature);
    const perMethod: Record<string, MethodResult> = {};
    for (const method of methods) perMethod[method] = methodResultOf(taskRuns.filter((r) => r.method === method).sort((a, b) => a.seed - b.seed), frame, options.personas, opts, curveOpts);
    const infopoTraces = taskRuns.filter((r) => r.method === 'infopo').flatMap((r) => r.record.traces);
    const entry: TaskResult = {
      preset: task,
      family: c0.task,
      role: roles.size > 1 ? 'mixed' : [...roles][0],
      steps: frame.lastStep,
      test_episodes: c0.evalEpisodes,
      methods,
      seeds: [...new Set(taskRuns.map((r) => r.seed))].sort((a, b) => a - b),
      by_difficulty: byDifficultyOf(taskRuns, methods, options.byDifficulty, opts),
      ...perMethod,
    };
    tasks[task] = { ...entry, ...comparisonsOf(perMethod, frame, infopoTraces, options.personas, evaluationColumn(c0.persona, c0.userModel), opts) };
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
