/**
 * Advantages: the GRPO outcome z-score and InfoPO's gated fusion with the information-gain term
 * (docs/infopo.md §3-§4), plus the outcome baselines of the other methods. Plain float64 JavaScript:
 * a user can call it on their own numbers.
 */
import { mean, stdUnbiased } from '../analysis/stats';
import type { Method } from '../config';

export interface TurnCredit {
  /** Tokens of this turn's action a_t. */
  actionTokens: number;
  /** IG_t credited to a_t (the action that elicited o_t); null when the turn is not scored. */
  infoGain: number | null;
}

export interface RolloutCredit {
  /** Outcome score R_i. */
  outcome: number;
  turns: TurnCredit[];
}

export interface AdvantageOptions {
  method: Method;
  beta: number;
  betaDecay: number;
  /** The epoch e of beta_e = beta0 * exp(-decay * e); here the RL step. */
  epoch: number;
  gateTemperature: number;
  normalizeIntrinsic: boolean;
  intrinsicOnly: boolean;
  capIntrinsic: boolean;
  outcomeScaling: 'group' | 'batch' | 'none';
  /** starpo: fraction of groups kept, by outcome std. */
  keepFraction: number;
}

export interface GroupAdvantages {
  /** Per rollout, per turn, per action token. */
  tokens: number[][][];
  /** Per rollout: the outcome part A_out (one value broadcast to its tokens). */
  outcome: number[];
  /** Per rollout, per turn, per token: A_int before gating (0 where no value). */
  intrinsic: number[][][];
  mean: number;
  std: number;
  gate: number;
  /** False when the group is dropped (starpo) and must not contribute to the loss. */
  kept: boolean;
}

export interface BatchAdvantages {
  groups: GroupAdvantages[];
  /** s = min(1, max(std(A_out), 1) / std(A_int)), or 1 when the cap is off. */
  cap: number;
  betaEffective: number;
  /** Share of the advantage's absolute mass that comes from the intrinsic term. */
  intrinsicShare: number;
}

export const EPS = 1e-6;


export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** gate_g = sigmoid(-sigma_g / T): 0.5 when the group's outcomes are tied, smaller as they spread. */
export function varianceGate(sigma: number, temperature: number): number {
  return sigmoid(-sigma / temperature);
}

/** GRPO's group statistics: mean and Bessel std; a group of one has mu = 0, sigma = 1 (verl). */
export function groupStats(outcomes: readonly number[]): { mean: number; std: number } {
  if (outcomes.length === 1) return { mean: 0, std: 1 };
  return { mean: mean(outcomes), std: stdUnbiased(outcomes) };
}

/** Per-token intrinsic reward r_tok = IG_t / |a_t| on the tokens of a_t (docs/infopo.md §3). */
export function tokenRewards(rollout: RolloutCredit): number[][] {
  return rollout.turns.map((t) => new Array(t.actionTokens).fill(t.infoGain === null || t.actionTokens === 0 ? 0 : t.infoGain / t.actionTokens));
}

/** Compute every rollout's per-token advantage for a batch of GRPO groups. */
export function computeAdvantages(groups: RolloutCredit[][], o: AdvantageOptions): BatchAdvantages {
  const allOutcomes = groups.flat().map((r) => r.outcome);
  const batchMean = mean(allOutcomes);
  const batchStd = stdUnbiased(allOutcomes);
  const stats = groups.map((g) => groupStats(g.map((r) => r.outcome)));
  const kept = keptGroups(groups, stats, o);

  const outcome = groups.map((g, gi) =>
    g.map((r) => {
      const { mean: mu, std: sigma } = stats[gi];
      switch (o.method) {
        case 'rloo':
          return g.length > 1 ? r.outcome - (g.reduce((a, x) => a + x.outcome, 0) - r.outcome) / (g.length - 1) : r.outcome;
        case 'reinforce':
          return r.outcome - batchMean;
        default:
          if (o.outcomeScaling === 'group') return (r.outcome - mu) / (sigma + EPS);
          if (o.outcomeScaling === 'batch') return (r.outcome - mu) / (batchStd + EPS);
          return r.outcome - mu;
      }
    }),
  );

  const useIntrinsic = o.method === 'infopo';
  const intrinsic = groups.map((g) => {
    const rewards = g.map(tokenRewards);
    if (!useIntrinsic) return rewards.map((turns) => turns.map((toks) => toks.map(() => 0)));
    if (!o.normalizeIntrinsic) return rewards;
    const pool = rewards.flat(2).filter((x) => x !== 0);
    const mu = pool.length === 1 ? pool[0] : mean(pool, 0);
    const sigma = pool.length === 1 ? 1 : stdUnbiased(pool);
    return rewards.map((turns) => turns.map((toks) => toks.map((x) => (x !== 0 ? (x - mu) / (sigma + EPS) : 0))));
  });

  // The cap compares spreads over every action token of the batch, zeros included.
  const outTokens: number[] = [];
  const intTokens: number[] = [];
  groups.forEach((g, gi) =>
    g.forEach((r, i) =>
      r.turns.forEach((t, ti) => {
        for (let k = 0; k < t.actionTokens; k++) {
          outTokens.push(outcome[gi][i]);
          intTokens.push(intrinsic[gi][i][ti][k]);
        }
      }),
    ),
  );
  const cap = useIntrinsic && o.capIntrinsic ? Math.min(1, Math.max(stdUnbiased(outTokens) + EPS, 1.0) / (stdUnbiased(intTokens) + EPS)) : 1;
  // Methods without the intrinsic term have no beta: 0 in metrics, traces and explanations alike.
  const betaEffective = useIntrinsic ? o.beta * Math.exp(-o.betaDecay * o.epoch) : 0;

  let intrinsicMass = 0;
  let totalMass = 0;
  const result: GroupAdvantages[] = groups.map((g, gi) => {
    const gate = varianceGate(stats[gi].std, o.gateTemperature);
    const tokens = g.map((r, i) =>
      r.turns.map((t, ti) =>
        intrinsic[gi][i][ti].map((aInt) => {
          if (!kept[gi]) return 0;
          const aOut = outcome[gi][i];
          const intrinsicPart = !useIntrinsic ? 0 : o.intrinsicOnly ? cap * aInt : betaEffective * gate * cap * aInt;
          const outcomePart = useIntrinsic && o.intrinsicOnly ? 0 : aOut;
          intrinsicMass += Math.abs(intrinsicPart);
          totalMass += Math.abs(intrinsicPart) + Math.abs(outcomePart);
          return outcomePart + intrinsicPart;
        }),
      ),
    );
    return { tokens, outcome: outcome[gi], intrinsic: intrinsic[gi], mean: stats[gi].mean, std: stats[gi].std, gate, kept: kept[gi] };
  });
  return { groups: result, cap, betaEffective, intrinsicShare: totalMass > 0 ? intrinsicMass / totalMass : 0 };
}

/** starpo keeps the top fraction of groups by outcome std (ties: earlier group first); others keep all. */
function keptGroups(groups: RolloutCredit[][], stats: { std: number }[], o: AdvantageOptions): boolean[] {
  if (o.method !== 'starpo') return groups.map(() => true);
  const n = Math.max(1, Math.round(groups.length * o.keepFraction));
  const order = stats.map((s, i) => ({ s: s.std, i })).sort((a, b) => b.s - a.s || a.i - b.i);
  const keep = new Array(groups.length).fill(false);
  for (const { i } of order.slice(0, n)) keep[i] = true;
  return keep;
}
