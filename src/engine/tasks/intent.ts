/**
 * Intent clarification (IntentionGym / IN3). The user makes a vague request ("book a table on
 * friday .") whose missing details (1-3 slots of the domain, each of importance 1-3, values drawn
 * from the slot's option list) only the user knows. The agent asks about slots ("ask time ?",
 * or several at once: "ask time people ?") and finishes by stating the completed request as the
 * missing values ("answer dinner four").
 *
 * Rewards, as in UserRL's IntentionGym: a question that uncovers new missing details earns
 * 1.0 / 0.7 / 0.4 for the most important one (importance 3 / 2 / 1), minus 0.2 for each extra
 * detail uncovered by the same question (floored at 0), minus 0.01 for every question. The final
 * answer is scored by the importance-weighted fraction of missing details stated right; success
 * = every missing detail right.
 */
import type { Rng } from '../random';
import { createVoice, NON_ANSWER, NOT_UNDERSTOOD, personaVocabulary, replyParts, type Answer } from '../users';
import { assumedNoise, DEFAULT_DEMO_SLIP, expectedInfoGain, noisyCategorical, reply, sampleInSplit, slipping, turnsLeft, viewBefore, vocabularyOf, words } from './common';
import type { AgentView, Episode, EpisodeOptions, FeedbackKind, Reply, ScriptedAgent, Split, TaskFamily, TaskInstance } from './types';

interface OptionSpec {
  value: string;
  /** How the user states it, in the request and in a full answer: "for two". */
  phrase: string;
  /** How the implicit user hints at it: "me and my wife". */
  implicit?: string;
}
interface SlotSpec {
  slot: string;
  options: OptionSpec[];
}
export interface DomainSpec {
  id: string;
  /** The vague request: "book a table". */
  request: string;
  slots: SlotSpec[];
}

const opt = (value: string, phrase: string, implicit?: string): OptionSpec => ({ value, phrase, implicit });
const days = (): OptionSpec[] => ['friday', 'saturday', 'sunday'].map((d) => opt(d, `on ${d}`));
const party = (): OptionSpec[] => [opt('two', 'for two', 'me and my wife'), opt('four', 'for four', 'my whole family'), opt('six', 'for six', 'the whole team')];

export const DOMAINS: readonly DomainSpec[] = [
  {
    id: 'restaurant',
    request: 'book a table',
    slots: [
      { slot: 'people', options: party() },
      { slot: 'day', options: days() },
      { slot: 'time', options: [opt('lunch', 'for lunch', 'around noon'), opt('dinner', 'for dinner', 'after work'), opt('brunch', 'for brunch', 'late in the morning')] },
      { slot: 'food', options: [opt('italian', 'with italian food', 'we love pasta'), opt('thai', 'with thai food', 'we love spicy noodles'), opt('french', 'with french food', 'we love wine and cheese')] },
    ],
  },
  {
    id: 'flight',
    request: 'book a flight',
    slots: [
      { slot: 'city', options: ['paris', 'rome', 'tokyo'].map((c) => opt(c, `to ${c}`)) },
      { slot: 'day', options: days() },
      { slot: 'class', options: [opt('economy', 'in economy', 'the cheapest seat'), opt('business', 'in business class', 'my company pays'), opt('first', 'in first class', 'money is no object')] },
      { slot: 'seat', options: [opt('window', 'with a window seat', 'i like the view'), opt('aisle', 'with an aisle seat', 'i get up a lot')] },
    ],
  },
  {
    id: 'hotel',
    request: 'find me a hotel',
    slots: [
      { slot: 'city', options: ['paris', 'rome', 'tokyo'].map((c) => opt(c, `in ${c}`)) },
      { slot: 'nights', options: [opt('one', 'for one night', 'just tonight'), opt('two', 'for two nights', 'for the weekend'), opt('three', 'for three nights', 'for a long weekend')] },
      { slot: 'room', options: [opt('single', 'with a single room', 'i travel alone'), opt('double', 'with a double room', 'i come with my wife'), opt('suite', 'with a suite', 'money is no object')] },
    ],
  },
  {
    id: 'taxi',
    request: 'call me a taxi',
    slots: [
      { slot: 'place', options: [opt('airport', 'to the airport', 'i have a flight to catch'), opt('station', 'to the station', 'i have a train to catch'), opt('office', 'to the office', 'i have a meeting')] },
      { slot: 'time', options: [opt('now', 'right now', 'i am late'), opt('noon', 'at noon', 'around lunch time'), opt('evening', 'this evening', 'after work')] },
      { slot: 'car', options: [opt('small', 'with a small car', 'it is just me'), opt('van', 'with a van', 'we have lots of bags')] },
      { slot: 'pay', options: [opt('cash', 'paying cash'), opt('card', 'paying by card')] },
    ],
  },
  {
    id: 'movie',
    request: 'get movie tickets',
    slots: [
      { slot: 'genre', options: [opt('comedy', 'for a comedy', 'i want to laugh'), opt('horror', 'for a horror film', 'i want to be scared'), opt('drama', 'for a drama', 'i want to cry')] },
      { slot: 'people', options: party() },
      { slot: 'day', options: days() },
      { slot: 'time', options: [opt('afternoon', 'in the afternoon', 'after lunch'), opt('evening', 'in the evening', 'after dinner'), opt('night', 'late at night', 'when the kids sleep')] },
    ],
  },
  {
    id: 'gift',
    request: 'buy a gift',
    slots: [
      { slot: 'person', options: ['mom', 'dad', 'boss'].map((p) => opt(p, `for my ${p}`)) },
      { slot: 'item', options: [opt('book', 'like a book', 'they love to read'), opt('flowers', 'like some flowers', 'they love gardens'), opt('wine', 'like a bottle of wine', 'they like a drink')] },
      { slot: 'budget', options: [opt('cheap', 'that is cheap', 'i am on a budget'), opt('fancy', 'that is fancy', 'money is no object')] },
    ],
  },
];

/** Every slot word the agent may ask about, over all domains, in a fixed order. */
export const SLOT_WORDS: readonly string[] = [...new Set(DOMAINS.flatMap((d) => d.slots.map((s) => s.slot)))];
const ALL_VALUES = new Set(DOMAINS.flatMap((d) => d.slots.flatMap((s) => s.options.map((o) => o.value))));

/** Reward of uncovering a detail, by importance. */
export const IMPORTANCE_REWARD: Record<number, number> = { 1: 0.4, 2: 0.7, 3: 1.0 };
export const EXTRA_DETAIL_PENALTY = 0.2;
export const STEP_PENALTY = 0.01;
export const DONT_MIND = 'i do not mind';
export const ANSWER_PERFECT = 'perfect , thanks .';
export const ANSWER_OK = 'ok , thanks .';

export interface MissingDetail {
  slot: string;
  value: string;
  importance: 1 | 2 | 3;
}
export interface IntentHidden {
  domain: string;
  /** Every slot's value (stated and missing). */
  values: Record<string, string>;
  missing: MissingDetail[];
}

const domainById = (id: string): DomainSpec => DOMAINS.find((d) => d.id === id)!;
const optionOf = (d: DomainSpec, slot: string, value: string): OptionSpec => d.slots.find((s) => s.slot === slot)!.options.find((o) => o.value === value)!;

/** The request: the domain's vague request followed by the stated details. */
export function requestText(hidden: IntentHidden): string {
  const d = domainById(hidden.domain);
  const missing = new Set(hidden.missing.map((m) => m.slot));
  const stated = d.slots.filter((s) => !missing.has(s.slot)).map((s) => optionOf(d, s.slot, hidden.values[s.slot]).phrase);
  return [d.request, ...stated, '.'].join(' ');
}

/** The user's answer about one slot of the domain, in every persona's words. */
function slotAnswer(d: DomainSpec, slot: string, value: string): Answer {
  const spec = d.slots.find((s) => s.slot === slot)!;
  const o = spec.options.find((x) => x.value === value)!;
  return {
    plain: o.phrase,
    terse: o.value,
    implicit: o.implicit ?? o.phrase,
    wrong: (rng: Rng) => slotAnswer(d, slot, rng.pick(spec.options.filter((x) => x.value !== value)).value),
  };
}

export type IntentAction = { type: 'ask'; slots: string[] } | { type: 'answer'; values: string[]; valid: boolean } | { type: 'invalid' };

/** "ask time ?" / "ask time people ?" (1-3 distinct slots) / "answer dinner four". */
export function parseAction(action: string): IntentAction {
  const w = words(action);
  if (w[0] === 'ask') {
    const rest = w[w.length - 1] === '?' ? w.slice(1, -1) : w.slice(1);
    if (rest.length >= 1 && rest.length <= 3 && rest.every((s) => SLOT_WORDS.includes(s)) && new Set(rest).size === rest.length) return { type: 'ask', slots: rest };
    return { type: 'invalid' };
  }
  if (w[0] === 'answer') {
    const rest = w.slice(1);
    return { type: 'answer', values: rest, valid: rest.length > 0 && rest.every((v) => ALL_VALUES.has(v)) };
  }
  return { type: 'invalid' };
}

/** Importance-weighted fraction of missing details whose value (and no other value of the slot) is stated. */
export function scoreAnswer(hidden: IntentHidden, values: readonly string[]): number {
  const d = domainById(hidden.domain);
  const said = new Set(values);
  let got = 0;
  let total = 0;
  for (const m of hidden.missing) {
    const options = d.slots.find((s) => s.slot === m.slot)!.options.map((o) => o.value);
    const mentioned = options.filter((o) => said.has(o));
    total += m.importance;
    if (mentioned.length === 1 && mentioned[0] === m.value) got += m.importance;
  }
  return total > 0 ? got / total : 0;
}

/** Step reward of a question that uncovered these new details (IntentionGym). */
export function questionReward(uncovered: readonly { importance: number }[]): number {
  if (uncovered.length === 0) return -STEP_PENALTY;
  const top = Math.max(...uncovered.map((u) => u.importance));
  return Math.max(0, IMPORTANCE_REWARD[top] - EXTRA_DETAIL_PENALTY * (uncovered.length - 1)) - STEP_PENALTY;
}

/** Largest number of slots of a domain: the most details an instance can hide. */
export const MAX_MISSING = Math.max(...DOMAINS.map((d) => d.slots.length));

/**
 * The knob `intentMissing`: a range "a-b" or a list "a,b,...", counts in 1..MAX_MISSING, sorted;
 * a count listed twice is drawn twice as often ("1,3,3": a third of the instances hide one
 * detail). Null if malformed.
 */
export function parseMissingCounts(spec: string): number[] | null {
  const text = spec.trim();
  let counts: number[];
  const range = /^(\d)\s*-\s*(\d)$/.exec(text);
  if (range) {
    const [lo, hi] = [Number(range[1]), Number(range[2])];
    if (lo > hi) return null;
    counts = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  } else if (/^\d(\s*,\s*\d)*$/.test(text)) {
    counts = text.split(',').map((c) => Number(c.trim())).sort((a, b) => a - b);
  } else return null;
  return counts.every((c) => c >= 1 && c <= MAX_MISSING) ? counts : null;
}

export const DEFAULT_MISSING = '1-3';

function drawHidden(rng: Rng, missingCounts: readonly number[]): { key: string; value: IntentHidden } {
  const d = rng.pick(DOMAINS);
  const values: Record<string, string> = {};
  for (const s of d.slots) values[s.slot] = rng.pick(s.options).value;
  // Instances of uneven difficulty (docs/results/warm-starts/README.md): the count is drawn uniformly from
  // the knob's list, capped at the domain's slots (the default 1-3 draws exactly as the fixed 1-3 did).
  const count = Math.min(rng.pick(missingCounts), d.slots.length);
  const missingSlots = rng.shuffle(d.slots.map((s) => s.slot)).slice(0, count);
  // Keep the domain's slot order for the missing list (a canonical key).
  const missing: MissingDetail[] = d.slots
    .filter((s) => missingSlots.includes(s.slot))
    .map((s) => ({ slot: s.slot, value: values[s.slot], importance: rng.int(1, 3) as 1 | 2 | 3 }));
  const key = `${d.id}|${d.slots.map((s) => values[s.slot]).join(',')}|${missing.map((m) => `${m.slot}:${m.importance}`).join(',')}`;
  return { key, value: { domain: d.id, values, missing } };
}

// ---------------------------------------------------------------------------------------------
// What a scripted agent understands of the dialogue

/** The domain of a request and the slots it states, as the agent reads them. */
export function readRequest(request: string): { domain: DomainSpec; stated: Record<string, string> } {
  const domain = DOMAINS.find((d) => request.startsWith(d.request + ' ')) ?? DOMAINS[0];
  const rest = ` ${request.slice(domain.request.length).replace(/ \.$/, '')} `;
  const stated: Record<string, string> = {};
  for (const s of domain.slots) for (const o of s.options) if (rest.includes(` ${o.phrase} `)) stated[s.slot] = o.value;
  return { domain, stated };
}

/** Which option a reply part means, for a slot of the domain (null if it cannot tell). */
export function readSlotReply(domain: DomainSpec, slot: string, part: string): string | null {
  const spec = domain.slots.find((s) => s.slot === slot);
  if (!spec) return null;
  for (const o of spec.options) if (part === o.phrase || part === o.value || part === o.implicit) return o.value;
  return null;
}

/** Every (slot, value) answer the agent heard, in order. */
export function heardAnswers(view: AgentView, domain: DomainSpec): { slot: string; value: string }[] {
  const out: { slot: string; value: string }[] = [];
  for (const e of view.exchanges) {
    const a = parseAction(e.action);
    if (a.type !== 'ask') continue;
    const parts = replyParts(e.feedback);
    if (parts.length !== a.slots.length) continue;
    a.slots.forEach((slot, i) => {
      const v = readSlotReply(domain, slot, parts[i]);
      if (v) out.push({ slot, value: v });
    });
  }
  return out;
}

/** Posterior over each unstated slot's options, for a user who lies with probability `noise`. */
export function slotPosteriors(view: AgentView, noise: number): { domain: DomainSpec; stated: Record<string, string>; beliefs: Map<string, Map<string, number>> } {
  const { domain, stated } = readRequest(view.request);
  const beliefs = new Map<string, Map<string, number>>();
  for (const s of domain.slots) if (!(s.slot in stated)) beliefs.set(s.slot, new Map(s.options.map((o) => [o.value, 1])));
  const optionsOf = (slot: string): string[] => domain.slots.find((s) => s.slot === slot)!.options.map((o) => o.value);
  for (const { slot, value } of heardAnswers(view, domain)) {
    const b = beliefs.get(slot);
    if (!b) continue;
    for (const v of b.keys()) b.set(v, b.get(v)! * noisyCategorical(v, optionsOf(slot), noise).get(value)!);
  }
  return { domain, stated, beliefs };
}

const mapValue = (b: Map<string, number>): string => [...b].reduce((best, cur) => (cur[1] > best[1] ? cur : best))[0];

const askedSlots = (view: AgentView): Set<string> => new Set(view.exchanges.flatMap((e) => { const a = parseAction(e.action); return a.type === 'ask' ? a.slots : []; }));

/** "answer ..." with the known (or guessed) value of every unstated slot. */
function answerFromBeliefs(view: AgentView, rng: Rng, noise: number, guessUnknown: boolean): string {
  const { domain, beliefs } = slotPosteriors(view, noise);
  const heard = new Set(heardAnswers(view, domain).map((h) => h.slot));
  const values = [...beliefs].map(([slot, b]) => (heard.has(slot) || !guessUnknown ? mapValue(b) : rng.pick([...b.keys()])));
  return ['answer', ...values].join(' ');
}

export const agents: Record<string, ScriptedAgent> = {
  /** States the request at once, guessing every unstated detail. */
  'act-now': (view, rng) => answerFromBeliefs(view, rng, 0, true),
  /** Asks a random slot (of any domain) or answers random values one time in four. */
  random: (view, rng) => {
    if (rng.bernoulli(0.25)) {
      const { domain } = readRequest(view.request);
      const picks = rng.shuffle(domain.slots).slice(0, rng.int(1, domain.slots.length));
      return ['answer', ...picks.map((s) => rng.pick(s.options).value)].join(' ');
    }
    return `ask ${rng.pick(SLOT_WORDS)} ?`;
  },
  /** Asks every slot of the domain in order (stated ones too), one per question, then answers. */
  'ask-all': (view, rng) => {
    const { domain } = readRequest(view.request);
    const asked = askedSlots(view);
    const next = domain.slots.find((s) => !asked.has(s.slot));
    if (!next || turnsLeft(view) <= 1) return answerFromBeliefs(view, rng, 0, true);
    return `ask ${next.slot} ?`;
  },
  /**
   * Asks the slot with the highest expected information gain under the true posterior, one slot
   * per question; slots never asked come first (each uncovers a detail, which IntentionGym
   * rewards, and a missing detail never asked is a guess in the answer). With a noisy user it then
   * re-asks the most uncertain slot while turns remain. Answers when nothing is left to learn.
   */
  oracle: (view, rng) => {
    const noise = assumedNoise(view);
    const { beliefs } = slotPosteriors(view, noise);
    const asked = askedSlots(view);
    let best = '';
    let bestScore = 0.02;
    for (const [slot, b] of beliefs) {
      const options = [...b.keys()];
      const gain = expectedInfoGain(options, [...b.values()], (v) => noisyCategorical(v, options, noise));
      const score = gain + (asked.has(slot) ? 0 : 10);
      if (gain > 0.02 && score > bestScore) [best, bestScore] = [slot, score];
    }
    if (!best || turnsLeft(view) <= 1) return answerFromBeliefs(view, rng, noise, false);
    return `ask ${best} ?`;
  },
};

/** Unstated slots of the request's domain whose value the agent has not heard yet. */
function unknownSlots(view: AgentView): string[] {
  const { domain, stated } = readRequest(view.request);
  const heard = new Set(heardAnswers(view, domain).map((h) => h.slot));
  return domain.slots.filter((s) => !(s.slot in stated) && !heard.has(s.slot)).map((s) => s.slot);
}

/**
 * The demonstrator's expert: asks about the first detail (in the domain's slot order) still
 * unknown, one the user has not made clear (an unreadable answer or a non-answer leaves it
 * unknown, so the expert asks it again), and states the request as soon as nothing is unknown.
 * A fixed order makes the next move a function of the answers: a detail settled moves the
 * question on to the next one, or turns it into the answer; a detail left open is asked again.
 */
const expert: ScriptedAgent = (view, rng) => {
  const open = unknownSlots(view);
  if (open.length === 0 || turnsLeft(view) <= 1) return answerFromBeliefs(view, rng, 0, true);
  return `ask ${open[0]} ?`;
};

/** An uninformed move: a question about a detail already known (stated, answered or outside the domain), or an answer that guesses. */
const slip: ScriptedAgent = (view, rng) => {
  if (rng.bernoulli(0.3)) return answerFromBeliefs(view, rng, 0, true);
  const open = new Set(unknownSlots(view));
  const known = SLOT_WORDS.filter((s) => !open.has(s));
  return `ask ${rng.pick(known)} ?`;
};

/** Warm-start demonstrator: the expert, with a share `rate` of uninformed moves. */
export const demonstrator = (rate: number): ScriptedAgent => slipping(expert, slip, rate);
agents.demo = demonstrator(DEFAULT_DEMO_SLIP);

/** Feedback of exchange `index`: a missing detail revealed, a detail already known repeated, "i do not mind" (no such detail), or nothing readable. */
export function describeFeedback(view: AgentView, index: number): FeedbackKind {
  const a = parseAction(view.exchanges[index].action);
  if (a.type === 'answer') return { label: 'final', informative: false };
  if (a.type !== 'ask') return { label: 'not-understood', informative: false };
  const before = unknownSlots(viewBefore(view, index)).length;
  const after = unknownSlots(viewBefore(view, index + 1)).length;
  if (after < before) return { label: 'detail', informative: true };
  const core = replyParts(view.exchanges[index].feedback);
  if (core.length > 0 && core.every((p) => p === DONT_MIND || p === 'any')) return { label: 'do-not-mind', informative: false };
  if (view.exchanges[index].feedback === NON_ANSWER) return { label: 'no-answer', informative: false };
  return { label: 'known-detail', informative: false };
}

export const intent: TaskFamily = {
  id: 'intent',
  title: 'Intent clarification',
  description:
    'A vague request ("book a table on friday .") hides 1-3 missing details of importance 1-3 (6 domains: restaurant, flight, hotel, taxi, movie, gift). Asking about a slot that uncovers a new detail earns 1.0 / 0.7 / 0.4 by importance, minus 0.2 per extra detail in one question, minus 0.01 a question (IntentionGym). The agent ends by stating the missing values, scored by the importance-weighted fraction right.',
  role: 'user',
  maxTurns: 6,
  grammar: ['ask SLOT [SLOT] [SLOT] ?', 'answer VALUE VALUE ...   (the missing details)'],
  vocabulary: () =>
    vocabularyOf(
      'ask ? answer',
      DONT_MIND,
      'any',
      ANSWER_PERFECT,
      ANSWER_OK,
      SLOT_WORDS,
      DOMAINS.flatMap((d) => [d.request, ...d.slots.flatMap((s) => s.options.flatMap((o) => [o.value, o.phrase, o.implicit ?? '']))]),
      '.',
      personaVocabulary(),
    ),
  sample(rng: Rng, split: Split, options?: Partial<EpisodeOptions>): TaskInstance {
    const counts = parseMissingCounts(options?.intentMissing ?? DEFAULT_MISSING);
    if (!counts) throw new Error(`intent: intentMissing must be a range or list of counts in 1..${MAX_MISSING}, got ${JSON.stringify(options?.intentMissing)}`);
    const { key, value } = sampleInSplit(rng, split, (r) => drawHidden(r, counts));
    return { family: 'intent', id: `intent/${split}/${key}`, split, request: requestText(value), hidden: value };
  },
  demonstrator,
  describeFeedback,
  actionKind: (action: string) => parseAction(action).type,
  difficulty: (instance) => `${(instance.hidden as IntentHidden).missing.length} missing`,
  // The domain opens the request ("book a table", "book a flight"), so the agent can tell it.
  areas: DOMAINS.map((d) => d.id),
  area: (instance) => (instance.hidden as IntentHidden).domain,
  key(instance) {
    const h = instance.hidden as IntentHidden;
    const d = domainById(h.domain);
    return `${d.id}|${d.slots.map((s) => h.values[s.slot]).join(',')}|${h.missing.map((m) => `${m.slot}:${m.importance}`).join(',')}`;
  },
  start(instance: TaskInstance, options: EpisodeOptions, rng: Rng): Episode {
    const hidden = instance.hidden as IntentHidden;
    const d = domainById(hidden.domain);
    const voice = createVoice(options.persona, options.noise, rng);
    const covered = new Set<string>();
    let score = 0;
    let answered = false;
    return {
      instance,
      respond(action: string): Reply {
        if (answered) return reply('', 'user', true, 0, false);
        const a = parseAction(action);
        if (a.type === 'ask') {
          const parts: Answer[] = a.slots.map((slot) => (d.slots.some((s) => s.slot === slot) ? slotAnswer(d, slot, hidden.values[slot]) : { plain: DONT_MIND, terse: 'any' }));
          const fresh = hidden.missing.filter((m) => a.slots.includes(m.slot) && !covered.has(m.slot));
          fresh.forEach((m) => covered.add(m.slot));
          return reply(voice.say(parts).text, 'user', false, questionReward(fresh));
        }
        if (a.type === 'answer') {
          answered = true;
          score = scoreAnswer(hidden, a.values);
          return reply(score === 1 ? ANSWER_PERFECT : ANSWER_OK, 'user', true, 0, a.valid);
        }
        return reply(NOT_UNDERSTOOD, 'user', false, -STEP_PENALTY, false);
      },
      outcome: () => ({ reward: score, success: answered && score === 1 }),
    };
  },
  agents,
};

/** Entropy of a slot belief (for docs and tests). */
