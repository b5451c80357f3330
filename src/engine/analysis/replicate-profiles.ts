/**
 * `npm run replicate`: the profiles (what to run), the plan of one run per (task, method, seed),
 * and the one rule for when a finished run may stand in for a planned one. Pure TypeScript (no
 * Node modules); the runner that spawns processes is src/cli/replicate.ts.
 *
 * The profiles below are the one place to edit what a replication runs and how long it takes.
 */
import { canonicalJson, type RunRecord } from '../run';
import { configFromPresets, PRESETS, METHODS, resolveConfig, type Config, type ConfigInput, type Method } from '../config';
import { PERSONA_IDS } from '../users';

/** Every key at its default: what a run record made before a key existed ran with. */
const CONFIG_DEFAULTS: Config = resolveConfig({});

/** Seeds reserved for reported results: used nowhere else in the project (never tune on them). */
export const REPORT_SEEDS = [1001, 1002, 1003, 1004, 1005];

/** Seed of the test episodes every run is evaluated on: the same instances and users for every method and seed (paired). */
export const REPORT_EVAL_SEED = 9001;

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
 * THE BUDGET. Tune `steps` so that `npm run replicate -- --profile NAME --dry-run` stays within
 * the target (quick <= 20 min, full <= 2 h on 2 cores with --jobs 2).
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

/**
 * The one rule of every sweep (replicate, learning-speed) for a finished run: a run.json that this
 * planned run may reuse is complete and was made with exactly this config.
 */
export function isReusable(run: Pick<PlannedRun, 'config'>, record: unknown): record is RunRecord {
  const r = record as Partial<RunRecord> | null;
  if (!r || r.status !== 'complete' || !r.config) return false;
  // A run made before a config key existed ran with that key's default (new knobs default to the
  // old behaviour), so a key it lacks counts as its default.
  return canonicalJson({ ...CONFIG_DEFAULTS, ...r.config }) === canonicalJson({ ...CONFIG_DEFAULTS, ...run.config });
}
