import { describe, expect, it } from 'vitest';
import { GLOSSARY, glossParts } from './glossary';

describe('glossary', () => {
  it('marks symbols, longest first, and leaves words alone', () => {
    const parts = glossParts('gate_g = sigmoid(−σ_g / T) over the groups; red: fraction with σ_g = 0. Training');
    expect(parts.filter((p) => p.gloss).map((p) => p.text)).toEqual(['gate_g', 'σ_g', 'T', 'σ_g = 0']);
    expect(parts.map((p) => p.text).join('')).toBe('gate_g = sigmoid(−σ_g / T) over the groups; red: fraction with σ_g = 0. Training');
    expect(parts.find((p) => p.text === 'T')!.gloss).toBe(GLOSSARY.T);
  });
  it('returns plain text untouched', () => {
    expect(glossParts('no symbols here')).toEqual([{ text: 'no symbols here' }]);
    expect(glossParts('')).toEqual([]);
  });
});
