import { describe, expect, it } from 'vitest';
import { evalDecoding, signedFixed } from './format';

describe('evalDecoding', () => {
  it('names greedy decoding at temperature 0 and sampling with its temperature above it', () => {
    expect(evalDecoding(0)).toBe('greedy');
    expect(evalDecoding(undefined)).toBe('greedy');
    expect(evalDecoding(1)).toBe('sampled (T = 1)');
    expect(evalDecoding(0.5)).toBe('sampled (T = 0.5)');
  });
});

describe('signedFixed', () => {
  it('writes differences with a fixed number of decimals, a sign and a true minus', () => {
    expect(signedFixed(0.0568)).toBe('+0.057');
    expect(signedFixed(-0.00456)).toBe('−0.005');
    expect(signedFixed(0.0196)).toBe('+0.020');
    expect(signedFixed(-0.0001)).toBe('0.000');
    expect(signedFixed(NaN)).toBe('—');
  });
});
