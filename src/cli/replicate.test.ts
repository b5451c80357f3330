import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
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

  it('--compare-levers prints the levers against the base replication in --out, running nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replicate-levers-'));
    try {
      const results = (methods: Record<string, Record<string, number>>) => JSON.stringify({ format: 'infopo-sandbox/replicate@1', methods: Object.keys(methods), tasks: { 'paper-20q': Object.fromEntries(Object.entries(methods).map(([m, per_seed]) => [m, { test_success: { per_seed } }])) } });
      for (const d of ['base', 'lever-groupSize-8']) mkdirSync(join(dir, d));
      writeFileSync(join(dir, 'base', 'results.json'), results({ infopo: { 1001: 0.1, 1002: 0.2 }, grpo: { 1001: 0.1, 1002: 0.1 } }));
      writeFileSync(join(dir, 'lever-groupSize-8', 'results.json'), results({ infopo: { 1001: 0.3, 1002: 0.4 } }));
      const r = replicate('--out', join(dir, 'base'), '--tasks', 'paper-20q', '--methods', 'infopo', '--compare-levers', join(dir, 'lever-groupSize-8'));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n').slice(2, 4)).toEqual(['| (no lever) | 0.150 |  | +0.050 [0.000, 0.100] | 2 |', '| groupSize-8 | 0.350 | +0.200 [0.200, 0.200] | +0.250 [0.200, 0.300] | 2 |']);
      expect(readdirSync(join(dir, 'base'))).toEqual(['results.json']);
      const bad = replicate('--out', join(dir, 'base'), '--tasks', 'paper-20q', '--methods', 'infopo', '--compare-levers', join(dir, 'absent'));
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim()).toBe(`${join(dir, 'absent', 'results.json')}: missing or not JSON (expected the output folder of npm run replicate)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

  it('runs, writes results, report and plots; resumes; redoes a partial run; adds success by difficulty', { timeout: 400_000 }, () => {
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
    expect(again.tasks.smoke.by_difficulty).toBeNull();

    // --by-difficulty: the finished runs are kept and only re-evaluated, each through npm run probe-regime.
    const fifth = replicate(...TINY, '--personas', 'none', '--by-difficulty', '3');
    expect(fifth.code, fifth.stderr).toBe(0);
    expect(fifth.stderr).toContain('4 runs, 4 already finished, 0 to run');
    expect(runDirs.map((d) => statSync(join(d, 'run.json')).mtimeMs)).toEqual([...mtimes.slice(0, 3), redoneMtime]);
    const by = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).tasks.smoke.by_difficulty;
    expect(by).toMatchObject({ groups: 3, seed: 2, split: 'test', labels: ['all'], reference: 'infopo' });
    for (const [i, d] of runDirs.entries()) {
      const kept = JSON.parse(readFileSync(join(d, 'by-difficulty.json'), 'utf8'));
      expect(kept).toMatchObject({ fingerprint: JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')).fingerprint, groups: 3, seed: 2, split: 'test' });
      const [method, seed] = ['infopo', 'infopo', 'grpo', 'grpo'][i] === 'infopo' ? ['infopo', 1001 + i] : ['grpo', 1001 + i - 2];
      expect(by.success.all[method].per_seed[seed], d).toBe(kept.success.all);
    }
    const perSeed = (m: string) => by.success.all[m].per_seed;
    expect(by.difference.all.infopo_minus_grpo.mean).toBeCloseTo((perSeed('infopo')[1001] - perSeed('grpo')[1001] + perSeed('infopo')[1002] - perSeed('grpo')[1002]) / 2, 12);
    const table = readFileSync(join(out, 'by-difficulty.md'), 'utf8');
    expect(table).toMatch(/^smoke: final success by instance, 3 test instances x G sampled episodes per run \(seed 2\), 2 seeds\n/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`## 8. Success by instance difficulty`);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(table.trimEnd());
    // Another protocol under --report-only evaluates nothing and says which runs lack it.
    const sixth = replicate(...TINY, '--personas', 'none', '--by-difficulty', '5', '--report-only');
    expect(sixth.code, sixth.stderr).toBe(0);
    const warned = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(warned.tasks.smoke.by_difficulty).toBeNull();
    expect(warned.warnings).toContain('runs/smoke/infopo-1001: no evaluation by difficulty of this run on 5 test instances (seed 2): left out of section 8; run without --report-only to make it');
    expect(replicate(...TINY, '--by-difficulty', '0', '--dry-run').code).toBe(2);
    // Runs made on wasm are not reused by a sweep on another backend: it would mix two float orders.
    const onGpu = replicate(...TINY, '--backend', 'webgpu', '--dry-run');
    expect(onGpu.code, onGpu.stderr).toBe(0);
    expect(onGpu.stdout).toContain('4 runs (0 already finished)');
    expect(onGpu.stdout).toContain('--backend webgpu --out');
    expect(replicate(...TINY, '--backend', 'wasm', '--dry-run').stdout).toContain('4 runs (4 already finished)');
    const bad = replicate(...TINY, '--backend', 'tpu', '--dry-run');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'tpu' is invalid");
  });
});

describe('the persona matrix under several test users', () => {
  it('names a column per test persona under each test user, a scripted user by its persona alone', async () => {
    const { personaColumns } = await import('./replicate-evaluations');
    expect(personaColumns(['cooperative', 'noisy'], ['scripted', 'user-lm'])).toEqual(['cooperative', 'noisy', 'cooperative / user-lm', 'noisy / user-lm']);
  });
});
