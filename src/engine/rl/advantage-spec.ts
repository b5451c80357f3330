/**
 * docs/infopo.md §3-§4 written again from the text, independently of advantage.ts, over traced groups
 * (run.json's shape): the tests check the trainer's recorded advantages, gates and caps against it.
 * Covers method infopo with group outcome scaling (the reference); not used by the engine.
 */
import type { Config } from '../config';
import type { GroupTrace } from '../run';

const std = (xs: number[]): number => {
  if (xs.length < 2) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

export interface SpecAdvantages {
  /** [group][rollout][turn][token] */
  advantages: number[][][][];
  gates: number[];
  cap: number;
  betaEffective: number;
}

/** `traces`: every group of one step (the cap spans the step); `epoch`: the step index from 0. */
export function specAdvantages(traces: readonly GroupTrace[], c: Config, epoch: number): SpecAdvantages {
  if (c.method !== 'infopo' || c.outcomeScaling !== 'group' || c.intrinsicOnly) throw new Error('specAdvantages: written for method infopo, outcomeScaling group, intrinsicOnly false');
  const per = traces.map((g) => {
    const R = g.rollouts.map((r) => r.outcome);
    const mu = R.length === 1 ? 0 : R.reduce((a, b) => a + b, 0) / R.length;
    const sigma = R.length === 1 ? 1 : std(R);
    const aOut = R.map((r) => (r - mu) / (sigma + 1e-6));
    // r_tok: IG_t spread evenly over the tokens of a_t; 0 on unscored turns.
    const rTok = g.rollouts.map((r) => r.turns.map((t) => t.action_tokens.map(() => (t.info_gain === null ? 0 : (c.infoGainEstimator === 'exact' ? t.info_gain_exact! : t.info_gain) / t.action_tokens.length))));
    const pool = rTok.flat(2).filter((x) => x !== 0);
    const muI = pool.length === 1 ? pool[0] : pool.length ? pool.reduce((a, b) => a + b, 0) / pool.length : 0;
    const sdI = pool.length === 1 ? 1 : std(pool);
    const aInt = c.normalizeIntrinsic ? rTok.map((turns) => turns.map((toks) => toks.map((x) => (x !== 0 ? (x - muI) / (sdI + 1e-6) : 0)))) : rTok;
    return { aOut, aInt, gate: 1 / (1 + Math.exp(sigma / c.gateTemperature)) };
  });
  const outAll: number[] = [];
  const intAll: number[] = [];
  per.forEach((p, gi) => traces[gi].rollouts.forEach((r, i) => r.turns.forEach((t, ti) => t.action_tokens.forEach((_, k) => (outAll.push(p.aOut[i]), intAll.push(p.aInt[i][ti][k]))))));
  const cap = c.capIntrinsic ? Math.min(1, Math.max(std(outAll) + 1e-6, 1) / (std(intAll) + 1e-6)) : 1;
  const betaEffective = c.beta * Math.exp(-c.betaDecay * epoch);
  return {
    advantages: per.map((p, gi) => traces[gi].rollouts.map((r, i) => r.turns.map((t, ti) => t.action_tokens.map((_, k) => p.aOut[i] + betaEffective * p.gate * cap * p.aInt[i][ti][k])))),
    gates: per.map((p) => p.gate),
    cap,
    betaEffective,
  };
}
