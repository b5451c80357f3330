import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot } from '../engine';

const ROOT = resolve(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'resume-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function experiment(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/experiment.ts'), '--quiet', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const fingerprintOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).fingerprint as string;

describe('npm run experiment -- --checkpoint-every / --resume (smoke, wasm)', () => {
  const whole = join(out, 'whole');
  it('writes a snapshot every N steps; --resume finishes with the uninterrupted fingerprint', () => {
    // evalEvery 2: the snapshot of step 2 sits after a mid-run evaluation.
    const a = experiment('--preset', 'smoke', '--set', 'steps=5', '--set', 'evalEvery=2', '--checkpoint-every', '3', '--out', whole);
    expect(a.code, a.stderr).toBe(0);
    const snapshot = decodeSnapshot(new Uint8Array(readFileSync(join(whole, 'resume.safetensors'))));
    expect(snapshot.step).toBe(3);
    expect(existsSync(join(whole, 'resume.safetensors.tmp'))).toBe(false);
    const resumed = join(out, 'resumed');
    const b = experiment('--resume', whole, '--out', resumed);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toContain('resuming from the snapshot of step 3');
    const record = JSON.parse(readFileSync(join(resumed, 'run.json'), 'utf8'));
    expect(record.status).toBe('complete');
    expect(record.steps.length).toBe(5);
    expect(fingerprintOf(resumed)).toBe(fingerprintOf(whole));
    expect(b.stdout).toContain(fingerprintOf(whole));
  }, 120_000);

  it('refuses a mismatched config, a missing, a damaged and an edited snapshot with one line, no stack trace', () => {
    const oneLine = (r: { code: number | null; stderr: string }, pattern: RegExp) => {
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'));
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };
    oneLine(experiment('--resume', whole, '--preset', 'smoke', '--set', 'steps=5', '--set', 'evalEvery=2', '--set', 'lr=0.001'), /^--resume .*: the snapshot belongs to a different config \(differs in lr\)/);
    oneLine(experiment('--resume', join(out, 'nowhere')), /no snapshot at .*resume\.safetensors/);
    const damaged = join(out, 'damaged');
    const bytes = readFileSync(join(whole, 'resume.safetensors'));
    rmSync(damaged, { recursive: true, force: true });
    mkdirSync(damaged);
    writeFileSync(join(damaged, 'resume.safetensors'), bytes.subarray(0, 1000));
    oneLine(experiment('--resume', damaged), /is not a snapshot/);
    const s = decodeSnapshot(new Uint8Array(bytes));
    s.record.steps[1].metrics.success = 0.97;
    writeFileSync(join(damaged, 'resume.safetensors'), encodeSnapshot(s));
    oneLine(experiment('--resume', damaged), /does not match its fingerprint so far .*modified or damaged/);
    const zero = experiment('--preset', 'smoke', '--checkpoint-every', '0');
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--checkpoint-every <n>' argument '0' is invalid\. expected a whole number of steps, at least 1/);
  }, 120_000);
});
