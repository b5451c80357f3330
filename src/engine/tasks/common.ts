/**
 * Shared pieces of the task families: word splitting (same rule as the tokenizer), the fixed
 * train/test split by content hash, beliefs and expected information gain for the oracles, and
 * the token count of a dialogue.
 */
import type { Rng } from '../random';
import type { AgentView, Reply, ScriptedAgent, Split, TaskFamily, TaskInstance } from './types';

/** Split text like the tokenizer's Whitespace pre-tokenizer (\w+ | [^\w\s]+), lower-cased. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/\w+|[^\w\s]+/g) ?? [];
}

/** FNV-1a 32-bit hash of a string: stable across platforms and runs. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One instance in TEST_EVERY is held out for testing (by content hash, or by index in a catalogue). */
export const TEST_EVERY = 4;

/** The fixed split of an instance, from its content key: about one in TEST_EVERY is held out. */
export function splitOfKey(key: string): Split {
  return hash32(`split:${key}`) % TEST_EVERY === 0 ? 'test' : 'train';
}

/** Draw until the drawn content falls in the wanted split (rejection sampling on the content key). */
export function sampleInSplit<T>(rng: Rng, split: Split, draw: (rng: Rng) => { key: string; value: T }): { key: string; value: T } {
  for (let tries = 0; tries < 10_000; tries++) {
    const d = draw(rng);
    if (splitOfKey(d.key) === split) return d;
  }
  throw new Error(`sampleInSplit: no ${split} instance found`);
}

/** Build a reply. */
export function reply(feedback: string, role: 'user' | 'env', done = false, stepReward = 0, valid = true): Reply {
  return { feedback, role, done, stepReward, valid };
}

/** Agent turns used so far, and turns left including the current one. */
export function turnsLeft(view: AgentView): number {
  return view.maxTurns - view.exchanges.length;
}

/** The noise level a scripted agent should assume (only the noisy persona lies). */
export function assumedNoise(view: AgentView): number {
  return view.simulator?.persona === 'noisy' ? (view.simulator.noise ?? 0) : 0;
}

/** Share of uninformed moves of the default warm-start demonstrator (`agents.demo`). */
export const DEFAULT_DEMO_SLIP = 0.3;

/**
 * Slip rates per area (`demoSlipByArea`): a comma-separated list of rates in [0, 1], e.g.
 * "0.05,0.9"; empty = none. Null if malformed.
 */
export function parseSlipList(spec: string): number[] | null {
  const text = spec.trim();
  if (text === '') return [];
  const parts = text.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(p))) return null;
  return parts.map(Number);
}

/**
 * The demonstrator slip of an instance: its area's rate when `demoSlipByArea` is set (the rates
 * cycle over the family's areas in order: "0.05,0.9" gives areas 1, 3, 5 slip 0.05 and areas 2, 4,
 * 6 slip 0.9), else `demoSlip` everywhere.
 */
export function slipOf(family: TaskFamily, instance: TaskInstance, knobs: { demoSlip: number; demoSlipByArea: string }): number {
  const byArea = parseSlipList(knobs.demoSlipByArea);
  if (!byArea) throw new Error(`demoSlipByArea: malformed list ${JSON.stringify(knobs.demoSlipByArea)}`);
  if (byArea.length === 0) return knobs.demoSlip;
  if (!family.areas || !family.area) throw new Error(`demoSlipByArea: task ${family.id} has no areas (intent and code have)`);
  const index = family.areas.indexOf(family.area(instance));
  if (index < 0) throw new Error(`demoSlipByArea: ${family.id} instance ${instance.id} has an unknown area`);
  return byArea[index % byArea.length];
}

/**
 * A demonstrator that plays the expert's move, except with probability `slip` an uninformed one
 * (what RL can learn to drop). Only slip moves and rng draws of the expert consume randomness.
 */
export function slipping(expert: ScriptedAgent, slip: ScriptedAgent, rate: number): ScriptedAgent {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`demonstrator slip must be in [0, 1], got ${rate}`);
  return (view, rng) => (rate > 0 && rng.bernoulli(rate) ? slip(view, rng) : expert(view, rng));
}

/** The view as it was before exchange `index` (what the agent knew when it acted). */
export const viewBefore = (view: AgentView, index: number): AgentView => ({ ...view, exchanges: view.exchanges.slice(0, index) });

/** Uniform integer list helper: 0..n-1. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Numbers the users may say, as digit words "0".."20" (one token each). */
export const NUMBER_WORDS = range(21).map(String);

// ---------------------------------------------------------------------------------------------
// Beliefs and expected information gain (natural log, nats)

/** Shannon entropy (nats) of unnormalised weights. */
export function entropy(weights: Iterable<number>): number {
  const w = [...weights];
  const total = w.reduce((a, b) => a + b, 0);
  if (total <= 0) return 0;
  let h = 0;
  for (const x of w) if (x > 0) h -= (x / total) * Math.log(x / total);
  return h;
}

/**
 * Expected information gain of a question about hypothesis h, I(H; A) = H(A) - E_h H(A | h),
 * given (unnormalised) posterior weights over hypotheses and the answer model P(a | h).
 */
export function expectedInfoGain<H>(hyps: readonly H[], weights: readonly number[], answerModel: (h: H) => ReadonlyMap<string, number>): number {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return 0;
  const marginal = new Map<string, number>();
  let conditional = 0;
  hyps.forEach((h, i) => {
    const w = weights[i] / total;
    if (w === 0) return;
    const dist = answerModel(h);
    conditional += w * entropy(dist.values());
    for (const [a, p] of dist) marginal.set(a, (marginal.get(a) ?? 0) + w * p);
  });
  return Math.max(0, entropy(marginal.values()) - conditional);
}

/** Answer model of a categorical question: the true option with prob 1-p, each other option p/(K-1). */
export function noisyCategorical(truth: string, options: readonly string[], noise: number): Map<string, number> {
  const m = new Map<string, number>();
  const others = options.length - 1;
  for (const o of options) m.set(o, o === truth ? 1 - (others > 0 ? noise : 0) : others > 0 ? noise / others : 0);
  return m;
}

/** Index of the largest weight (first on ties). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

// ---------------------------------------------------------------------------------------------
// Token budget

/**
 * Tokens the engine's Dialogue holds for an episode: `<bos> <user> request <eot> <agent>`, then
 * per turn `action <eot>` and, except after the last turn, `<user|env> feedback <eot> <agent>`.
 * With `includeLastFeedback` the final feedback is counted too (an upper bound).
 */
export function dialogueTokenCount(request: string, exchanges: readonly { action: string; feedback: string }[], includeLastFeedback = false): number {
  let n = words(request).length + 4;
  exchanges.forEach((e, i) => {
    n += words(e.action).length + 1;
    if (i < exchanges.length - 1 || includeLastFeedback) n += words(e.feedback).length + 3;
  });
  return n;
}

/** The distinct words of some phrases, sorted (what a family's `vocabulary()` returns). */
export function vocabularyOf(...phrases: (string | readonly string[])[]): string[] {
  return [...new Set(phrases.flat().flatMap(words))].sort();
}
