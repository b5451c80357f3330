import { describe, expect, it } from 'vitest';
import { configFromPresets, DEFAULT_CONFIG } from '../engine';
import { glossary, glossParts, maskedAnswer, tourSteps } from './glossary';

describe('glossary', () => {
  it('marks symbols, longest first, and leaves words alone', () => {
    const parts = glossParts('gate_g = sigmoid(−σ_g / T) over the groups; red: fraction with σ_g = 0. Training');
    expect(parts.filter((p) => p.gloss).map((p) => p.text)).toEqual(['gate_g', 'σ_g', 'T', 'σ_g = 0']);
    expect(parts.map((p) => p.text).join('')).toBe('gate_g = sigmoid(−σ_g / T) over the groups; red: fraction with σ_g = 0. Training');
    expect(parts.find((p) => p.text === 'T')!.gloss).toBe(glossary(null).T);
  });
  it('returns plain text untouched', () => {
    expect(glossParts('no symbols here')).toEqual([{ text: 'no symbols here' }]);
    expect(glossParts('')).toEqual([]);
  });
});

describe('the masked answer the texts name', () => {
  const demo = configFromPresets(['demo']);
  const lastStep = (mask: Parameters<typeof tourSteps>[0]) => tourSteps(mask).at(-1)!.text;

  it("names the setup's own placeholder, as the policy reads it", () => {
    // The demo splices in the non-answer its warm start has seen; the defaults overwrite in place with the reference's text.
    expect(demo.placeholder).toBe('i have to think .');
    expect(maskedAnswer(demo)).toBe('"i have to think ."');
    expect(maskedAnswer(DEFAULT_CONFIG)).toBe(`"no information found .", cut to the answer's length or padded with its last word`);
    expect(maskedAnswer({ placeholder: 'I do NOT mind.', placeholderMode: 'replace' })).toBe('"i do not mind ."');
  });

  it('the tour and the IG entries of the glossary name the mask of the config they are given, and only that one', () => {
    for (const config of [demo, DEFAULT_CONFIG]) {
      const other = config === demo ? 'no information found' : 'i have to think';
      for (const text of [lastStep(config), glossary(config).IG_t, glossary(config).IG]) {
        expect(text).toContain(maskedAnswer(config));
        expect(text).not.toContain(other);
      }
    }
    // A chart caption belongs to no setup: its hover names no mask at all; the tour of an invalid setup says so.
    expect(glossary(null).IG_t).not.toMatch(/"/);
    expect(lastStep(null)).toContain('invalid fields');
    expect(tourSteps(demo).map((s) => s.title)).toEqual(['The agent', 'The user', 'A group', 'The gate', 'The information gain']);
  });

  it('glossParts explains symbols with the entries it is given', () => {
    expect(glossParts('IG_t per turn', glossary(demo))[0].gloss).toBe(glossary(demo).IG_t);
  });
});
