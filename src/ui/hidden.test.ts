import { describe, expect, it } from 'vitest';
import { describeHidden, summarizeHidden } from './hidden';

describe('summarizeHidden', () => {
  it('counts lists of records, flattens records, drops nulls', () => {
    const travel = { hotels: [{ name: 'palm' }, { name: 'ivy' }], prefs: { area: 'center', price: null, parking: 'parking' } };
    expect(summarizeHidden(travel)).toBe('hotels: 2 options · prefs: area center, parking');
    expect(summarizeHidden({ item: 'cat', kind: 'animals' })).toBe('item: cat · kind: animals');
    expect(summarizeHidden({ code: [3, 1, 2] })).toBe('code: 3, 1, 2');
    expect(summarizeHidden('cat')).toBe('cat');
    expect(summarizeHidden(null)).toBe('—');
    expect(summarizeHidden({ prefs: { a: null } })).toBe('prefs: none');
  });
});

describe('describeHidden', () => {
  it('says what a person playing the user must know, per task, and falls back to the generic summary', () => {
    const harp = { item: { name: 'harp', kind: 'instrument', answers: { instrument: 'yes', animal: 'no', brown: 'yes', yellow: 'maybe', wooden: 'yes' } } };
    expect(describeHidden('20q', harp)).toBe('harp (instrument): brown, wooden; maybe yellow');
    const intent = { domain: 'restaurant', values: { people: 'four', time: 'lunch' }, missing: [{ slot: 'time', value: 'lunch', importance: 3 }] };
    expect(describeHidden('intent', intent)).toBe('restaurant: people four, time lunch · not in the request: time lunch (importance 3)');
    expect(describeHidden('code', { stages: { filter: '', map: 'times 3', result: 'min' }, revealed: 'map', tests: [{}, {}] })).toBe('the code: map times 3, result min (the request tells map) · 2 hidden tests');
    expect(describeHidden('travel', { hotels: [{}, {}], prefs: { area: 'beach', price: null, parking: true } })).toBe('you want: area beach, parking · 2 hotels to choose from');
    expect(describeHidden('mastermind', { code: ['red', 'blue'] })).toBe('code: red, blue');
    expect(describeHidden('20q', { item: 'cat' })).toBe('item: cat');
  });
});
