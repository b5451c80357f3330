/**
 * "Explain this turn": the numbers that flow through docs/infopo.md §2-§4 for one action a_t, recomputed
 * from a traced step with the engine's own advantage code (`computeAdvantages`), and compared with
 * the advantages the trainer actually used (recorded in the trace). Pure: no DOM.
 */
import { EPS, computeAdvantages, mean, stdUnbiased, tokenRewards, type Config, type GroupTrace, type TurnTrace, type RolloutCredit } from '../engine';

export type UnscoredReason = 'last-turn' | 'empty-feedback' | 'no-intrinsic' | null;

export interface TurnExplanation {
  method: Config['method'];
  /** R_i and the group's outcome statistics (Bessel std). */
  outcome: number;
  groupSize: number;
  mu: number;
  sigma: number;
  outcomeScaling: Config['outcomeScaling'];
  /** Std of all outcomes of the step (outcomeScaling = batch) and their mean (reinforce). */
  batchStd: number;
  batchMean: number;
  /** rloo: mean outcome of the other rollouts of the group. */
  looMean: number;
  aOut: number;
  /** Why IG_t is absent, or null when the turn is scored. */
  unscored: UnscoredReason;
  igSampled: number | null;
  igExact: number | null;
  estimator: Config['infoGainEstimator'];
  /** The IG_t that entered the advantage (per the estimator). */
  igUsed: number | null;
  /**
   * The two estimates disagree in sign: the sampled log-ratio is negative while the exact KL says
   * the answer changed the next action's distribution (at least DISAGREEING_KL nats per token).
   */
  estimatesDisagree: boolean;
  /** a_{t+1}: the action whose log-probabilities measure IG_t. */
  nextAction: string | null;
  nextTokens: number;
  /** |a_t|, its <eot> included. */
  actionTokens: number;
  rTok: number;
  normalizeIntrinsic: boolean;
  /** Tokens of the group with a non-zero r_tok, and their mean / unbiased std (as the engine pools them). */
  poolSize: number;
  muI: number;
  sigmaI: number;
  /** A_int on this turn's tokens (equal on every token of a_t). */
  aInt: number;
  gate: number;
  gateTemperature: number;
  cap: number;
  capRecorded: number;
  capIntrinsic: boolean;
  beta0: number;
  betaDecay: number;
  epoch: number;
  betaE: number;
  intrinsicOnly: boolean;
  kept: boolean;
  /** Recomputed and recorded per-token advantages of a_t, and their largest difference. */
  recomputed: number[];
  recorded: number[];
  maxDiff: number;
}

function credit(trace: GroupTrace, estimator: Config['infoGainEstimator']): RolloutCredit[] {
  return trace.rollouts.map((r) => ({
    outcome: r.outcome,
    turns: r.turns.map((t) => ({ actionTokens: t.action_tokens.length, infoGain: (estimator === 'exact' ? t.info_gain_exact : t.info_gain) ?? null })),
  }));
}

/** Exact KL per token above which a negative sampled estimate contradicts it (not mere noise around 0). */
export const DISAGREEING_KL = 0.05;

export function unscoredReason(turns: readonly TurnTrace[], t: number, method: Config['method']): UnscoredReason {
  const turn = turns[t];
  if (turn.info_gain !== null) return null;
  if (method !== 'infopo') return 'no-intrinsic';
  if (t === turns.length - 1) return 'last-turn';
  if (turn.feedback.trim() === '') return 'empty-feedback';
  return null;
}

/**
 * The part of R_i a turn's step reward makes, or null when it makes none: the family's own per-turn
 * reward (a fresh question, a misunderstood move) is summed into R only with `reward = task`, and
 * only on the turns before the last (the last one's final score replaces it; rl/rollout.ts
 * `toRollout`). With `reward = success` R is 1 or 0 whatever the step rewards were, so showing
 * one beside R = 0 would contradict the outcome.
 */
export function stepRewardInOutcome(reward: Config['reward'], turns: readonly TurnTrace[], t: number): number | null {
  if (reward !== 'task' || t >= turns.length - 1) return null;
  const value = turns[t].step_reward;
  return value === 0 ? null : value;
}

/** `stepTraces`: every group trace of the step (the cap and batch statistics span the step). */
export function explainTurn(config: Config, stepTraces: readonly GroupTrace[], groupIndex: number, rolloutIndex: number, turnIndex: number): TurnExplanation {
  const groups = [...stepTraces].sort((a, b) => a.group - b.group);
  const gi = groups.findIndex((g) => g.group === groupIndex);
  if (gi < 0) throw new Error(`group ${groupIndex} is not in the trace of this step`);
  const trace = groups[gi];
  const rollout = trace.rollouts[rolloutIndex];
  const turn = rollout.turns[turnIndex];
  const estimator = config.infoGainEstimator;
  const credits = groups.map((g) => credit(g, estimator));
  const epoch = trace.step - 1;
  const adv = computeAdvantages(credits, { ...config, epoch });
  const g = adv.groups[gi];

  const outcomes = trace.rollouts.map((r) => r.outcome);
  const all = groups.flatMap((x) => x.rollouts.map((r) => r.outcome));
  const others = outcomes.filter((_, i) => i !== rolloutIndex);

  const rewards = credits[gi].map(tokenRewards);
  const pool = rewards.flat(2).filter((x) => x !== 0);
  const muI = pool.length === 1 ? pool[0] : mean(pool, 0);
  const sigmaI = pool.length === 1 ? 1 : stdUnbiased(pool);

  const next = rollout.turns[turnIndex + 1] ?? null;
  const igUsed = (estimator === 'exact' ? turn.info_gain_exact : turn.info_gain) ?? null;
  const actionTokens = turn.action_tokens.length;
  const recomputed = g.tokens[rolloutIndex][turnIndex];
  const recorded = turn.advantages;
  const maxDiff = recomputed.reduce((m, a, k) => Math.max(m, Math.abs(a - (recorded[k] ?? NaN))), recorded.length === recomputed.length ? 0 : Infinity);

  return {
    method: config.method,
    outcome: rollout.outcome,
    groupSize: outcomes.length,
    mu: g.mean,
    sigma: g.std,
    outcomeScaling: config.outcomeScaling,
    batchStd: stdUnbiased(all),
    batchMean: mean(all),
    looMean: others.length ? mean(others) : 0,
    aOut: g.outcome[rolloutIndex],
    unscored: unscoredReason(rollout.turns, turnIndex, config.method),
    igSampled: turn.info_gain,
    igExact: turn.info_gain_exact,
    estimator,
    igUsed,
    estimatesDisagree: turn.info_gain !== null && turn.info_gain_exact !== null && turn.info_gain < 0 && turn.info_gain_exact >= DISAGREEING_KL,
    nextAction: next ? next.action : null,
    nextTokens: next ? next.action_tokens.length : 0,
    actionTokens,
    rTok: igUsed === null || actionTokens === 0 ? 0 : igUsed / actionTokens,
    normalizeIntrinsic: config.normalizeIntrinsic,
    poolSize: pool.length,
    muI,
    sigmaI,
    aInt: g.intrinsic[rolloutIndex][turnIndex][0] ?? 0,
    gate: g.gate,
    gateTemperature: config.gateTemperature,
    cap: adv.cap,
    capRecorded: trace.cap,
    capIntrinsic: config.capIntrinsic,
    beta0: config.beta,
    betaDecay: config.betaDecay,
    epoch,
    betaE: adv.betaEffective,
    intrinsicOnly: config.intrinsicOnly,
    kept: g.kept,
    recomputed,
    recorded,
    maxDiff,
  };
}

export { EPS };
