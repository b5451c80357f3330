import { describe, expect, it } from 'vitest';
import { evalDecoding } from './format';

describe('evalDecoding', () => {
  it('names greedy decoding at temperature 0 and sampling with its temperature above it', () => {
    expect(evalDecoding(0)).toBe('greedy');
    expect(evalDecoding(undefined)).toBe('greedy');
    expect(evalDecoding(1)).toBe('sampled (T = 1)');
    expect(evalDecoding(0.5)).toBe('sampled (T = 0.5)');
  });
});
