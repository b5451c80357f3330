import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, probeRegime, type WordTokenizer } from '../engine';
import { MODELS_DIR } from './checkpoint-folder';
import { probedPolicy } from './probe-cli';

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
