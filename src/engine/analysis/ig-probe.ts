/**
 * The information-gain probe: does the user's feedback steer the policy? Roll out test episodes
 * with the policy (sampled, as in training), compute every scored turn's information gain exactly
 * as a training step does (same counterfactual, placeholder and estimators), and group the values
 * by (action kind -> next action kind) and by what the feedback was (the family's own reading:
 * did it change what the agent can know?). A policy whose next move depends on the answers shows
 * informative answers scoring far above uninformative ones ("i do not mind").
 */
import type { UserSimulator } from '../user-lm/lm-user';
import * as tf from '@tensorflow/tfjs';
import { episodeOptions, trainingDecoding, type Config } from '../config';
import type { Policy } from '../policy/model';
import { tidy } from '../policy/ops';
import { Rng } from '../random';
import { getTask } from '../tasks';
import type { AgentView, Split } from '../tasks/types';
import type { WordTokenizer } from '../text/tokenizer';
import { mean, stdUnbiased } from './stats';
import { packDialogues, tokenLogProbs } from '../rl/batch';
import { computeInfoGain } from '../rl/infogain';
import { generateRollouts, type Rollout, type RolloutRequest } from '../rl/rollout';

export interface ProbeTurn {
  family: string;
  /** Kind of the action that elicited the feedback, and of the next action (whose change IG measures). */
  kind: string;
  next: string;
  /** The family's reading of the feedback (e.g. "splits", "do-not-mind", "tool-results"). */
  label: string;
  informative: boolean;
  /** Who gave the feedback: the user, or an environment/tool. */
  role: 'user' | 'env';
  exact: number;
  sampled: number;
}

export interface ProbeCell {
  family: string;
  key: string;
  n: number;
  exact_mean: number;
  exact_sd: number;
  sampled_mean: number;
  sampled_sd: number;
}

export interface ProbeSummary {
  byTransition: ProbeCell[];
  byFeedback: ProbeCell[];
  /**
   * Per family: mean exact IG after informative over uninformative feedback (null when either is
   * absent), over the user's answers only (tool output is always informative), or over the
   * environment's feedback for families without a user.
   */
  ratio: Record<string, { informative: ProbeCell | null; uninformative: ProbeCell | null; ratio: number | null }>;
}

export interface ProbeOptions {
  episodes: number;
  seed: number;
  split?: Split;
  persona?: string;
  /** Episodes per batched generation and IG pass. */
  batchSize?: number;
  /** The LM user wording the users' replies (user-lm/); absent: the scripted persona. */
  lmUser?: UserSimulator | null;
}

/** Roll out `episodes` per task family and return every scored turn's information gain, described. */
export async function probeInfoGain(policy: Policy, tokenizer: WordTokenizer, config: Config, o: ProbeOptions): Promise<ProbeTurn[]> {
  const families = config.task.split(',').map(getTask);
  const split = o.split ?? 'test';
  const root = Rng.derive(o.seed, 'probe');
  const instances = root.fork('instances');
  const options = { ...episodeOptions(config, o.persona), ...trainingDecoding(config) };
  const requests: RolloutRequest[] = families.flatMap((family) => Array.from({ length: o.episodes }, (_, i) => ({ family, instance: family.sample(instances, split, options), group: i })));
  const placeholderIds = tokenizer.encode(config.placeholder);
  const streams = { sampling: root.fork('sampling'), user: root.fork('user') };
  const out: ProbeTurn[] = [];
  const size = o.batchSize ?? 32;
  for (let start = 0; start < requests.length; start += size) {
    const rollouts = await generateRollouts(policy, tokenizer, requests.slice(start, start + size), options, streams, o.lmUser ?? undefined);
    const dialogues = rollouts.map((r) => r.dialogue);
    const batch = packDialogues(dialogues);
    const real = tidy(() => tokenLogProbs(policy, batch, { logits: true, kv: config.prefixReuse }));
    try {
      const gains = await computeInfoGain(policy, dialogues, batch.t, real.logits!, real.kv, { placeholderIds, placeholderMode: config.placeholderMode, prefixReuse: config.prefixReuse, divergenceImpl: config.divergenceImpl });
      for (const g of gains) out.push(describe(rollouts[g.dialogue], g.turn, g.exact, g.sampled, options));
    } finally {
      tf.dispose([real.logp, real.logits, ...(real.kv ? [...real.kv.k, ...real.kv.v] : [])]);
    }
  }
  return out;
}

function describe(r: Rollout, turn: number, exact: number, sampled: number, simulator: AgentView['simulator']): ProbeTurn {
  const family = getTask(r.family);
  const turns = r.dialogue.turns;
  const view: AgentView = { request: r.request, exchanges: turns.map((t) => ({ action: t.action, feedback: t.feedback, role: t.role })), maxTurns: turns.length, simulator };
  const { label, informative } = family.describeFeedback(view, turn);
  return { family: r.family, kind: family.actionKind(turns[turn].action), next: family.actionKind(turns[turn + 1].action), label, informative, role: turns[turn].role, exact, sampled };
}

function cells(turns: readonly ProbeTurn[], keyOf: (t: ProbeTurn) => string): ProbeCell[] {
  const groups = new Map<string, ProbeTurn[]>();
  for (const t of turns) {
    const key = `${t.family}\u0000${keyOf(t)}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(t);
  }
  return [...groups].map(([key, ts]) => {
    const exact = ts.map((t) => t.exact);
    const sampled = ts.map((t) => t.sampled);
    return { family: ts[0].family, key: key.split('\u0000')[1], n: ts.length, exact_mean: mean(exact), exact_sd: ts.length > 1 ? stdUnbiased(exact) : 0, sampled_mean: mean(sampled), sampled_sd: ts.length > 1 ? stdUnbiased(sampled) : 0 };
  }).sort((a, b) => a.family.localeCompare(b.family) || b.n - a.n);
}

export function summariseProbe(turns: readonly ProbeTurn[]): ProbeSummary {
  const answerer = (family: string): 'user' | 'env' => getTask(family).role;
  const byInformative = cells(
    turns.filter((t) => t.role === answerer(t.family)),
    (t) => (t.informative ? 'informative' : 'uninformative'),
  );
  const ratio: ProbeSummary['ratio'] = {};
  for (const family of [...new Set(turns.map((t) => t.family))]) {
    const informative = byInformative.find((c) => c.family === family && c.key === 'informative') ?? null;
    const uninformative = byInformative.find((c) => c.family === family && c.key === 'uninformative') ?? null;
    ratio[family] = { informative, uninformative, ratio: informative && uninformative && uninformative.exact_mean > 0 ? informative.exact_mean / uninformative.exact_mean : null };
  }
  return { byTransition: cells(turns, (t) => `${t.kind} -> ${t.next}`), byFeedback: cells(turns, (t) => `${t.label} (${t.kind} -> ${t.next})`), ratio };
}
