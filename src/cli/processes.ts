/**
 * What the command-line drivers of many runs share (replicate, learning-speed): spawning a CLI
 * script of this project as its own Node process, which finished run a planned one may reuse,
 * reading JSON files that may be absent or partial, and parsing list flags.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isReusable, type Config, type RunRecord } from '../engine';
import { readRunFolder } from './checkpoint-folder';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const TSX = ['--import', 'tsx'];

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Child processes still running (killed on Ctrl-C by the drivers). */
export const children = new Set<ReturnType<typeof spawn>>();

/** Run src/cli/<script> with `args` in its own Node process; stderr also goes to `onStderr` as it comes. */
export function runNode(script: string, args: string[], onStderr?: (chunk: string) => void): Promise<ProcessResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...TSX, join(ROOT, 'src', 'cli', script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(String(d));
    });
    child.on('error', (e) => (stderr += `\n${e.message}`));
    child.on('close', (code) => {
      children.delete(child);
      done({ code, stdout, stderr });
    });
  });
}

/**
 * `npm run experiment -- --preset PRESET --set ... --backend BACKEND` into `dir`, made afresh (a
 * partial or outdated run is redone from scratch); its stderr is kept beside it as stderr.log.
 */
export async function experimentInto(dir: string, preset: string, sets: readonly string[], backend: SweepBackend = 'wasm'): Promise<ProcessResult> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const r = await runNode('experiment.ts', ['--preset', preset, ...sets.flatMap((s) => ['--set', s]), '--backend', backend, '--quiet', '--out', dir]);
  writeFileSync(join(dir, 'stderr.log'), r.stderr);
  return r;
}

/** The backends a sweep can run its experiments on (experiment's --backend). */
export const SWEEP_BACKENDS = ['wasm', 'cpu', 'webgpu'] as const;
export type SweepBackend = (typeof SWEEP_BACKENDS)[number];

/**
 * The finished run in `dir` that a planned run may reuse (read by readRunFolder; the one rule,
 * isReusable: complete and of exactly the planned config; its policy beside it), or why not, in
 * one line that starts with `what` (the folder as the user knows it). With `backend`, a run made
 * on another backend is not reused either: its numbers would mix two float orders in one sweep.
 */
export function reusableRun(planned: { config: Config }, dir: string, what = dir, backend?: SweepBackend): { record: RunRecord; why?: undefined } | { record: null; why: string } {
  if (!existsSync(join(dir, 'run.json'))) return { record: null, why: `${what}: not run` };
  let record: RunRecord;
  try {
    record = readRunFolder(dir, what).record;
  } catch (e) {
    return { record: null, why: (e as Error).message };
  }
  const status = record.status;
  if (backend && isReusable(planned, record) && record.environment.backend !== backend) return { record: null, why: `${what}: made on ${record.environment.backend}, this sweep runs on ${backend}` };
  if (isReusable(planned, record)) return { record };
  return { record: null, why: `${what}: ${status === 'complete' ? 'run.json of another config' : `run.json ${status}`}` };
}

/** `work` on every item of `items` (consumed), at most `jobs` at a time. */
export async function inPool<T>(items: T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  const worker = async () => {
    for (let item = items.shift(); item !== undefined; item = items.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, items.length)) }, worker));
}

/** `body`, during which Ctrl-C stops every child process and exits with 130. */
export async function stopChildrenOnInterrupt<T>(body: () => Promise<T>): Promise<T> {
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(130);
  };
  process.once('SIGINT', stop);
  try {
    return await body();
  } finally {
    process.removeListener('SIGINT', stop);
  }
}

export function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The last lines of a process's output, indented, for an error message. */
export function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
}

/** Quote an argument for a regenerating command line when the shell would split or expand it. */
export const shellQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

export function parseList(v: string): string[] {
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new Error(`empty list "${v}"`);
  return items;
}

/** "1001,1002" or "1001-1005" (or a mix). */
export function parseSeeds(v: string): number[] {
  return parseList(v).flatMap((item) => {
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a) throw new Error(`--seeds ${item}: empty range`);
      return Array.from({ length: b - a + 1 }, (_, i) => a + i);
    }
    if (!/^\d+$/.test(item)) throw new Error(`--seeds: "${item}" is not a seed (use e.g. 1001,1002 or 1001-1005)`);
    return [Number(item)];
  });
}

/** A sweep's parsed flags and the entry of `table` its `flag` names (a profile, a study), with --jobs checked. */
export function sweepOptions<O extends { jobs: number }, E>(program: Command, argv: string[], table: Record<string, E>, flag: keyof O & string, what: string): { o: O; entry: E } {
  // A flag commander cannot read is bad input, as the checks below are: exit 2 after its one line.
  program.exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));
  program.parse(argv);
  const o = program.opts<O>();
  const name = String(o[flag]);
  const entry = table[name];
  if (!entry) throw new Error(`unknown ${what} "${name}" (known: ${Object.keys(table).join(', ')})`);
  if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new Error(`--jobs ${o.jobs}: expected a positive integer`);
  return { o, entry };
}

/** A sweep's exit code: 1 after listing the runs that failed, else 0. */
export function failuresExitCode(failures: string[]): number {
  if (!failures.length) return 0;
  console.error(`\n${failures.length} failed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
  return 1;
}

/** Runs a command-line tool's `main` when its module (`moduleUrl`) is the entry point: exits with its code, or 2 with the error's message. */
export function runWhenEntry(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main(process.argv).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e.message);
      process.exit(2);
    },
  );
}
