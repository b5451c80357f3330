import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, probeRegime, type WordTokenizer } from '../engine';
import { MODELS_DIR } from './checkpoint-folder';
import { probedPolicy, wholeNumber } from './probe-cli';

const ROOT = resolve(import.meta.dirname, '..', '..');
const cli = (script: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli', script), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

let tokenizer: WordTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: MODELS_DIR });
});

const flags = (o: { preset?: string[]; set?: string[]; run?: string }) => ({ preset: o.preset ?? [], set: o.set ?? [], run: o.run, listKeys: false });

describe('the probes\' policy', () => {
  /** The regime of a preset's shipped checkpoint on 24 groups: where it was loaded from, and a cell by label. */
  async function shippedRegime(preset: string) {
    const { config, policy, source } = await probedPolicy(flags({ preset: [preset] }), tokenizer);
    const r = await probeRegime(policy, tokenizer, config, { groups: 24, seed: 3 });
    policy.dispose();
    return { source, cell: (d: string) => r.cells.find((c) => c.difficulty === d)! };
  }

  it("loads a preset's shipped checkpoint, and on paper-intent-tight the easy instances are the ones solved", async () => {
    const { source, cell } = await shippedRegime('paper-intent-tight');
    expect(source).toMatch(/models[/\\]warm-intent-tight$/);
    // The regime the preset is built for: hard instances mostly fail in every rollout.
    expect(cell('1 missing').success).toBeGreaterThan(cell('3 missing').success);
    expect(cell('3 missing').tiedFailures).toBeGreaterThan(0.3);
    expect(cell('1 missing').groups + cell('3 missing').groups).toBe(24);
  });

  it('paper-intent-uneven: the shipped warm start is skilled in half of the domains and not in the others', async () => {
    const { source, cell } = await shippedRegime('paper-intent-uneven');
    expect(source).toMatch(/models[/\\]warm-intent-uneven$/);
    // Skilled areas mostly succeed in every rollout, unskilled ones mostly fail in every rollout.
    expect(cell('demo slip 0.05').success).toBeGreaterThan(0.75);
    expect(cell('demo slip 0.9').success).toBeLessThan(0.3);
    expect(cell('demo slip 0.9').tiedFailures).toBeGreaterThan(0.3);
    expect(cell('demo slip 0.05').groups + cell('demo slip 0.9').groups).toBe(24);
  });

  it('names what is wrong with --run and init=scratch', async () => {
    await expect(probedPolicy(flags({ run: '/nonexistent/run' }), tokenizer)).rejects.toThrow(/^--run \/nonexistent\/run: no such folder/);
    await expect(probedPolicy(flags({ set: ['init=scratch'] }), tokenizer)).rejects.toThrow(/init=scratch: a random policy has nothing to probe/);
  });
});

describe('the probes\' command lines', () => {
  it('refuse a flag they cannot use with one line and exit 2, before any backend loads', () => {
    const cases: [string, string[], RegExp][] = [
      ['probe-ig.ts', ['--preset', 'paper-20q', '--episodes', '-1'], /^error: option '--episodes <n>' argument '-1' is invalid\. expected a whole number of at least 1$/],
      ['probe-regime.ts', ['--preset', 'paper-20q', '--groups', '0', '--seed', '3'], /^error: option '--groups <n>' argument '0' is invalid\. expected a whole number of at least 1$/],
      ['probe-regime.ts', ['--preset', 'paper-20q', '--seed', '1.5'], /^error: option '--seed <n>' argument '1\.5' is invalid\. expected a whole number$/],
      ['probe-ig.ts', ['--run', '/nonexistent/run'], /^--run \/nonexistent\/run: no such folder \(expected the output folder of npm run experiment\)$/],
    ];
    for (const [script, args, line] of cases) {
      const r = cli(script, ...args);
      expect(r.status, `${script} ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim()).toMatch(line);
      expect(r.stdout).toBe('');
    }
  });

  it('read whole numbers only', () => {
    expect(wholeNumber(1)('12')).toBe(12);
    expect(wholeNumber(0)('0')).toBe(0);
    for (const v of ['-1', '0', '1.5', '12abc', '', ' 3']) expect(() => wholeNumber(1)(v), v).toThrow(/expected a whole number of at least 1/);
  });
});
