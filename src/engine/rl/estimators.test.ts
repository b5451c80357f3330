import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { counterfactualDivergence } from '../kernels/divergence';
import { divergenceReference } from '../kernels/reference';
import { Rng } from '../random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('information-gain estimators (docs/infopo.md §2)', () => {
  it('the sampled log-ratio, averaged over tokens drawn from p_real, approaches the exact KL', async () => {
    const rng = new Rng(21);
    const vocab = 12;
    for (let row = 0; row < 4; row++) {
      const real = Array.from({ length: vocab }, () => rng.normal() * 1.5);
      const masked = real.map((x) => x + rng.normal() * 0.8);
      const max = Math.max(...real);
      const w = real.map((x) => Math.exp(x - max));
      const z = w.reduce((a, b) => a + b, 0);
      const draws = 20000;
      const tokens: number[] = [];
      for (let i = 0; i < draws; i++) {
        let u = rng.next() * z;
        let t = 0;
        while (t < vocab - 1 && (u -= w[t]) >= 0) t++;
        tokens.push(t);
      }
      const realRows = tf.tensor2d(tokens.flatMap(() => real), [draws, vocab]);
      const maskedRows = tf.tensor2d(tokens.flatMap(() => masked), [draws, vocab]);
      const out = counterfactualDivergence(realRows, maskedRows, tf.tensor1d(tokens, 'int32'), 'ops');
      const ratios = Array.from(await out.logRatio.data());
      const exact = divergenceReference(real, masked, [0], 1, vocab).kl[0];
      const mean = ratios.reduce((a, b) => a + b, 0) / draws;
      const sd = Math.sqrt(ratios.reduce((a, x) => a + (x - mean) ** 2, 0) / (draws - 1));
      // The estimator is unbiased: its mean lies within 4 standard errors of the exact KL.
      expect(Math.abs(mean - exact)).toBeLessThan(4 * (sd / Math.sqrt(draws)));
      expect((await out.kl.data())[0]).toBeCloseTo(exact, 5);
      tf.dispose([realRows, maskedRows, out.logRatio, out.kl]);
    }
  });
});
