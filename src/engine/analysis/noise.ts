/**
 * How much of a step's policy gradient is signal: the gradient noise scale of McCandlish et al.,
 * "An Empirical Model of Large-Batch Training" (2018), measured on K independent batches at the
 * same weights (Trainer.gradientSample). With g_k the gradient of batch k (B dialogues), G the
 * true gradient and Sigma the per-dialogue covariance:
 *
 *   E|g_k|^2 = |G|^2 + tr(Sigma) / B
 *   tr(Sigma) / B  ~  sum_k |g_k - mean g|^2 / (K - 1)          (unbiased)
 *   |G|^2          ~  |mean g|^2 - tr(Sigma) / (B K)               (unbiased)
 *   B_noise = tr(Sigma) / |G|^2                                   (dialogues)
 *
 * B_noise is the batch at which a step's gradient is as much signal as noise: far below it, a
 * step's direction is mostly noise and an optimiser that moves every weight by about lr per step
 * (Adam) mostly random-walks; learning per dialogue is then bounded by the estimator, not by
 * the optimiser's knobs. Pure float64 JavaScript over the sampled gradients.
 */

export interface NoiseGroup {
  /** Parameter group: a tensor name with the layer index replaced by `*` (h*.mlp.w1). */
  name: string;
  parameters: number;
  /** |G|^2 and tr(Sigma)/B restricted to the group. */
  signal: number;
  noise: number;
  /** signal / noise: the signal-to-noise ratio of one batch's gradient in this group. */
  snr: number;
}

export interface GradientNoise {
  /** Batches sampled (K) and dialogues per batch (B). */
  samples: number;
  batchDialogues: number;
  /** |G|^2 (may come out <= 0 when the signal is below what K batches resolve) and tr(Sigma)/B. */
  signal: number;
  noise: number;
  /** tr(Sigma) / |G|^2 in dialogues; null when the signal is not resolved (signal <= 0). */
  noiseScale: number | null;
  /** Mean cosine between the gradients of two independent batches (0: pure noise, 1: no noise). */
  cosine: number;
  groups: NoiseGroup[];
}

/**
 * `samples[k][i]` is tensor i of batch k's gradient, `names[i]` its parameter name; every batch
 * has `batchDialogues` dialogues.
 */
export function gradientNoise(samples: readonly (readonly Float32Array[])[], names: readonly string[], batchDialogues: number): GradientNoise {
  const K = samples.length;
  if (K < 2) throw new Error(`gradientNoise: need at least 2 batches, got ${K}`);
  const groupOf = (name: string) => name.replace(/^h\d+\./, 'h*.');
  const byGroup = new Map<string, { parameters: number; meanSq: number; dev: number }>();
  let meanSq = 0;
  let dev = 0;
  names.forEach((name, t) => {
    const n = samples[0][t].length;
    let groupMeanSq = 0;
    let groupDev = 0;
    for (let i = 0; i < n; i++) {
      let mu = 0;
      for (let k = 0; k < K; k++) mu += samples[k][t][i];
      mu /= K;
      let d = 0;
      for (let k = 0; k < K; k++) d += (samples[k][t][i] - mu) ** 2;
      groupMeanSq += mu * mu;
      groupDev += d / (K - 1);
    }
    meanSq += groupMeanSq;
    dev += groupDev;
    const g = byGroup.get(groupOf(name)) ?? { parameters: 0, meanSq: 0, dev: 0 };
    byGroup.set(groupOf(name), { parameters: g.parameters + n, meanSq: g.meanSq + groupMeanSq, dev: g.dev + groupDev });
  });
  const signal = meanSq - dev / K;
  // Cosine of independent pairs (0,1), (2,3), ...
  let cos = 0;
  let pairs = 0;
  for (let k = 0; k + 1 < K; k += 2) {
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let t = 0; t < names.length; t++) {
      const x = samples[k][t];
      const y = samples[k + 1][t];
      for (let i = 0; i < x.length; i++) {
        dot += x[i] * y[i];
        a += x[i] * x[i];
        b += y[i] * y[i];
      }
    }
    if (a > 0 && b > 0) {
      cos += dot / Math.sqrt(a * b);
      pairs++;
    }
  }
  const groups = [...byGroup].map(([name, g]) => {
    const s = g.meanSq - g.dev / K;
    return { name, parameters: g.parameters, signal: s, noise: g.dev, snr: g.dev > 0 ? s / g.dev : 0 };
  });
  return { samples: K, batchDialogues, signal, noise: dev, noiseScale: signal > 0 ? (dev * batchDialogues) / signal : null, cosine: pairs ? cos / pairs : 0, groups };
}

/** What `measureGradientNoise` needs of a Trainer. */
export interface GradientSampler {
  gradientSample(): Promise<Float32Array[]>;
  readonly policy: { names(): string[] };
  readonly config: { promptsPerStep: number; groupSize: number };
}

/** Sample `batches` independent batch gradients from `trainer` at its current weights and measure their noise. */
export async function measureGradientNoise(trainer: GradientSampler, batches: number): Promise<GradientNoise> {
  const samples: Float32Array[][] = [];
  for (let k = 0; k < batches; k++) samples.push(await trainer.gradientSample());
  return gradientNoise(samples, trainer.policy.names(), trainer.config.promptsPerStep * trainer.config.groupSize);
}
