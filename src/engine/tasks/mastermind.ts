/**
 * Environment-interactive code breaking (Mastermind, as in Paprika's environment suite; no user).
 * The environment hides a code of 3 colours out of 6 (repeats allowed: 216 codes). The agent
 * tries a code ("try red blue red"); the environment answers with coded feedback: how many
 * colours are in the right place, and how many more are in the code but elsewhere
 * ("1 exact 1 near ."). Reward 1 when the code is found ("solved ."), else 0. The feedback is an
 * environment observation (role 'env'): it is masked in the counterfactual like a user's answer,
 * which is the paper's generalisation setting. Personas do not apply.
 */
import type { Rng } from '../random';
import { argmax, DEFAULT_DEMO_SLIP, entropy, reply, sampleInSplit, slipping, turnsLeft, viewBefore, vocabularyOf, words } from './common';
import type { AgentView, Episode, EpisodeOptions, FeedbackKind, Reply, ScriptedAgent, Split, TaskFamily, TaskInstance } from './types';

export const COLOURS = ['red', 'blue', 'green', 'yellow', 'white', 'black'] as const;
export const CODE_LENGTH = 3;
export const REQUEST = 'find my code of 3 colours . try a code .';
export const SOLVED = 'solved .';
export const INVALID = 'invalid code .';

export type Code = string[];

/** Every code, in a fixed order. */
export const ALL_CODES: readonly Code[] = (() => {
  const out: Code[] = [];
  const rec = (prefix: Code): void => {
    if (prefix.length === CODE_LENGTH) out.push(prefix);
    else for (const c of COLOURS) rec([...prefix, c]);
  };
  rec([]);
  return out;
})();

/** Mastermind score of a guess against the secret: exact (right colour, right place) and near (right colour, wrong place). */
export function score(secret: readonly string[], guess: readonly string[]): { exact: number; near: number } {
  let exact = 0;
  const restS = new Map<string, number>();
  const restG = new Map<string, number>();
  for (let i = 0; i < secret.length; i++) {
    if (secret[i] === guess[i]) exact++;
    else {
      restS.set(secret[i], (restS.get(secret[i]) ?? 0) + 1);
      restG.set(guess[i], (restG.get(guess[i]) ?? 0) + 1);
    }
  }
  let near = 0;
  for (const [c, n] of restG) near += Math.min(n, restS.get(c) ?? 0);
  return { exact, near };
}

export const feedbackText = (s: { exact: number; near: number }): string => (s.exact === CODE_LENGTH ? SOLVED : `${s.exact} exact ${s.near} near .`);

/** "try red blue red" -> the code; anything else null. */
export function parseAction(action: string): Code | null {
  const w = words(action);
  if (w[0] !== 'try' || w.length !== CODE_LENGTH + 1) return null;
  const code = w.slice(1);
  return code.every((c) => (COLOURS as readonly string[]).includes(c)) ? code : null;
}

const codeKey = (c: readonly string[]): string => c.join(' ');
export const tryText = (c: readonly string[]): string => `try ${codeKey(c)}`;

const CODE_INDEX = new Map(ALL_CODES.map((c, i) => [c.join(' '), i]));
/** FEEDBACK[g * N + s]: feedback id (exact * 4 + near) of guess g against secret s, precomputed. */
const FEEDBACK: Uint8Array = (() => {
  const n = ALL_CODES.length;
  const t = new Uint8Array(n * n);
  for (let g = 0; g < n; g++) for (let s = 0; s < n; s++) {
    const { exact, near } = score(ALL_CODES[s], ALL_CODES[g]);
    t[g * n + s] = exact * 4 + near;
  }
  return t;
})();
const FEEDBACK_TEXTS = Array.from({ length: 16 }, (_, id) => feedbackText({ exact: id >> 2, near: id & 3 }));

/** Indices of the codes consistent with every feedback seen so far. */
function consistentIndices(view: AgentView): number[] {
  const n = ALL_CODES.length;
  let alive = ALL_CODES.map((_, i) => i);
  for (const e of view.exchanges) {
    const g = parseAction(e.action);
    if (!g) continue;
    const gi = CODE_INDEX.get(g.join(' '))!;
    const fb = e.feedback.trim();
    alive = alive.filter((s) => FEEDBACK_TEXTS[FEEDBACK[gi * n + s]] === fb);
  }
  return alive;
}

/** Codes consistent with every feedback seen so far. */
export function consistentCodes(view: AgentView): Code[] {
  return consistentIndices(view).map((i) => ALL_CODES[i]);
}

const randomCode = (rng: Rng): Code => Array.from({ length: CODE_LENGTH }, () => rng.pick(COLOURS));

/** Entropy of the feedback guess g would get, over the consistent codes (= its expected information gain). */
function guessGain(g: number, candidates: readonly number[]): number {
  const n = ALL_CODES.length;
  const counts = new Array<number>(16).fill(0);
  for (const s of candidates) counts[FEEDBACK[g * n + s]]++;
  return entropy(counts);
}

export const agents: Record<string, ScriptedAgent> = {
  /** Never gathers information: a random code every turn, ignoring the feedback. */
  'act-now': (_view, rng) => tryText(randomCode(rng)),
  /** A random code every turn (the same as act-now here: every move is a guess). */
  random: (_view, rng) => tryText(randomCode(rng)),
  /** Probes one colour at a time, in order ("try red red red", "try blue blue blue", ...), then guesses consistent codes. */
  'ask-all': (view, rng) => {
    const candidates = consistentCodes(view);
    const probed = view.exchanges.length;
    const colourCount = view.exchanges.reduce((n, e) => {
      const m = /^(\d) exact/.exec(e.feedback);
      return n + (m ? Number(m[1]) : 0);
    }, 0);
    if (candidates.length > 1 && probed < COLOURS.length - 1 && colourCount < CODE_LENGTH && turnsLeft(view) > 1) return tryText(Array(CODE_LENGTH).fill(COLOURS[probed]));
    return tryText(rng.pick(candidates.length ? candidates : ALL_CODES));
  },
  /** The guess with the highest expected information gain (feedback entropy) over the consistent codes; consistent guesses win ties. */
  oracle: (view) => {
    const candidates = consistentIndices(view);
    if (candidates.length <= 2) return tryText(ALL_CODES[candidates[0] ?? 0]);
    const consistent = new Set(candidates);
    const gains = ALL_CODES.map((_, g) => guessGain(g, candidates) + (consistent.has(g) ? 1e-3 : 0));
    return tryText(ALL_CODES[argmax(gains)]);
  },
};

/** The demonstrator's expert: a code consistent with every feedback so far. */
const expert: ScriptedAgent = (view, rng) => {
  const candidates = consistentCodes(view);
  return tryText(candidates.length ? rng.pick(candidates) : randomCode(rng));
};
/** An uninformed move: a random code, whatever the feedback said. */
const slip: ScriptedAgent = (_view, rng) => tryText(randomCode(rng));

/** Warm-start demonstrator: the expert, with a share `rate` of uninformed moves. */
export const demonstrator = (rate: number): ScriptedAgent => slipping(expert, slip, rate);
agents.demo = demonstrator(DEFAULT_DEMO_SLIP);

/** Feedback of exchange `index`: did it rule out codes? */
export function describeFeedback(view: AgentView, index: number): FeedbackKind {
  if (!parseAction(view.exchanges[index].action)) return { label: 'not-understood', informative: false };
  const narrowed = consistentIndices(viewBefore(view, index + 1)).length < consistentIndices(viewBefore(view, index)).length;
  return { label: narrowed ? 'narrows' : 'no-news', informative: narrowed };
}

export interface MastermindHidden {
  code: Code;
}

export const mastermind: TaskFamily = {
  id: 'mastermind',
  title: 'Mastermind (environment)',
  description:
    'No user: the environment hides a code of 3 colours out of 6 (216 codes). Each move tries a code; the environment answers how many colours are in the right place ("exact") and how many are right but elsewhere ("near"). Reward 1 for finding the code within the turn budget. Tests the paper\'s generalisation to environment-interactive tasks.',
  role: 'env',
  maxTurns: 6,
  grammar: ['try COLOUR COLOUR COLOUR   (red, blue, green, yellow, white, black)'],
  vocabulary: () => vocabularyOf(REQUEST, 'try exact near 0 1 2 3', COLOURS, SOLVED, INVALID),
  sample(rng: Rng, split: Split): TaskInstance {
    const { key, value } = sampleInSplit(rng, split, (r) => {
      const code = randomCode(r);
      return { key: codeKey(code), value: code };
    });
    return { family: 'mastermind', id: `mastermind/${split}/${key.replace(/ /g, '-')}`, split, request: REQUEST, hidden: { code: value } satisfies MastermindHidden };
  },
  key: (instance) => codeKey((instance.hidden as MastermindHidden).code),
  start(instance: TaskInstance, _options: EpisodeOptions): Episode {
    const { code } = instance.hidden as MastermindHidden;
    let solved = false;
    return {
      instance,
      respond(action: string): Reply {
        if (solved) return reply('', 'env', true, 0, false);
        const guess = parseAction(action);
        if (!guess) return reply(INVALID, 'env', false, 0, false);
        const s = score(code, guess);
        solved = s.exact === CODE_LENGTH;
        return reply(feedbackText(s), 'env', solved);
      },
      outcome: () => ({ reward: solved ? 1 : 0, success: solved }),
    };
  },
  agents,
  demonstrator,
  describeFeedback,
  actionKind: (action: string) => (parseAction(action) ? 'try' : 'invalid'),
};
