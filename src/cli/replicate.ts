/**
 * npm run replicate -- [--profile quick|full] [--seeds LIST] [--tasks LIST] [--methods LIST] [--out DIR] [--jobs 2] [--dry-run]
 *
 * Runs every (task, method, seed) of a profile as its own `npm run experiment` process (wasm),
 * `--jobs` at a time, skipping runs whose folder already holds a complete run.json of the same
 * config; evaluates each final policy on every test persona through `npm run evaluate`; then
 * writes results.json, report.md and SVG plots (docs/replicate.md).
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { analyse, DEFAULT_COSTS, estimateRun, median, parseKnobValue, PERSONA_IDS, planRuns, PROFILES, renderReport, scheduleMs, type PlannedRun, type RunData, type RunRecord } from '../engine';
import { renderPlots } from './replicate-plots';
import { experimentInto, failuresExitCode, inPool, parseList, parseSeeds, readJson, reusableRun, runNode, runWhenEntry, shellQuote, stopChildrenOnInterrupt, tail } from './processes';


export interface PersonaEvaluation {
  fingerprint: string;
  episodes: number;
  seed: number;
  personas: Record<string, { success: number; return: number; turns: number; episodes: number }>;
}


/**
 * The persona-shift evaluation of one finished run, through `npm run evaluate` (one adapter, so
 * the evaluation code can change underneath): success per test persona on the paired episodes.
 */
export async function evaluatePersonas(dir: string, personas: string[], episodes: number, seed: number): Promise<PersonaEvaluation['personas']> {
  const r = await runNode('evaluate.ts', ['--run', dir, '--personas', personas.join(','), '--set', `evalEpisodes=${episodes}`, '--set', `evalSeed=${seed}`, '--json']);
  if (r.code !== 0) throw new Error(`npm run evaluate -- --run ${dir} failed (exit ${r.code}):\n${tail(r.stderr)}`);
  const start = r.stdout.indexOf('[');
  let rows: { persona: string; success: number; return: number; turns: number; episodes: number }[];
  try {
    // One evaluation per persona (engine/evaluation.ts `Evaluation`), its means over every task of the run.
    rows = (JSON.parse(r.stdout.slice(start)) as { persona: string; mean: { success: number; return: number; turns: number; episodes: number } }[]).map((e) => ({ persona: e.persona, ...e.mean }));
  } catch (e) {
    throw new Error(`npm run evaluate -- --run ${dir}: output is not JSON (${(e as Error).message})`);
  }
  const out: PersonaEvaluation['personas'] = {};
  for (const p of personas) {
    const mine = rows.filter((x) => x.persona === p);
    if (!mine.length) throw new Error(`npm run evaluate -- --run ${dir}: no result for persona ${p}`);
    const n = mine.reduce((a, x) => a + x.episodes, 0);
    const w = (k: 'success' | 'return' | 'turns') => mine.reduce((a, x) => a + x[k] * x.episodes, 0) / n;
    out[p] = { success: w('success'), return: w('return'), turns: w('turns'), episodes: n };
  }
  return out;
}

/**
 * The persona evaluation must meet the same episodes as the run's own final evaluation: on the
 * persona the run was evaluated with, both give the same success. A difference means the two
 * evaluation paths drifted apart (and the persona matrix is not paired with the run's numbers).
 */
export function checkSameEpisodes(run: PlannedRun, record: RunRecord, res: PersonaEvaluation['personas']): string | null {
  const persona = record.config.evalPersona || record.config.persona;
  const last = record.evaluations.at(-1);
  if (!last || !res[persona] || record.config.task.includes(',')) return null;
  if (Math.abs(res[persona].success - last.success) <= 1e-9 && res[persona].episodes === last.episodes) return null;
  return `${run.dir}: npm run evaluate gives success ${res[persona].success} on ${res[persona].episodes} ${persona} episodes, the run's own final evaluation ${last.success} on ${last.episodes}: the two evaluation paths no longer meet the same episodes`;
}

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

const minutes = (ms: number) => `${(ms / 60000).toFixed(1)} min`;

export function buildProgram(): Command {
  return new Command('replicate')
    .description('Run InfoPO, GRPO and RLOO x tasks x seeds (resumable), evaluate on paired test episodes and personas, write results.json, report.md and SVG plots.')
    .option('--profile <name>', `profile: ${Object.keys(PROFILES).join(', ')} (src/engine/analysis/replicate-profiles.ts)`, 'quick')
    .option('--tasks <list>', "task presets, comma-separated (default: the profile's)")
    .option('--methods <list>', "methods, comma-separated (default: the profile's)")
    .option('--seeds <list>', "seeds, comma-separated or a range such as 1001-1005 (default: the profile's)")
    .option('--personas <list>', `test personas of the shift matrix (${PERSONA_IDS.join(', ')}), or none (default: the profile's)`)
    .option('--set <key=value>', "override one config key of every run, on top of the profile's (repeatable; e.g. steps=10)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--out <dir>', 'output folder (default runs/replicate-<profile>)')
    .option('--jobs <n>', 'runs at a time', (v) => Number(v), 2)
    .option('--dry-run', 'print the plan and the estimated time, run nothing')
    .option('--report-only', 'run nothing: analyse the finished runs in --out and write the report');
}

interface Options {
  profile: string;
  tasks?: string;
  methods?: string;
  seeds?: string;
  personas?: string;
  set: string[];
  out?: string;
  jobs: number;
  dryRun?: boolean;
  reportOnly?: boolean;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.parse(argv);
  const o = program.opts<Options>();
  const profile = PROFILES[o.profile];
  if (!profile) throw new Error(`unknown profile "${o.profile}" (known: ${Object.keys(PROFILES).join(', ')})`);
  if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new Error(`--jobs ${o.jobs}: expected a positive integer`);
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
  const out = resolve(o.out ?? join('runs', `replicate-${o.profile}`));
  const command = ['npm run replicate --', `--profile ${o.profile}`, o.tasks && `--tasks ${o.tasks}`, o.methods && `--methods ${o.methods}`, o.seeds && `--seeds ${o.seeds}`, o.personas && `--personas ${o.personas}`, ...o.set.map((x) => `--set ${shellQuote(x)}`), o.out && `--out ${shellQuote(o.out)}`].filter(Boolean).join(' ');

  // Which planned runs are finished, read once per run folder (a run.json with traces is megabytes) and again after a run.
  const reuse = new Map<PlannedRun, ReturnType<typeof reusableRun>>();
  const reusable = (run: PlannedRun) => reuse.get(run) ?? reuse.set(run, reusableRun(run, join(out, run.dir), run.dir)).get(run)!;
  const finished = (run: PlannedRun) => reusable(run).record;
  const measured = measuredCosts(plan, finished);
  const pending = plan.filter((r) => !finished(r));
  const estimates = new Map(plan.map((r) => [r, estimateRun(r, personas.length, DEFAULT_COSTS, measured)]));
  if (o.dryRun) {
    console.log(`profile ${o.profile}: ${profile.help}`);
    console.log(`output ${out}; ${plan.length} runs (${plan.length - pending.length} already finished), ${o.jobs} at a time; test personas: ${personas.join(', ') || 'none'}\n`);
    for (const r of plan) {
      const e = estimates.get(r)!;
      console.log(`${pending.includes(r) ? 'run ' : 'done'}  ${r.dir.padEnd(34)} ${r.config.steps} steps x ${r.config.promptsPerStep}x${r.config.groupSize} rollouts, ${r.config.evalEpisodes} test episodes  ~${minutes(e.ms)} (${e.source} step cost)`);
    }
    const total = scheduleMs(pending.map((r) => estimates.get(r)!.ms), o.jobs);
    console.log(`\nestimated wall clock for the ${pending.length} runs to do: ${minutes(total)} with --jobs ${o.jobs} (step costs: measured from finished runs of the same config where present, otherwise the defaults in src/engine/analysis/replicate-estimate.ts)`);
    const [load] = loadavg();
    if (load > availableParallelism()) console.log(`note: load average ${load.toFixed(1)} on ${availableParallelism()} cores: other processes are running, and the runs will take longer than estimated`);
    console.log(`e.g. the first run: npm run experiment -- --preset ${plan[0].task} ${plan[0].sets.map((s) => `--set ${s}`).join(' ')} --backend wasm --out ${join(out, plan[0].dir)}`);
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
      const r = await experimentInto(dir, run.task, run.sets);
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

      // Persona shift: every finished run on every test persona, the same paired episodes (resumable too).
      if (personas.length) {
        // A run without test episodes has nothing to pair the personas with.
        const pq = plan.filter((r) => r.config.evalEpisodes > 0 && finished(r));
        let evaluated = 0;
        const pbar = interactive ? new cliProgress.SingleBar({ stream: process.stderr, format: 'personas  [{bar}] {value}/{total} runs | ETA {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
        pbar?.start(pq.length, 0);
        await inPool(pq, o.jobs, async (run) => {
          const dir = join(out, run.dir);
          const record = finished(run)!;
          const file = join(dir, 'personas.json');
          const have = readJson<PersonaEvaluation>(file);
          const wanted = { episodes: run.config.evalEpisodes, seed: run.config.evalSeed };
          if (!(have && have.fingerprint === record.fingerprint && have.episodes === wanted.episodes && have.seed === wanted.seed && personas.every((p) => p in have.personas))) {
            try {
              const res = await evaluatePersonas(dir, personas, wanted.episodes, wanted.seed);
              const warning = checkSameEpisodes(run, record, res);
              if (warning) {
                warnings.push(warning);
                console.error(`\nWARNING ${warning}`);
              }
              writeFileSync(file, JSON.stringify({ fingerprint: record.fingerprint, ...wanted, personas: res } satisfies PersonaEvaluation, null, 1) + '\n');
            } catch (e) {
              failures.push(`${run.dir} (personas): ${(e as Error).message}`);
              console.error(`\nFAILED persona evaluation of ${run.dir}: ${(e as Error).message}`);
            }
          }
          evaluated++;
          pbar?.update(evaluated);
        });
        pbar?.stop();
      }
    });
  }

  // Analysis: whatever finished, with the missing runs named in the report.
  const runs: RunData[] = [];
  const missing: string[] = [];
  for (const run of plan) {
    const dir = join(out, run.dir);
    const { record, why } = reusable(run);
    if (!record) {
      missing.push(why);
      continue;
    }
    const p = readJson<PersonaEvaluation>(join(dir, 'personas.json'));
    runs.push({ task: run.task, method: run.method, seed: run.seed, record, personas: p && p.fingerprint === record.fingerprint ? p.personas : undefined });
  }
  if (!runs.length) {
    console.error(`no finished runs in ${out}: nothing to report${failures.length ? ` (${failures.length} failed)` : ''}`);
    return 1;
  }
  const results = analyse(runs, { profile: o.profile, command, personas, missing, warnings });
  const plots = renderPlots(results);
  mkdirSync(join(out, 'plots'), { recursive: true });
  for (const p of plots) writeFileSync(join(out, 'plots', p.file), p.svg);
  writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 1) + '\n');
  writeFileSync(join(out, 'report.md'), renderReport(results, { plots: plots.map((p) => ({ title: p.title, file: `plots/${p.file}` })) }));
  console.error(`wrote results.json, report.md and ${plots.length} plots to ${out}`);
  return failuresExitCode(failures);
}

runWhenEntry(import.meta.url, main);
