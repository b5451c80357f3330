import { describe, expect, it } from 'vitest';
import { fraction, hasRisen } from './page-demo';

describe('page-demo reads the page as a visitor does', () => {
  it("reads the page's percentages as fractions", () => {
    expect(fraction('22.3%')).toBeCloseTo(0.223, 12);
    expect(fraction('test at step 30: 41.0% (+18.8)')).toBeCloseTo(0.41, 12);
    expect(fraction('–')).toBeNull();
  });
  it('times the rise of the demo benchmark: a later evaluation at least +0.20 above step 0', () => {
    expect(hasRisen([{ step: 0, success: 0.2 }, { step: 10, success: 0.39 }])).toBe(false);
    expect(hasRisen([{ step: 0, success: 0.2 }, { step: 10, success: 0.39 }, { step: 20, success: 0.4 }])).toBe(true);
    expect(hasRisen([{ step: 10, success: 0.9 }])).toBe(false); // no step 0 yet: nothing to rise from
  });
});
