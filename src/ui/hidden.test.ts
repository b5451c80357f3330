import { describe, expect, it } from 'vitest';
import { summarizeHidden } from './hidden';

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
