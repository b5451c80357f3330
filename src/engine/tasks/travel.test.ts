import { DEFAULT_CONFIG, episodeOptions } from '../config';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { splitOfKey } from './common';
import { bookingReward, misses, parseAction, PROFILES, profilePosterior, readPreference, search, travel, type Hotel, type TravelHidden } from './travel';
import type { EpisodeOptions, TaskInstance } from './types';

const hotel = (name: string, area: string, price: string, flags: string): Hotel => ({
  name,
  area,
  price,
  refundable: flags[0] === '1',
  breakfast: flags[1] === '1',
  parking: flags[2] === '1',
  pool: flags[3] === '1',
});
/** The user wants a cheap, refundable hotel near the beach; does not mind the rest. */
const hidden: TravelHidden = {
  hotels: [hotel('palm', 'beach', 'cheap', '1010'), hotel('oak', 'beach', 'luxury', '1101'), hotel('ivy', 'center', 'cheap', '1000'), hotel('jade', 'airport', 'mid', '0111'), hotel('rose', 'beach', 'cheap', '0011')],
  prefs: { area: 'beach', price: 'cheap', refundable: 'refundable', breakfast: null, parking: null, pool: null },
};
const instance: TaskInstance = { family: 'travel', id: 'travel/train/x', split: 'train', request: 'i need a hotel for my trip .', hidden };
const opts = (persona: string, extra: Partial<EpisodeOptions> = {}): EpisodeOptions => ({ ...episodeOptions(DEFAULT_CONFIG), maxTurns: 8, persona, noise: 0.2, implicitRate: 0, ...extra });
const start = (persona = 'cooperative', extra: Partial<EpisodeOptions> = {}, seed = 1) => travel.start(instance, opts(persona, extra), new Rng(seed));

describe('travel: generator', () => {
  it('draws 5 hotels with exactly one best and one or two acceptable, for 3 hidden preferences', () => {
    const rng = new Rng(4);
    for (let i = 0; i < 300; i++) {
      const h = travel.sample(rng, i % 2 ? 'train' : 'test').hidden as TravelHidden;
      expect(h.hotels).toHaveLength(5);
      expect(Object.values(h.prefs).filter((v) => v !== null)).toHaveLength(3);
      const m = h.hotels.map((x) => misses(x, h.prefs));
      expect(m.filter((x) => x === 0)).toHaveLength(1);
      expect(m.filter((x) => x === 1).length).toBeGreaterThanOrEqual(1);
      expect(m.filter((x) => x === 1).length).toBeLessThanOrEqual(2);
    }
  });
  it('is deterministic and keeps train and test apart', () => {
    expect(travel.sample(new Rng(9), 'train')).toEqual(travel.sample(new Rng(9), 'train'));
    const rng = new Rng(5);
    const train = new Set(Array.from({ length: 2000 }, () => travel.key(travel.sample(rng, 'train'))));
    const test = new Set(Array.from({ length: 600 }, () => travel.key(travel.sample(rng, 'test'))));
    expect([...test].filter((k) => train.has(k))).toEqual([]);
    for (const k of test) expect(splitOfKey(k)).toBe('test');
  });
});

describe('travel: parsing and the search tool', () => {
  it('reads asks, searches and bookings', () => {
    expect(parseAction('ask area ?')).toEqual({ type: 'ask', aspect: 'area' });
    expect(parseAction('search beach cheap')).toEqual({ type: 'search', values: ['beach', 'cheap'] });
    expect(parseAction('search')).toEqual({ type: 'search', values: [] });
    expect(parseAction('search beach cheap refundable pool')).toEqual({ type: 'invalid' });
    expect(parseAction('book palm')).toEqual({ type: 'book', name: 'palm' });
  });
  it('lists the hotels having every value, as environment feedback', () => {
    expect(search(hidden.hotels, ['beach', 'cheap'])).toBe('palm rose .');
    expect(search(hidden.hotels, ['beach', 'cheap', 'refundable'])).toBe('palm .');
    expect(search(hidden.hotels, ['airport', 'refundable'])).toBe('nothing found .');
    expect(search(hidden.hotels, [])).toBe('palm oak ivy jade rose .');
    expect(start().respond('search pool')).toMatchObject({ feedback: 'oak jade rose .', role: 'env', done: false });
  });
});

describe('travel: the user, per persona', () => {
  const say = (persona: string, action: string, extra: Partial<EpisodeOptions> = {}) => start(persona, extra).respond(action).feedback;
  it('reveals preferences only when asked; cooperative states them', () => {
    expect(say('cooperative', 'ask area ?')).toBe('near the beach .');
    expect(say('cooperative', 'ask refundable ?')).toBe('it must be refundable .');
    expect(say('cooperative', 'ask pool ?')).toBe('i do not mind .');
    expect(start().respond('ask area ?').role).toBe('user');
  });
  it('terse: the value word, "any" when it does not matter', () => {
    expect(say('terse', 'ask price ?')).toBe('cheap');
    expect(say('terse', 'ask pool ?')).toBe('any');
  });
  it('implicit: reasons instead of preferences (UserBench)', () => {
    expect(say('implicit', 'ask area ?')).toBe('i love to swim .');
    expect(say('implicit', 'ask price ?')).toBe('i am on a budget .');
    expect(say('implicit', 'ask refundable ?')).toBe('i travel for work .');
    expect(readPreference('refundable', 'i travel for work .')).toBe('refundable');
  });
  it('a cooperative user is sometimes implicit too (implicitRate)', () => {
    expect(say('cooperative', 'ask refundable ?', { implicitRate: 1 })).toBe('i travel for work .');
  });
  it('verbose adds filler; noisy gives another answer when it lies', () => {
    expect(readPreference('area', say('verbose', 'ask area ?'))).toBe('beach');
    expect(say('noisy', 'ask area ?', { noise: 1 })).not.toBe('near the beach .');
    expect(readPreference('area', say('noisy', 'ask area ?', { noise: 1 }))).not.toBe(undefined);
  });
});

describe('travel: reward', () => {
  it('the best hotel scores 1, an acceptable one (one preference missed) 0.8, others 0', () => {
    expect(hidden.hotels.map((h) => bookingReward(h, hidden.prefs))).toEqual([1, 0.8, 0.8, 0, 0.8]);
    const ep = start();
    expect(ep.respond('book palm')).toMatchObject({ feedback: 'booked .', done: true, role: 'env' });
    expect(ep.outcome()).toEqual({ reward: 1, success: true });
    const ep2 = start();
    ep2.respond('book oak');
    expect(ep2.outcome()).toEqual({ reward: 0.8, success: false });
    const ep3 = start();
    expect(ep3.respond('book lotus')).toMatchObject({ feedback: 'no such hotel .', done: true, valid: false });
    expect(ep3.outcome()).toEqual({ reward: 0, success: false });
  });
});

describe('travel: the scripted agents’ belief', () => {
  it('knows the user cares about exactly 3 of the 6 aspects', () => {
    expect(PROFILES).toHaveLength(76); // C(6,3) aspect triples, times 3 values for area and for price
    const view = { request: instance.request, maxTurns: 8, exchanges: [{ action: 'ask area ?', feedback: 'near the beach .' }, { action: 'ask price ?', feedback: 'a cheap one .' }, { action: 'ask refundable ?', feedback: 'i travel for work .' }] };
    const w = profilePosterior(view, 0);
    expect(PROFILES.filter((_, i) => w[i] > 0)).toEqual([hidden.prefs]);
  });
  it('the oracle asks, searches with what it learned, and books the best hotel', () => {
    const ep = start();
    const exchanges: { action: string; feedback: string }[] = [];
    for (let t = 0; t < 8; t++) {
      const action = travel.agents.oracle({ request: instance.request, exchanges, maxTurns: 8 }, new Rng(t));
      const r = ep.respond(action);
      exchanges.push({ action, feedback: r.feedback });
      if (r.done) break;
    }
    expect(exchanges.at(-2)!.action).toBe('search beach cheap refundable');
    expect(exchanges.at(-1)!.action).toBe('book palm');
    expect(ep.outcome().success).toBe(true);
  });
});
