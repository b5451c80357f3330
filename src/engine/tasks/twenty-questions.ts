/**
 * 20 questions (TelepathyGym): the user thinks of an item from a catalogue; the agent asks
 * yes/no questions about attribute values ("is it red ?") and finally guesses ("guess apple").
 * Reward 1 for a correct guess, 0 otherwise. The episode ends on a guess or at maxTurns.
 */
import type { Rng } from '../random';
import type { AgentView, Episode, EpisodeOptions, Reply, ScriptedAgent, TaskFamily, TaskInstance, Split } from './types';

export interface CatalogueItem {
  name: string;
  /** attribute -> value word, e.g. { kind: 'fruit', color: 'red' } */
  attrs: Record<string, string>;
}

/** Each item is told apart by its attributes; every value is a word the agent can ask about. */
export const CATALOGUE: readonly CatalogueItem[] = [
  { name: 'fox', attrs: { kind: 'animal', color: 'red', size: 'small' } },
  { name: 'canary', attrs: { kind: 'animal', color: 'yellow', size: 'small' } },
  { name: 'frog', attrs: { kind: 'animal', color: 'green', size: 'small' } },
  { name: 'bear', attrs: { kind: 'animal', color: 'brown', size: 'big' } },
  { name: 'cherry', attrs: { kind: 'fruit', color: 'red', size: 'small' } },
  { name: 'banana', attrs: { kind: 'fruit', color: 'yellow', size: 'small' } },
  { name: 'melon', attrs: { kind: 'fruit', color: 'green', size: 'big' } },
  { name: 'coconut', attrs: { kind: 'fruit', color: 'brown', size: 'big' } },
  { name: 'firetruck', attrs: { kind: 'vehicle', color: 'red', size: 'big' } },
  { name: 'taxi', attrs: { kind: 'vehicle', color: 'yellow', size: 'big' } },
  { name: 'tractor', attrs: { kind: 'vehicle', color: 'green', size: 'big' } },
  { name: 'wagon', attrs: { kind: 'vehicle', color: 'brown', size: 'small' } },
  { name: 'brick', attrs: { kind: 'object', color: 'red', size: 'small' } },
  { name: 'pencil', attrs: { kind: 'object', color: 'yellow', size: 'small' } },
  { name: 'leaf', attrs: { kind: 'object', color: 'green', size: 'small' } },
  { name: 'barrel', attrs: { kind: 'object', color: 'brown', size: 'big' } },
];

const REQUEST = 'i am thinking of something . guess what it is .';
const values = (): string[] => [...new Set(CATALOGUE.flatMap((it) => Object.values(it.attrs)))];

type Action = { type: 'ask'; value: string } | { type: 'guess'; item: string } | { type: 'invalid' };

/** "is it red ?" -> ask red; "guess fox" -> guess fox; anything else is invalid. */
export function parseAction(action: string): Action {
  const words = action.trim().split(/\s+/);
  if (words[0] === 'is' && words[1] === 'it' && words.length >= 3) {
    const value = words[2] === 'a' || words[2] === 'an' ? words[3] : words[2];
    if (value && values().includes(value)) return { type: 'ask', value };
  }
  if (words[0] === 'guess' && words[1] && CATALOGUE.some((it) => it.name === words[1])) {
    return { type: 'guess', item: words[1] };
  }
  return { type: 'invalid' };
}

const article = (value: string): string => (['animal', 'fruit', 'vehicle', 'object'].includes(value) ? (value === 'animal' || value === 'object' ? 'an ' : 'a ') : '');
export const question = (value: string): string => `is it ${article(value)}${value} ?`;

/** Items consistent with the yes/no answers given so far. */
export function consistentItems(view: AgentView): CatalogueItem[] {
  let items = CATALOGUE.slice();
  for (const { action, feedback } of view.exchanges) {
    const parsed = parseAction(action);
    if (parsed.type !== 'ask') continue;
    const yes = feedback.startsWith('yes');
    const no = feedback.startsWith('no');
    if (!yes && !no) continue;
    items = items.filter((it) => Object.values(it.attrs).includes(parsed.value) === yes);
  }
  return items;
}

function split(index: number): Split {
  // Fixed split: every fourth item is held out for testing.
  return index % 4 === 3 ? 'test' : 'train';
}

export const twentyQuestions: TaskFamily = {
  id: '20q',
  title: '20 questions',
  description:
    'The user thinks of an item from a catalogue. The agent asks yes/no questions about its attributes, then guesses. Reward 1 for a correct guess.',
  vocabulary: () => [
    ...REQUEST.split(' '),
    ...'is it a an ? guess yes no . i do not understand'.split(' '),
    ...values(),
    ...CATALOGUE.map((it) => it.name),
  ],
  sample(rng: Rng, which: Split): TaskInstance {
    const pool = CATALOGUE.map((item, index) => ({ item, index })).filter(({ index }) => split(index) === which);
    const { item, index } = rng.pick(pool);
    return { family: '20q', id: `20q/${which}/${index}`, split: which, request: REQUEST, hidden: item };
  },
  start(instance: TaskInstance, _options: EpisodeOptions): Episode {
    const item = instance.hidden as CatalogueItem;
    let guessed: string | null = null;
    return {
      instance,
      respond(action: string): Reply {
        const parsed = parseAction(action);
        if (parsed.type === 'ask') {
          const yes = Object.values(item.attrs).includes(parsed.value);
          return { feedback: yes ? 'yes .' : 'no .', role: 'user', done: false, stepReward: 0, valid: true };
        }
        if (parsed.type === 'guess') {
          guessed = parsed.item;
          return { feedback: guessed === item.name ? 'yes .' : 'no .', role: 'user', done: true, stepReward: 0, valid: true };
        }
        return { feedback: 'i do not understand .', role: 'user', done: false, stepReward: 0, valid: false };
      },
      outcome() {
        const success = guessed === item.name;
        return { reward: success ? 1 : 0, success };
      },
    };
  },
  agents: {} as Record<string, ScriptedAgent>,
};

/** Guess the first item still consistent with the answers. */
const guessConsistent = (view: AgentView, rng: Rng): string => `guess ${rng.pick(consistentItems(view).length ? consistentItems(view) : CATALOGUE).name}`;

twentyQuestions.agents = {
  'act-now': (view, rng) => guessConsistent(view, rng),
  random: (view, rng) => (rng.bernoulli(0.3) ? `guess ${rng.pick(CATALOGUE).name}` : question(rng.pick(values()))),
  'ask-all': (view, rng) => {
    const asked = new Set(view.exchanges.map((e) => parseAction(e.action)).flatMap((a) => (a.type === 'ask' ? [a.value] : [])));
    const remaining = consistentItems(view);
    const next = values().find((v) => !asked.has(v));
    if (remaining.length <= 1 || !next || view.exchanges.length >= view.maxTurns - 1) return guessConsistent(view, rng);
    return question(next);
  },
  oracle: (view, rng) => {
    const remaining = consistentItems(view);
    if (remaining.length <= 1 || view.exchanges.length >= view.maxTurns - 1) return guessConsistent(view, rng);
    // The question whose yes-set is closest to half the remaining items has the highest expected information gain.
    let best = values()[0];
    let bestScore = Infinity;
    for (const v of values()) {
      const yes = remaining.filter((it) => Object.values(it.attrs).includes(v)).length;
      const score = Math.abs(yes - remaining.length / 2);
      if (score < bestScore) [best, bestScore] = [v, score];
    }
    return question(best);
  },
  /** Demonstrator for the warm start: a random number of random questions, then a consistent guess. */
  demo: (view, rng) => {
    const budget = view.maxTurns - 1;
    const stop = view.exchanges.length >= budget || rng.bernoulli(1 / (budget - view.exchanges.length + 1));
    return stop ? guessConsistent(view, rng) : question(rng.pick(values()));
  },
};
