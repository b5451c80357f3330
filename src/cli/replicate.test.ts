import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'replicate-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function replicate(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/replicate.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TINY = ['--profile', 'smoke', '--tasks', 'smoke', '--seeds', '1001,1002', '--methods', 'infopo,grpo', '--jobs', '2', '--out', out];
const runDirs = ['infopo-1001', 'infopo-1002', 'grpo-1001', 'grpo-1002'].map((d) => join(out, 'runs', 'smoke', d));

describe('npm run replicate (smoke profile, end to end)', () => {
  it('rejects bad input with a clear error', () => {
    const a = replicate('--profile', 'nope', '--dry-run');
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('unknown profile "nope"');
    const b = replicate('--profile', 'smoke', '--seeds', 'x1', '--dry-run');
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('"x1" is not a seed');
  });

  it('reports a failed run with its stderr, goes on with the others and exits non-zero', () => {
    const failing = mkdtempSync(join(tmpdir(), 'replicate-fail-'));
    try {
      const r = replicate('--profile', 'smoke', '--seeds', '1001', '--methods', 'infopo,grpo', '--jobs', '1', '--personas', 'none', '--set', 'init=no-such-checkpoint', '--out', failing);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('FAILED runs/smoke/infopo-1001: npm run experiment exited with 1');
      expect(r.stderr).toContain('FAILED runs/smoke/grpo-1001: npm run experiment exited with 1');
      expect(r.stderr).toMatch(/no-such-checkpoint is missing: no checkpoint folder/);
      expect(r.stderr).toContain('no finished runs');
    } finally {
      rmSync(failing, { recursive: true, force: true });
    }
  });

  it('prints the plan and an estimate with --dry-run, running nothing', () => {
    const r = replicate(...TINY, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('4 runs (0 already finished)');
    expect(r.stdout).toMatch(/estimated wall clock for the 4 runs to do: [\d.]+ min with --jobs 2/);
    expect(r.stdout).toContain('runs/smoke/grpo-1002');
    expect(() => statSync(join(out, 'runs'))).toThrow();
  });

  it('runs, writes results, report and plots; resumes; redoes a partial run', { timeout: 180_000 }, () => {
    const first = replicate(...TINY);
    expect(first.code, first.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.profile).toBe('smoke');
    expect(results.seeds).toEqual([1001, 1002]);
    expect(results.test_episodes).toBe(8);
    const t = results.tasks.smoke;
    // The figures are the runs' own: each method's mean is the mean of its runs' final test success,
    // and InfoPO - GRPO the mean of the per-seed differences, inside its interval.
    const finalOf = (d: string) => JSON.parse(readFileSync(join(out, 'runs', 'smoke', d, 'run.json'), 'utf8')).evaluations.at(-1).success as number;
    const finals = (m: string) => [1001, 1002].map((seed) => finalOf(`${m}-${seed}`));
    for (const m of ['infopo', 'grpo']) {
      expect(t[m].test_success.mean).toBeCloseTo((finals(m)[0] + finals(m)[1]) / 2, 12);
      const [lo, hi] = t[m].test_success.ci95;
      expect(lo).toBeLessThanOrEqual(t[m].test_success.mean);
      expect(hi).toBeGreaterThanOrEqual(t[m].test_success.mean);
      expect(Object.keys(t[m].personas).sort()).toEqual(['cooperative', 'noisy']);
    }
    const differences = [0, 1].map((i) => finals('infopo')[i] - finals('grpo')[i]);
    expect(t.infopo_minus_grpo.mean).toBeCloseTo((differences[0] + differences[1]) / 2, 12);
    expect(t.infopo_minus_grpo.ci95[0]).toBeLessThanOrEqual(t.infopo_minus_grpo.mean);
    expect(t.infopo_minus_grpo.ci95[1]).toBeGreaterThanOrEqual(t.infopo_minus_grpo.mean);
    expect(t.cost_ratio.n).toBe(2);
    // npm run evaluate meets the same episodes as the run's own final evaluation.
    expect(results.warnings).toEqual([]);
    expect(first.stderr).not.toContain('WARNING');
    for (const d of runDirs) {
      const run = JSON.parse(readFileSync(join(d, 'run.json'), 'utf8'));
      const personas = JSON.parse(readFileSync(join(d, 'personas.json'), 'utf8'));
      expect(personas.personas.cooperative.success, d).toBe(run.evaluations.at(-1).success);
      expect(personas.fingerprint).toBe(run.fingerprint);
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('## 1. Final test success');
    expect(report).toContain('`smoke` final test success: InfoPO - GRPO');
    expect(readdirSync(join(out, 'plots')).sort()).toEqual(['learning-smoke.svg', 'mechanism.svg', 'personas.svg', 'tied-smoke.svg']);
    const mtimes = runDirs.map((d) => statSync(join(d, 'run.json')).mtimeMs);

    const second = replicate(...TINY);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('4 runs, 4 already finished, 0 to run');
    expect(runDirs.map((d) => statSync(join(d, 'run.json')).mtimeMs)).toEqual(mtimes);

    // A run stopped half-way is redone; the others are kept.
    const partial = join(runDirs[3], 'run.json');
    const record = JSON.parse(readFileSync(partial, 'utf8'));
    writeFileSync(partial, JSON.stringify({ ...record, status: 'stopped' }));
    const third = replicate(...TINY, '--personas', 'none');
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain('4 runs, 3 already finished, 1 to run');
    const redone = JSON.parse(readFileSync(partial, 'utf8'));
    expect(redone.status).toBe('complete');
    expect(redone.fingerprint).toBe(record.fingerprint);
    expect(runDirs.slice(0, 3).map((d) => statSync(join(d, 'run.json')).mtimeMs)).toEqual(mtimes.slice(0, 3));

    // --report-only runs nothing and rewrites the report from the finished runs.
    const redoneMtime = statSync(partial).mtimeMs;
    const fourth = replicate(...TINY, '--report-only');
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(fourth.stderr).not.toContain('to run');
    expect(runDirs.map((d) => statSync(join(d, 'run.json')).mtimeMs)).toEqual([...mtimes.slice(0, 3), redoneMtime]);
    const again = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(again.command).toBe(`npm run replicate -- --profile smoke --tasks smoke --methods infopo,grpo --seeds 1001,1002 --out ${out}`);
    expect(again.tasks.smoke.infopo.test_success).toEqual(results.tasks.smoke.infopo.test_success);
  });
});
