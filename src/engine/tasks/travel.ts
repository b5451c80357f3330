/**
 * Tool-augmented decision (TravelGym / UserBench / tau-bench). A seeded catalogue of 5 hotels
 * (area, price tier, refundable, breakfast, parking, pool); a user with hidden preferences on 3 of
 * the 6 aspects, revealed only when asked, and sometimes only implicitly ("i travel for work" =
 * a refundable rate). The agent asks the user ("ask area ?"), searches the catalogue with the
 * tool ("search beach cheap"; the tool's answer is environment feedback, role 'env'), and books
 * one hotel ("book palm"). Reward: the one hotel meeting every preference 1.0; a hotel missing
 * exactly one preference 0.8 (acceptable); anything else 0. Success = the best hotel.
 */
import type { Rng } from '../random';
import { createVoice, NOT_UNDERSTOOD, personaVocabulary, replyCore, type Answer } from '../users';
import { argmax, assumedNoise, DEFAULT_DEMO_SLIP, expectedInfoGain, reply, sampleInSplit, slipping, turnsLeft, vocabularyOf, words } from './common';
import type { AgentView, Episode, EpisodeOptions, FeedbackKind, Reply, ScriptedAgent, Split, TaskFamily, TaskInstance } from './types';

export const ASPECTS = ['area', 'price', 'refundable', 'breakfast', 'parking', 'pool'] as const;
export type Aspect = (typeof ASPECTS)[number];
/** Values of each aspect; boolean aspects have the single value of the same word ("refundable"). */
export const ASPECT_VALUES: Record<Aspect, readonly string[]> = {
  area: ['center', 'beach', 'airport'],
  price: ['cheap', 'mid', 'luxury'],
  refundable: ['refundable'],
  breakfast: ['breakfast'],
  parking: ['parking'],
  pool: ['pool'],
};
const BOOLEAN = (a: Aspect): boolean => ASPECT_VALUES[a].length === 1;
export const SEARCH_WORDS: readonly string[] = ASPECTS.flatMap((a) => ASPECT_VALUES[a]);
export const HOTEL_NAMES = ['palm', 'lotus', 'coral', 'maple', 'cedar', 'ivy', 'oak', 'pearl', 'jade', 'rose'] as const;
export const REQUEST = 'i need a hotel for my trip .';
export const NOT_MIND = 'i do not mind';
export const NOTHING_FOUND = 'nothing found .';
export const BOOKED = 'booked .';
export const NO_SUCH_HOTEL = 'no such hotel .';

/** How the user states each preference: explicitly, and implicitly. */
export const PHRASES: Record<string, { plain: string; implicit: string }> = {
  center: { plain: 'in the center', implicit: 'i love museums' },
  beach: { plain: 'near the beach', implicit: 'i love to swim' },
  airport: { plain: 'near the airport', implicit: 'i have an early flight' },
  cheap: { plain: 'a cheap one', implicit: 'i am on a budget' },
  mid: { plain: 'a mid price one', implicit: 'something in between' },
  luxury: { plain: 'a luxury one', implicit: 'money is no object' },
  refundable: { plain: 'it must be refundable', implicit: 'i travel for work' },
  breakfast: { plain: 'i need breakfast', implicit: 'i eat early' },
  parking: { plain: 'i need parking', implicit: 'i come by car' },
  pool: { plain: 'i want a pool', implicit: 'i travel with kids' },
};

export interface Hotel {
  name: string;
  area: string;
  price: string;
  refundable: boolean;
  breakfast: boolean;
  parking: boolean;
  pool: boolean;
}
/** The user's preference on an aspect: a value word, or null (does not mind). */
export type Preferences = Record<Aspect, string | null>;

export interface TravelHidden {
  hotels: Hotel[];
  prefs: Preferences;
}

/** Does the hotel have this value word? */
export function hasValue(h: Hotel, value: string): boolean {
  if (value === h.area || value === h.price) return true;
  return (value === 'refundable' && h.refundable) || (value === 'breakfast' && h.breakfast) || (value === 'parking' && h.parking) || (value === 'pool' && h.pool);
}

/** Preferences the hotel misses. */
export function misses(h: Hotel, prefs: Preferences): number {
  return ASPECTS.filter((a) => prefs[a] !== null && !hasValue(h, prefs[a]!)).length;
}

/** Reward of booking a hotel: best 1.0, acceptable (misses one preference) 0.8, else 0. */
export function bookingReward(h: Hotel | undefined, prefs: Preferences): number {
  if (!h) return 0;
  const m = misses(h, prefs);
  return m === 0 ? 1 : m === 1 ? 0.8 : 0;
}

function randomHotel(name: string, rng: Rng): Hotel {
  return {
    name,
    area: rng.pick(ASPECT_VALUES.area),
    price: rng.pick(ASPECT_VALUES.price),
    refundable: rng.bernoulli(0.5),
    breakfast: rng.bernoulli(0.5),
    parking: rng.bernoulli(0.5),
    pool: rng.bernoulli(0.5),
  };
}

/** Make the hotel meet (or miss) a preference. */
function setAspect(h: Hotel, aspect: Aspect, value: string, meet: boolean, rng: Rng): void {
  if (BOOLEAN(aspect)) (h as unknown as Record<string, boolean>)[aspect] = meet;
  else (h as unknown as Record<string, string>)[aspect] = meet ? value : rng.pick(ASPECT_VALUES[aspect].filter((v) => v !== value));
}

/** 5 hotels: exactly one meets every preference, one or two miss exactly one, the rest miss two or more. */
function drawHidden(rng: Rng): { key: string; value: TravelHidden } {
  const cared = rng.shuffle(ASPECTS).slice(0, 3);
  const prefs = Object.fromEntries(ASPECTS.map((a) => [a, cared.includes(a) ? rng.pick(ASPECT_VALUES[a]) : null])) as Preferences;
  const names = rng.shuffle(HOTEL_NAMES).slice(0, 5);
  const acceptable = rng.int(1, 2);
  const hotels = names.map((name, i) => {
    const h = randomHotel(name, rng);
    const missCount = i === 0 ? 0 : i <= acceptable ? 1 : rng.int(2, 3);
    const missed = rng.shuffle(cared).slice(0, missCount);
    for (const a of cared) setAspect(h, a, prefs[a]!, !missed.includes(a), rng);
    return h;
  });
  const shuffled = rng.shuffle(hotels);
  const key = `${ASPECTS.map((a) => prefs[a] ?? '-').join(',')}|${shuffled.map((h) => `${h.name}:${h.area},${h.price},${+h.refundable}${+h.breakfast}${+h.parking}${+h.pool}`).join(';')}`;
  return { key, value: { hotels: shuffled, prefs } };
}

function prefAnswer(aspect: Aspect, value: string | null): Answer {
  const wrong = (rng: Rng): Answer => {
    const others = [null, ...ASPECT_VALUES[aspect]].filter((v) => v !== value);
    return prefAnswer(aspect, rng.pick(others));
  };
  if (value === null) return { plain: NOT_MIND, terse: 'any', implicit: NOT_MIND, wrong };
  return { plain: PHRASES[value].plain, terse: value, implicit: PHRASES[value].implicit, wrong };
}

export type TravelAction = { type: 'ask'; aspect: Aspect } | { type: 'search'; values: string[] } | { type: 'book'; name: string } | { type: 'invalid' };

/** "ask area ?" / "search beach cheap" (0-3 values) / "book palm". */
export function parseAction(action: string): TravelAction {
  const w = words(action);
  if (w[0] === 'ask' && (w.length === 2 || (w.length === 3 && w[2] === '?')) && (ASPECTS as readonly string[]).includes(w[1])) return { type: 'ask', aspect: w[1] as Aspect };
  if (w[0] === 'search' && w.length <= 4 && w.slice(1).every((v) => SEARCH_WORDS.includes(v))) return { type: 'search', values: w.slice(1) };
  if (w[0] === 'book' && w.length === 2) return { type: 'book', name: w[1] };
  return { type: 'invalid' };
}

/** The tool: names of the hotels having every value, in catalogue order. */
export function search(hotels: readonly Hotel[], values: readonly string[]): string {
  const found = hotels.filter((h) => values.every((v) => hasValue(h, v))).map((h) => h.name);
  return found.length ? `${found.join(' ')} .` : NOTHING_FOUND;
}

// ---------------------------------------------------------------------------------------------
// The scripted agents' belief over the user's preferences

/** Read a preference reply (any persona): the value word, null (does not mind), or undefined (unreadable). */
export function readPreference(aspect: Aspect, feedback: string): string | null | undefined {
  const core = replyCore(feedback);
  if (core === NOT_MIND || core === 'any') return null;
  for (const v of ASPECT_VALUES[aspect]) if (core === v || core === PHRASES[v].plain || core === PHRASES[v].implicit) return v;
  return undefined;
}

/** Every preference profile the generator can draw (3 aspects cared about), with equal prior. */
export const PROFILES: readonly Preferences[] = (() => {
  const out: Preferences[] = [];
  const rec = (i: number, p: Partial<Preferences>, cared: number): void => {
    if (i === ASPECTS.length) {
      if (cared === 3) out.push({ ...(p as Preferences) });
      return;
    }
    const a = ASPECTS[i];
    rec(i + 1, { ...p, [a]: null }, cared);
    for (const v of ASPECT_VALUES[a]) rec(i + 1, { ...p, [a]: v }, cared + 1);
  };
  rec(0, {}, 0);
  return out;
})();
/** Prior of a profile: uniform over the 3 cared aspects, then uniform over each one's values. */
const PROFILE_PRIOR = PROFILES.map((p) => ASPECTS.reduce((w, a) => (p[a] !== null ? w / ASPECT_VALUES[a].length : w), 1));

/** P(answer | true preference) for a user who lies with probability `noise` (a wrong answer is uniform over the others). */
function prefModel(aspect: Aspect, truth: string | null, noise: number): Map<string, number> {
  const answers = ['-', ...ASPECT_VALUES[aspect]];
  const t = truth ?? '-';
  return new Map(answers.map((a) => [a, a === t ? 1 - noise : noise / (answers.length - 1)]));
}

export function profilePosterior(view: AgentView, noise: number): number[] {
  const w = PROFILE_PRIOR.slice();
  for (const e of view.exchanges) {
    const a = parseAction(e.action);
    if (a.type !== 'ask') continue;
    const heard = readPreference(a.aspect, e.feedback);
    if (heard === undefined) continue;
    PROFILES.forEach((p, i) => (w[i] *= prefModel(a.aspect, p[a.aspect], noise).get(heard ?? '-')!));
  }
  return w;
}

/** What the user said about each aspect (last answer wins). */
function heardPrefs(view: AgentView): Partial<Record<Aspect, string | null>> {
  const out: Partial<Record<Aspect, string | null>> = {};
  for (const e of view.exchanges) {
    const a = parseAction(e.action);
    if (a.type !== 'ask') continue;
    const v = readPreference(a.aspect, e.feedback);
    if (v !== undefined) out[a.aspect] = v;
  }
  return out;
}

/** The last search the agent made and the names it returned. */
function lastSearch(view: AgentView): { values: string[]; names: string[] } | null {
  for (let i = view.exchanges.length - 1; i >= 0; i--) {
    const a = parseAction(view.exchanges[i].action);
    if (a.type !== 'search') continue;
    const names = words(view.exchanges[i].feedback).filter((w) => (HOTEL_NAMES as readonly string[]).includes(w));
    return { values: a.values, names };
  }
  return null;
}

const askedAspects = (view: AgentView): Set<string> => new Set(view.exchanges.flatMap((e) => { const a = parseAction(e.action); return a.type === 'ask' ? [a.aspect] : []; }));
const searchText = (values: readonly string[]): string => ['search', ...values].join(' ');

/**
 * Finish: search with the wanted values (dropping the last one while nothing is found), then book
 * the first hotel found. Needs two turns; with one turn left, books the last search's first hit.
 */
function finish(view: AgentView, wanted: readonly string[], rng: Rng): string {
  const last = lastSearch(view);
  const lastWasSearch = view.exchanges.length > 0 && parseAction(view.exchanges[view.exchanges.length - 1].action).type === 'search';
  if (last && lastWasSearch && last.names.length > 0) return `book ${last.names[0]}`;
  if (turnsLeft(view) <= 1) return `book ${last?.names[0] ?? rng.pick(HOTEL_NAMES)}`;
  if (last && lastWasSearch && last.names.length === 0) return searchText(last.values.slice(0, -1));
  return searchText(wanted);
}

export const agents: Record<string, ScriptedAgent> = {
  /** Never asks the user: lists every hotel with the tool, books a random one. */
  'act-now': (view, rng) => {
    const last = lastSearch(view);
    return last ? `book ${rng.pick(last.names.length ? last.names : HOTEL_NAMES)}` : 'search';
  },
  /** A random question, search or booking. */
  random: (view, rng) => {
    const r = rng.next();
    if (r < 0.6) return `ask ${rng.pick(ASPECTS)} ?`;
    if (r < 0.8) return searchText(rng.shuffle(SEARCH_WORDS).slice(0, rng.int(0, 2)));
    const last = lastSearch(view);
    return `book ${rng.pick(last?.names.length ? last.names : HOTEL_NAMES)}`;
  },
  /** Asks about every aspect in order, then searches with what it heard and books. */
  'ask-all': (view, rng) => {
    const asked = askedAspects(view);
    const next = ASPECTS.find((a) => !asked.has(a));
    if (next && turnsLeft(view) > 2) return `ask ${next} ?`;
    const heard = heardPrefs(view);
    return finish(view, ASPECTS.flatMap((a) => (heard[a] ? [heard[a]!] : [])), rng);
  },
  /**
   * Asks the aspect with the highest expected information gain about the user's preference
   * profile (true posterior: 3 aspects cared about, the persona's noise), until the profile is
   * certain; then searches with the most likely profile and books the hotel found.
   */
  oracle: (view, rng) => {
    const noise = assumedNoise(view);
    const w = profilePosterior(view, noise);
    const total = w.reduce((a, b) => a + b, 0);
    const best = PROFILES[argmax(w)];
    const wanted = ASPECTS.flatMap((a) => (best[a] ? [best[a]!] : []));
    const searching = view.exchanges.some((e) => parseAction(e.action).type === 'search');
    if (!searching && total > 0 && w[argmax(w)] / total < 0.99 && turnsLeft(view) > 2) {
      let ask = '';
      let gain = 0.02;
      for (const aspect of ASPECTS) {
        const g = expectedInfoGain(PROFILES, w, (p) => prefModel(aspect, p[aspect], noise));
        if (g > gain) [ask, gain] = [`ask ${aspect} ?`, g];
      }
      if (ask) return ask;
    }
    return finish(view, wanted, rng);
  },
};

/** The user cares about exactly this many aspects (the generator's rule, known to the agents). */
export const CARED_ASPECTS = 3;

const statedValues = (view: AgentView): string[] => {
  const heard = heardPrefs(view);
  return ASPECTS.flatMap((a) => (heard[a] ? [heard[a]!] : []));
};
const isSearching = (view: AgentView): boolean => view.exchanges.some((e) => parseAction(e.action).type === 'search');

/**
 * The demonstrator's expert: asks only about aspects still unknown (an unreadable answer leaves
 * the aspect unknown, so it asks again), in random order; as soon as the user has stated all
 * three preferences it searches with them and books, so the answer that completes the profile
 * changes the next move from a question to the search.
 */
const expert: ScriptedAgent = (view, rng) => {
  const heard = heardPrefs(view);
  const open = ASPECTS.filter((a) => !(a in heard));
  const wanted = statedValues(view);
  if (isSearching(view) || wanted.length >= CARED_ASPECTS || open.length === 0 || turnsLeft(view) <= 2) return finish(view, rng.shuffle(wanted), rng);
  return `ask ${rng.pick(open)} ?`;
};

/** An uninformed move: asks again about an aspect already answered, or searches before the profile is complete. */
const slip: ScriptedAgent = (view, rng) => {
  const heard = Object.keys(heardPrefs(view));
  if (isSearching(view) || heard.length === 0 || rng.bernoulli(0.3)) return finish(view, rng.shuffle(statedValues(view)), rng);
  return `ask ${rng.pick(heard)} ?`;
};

/** Warm-start demonstrator: the expert, with a share `rate` of uninformed moves. */
export const demonstrator = (rate: number): ScriptedAgent => slipping(expert, slip, rate);
agents.demo = demonstrator(DEFAULT_DEMO_SLIP);

/** Feedback of exchange `index`: a stated preference, "i do not mind", the tool's list, or nothing readable. */
export function describeFeedback(view: AgentView, index: number): FeedbackKind {
  const { action, feedback } = view.exchanges[index];
  const a = parseAction(action);
  if (a.type === 'ask') {
    const v = readPreference(a.aspect, feedback);
    if (v === undefined) return { label: 'not-understood', informative: false };
    if (v === null) return { label: 'do-not-mind', informative: false };
    return { label: 'preference', informative: true };
  }
  if (a.type === 'search') return { label: words(feedback).join(' ') === NOTHING_FOUND ? 'nothing-found' : 'tool-results', informative: true };
  if (a.type === 'book') return { label: 'booked', informative: false };
  return { label: 'not-understood', informative: false };
}

export const travel: TaskFamily = {
  id: 'travel',
  title: 'Tool-augmented booking',
  description:
    'A seeded catalogue of 5 hotels (area, price, refundable, breakfast, parking, pool) and a user who cares about 3 of the 6 aspects, says so only when asked, and sometimes only implicitly ("i travel for work" = refundable). The agent asks, searches the catalogue with a tool (its output is environment feedback) and books: the best hotel scores 1.0, one missing a single preference 0.8 (TravelGym / UserBench).',
  role: 'user',
  maxTurns: 8,
  grammar: ['ask ASPECT ?   (area, price, refundable, breakfast, parking, pool)', 'search [VALUE] [VALUE] [VALUE]   (tool: lists matching hotels)', 'book HOTEL'],
  vocabulary: () =>
    vocabularyOf(
      REQUEST,
      'ask ? search book any',
      ASPECTS,
      SEARCH_WORDS,
      HOTEL_NAMES,
      NOT_MIND,
      NOTHING_FOUND,
      BOOKED,
      NO_SUCH_HOTEL,
      Object.values(PHRASES).flatMap((p) => [p.plain, p.implicit]),
      '.',
      personaVocabulary(),
    ),
  sample(rng: Rng, split: Split): TaskInstance {
    const { key, value } = sampleInSplit(rng, split, drawHidden);
    return { family: 'travel', id: `travel/${split}/${key}`, split, request: REQUEST, hidden: value };
  },
  key: (instance) => instance.id.split('/').slice(2).join('/'),
  demonstrator,
  describeFeedback,
  actionKind: (action: string) => parseAction(action).type,
  start(instance: TaskInstance, options: EpisodeOptions, rng: Rng): Episode {
    const { hotels, prefs } = instance.hidden as TravelHidden;
    const voice = createVoice(options.persona, options.noise, rng);
    // A cooperative user states some preferences only implicitly (fixed for the episode).
    const implicitAspects = new Set(ASPECTS.filter(() => rng.bernoulli(options.implicitRate)));
    let reward = 0;
    let best = false;
    let booked = false;
    return {
      instance,
      respond(action: string): Reply {
        if (booked) return reply('', 'env', true, 0, false);
        const a = parseAction(action);
        if (a.type === 'ask') {
          const answer = prefAnswer(a.aspect, prefs[a.aspect]);
          const told = implicitAspects.has(a.aspect) && voice.persona !== 'terse' ? { ...answer, plain: answer.implicit ?? answer.plain } : answer;
          return reply(voice.say(told).text, 'user');
        }
        if (a.type === 'search') return reply(search(hotels, a.values), 'env');
        if (a.type === 'book') {
          booked = true;
          const h = hotels.find((x) => x.name === a.name);
          reward = bookingReward(h, prefs);
          best = reward === 1;
          return reply(h ? BOOKED : NO_SUCH_HOTEL, 'env', true, 0, h !== undefined);
        }
        return reply(NOT_UNDERSTOOD, 'user', false, 0, false);
      },
      outcome: () => ({ reward, success: best }),
    };
  },
  agents,
};
