import { describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { gradientNoise } from './noise';

/** K batch gradients g_k = G + e_k, e_k ~ N(0, sigma^2 / B) per coordinate, in two tensors. */
function synthetic(K: number, G: number[], sigma: number, B: number, seed: number): Float32Array[][] {
  const rng = new Rng(seed);
  const half = G.length / 2;
  return Array.from({ length: K }, () => {
    const g = G.map((x) => x + (rng.normal() * sigma) / Math.sqrt(B));
    return [Float32Array.from(g.slice(0, half)), Float32Array.from(g.slice(half))];
  });
}

describe('gradient noise scale (McCandlish et al. 2018)', () => {
  const d = 400;
  const G = Array.from({ length: d }, (_, i) => (i % 2 ? 0.05 : -0.05)); // |G|^2 = 1
  it('recovers |G|^2, tr(Sigma)/B and B_noise = tr(Sigma)/|G|^2 on Gaussian batch gradients', () => {
    const sigma = 0.5; // tr(Sigma) = d sigma^2 = 100 per dialogue
    const B = 20;
    const r = gradientNoise(synthetic(200, G, sigma, B, 1), ['h0.mlp.w1', 'head'], B);
    expect(r.signal).toBeGreaterThan(0.85);
    expect(r.signal).toBeLessThan(1.15);
    expect(r.noise).toBeCloseTo((d * sigma ** 2) / B, 0);
    expect(r.noiseScale!).toBeGreaterThan(85);
    expect(r.noiseScale!).toBeLessThan(118);
    // Independent batches: cos ~ |G|^2 / (|G|^2 + tr(Sigma)/B) = 1 / 6.
    expect(r.cosine).toBeGreaterThan(0.1);
    expect(r.cosine).toBeLessThan(0.24);
    expect(r.groups.map((g) => g.name)).toEqual(['h*.mlp.w1', 'head']);
    expect(r.groups.reduce((a, g) => a + g.parameters, 0)).toBe(d);
  });
  it('reports no noise scale when the signal is below what the batches resolve (pure noise)', () => {
    const r = gradientNoise(synthetic(8, new Array(d).fill(0), 1, 10, 2), ['a', 'b'], 10);
    expect(Math.abs(r.cosine)).toBeLessThan(0.1);
    if (r.signal <= 0) expect(r.noiseScale).toBeNull();
    else expect(r.noiseScale!).toBeGreaterThan(1000);
  });
  it('needs two batches', () => {
    expect(() => gradientNoise(synthetic(1, G, 1, 1, 3), ['a', 'b'], 1)).toThrow(/at least 2/);
  });
});
