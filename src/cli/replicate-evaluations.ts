/**
 * The evaluations `npm run replicate` makes of each finished run, each through a command of its
 * own in its own process (one adapter each, so the evaluation code can change underneath), kept
 * beside the run and reused while it belongs to the same run fingerprint and protocol:
 *
 *   personas.json       success per test persona (npm run evaluate -- --run DIR --personas ...)
 *   by-difficulty.json  success per instance label (npm run probe-regime -- --run DIR --json), with --by-difficulty
 */
import cliProgress from 'cli-progress';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { difficultySuccess, evaluationColumn, type DifficultyProtocol, type PlannedRun, type RunRecord } from '../engine';
import { inPool, readJson, runNode, tail, type SweepBackend } from './processes';

export interface PersonaEvaluation {
  fingerprint: string;
  episodes: number;
  seed: number;
  personas: Record<string, { success: number; return: number; turns: number; episodes: number }>;
}

export interface DifficultyEvaluation extends DifficultyProtocol {
  fingerprint: string;
  /** Success per instance label (difficultySuccess). */
  success: Record<string, number>;
}

export const PERSONAS_FILE = 'personas.json';
export const DIFFICULTY_FILE = 'by-difficulty.json';

/** The JSON a command printed on stdout after anything else, or an error naming the command. */
function jsonOutput<T>(r: { code: number | null; stdout: string; stderr: string }, command: string, opening: '[' | '{'): T {
  if (r.code !== 0) throw new Error(`${command} failed (exit ${r.code}):\n${tail(r.stderr)}`);
  try {
    return JSON.parse(r.stdout.slice(r.stdout.indexOf(opening))) as T;
  } catch (e) {
    throw new Error(`${command}: output is not JSON (${(e as Error).message})`);
  }
}

/**
 * Success per test persona of one finished run on its paired test episodes, once per test user
 * (`users`: scripted, user-lm, ...): keyed by `evaluationColumn(persona, user)`, so the LM user's
 * columns join the persona matrix (the simulator-shift question, docs/users.md).
 */
export async function evaluatePersonas(dir: string, personas: string[], episodes: number, seed: number, backend: SweepBackend = 'wasm', users: readonly string[] = ['scripted']): Promise<PersonaEvaluation['personas']> {
  const command = `npm run evaluate -- --run ${dir} --backend ${backend}`;
  const r = await runNode('evaluate.ts', ['--run', dir, '--personas', personas.join(','), '--user-models', users.join(','), '--set', `evalEpisodes=${episodes}`, '--set', `evalSeed=${seed}`, '--backend', backend, '--json']);
  // One evaluation per (user, persona) (engine/evaluation.ts `Evaluation`), its means over every task of the run.
  const rows = jsonOutput<{ persona: string; user: string; mean: { success: number; return: number; turns: number; episodes: number } }[]>(r, command, '[').map((e) => ({ key: evaluationColumn(e.persona, e.user), ...e.mean }));
  const out: PersonaEvaluation['personas'] = {};
  for (const p of personaColumns(personas, users)) {
    const mine = rows.filter((x) => x.key === p);
    if (!mine.length) throw new Error(`${command}: no result for ${p}`);
    const n = mine.reduce((a, x) => a + x.episodes, 0);
    const w = (k: 'success' | 'return' | 'turns') => mine.reduce((a, x) => a + x[k] * x.episodes, 0) / n;
    out[p] = { success: w('success'), return: w('return'), turns: w('turns'), episodes: n };
  }
  return out;
}

/** The persona matrix's columns: every test persona under every test user. */
export function personaColumns(personas: readonly string[], users: readonly string[]): string[] {
  return users.flatMap((u) => personas.map((p) => evaluationColumn(p, u)));
}

/** Success per instance label of one finished run: the regime probe on the protocol's instances (sampled, G episodes each). */
export async function evaluateByDifficulty(dir: string, p: DifficultyProtocol, backend: SweepBackend = 'wasm'): Promise<Record<string, number>> {
  const args = ['--run', dir, '--split', p.split, '--groups', String(p.groups), '--seed', String(p.seed), '--backend', backend, '--json'];
  const r = await runNode('probe-regime.ts', args);
  const report = jsonOutput<{ cells: { family: string; difficulty: string; success: number }[] }>(r, `npm run probe-regime -- ${args.join(' ')}`, '{');
  return difficultySuccess(report.cells);
}

/**
 * The persona evaluation must meet the same episodes as the run's own final evaluation: on the
 * persona the run was evaluated with, both give the same success. A difference means the two
 * evaluation paths drifted apart (and the persona matrix is not paired with the run's numbers).
 */
export function checkSameEpisodes(run: PlannedRun, record: RunRecord, res: PersonaEvaluation['personas']): string | null {
  const persona = evaluationColumn(record.config.evalPersona || record.config.persona, record.config.evalUserModel || record.config.userModel);
  const last = record.evaluations.at(-1);
  if (!last || !res[persona] || record.config.task.includes(',')) return null;
  if (Math.abs(res[persona].success - last.success) <= 1e-9 && res[persona].episodes === last.episodes) return null;
  return `${run.dir}: npm run evaluate gives success ${res[persona].success} on ${res[persona].episodes} ${persona} episodes, the run's own final evaluation ${last.success} on ${last.episodes}: the two evaluation paths no longer meet the same episodes`;
}

/** A finished run of the plan: where it is and its record. */
export interface FinishedRun {
  run: PlannedRun;
  dir: string;
  record: RunRecord;
}

/**
 * One evaluation of every finished run, `jobs` at a time, with a progress bar on a terminal:
 * `make` runs only where `dir/file` does not hold a `current` result already; what it returns is
 * kept there. A failure is listed in `failures` and the other runs go on.
 */
export async function evaluateFinished<T extends { fingerprint: string }>(stage: { name: string; file: string; runs: FinishedRun[]; jobs: number; failures: string[]; current: (have: T, f: FinishedRun) => boolean; make: (f: FinishedRun) => Promise<Omit<T, 'fingerprint'>> }): Promise<void> {
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, format: `${stage.name.padEnd(9)} [{bar}] {value}/{total} runs | ETA {eta_formatted}`, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  let evaluated = 0;
  bar?.start(stage.runs.length, 0);
  await inPool([...stage.runs], stage.jobs, async (f) => {
    const file = join(f.dir, stage.file);
    const have = readJson<T>(file);
    if (!(have && have.fingerprint === f.record.fingerprint && stage.current(have, f))) {
      try {
        writeFileSync(file, JSON.stringify({ fingerprint: f.record.fingerprint, ...(await stage.make(f)) }, null, 1) + '\n');
      } catch (e) {
        stage.failures.push(`${f.run.dir} (${stage.name}): ${(e as Error).message}`);
        console.error(`\nFAILED ${stage.name} evaluation of ${f.run.dir}: ${(e as Error).message}`);
      }
    }
    bar?.update(++evaluated);
  });
  bar?.stop();
}

/** A kept evaluation of a finished run, when it belongs to this run (same fingerprint) and passes `current`. */
export function keptEvaluation<T extends { fingerprint: string }>(f: FinishedRun, file: string, current: (have: T, f: FinishedRun) => boolean = () => true): T | undefined {
  const have = readJson<T>(join(f.dir, file));
  return have && have.fingerprint === f.record.fingerprint && current(have, f) ? have : undefined;
}
