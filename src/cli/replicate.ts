/**
 * npm run replicate -- [--profile quick|full] [--seeds LIST] [--tasks LIST] [--methods LIST] [--out DIR] [--jobs 2] [--backend wasm|cpu|webgpu] [--dry-run]
 * npm run replicate -- ... --by-difficulty [GROUPS]
 * npm run replicate -- --out BASE --tasks TASK --methods METHOD --compare-levers DIR,...
 *
 * Runs every (task, method, seed) of a profile as its own `npm run experiment` process (wasm, or --backend),
 * `--jobs` at a time, skipping runs whose folder already holds a complete run.json of the same
 * config; evaluates each final policy on every test persona through `npm run evaluate` and, with
 * --by-difficulty, by instance difficulty through `npm run probe-regime` (replicate-evaluations.ts);
 * then writes results.json, report.md, SVG plots and, with --by-difficulty, by-difficulty.md
 * (docs/replicate.md). --compare-levers runs nothing: it compares the results.json of replications
 * that changed one knob with the base replication in --out (analysis/replicate-levers.ts).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { analyse, BY_DIFFICULTY, isUserModelSpec, compareLevers, DEFAULT_COSTS, RESULTS_FORMAT, renderLevers, estimateRun, median, parseKnobValue, PERSONA_IDS, planRuns, PROFILES, renderByDifficulty, renderReport, scheduleMs, type DifficultyProtocol, type PlannedRun, type Profile, type Results, type RunData, type RunRecord } from '../engine';
import { renderPlots } from './replicate-plots';
import { checkSameEpisodes, DIFFICULTY_FILE, evaluateByDifficulty, evaluateFinished, evaluatePersonas, keptEvaluation, personaColumns, PERSONAS_FILE, type DifficultyEvaluation, type FinishedRun, type PersonaEvaluation } from './replicate-evaluations';
import { experimentInto, failuresExitCode, inPool, parseList, parseSeeds, readJson, reusableRun, runWhenEntry, shellQuote, stopChildrenOnInterrupt, SWEEP_BACKENDS, sweepOptions, tail, type SweepBackend } from './processes';

/** Median step time of finished runs in the output folder, per task and method: the estimate's measured costs. */
function measuredCosts(plan: PlannedRun[], finished: (run: PlannedRun) => RunRecord | null): Record<string, Record<string, number>> {
  const byKey: Record<string, Record<string, number[]>> = {};
  for (const run of plan) {
    const record = finished(run);
    if (!record?.steps.length) continue;
    ((byKey[run.task] ??= {})[run.method] ??= []).push(...record.steps.map((s) => s.metrics.step_ms).filter(Number.isFinite));
  }
  return Object.fromEntries(Object.entries(byKey).map(([t, m]) => [t, Object.fromEntries(Object.entries(m).map(([k, v]) => [k, median(v)]))]));
}

/** A kept persona evaluation serves while it holds these personas on the run's own test episodes. */
const personasCurrent = (personas: string[]) => (have: PersonaEvaluation, f: FinishedRun) => have.episodes === f.run.config.evalEpisodes && have.seed === f.run.config.evalSeed && personas.every((p) => p in have.personas);

/** A kept evaluation by difficulty serves while it was made on the same instances. */
const difficultyCurrent = (p: DifficultyProtocol) => (have: DifficultyEvaluation) => have.groups === p.groups && have.seed === p.seed && have.split === p.split;

const minutes = (ms: number) => `${(ms / 60000).toFixed(1)} min`;

export function buildProgram(): Command {
  return new Command('replicate')
    .description('Run InfoPO, GRPO and RLOO x tasks x seeds (resumable), evaluate on paired test episodes and personas, write results.json, report.md and SVG plots.')
    .option('--profile <name>', `profile: ${Object.keys(PROFILES).join(', ')} (src/engine/analysis/replicate-profiles.ts)`, 'quick')
    .option('--tasks <list>', "task presets, comma-separated (default: the profile's)")
    .option('--methods <list>', "methods, comma-separated (default: the profile's)")
    .option('--seeds <list>', "seeds, comma-separated or a range such as 1001-1005 (default: the profile's)")
    .option('--personas <list>', `test personas of the shift matrix (${PERSONA_IDS.join(', ')}), or none (default: the profile's)`)
    .option('--test-users <list>', "who words the test users' replies in the persona matrix: scripted, user-lm, ... comma-separated (default scripted); each adds its columns, e.g. 'cooperative / user-lm' (simulator shift, docs/users.md)", 'scripted')
    .option('--set <key=value>', "override one config key of every run, on top of the profile's (repeatable; e.g. steps=10)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--out <dir>', 'output folder (default runs/replicate-<profile>)')
    .option('--jobs <n>', 'runs at a time', (v) => Number(v), 2)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend of every run and evaluation (webgpu: Dawn in Node, docs/performance.md); finished runs of another backend are run again').choices(SWEEP_BACKENDS).default('wasm'))
    .option('--dry-run', 'print the plan and the estimated time, run nothing')
    .option('--by-difficulty [groups]', `also re-evaluate each final policy on GROUPS ${BY_DIFFICULTY.split} instances x G sampled episodes (default ${BY_DIFFICULTY.groups}, seed ${BY_DIFFICULTY.seed}) and report success by instance difficulty (section 8, by-difficulty.md)`, (v: string) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a positive whole number of instances');
      return Number(v);
    })
    .option('--report-only', 'run nothing: analyse the finished runs in --out (and their kept evaluations) and write the report')
    .option('--compare-levers <dirs>', 'run nothing: print the final test success of these replications (comma-separated output folders, each changing one knob) against the replication in --out, for the one task of --tasks and method of --methods');
}

interface Options {
  profile: string;
  tasks?: string;
  methods?: string;
  seeds?: string;
  personas?: string;
  testUsers: string;
  set: string[];
  out?: string;
  jobs: number;
  backend: SweepBackend;
  dryRun?: boolean;
  reportOnly?: boolean;
  byDifficulty?: true | number;
  compareLevers?: string;
}

/** A replication's results.json, checked to be one. */
function readResults(dir: string): Results {
  const file = join(dir, 'results.json');
  const results = readJson<Results>(file);
  if (!results) throw new Error(`${file}: missing or not JSON (expected the output folder of npm run replicate)`);
  if (results.format !== RESULTS_FORMAT) throw new Error(`${file}: format is ${JSON.stringify(results.format)}, expected "${RESULTS_FORMAT}"`);
  return results;
}

/** --compare-levers: the table on stdout. */
function leverTable(o: Options, base: string): string {
  const one = (flag: string, v: string | undefined) => {
    const items = v ? parseList(v) : [];
    if (items.length !== 1) throw new Error(`--compare-levers compares one task and one method: give --${flag} with exactly one (got ${v ?? 'none'})`);
    return items[0];
  };
  const [task, method] = [one('tasks', o.tasks), one('methods', o.methods)];
  const levers = parseList(o.compareLevers!).map((dir) => ({ name: basename(resolve(dir)), results: readResults(dir) }));
  return renderLevers(compareLevers({ name: basename(base), results: readResults(base) }, levers, task, method));
}

export async function main(argv: string[]): Promise<number> {
  const { o, entry: profile } = sweepOptions<Options, Profile>(buildProgram(), argv, PROFILES, 'profile', 'profile');
  if (o.compareLevers !== undefined) {
    process.stdout.write(leverTable(o, resolve(o.out ?? join('runs', `replicate-${o.profile}`))));
    return 0;
  }
  const overrides: Record<string, unknown> = {};
  for (const pair of o.set) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--set ${pair}: expected key=value`);
    const key = pair.slice(0, eq).trim();
    if (key === 'method' || key === 'seed') throw new Error(`--set ${key}: use --${key}s`);
    overrides[key] = parseKnobValue(key, pair.slice(eq + 1).trim());
  }
  const plan = planRuns(profile, { tasks: o.tasks ? parseList(o.tasks) : undefined, methods: o.methods ? parseList(o.methods) : undefined, seeds: o.seeds ? parseSeeds(o.seeds) : undefined, overrides });
  const personas = o.personas === 'none' ? [] : o.personas ? parseList(o.personas) : profile.personas;
  for (const p of personas) if (!(PERSONA_IDS as readonly string[]).includes(p)) throw new Error(`unknown persona "${p}" (known: ${PERSONA_IDS.join(', ')}, none)`);
  const testUsers = parseList(o.testUsers);
  for (const u of testUsers) if (!isUserModelSpec(u)) throw new Error(`--test-users: "${u}" is not scripted, user-lm, a checkpoint folder or a Hub model id`);
  // The matrix's columns: each test persona under each test user.
  const columns = personaColumns(personas, testUsers);
  const out = resolve(o.out ?? join('runs', `replicate-${o.profile}`));
  const byDifficulty: DifficultyProtocol | undefined = o.byDifficulty === undefined ? undefined : { ...BY_DIFFICULTY, groups: o.byDifficulty === true ? BY_DIFFICULTY.groups : o.byDifficulty };
  const command = ['npm run replicate --', `--profile ${o.profile}`, o.tasks && `--tasks ${o.tasks}`, o.methods && `--methods ${o.methods}`, o.seeds && `--seeds ${o.seeds}`, o.personas && `--personas ${o.personas}`, o.testUsers !== 'scripted' && `--test-users ${o.testUsers}`, ...o.set.map((x) => `--set ${shellQuote(x)}`), o.out && `--out ${shellQuote(o.out)}`, o.backend !== 'wasm' && `--backend ${o.backend}`, byDifficulty && `--by-difficulty${byDifficulty.groups === BY_DIFFICULTY.groups ? '' : ` ${byDifficulty.groups}`}`].filter(Boolean).join(' ');

  // Which planned runs are finished, read once per run folder (a run.json with traces is megabytes) and again after a run.
  const reuse = new Map<PlannedRun, ReturnType<typeof reusableRun>>();
  const reusable = (run: PlannedRun) => reuse.get(run) ?? reuse.set(run, reusableRun(run, join(out, run.dir), run.dir, o.backend)).get(run)!;
  const finished = (run: PlannedRun) => reusable(run).record;
  const measured = measuredCosts(plan, finished);
  const pending = plan.filter((r) => !finished(r));
  const estimates = new Map(plan.map((r) => [r, estimateRun(r, columns.length, DEFAULT_COSTS, measured)]));
  if (o.dryRun) {
    console.log(`profile ${o.profile}: ${profile.help}`);
    console.log(`output ${out}; ${plan.length} runs (${plan.length - pending.length} already finished), ${o.jobs} at a time; test personas: ${personas.join(', ') || 'none'}\n`);
    for (const r of plan) {
      const e = estimates.get(r)!;
      console.log(`${pending.includes(r) ? 'run ' : 'done'}  ${r.dir.padEnd(34)} ${r.config.steps} steps x ${r.config.promptsPerStep}x${r.config.groupSize} rollouts, ${r.config.evalEpisodes} test episodes  ~${minutes(e.ms)} (${e.source} step cost)`);
    }
    const total = scheduleMs(pending.map((r) => estimates.get(r)!.ms), o.jobs);
    console.log(`\nestimated wall clock for the ${pending.length} runs to do: ${minutes(total)} with --jobs ${o.jobs} (step costs: measured from finished runs of the same config where present, otherwise the defaults in src/engine/analysis/replicate-estimate.ts)`);
    if (o.backend !== 'wasm') console.log(`note: the default step costs are wasm's on 2 cores; on ${o.backend} they are a guess until runs of this output folder have finished`);
    const [load] = loadavg();
    if (load > availableParallelism()) console.log(`note: load average ${load.toFixed(1)} on ${availableParallelism()} cores: other processes are running, and the runs will take longer than estimated`);
    console.log(`e.g. the first run: npm run experiment -- --preset ${plan[0].task} ${plan[0].sets.map((s) => `--set ${s}`).join(' ')} --backend ${o.backend} --out ${join(out, plan[0].dir)}`);
    return 0;
  }

  mkdirSync(out, { recursive: true });
  const failures: string[] = [];
  const warnings: string[] = [];
  if (!o.reportOnly) {
    const interactive = process.stderr.isTTY;
    const bar = interactive ? new cliProgress.SingleBar({ stream: process.stderr, format: 'replicate [{bar}] {value}/{total} runs | ETA {left} | {info}', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
    let done = plan.length - pending.length;
    console.error(`replicate ${o.profile}: ${plan.length} runs, ${done} already finished, ${pending.length} to run, ${o.jobs} at a time, into ${out}`);
    // ETA from the plan's estimates (runs, then their persona evaluations), the run part rescaled by
    // how long the finished runs took against their estimates (other load, a slower machine).
    const queue = [...pending];
    const runOnly = new Map(pending.map((r) => [r, estimateRun(r, 0, DEFAULT_COSTS, measured).ms]));
    const personaMs = pending.reduce((a, r) => a + estimates.get(r)!.ms - runOnly.get(r)!, 0) / o.jobs;
    const startedAt = new Map<PlannedRun, number>();
    let spentMs = 0;
    let estimatedMs = 0;
    const eta = () => {
      const scale = estimatedMs > 0 ? spentMs / estimatedMs : 1;
      const left = [...queue, ...startedAt.keys()].map((r) => Math.max(0, runOnly.get(r)! * scale - (startedAt.has(r) ? Date.now() - startedAt.get(r)! : 0)));
      const sec = Math.round((scheduleMs(left, o.jobs) + personaMs) / 1000);
      return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
    };
    bar?.start(plan.length, done, { info: 'starting', left: '-' });
    const running = new Set<string>();
    let info = 'starting';
    const note = (text: string) => {
      info = text;
      if (bar) bar.update(done, { info, left: eta() });
      else console.error(text);
    };
    const tick = bar ? setInterval(() => bar.update(done, { info, left: eta() }), 2000) : null;
    const runOne = async (run: PlannedRun) => {
      const dir = join(out, run.dir);
      running.add(run.dir);
      startedAt.set(run, Date.now());
      note(`running ${[...running].join(', ')}`);
      const started = Date.now();
      const r = await experimentInto(dir, run.task, run.sets, o.backend);
      reuse.delete(run);
      running.delete(run.dir);
      startedAt.delete(run);
      spentMs += Date.now() - started;
      estimatedMs += runOnly.get(run)!;
      if (r.code !== 0 || !finished(run)) {
        const why = r.code !== 0 ? `npm run experiment exited with ${r.code}` : 'npm run experiment exited with 0 but left no complete run.json of the planned config';
        failures.push(`${run.dir}: ${why}\n${tail(r.stderr)}`);
        console.error(`\nFAILED ${run.dir}: ${why}; stderr (also in ${join(dir, 'stderr.log')}):\n${tail(r.stderr)}`);
      } else if (!bar) console.error(`finished ${run.dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      done++;
      note(running.size ? `running ${[...running].join(', ')}` : 'evaluating');
    };
    await stopChildrenOnInterrupt(async () => {
      await inPool(queue, o.jobs, runOne);
      if (tick) clearInterval(tick);
      bar?.stop();

      const finishedRuns = (): FinishedRun[] => plan.flatMap((run) => (finished(run) ? [{ run, dir: join(out, run.dir), record: finished(run)! }] : []));
      // Persona shift: every finished run on every test persona, the same paired episodes (resumable too).
      if (personas.length) {
        await evaluateFinished<PersonaEvaluation>({
          name: 'personas',
          file: PERSONAS_FILE,
          // A run without test episodes has nothing to pair the personas with.
          runs: finishedRuns().filter((f) => f.run.config.evalEpisodes > 0),
          jobs: o.jobs,
          failures,
          current: personasCurrent(columns),
          make: async ({ run, dir, record }) => {
            const res = await evaluatePersonas(dir, personas, run.config.evalEpisodes, run.config.evalSeed, o.backend, testUsers);
            const warning = checkSameEpisodes(run, record, res);
            if (warning) {
              warnings.push(warning);
              console.error(`\nWARNING ${warning}`);
            }
            return { episodes: run.config.evalEpisodes, seed: run.config.evalSeed, personas: res };
          },
        });
      }
      if (byDifficulty)
        await evaluateFinished<DifficultyEvaluation>({ name: 'difficulty', file: DIFFICULTY_FILE, runs: finishedRuns(), jobs: o.jobs, failures, current: difficultyCurrent(byDifficulty), make: async ({ dir }) => ({ ...byDifficulty, success: await evaluateByDifficulty(dir, byDifficulty, o.backend) }) });
    });
  }

  // Analysis: whatever finished, with the missing runs named in the report.
  const runs: RunData[] = [];
  const missing: string[] = [];
  for (const run of plan) {
    const { record, why } = reusable(run);
    if (!record) {
      missing.push(why);
      continue;
    }
    const f = { run, dir: join(out, run.dir), record };
    const byLabel = byDifficulty && keptEvaluation<DifficultyEvaluation>(f, DIFFICULTY_FILE, difficultyCurrent(byDifficulty));
    if (byDifficulty && !byLabel) warnings.push(`${run.dir}: no evaluation by difficulty of this run on ${byDifficulty.groups} ${byDifficulty.split} instances (seed ${byDifficulty.seed}): left out of section 8${o.reportOnly ? '; run without --report-only to make it' : ''}`);
    runs.push({ task: run.task, method: run.method, seed: run.seed, record, personas: keptEvaluation<PersonaEvaluation>(f, PERSONAS_FILE)?.personas, byDifficulty: byLabel ? byLabel.success : undefined });
  }
  if (!runs.length) {
    console.error(`no finished runs in ${out}: nothing to report${failures.length ? ` (${failures.length} failed)` : ''}`);
    return 1;
  }
  const results = analyse(runs, { profile: o.profile, command, personas: columns, missing, warnings, byDifficulty });
  const plots = renderPlots(results);
  mkdirSync(join(out, 'plots'), { recursive: true });
  for (const p of plots) writeFileSync(join(out, 'plots', p.file), p.svg);
  writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 1) + '\n');
  writeFileSync(join(out, 'report.md'), renderReport(results, { plots: plots.map((p) => ({ title: p.title, file: `plots/${p.file}` })) }));
  if (byDifficulty) writeFileSync(join(out, 'by-difficulty.md'), renderByDifficulty(results));
  console.error(`wrote results.json, report.md${byDifficulty ? ', by-difficulty.md' : ''} and ${plots.length} plots to ${out}`);
  return failuresExitCode(failures);
}

runWhenEntry(import.meta.url, main);
