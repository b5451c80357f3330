/**
 * 20 questions (TelepathyGym): the user thinks of an item of a 72-item catalogue; the agent asks
 * about attribute values ("is it red ?", "is it an animal ?") and the user answers yes / no /
 * maybe; the agent finally guesses ("guess fox"). Reward 1 for a correct guess, else 0. A wrong
 * guess ends the episode (`wrongGuess: 'end'`, default) or costs a turn (`'turn'`).
 */
import type { Rng } from '../random';
import { createVoice, NOT_UNDERSTOOD, personaVocabulary, replyCore, type Answer } from '../users';
import { argmax, assumedNoise, DEFAULT_DEMO_SLIP, expectedInfoGain, reply, slipping, turnsLeft, viewBefore, vocabularyOf, words } from './common';
import { CATALOGUE, itemSplit, KINDS, QUESTION_VALUES, type CatalogueItem, type Truth } from './twenty-questions-catalogue';
import type { AgentView, Episode, EpisodeOptions, FeedbackKind, Reply, ScriptedAgent, Split, TaskFamily, TaskInstance } from './types';

export { CATALOGUE, QUESTION_VALUES } from './twenty-questions-catalogue';
export type { CatalogueItem, Truth } from './twenty-questions-catalogue';

export const REQUEST = 'guess what i am thinking of .';

/** The user's answer to a question, in every persona's words. */
export const ANSWER_WORDS: Record<Truth, { plain: string; implicit: string }> = {
  yes: { plain: 'yes', implicit: 'i think so' },
  no: { plain: 'no', implicit: 'i doubt it' },
  maybe: { plain: 'maybe', implicit: 'sort of' },
};
export const GUESS_RIGHT = 'yes , you got it .';
export const GUESS_WRONG_END = 'no , that is wrong .';
export const GUESS_WRONG_TURN = 'no , try again .';

/** Answer for a truth; a noisy user flips yes and no, and turns maybe into yes or no. */
export function truthAnswer(truth: Truth): Answer {
  const w = ANSWER_WORDS[truth];
  return {
    plain: w.plain,
    terse: w.plain,
    implicit: w.implicit,
    wrong: (rng: Rng) => truthAnswer(truth === 'yes' ? 'no' : truth === 'no' ? 'yes' : rng.pick(['yes', 'no'] as const)),
  };
}

/** A reply as the agent reads it: yes / no / maybe, or null. */
export function readTruth(feedback: string): Truth | null {
  const core = replyCore(feedback);
  for (const t of ['yes', 'no', 'maybe'] as const) if (core === ANSWER_WORDS[t].plain || core === ANSWER_WORDS[t].implicit) return t;
  return null;
}

const ARTICLE: Record<string, string> = { animal: 'an ', food: 'a ', vehicle: 'a ', tool: 'a ', furniture: '', instrument: 'an ' };
/** The canonical question about a value word: "is it an animal ?", "is it red ?". */
export const question = (value: string): string => `is it ${ARTICLE[value] ?? ''}${value} ?`;

export type Action = { type: 'ask'; value: string } | { type: 'guess'; item: string } | { type: 'invalid' };

const VALUE_SET = new Set(QUESTION_VALUES);
const ITEM_BY_NAME = new Map(CATALOGUE.map((it) => [it.name, it]));

/** "is it [a|an] red ?" -> ask red; "guess fox" -> guess fox; anything else is invalid. */
export function parseAction(action: string): Action {
  const w = words(action);
  if (w[0] === 'is' && w[1] === 'it') {
    let rest = w.slice(2);
    if (rest[0] === 'a' || rest[0] === 'an') rest = rest.slice(1);
    if (rest.length >= 1 && rest.length <= 2 && VALUE_SET.has(rest[0]) && (rest.length === 1 || rest[1] === '?')) return { type: 'ask', value: rest[0] };
  }
  if (w[0] === 'guess' && w.length === 2 && ITEM_BY_NAME.has(w[1])) return { type: 'guess', item: w[1] };
  return { type: 'invalid' };
}

// ---------------------------------------------------------------------------------------------
// Catalogue size (knob `kinds`)

/** Number of kinds when the knob is absent: the whole catalogue. */
export const ALL_KINDS = KINDS.length;

/** Normalise the `kinds` knob: an integer in 1..6, absent = 6. */
export function kindsOf(kinds: number | undefined): number {
  if (kinds === undefined) return ALL_KINDS;
  if (!Number.isInteger(kinds) || kinds < 1 || kinds > ALL_KINDS) throw new Error(`20q: kinds must be an integer in 1..${ALL_KINDS}, got ${kinds}`);
  return kinds;
}

/** Whether an item belongs to the catalogue restricted to the first `kinds` kinds. */
export const inCatalogue = (item: CatalogueItem, kinds?: number): boolean => (KINDS as readonly string[]).indexOf(item.kind) < kindsOf(kinds);

/** The catalogue restricted to the first `kinds` kinds (animal, food, vehicle, tool, furniture, instrument), in catalogue order. */
export function catalogueOf(kinds?: number): CatalogueItem[] {
  return CATALOGUE.filter((it) => inCatalogue(it, kinds));
}

/** The catalogue a scripted agent reasons over: the one of the simulator's `kinds` knob. */
const viewCatalogue = (view: AgentView): CatalogueItem[] => catalogueOf(view.simulator?.kinds);

// ---------------------------------------------------------------------------------------------
// Beliefs of the scripted agents

/** P(answer | truth) for a user who lies with probability `noise`. */
function answerLikelihood(answer: Truth, truth: Truth, noise: number): number {
  if (answer === truth) return 1 - noise;
  if (truth === 'maybe') return noise / 2;
  return answer === 'maybe' ? 0 : noise;
}

function answerModel(truth: Truth, noise: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const a of ['yes', 'no', 'maybe'] as const) {
    const p = answerLikelihood(a, truth, noise);
    if (p > 0) m.set(a, p);
  }
  return m;
}

/**
 * Posterior weights over the catalogue given the exchanges, for a user who lies with probability
 * `noise` (noise 0: items contradicting an answer are ruled out). Wrong guesses rule items out.
 * Items outside the simulator's catalogue (knob `kinds`) have weight 0.
 */
export function posterior(view: AgentView, noise: number): number[] {
  const kinds = view.simulator?.kinds;
  const w = CATALOGUE.map((it) => (inCatalogue(it, kinds) ? 1 : 0));
  for (const { action, feedback } of view.exchanges) {
    const a = parseAction(action);
    if (a.type === 'ask') {
      const t = readTruth(feedback);
      if (t) CATALOGUE.forEach((it, i) => (w[i] *= answerLikelihood(t, it.answers[a.value], noise)));
    } else if (a.type === 'guess') {
      const i = CATALOGUE.findIndex((it) => it.name === a.item);
      if (!replyCore(feedback).startsWith('yes')) w[i] = 0;
    }
  }
  return w;
}

/** Items still consistent with every answer (noise-free reading). */
export function consistentItems(view: AgentView): CatalogueItem[] {
  const w = posterior(view, 0);
  return CATALOGUE.filter((_, i) => w[i] > 0);
}

const askedValues = (view: AgentView): Set<string> =>
  new Set(view.exchanges.flatMap((e) => (parseAction(e.action).type === 'ask' ? [(parseAction(e.action) as { value: string }).value] : [])));

/** Guess a random item still consistent with the answers (any item when none is). */
function guessConsistent(view: AgentView, rng: Rng): string {
  const items = consistentItems(view);
  return `guess ${rng.pick(items.length ? items : viewCatalogue(view)).name}`;
}

/** Values whose answer is not the same for every item of the list (the question splits it). */
const splitting = (items: readonly CatalogueItem[]): string[] =>
  QUESTION_VALUES.filter((v) => new Set(items.map((it) => it.answers[v])).size > 1);

export const agents: Record<string, ScriptedAgent> = {
  /** Guesses at once, knowing nothing. */
  'act-now': (view, rng) => `guess ${rng.pick(viewCatalogue(view)).name}`,
  /** A random valid action: a guess one time in four, else a random question. */
  random: (view, rng) => (rng.bernoulli(0.25) ? `guess ${rng.pick(viewCatalogue(view)).name}` : question(rng.pick(QUESTION_VALUES))),
  /** Asks every attribute value in the fixed order (skipping those already settled), then guesses. */
  'ask-all': (view, rng) => {
    const items = consistentItems(view);
    const asked = askedValues(view);
    const next = QUESTION_VALUES.find((v) => !asked.has(v) && splitting(items).includes(v));
    if (items.length <= 1 || !next || turnsLeft(view) <= 1) return guessConsistent(view, rng);
    return question(next);
  },
  /**
   * Asks the question with the highest expected information gain under the true posterior (it
   * knows the persona's noise), and guesses the most likely item when sure or out of turns.
   */
  oracle: (view) => {
    const noise = assumedNoise(view);
    const w = posterior(view, noise);
    const total = w.reduce((a, b) => a + b, 0);
    const best = argmax(w);
    const guess = `guess ${CATALOGUE[best].name}`;
    if (total === 0) return `guess ${viewCatalogue(view)[0].name}`;
    if (w[best] / total > 0.999 || turnsLeft(view) <= 1) return guess;
    const value = bestQuestion(view);
    return value ? question(value) : guess;
  },
};

/** Best question by expected information gain under the true posterior ('' when none helps). */
function bestQuestion(view: AgentView): string {
  const noise = assumedNoise(view);
  const w = posterior(view, noise);
  let bestValue = '';
  let bestGain = 1e-9;
  for (const v of QUESTION_VALUES) {
    const gain = expectedInfoGain(CATALOGUE, w, (it) => answerModel(it.answers[v], noise));
    if (gain > bestGain + 1e-12) [bestValue, bestGain] = [v, gain];
  }
  return bestValue;
}

/** The demonstrator's expert: the most informative question given the answers; a consistent guess once one item is left. */
const expert: ScriptedAgent = (view, rng) => {
  if (consistentItems(view).length <= 1 || turnsLeft(view) <= 1) return guessConsistent(view, rng);
  const value = bestQuestion(view);
  return value ? question(value) : guessConsistent(view, rng);
};

/** An uninformed move: a question whose answer the earlier answers already imply, or (one time in four) a guess while several items remain. */
const slip: ScriptedAgent = (view, rng) => {
  const items = consistentItems(view);
  if (items.length > 1 && rng.bernoulli(0.25)) return guessConsistent(view, rng);
  const asked = askedValues(view);
  const splits = new Set(splitting(items));
  const implied = QUESTION_VALUES.filter((v) => !asked.has(v) && !splits.has(v));
  return question(rng.pick(implied.length ? implied : QUESTION_VALUES));
};

/** Warm-start demonstrator: the expert, with a share `rate` of uninformed moves. */
export const demonstrator = (rate: number): ScriptedAgent => slipping(expert, slip, rate);
agents.demo = demonstrator(DEFAULT_DEMO_SLIP);

/** Feedback of exchange `index`: did the answer shrink the set of items consistent with the dialogue? */
export function describeFeedback(view: AgentView, index: number): FeedbackKind {
  const a = parseAction(view.exchanges[index].action);
  if (a.type === 'invalid') return { label: 'not-understood', informative: false };
  if (a.type === 'guess') {
    const right = replyCore(view.exchanges[index].feedback).startsWith('yes');
    return { label: right ? 'guess-right' : 'guess-wrong', informative: !right };
  }
  const before = consistentItems(viewBefore(view, index)).length;
  const after = consistentItems(viewBefore(view, index + 1)).length;
  return after < before ? { label: 'splits', informative: true } : { label: 'implied', informative: false };
}

export interface TwentyQuestionsHidden {
  item: CatalogueItem;
}

const instanceOf = (item: CatalogueItem): TaskInstance => {
  const split = itemSplit(item);
  return { family: '20q', id: `20q/${split}/${item.name}`, split, request: REQUEST, hidden: { item } satisfies TwentyQuestionsHidden };
};

export const twentyQuestions: TaskFamily = {
  id: '20q',
  title: '20 questions',
  description:
    'The user thinks of one of 72 things (animals, food, vehicles, tools, furniture, instruments). The agent asks yes/no questions about 13 attributes (kind, colour, size, wooden, metal, soft, loud, round, wild, electric, sweet, fast, sharp); the user answers yes, no or maybe. Reward 1 for a correct guess. 18 items are held out for the test split (3 per kind). Knob kinds: only the first N kinds (12 items each) are played.',
  role: 'user',
  maxTurns: 10,
  grammar: ['is it [a|an] VALUE ?   (VALUE: a kind, colour, size or property)', 'guess ITEM'],
  vocabulary: () =>
    vocabularyOf(
    REQUEST,
    'is it a an ? guess',
    ...QUESTION_VALUES,
    ...CATALOGUE.map((it) => it.name),
    ...Object.values(ANSWER_WORDS).flatMap((w) => [w.plain, w.implicit]),
    GUESS_RIGHT,
    GUESS_WRONG_END,
    GUESS_WRONG_TURN,
    ...personaVocabulary(),
    ),
  sample(rng: Rng, split: Split, options?: Partial<EpisodeOptions>): TaskInstance {
    return instanceOf(rng.pick(catalogueOf(options?.kinds).filter((it) => itemSplit(it) === split)));
  },
  sampleDemo: (rng: Rng, options?: Partial<EpisodeOptions>): TaskInstance => instanceOf(rng.pick(catalogueOf(options?.kinds))),
  demonstrator,
  describeFeedback,
  actionKind: (action: string) => parseAction(action).type,
  key: (instance) => (instance.hidden as TwentyQuestionsHidden).item.name,
  start(instance: TaskInstance, options: EpisodeOptions, rng: Rng): Episode {
    const { item } = instance.hidden as TwentyQuestionsHidden;
    const voice = createVoice(options.persona, options.noise, rng);
    const wrongGuess = options.wrongGuess;
    let solved = false;
    let over = false;
    return {
      instance,
      respond(action: string): Reply {
        if (over) return reply('', 'user', true, 0, false);
        const a = parseAction(action);
        if (a.type === 'ask') return reply(voice.say(truthAnswer(item.answers[a.value])).text, 'user');
        if (a.type === 'guess') {
          if (a.item === item.name) {
            solved = over = true;
            return reply(GUESS_RIGHT, 'user', true);
          }
          if (wrongGuess === 'end') {
            over = true;
            return reply(GUESS_WRONG_END, 'user', true);
          }
          return reply(GUESS_WRONG_TURN, 'user');
        }
        return reply(NOT_UNDERSTOOD, 'user', false, 0, false);
      },
      outcome: () => ({ reward: solved ? 1 : 0, success: solved }),
    };
  },
  agents,
};

/** Kinds, for the docs and tests. */
export { KINDS };
