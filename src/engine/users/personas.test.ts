import { describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { createVoice, FILLERS, getPersona, PERSONA_IDS, personaVocabulary, replyCore, replyParts, type Answer } from './personas';

const two: Answer = { plain: 'for two', terse: 'two', implicit: 'me and my wife', wrong: () => ({ plain: 'for six', terse: 'six' }) };

describe('personas', () => {
  it('are the five of the issue, each with a description', () => {
    expect(PERSONA_IDS).toEqual(['cooperative', 'terse', 'verbose', 'noisy', 'implicit']);
    for (const id of PERSONA_IDS) expect(getPersona(id).description.length).toBeGreaterThan(10);
    expect(() => getPersona('grumpy')).toThrow(/Unknown persona/);
  });

  it('cooperative answers exactly, with a full stop', () => {
    expect(createVoice('cooperative', 0.5, new Rng(1)).say(two)).toEqual({ text: 'for two .', lied: false });
  });

  it('terse answers minimally, without punctuation', () => {
    expect(createVoice('terse', 0.5, new Rng(1)).say(two).text).toBe('two');
    expect(createVoice('terse', 0, new Rng(1)).say([two, { plain: 'on friday', terse: 'friday' }]).text).toBe('two , friday');
  });

  it('implicit answers indirectly, and falls back to the plain phrase', () => {
    const v = createVoice('implicit', 0, new Rng(1));
    expect(v.say(two).text).toBe('me and my wife .');
    expect(v.say({ plain: 'yes' }).text).toBe('yes .');
  });

  it('verbose wraps the exact answer in filler that scripted agents strip', () => {
    const v = createVoice('verbose', 0, new Rng(3));
    const texts = Array.from({ length: 20 }, () => v.say(two).text);
    for (const t of texts) {
      expect(FILLERS.some((f) => t.startsWith(f + ' '))).toBe(true);
      expect(replyCore(t)).toBe('for two');
    }
    expect(texts.some((t) => t.endsWith('thanks .'))).toBe(true);
  });

  it('noisy lies with probability `noise`, and only when the answer can be wrong', () => {
    expect(createVoice('noisy', 1, new Rng(1)).say(two)).toEqual({ text: 'for six .', lied: true });
    expect(createVoice('noisy', 0, new Rng(1)).say(two)).toEqual({ text: 'for two .', lied: false });
    expect(createVoice('noisy', 1, new Rng(1)).say({ plain: 'yes' }).text).toBe('yes .');
    const v = createVoice('noisy', 0.3, new Rng(9));
    const lies = Array.from({ length: 4000 }, () => v.say(two).lied).filter(Boolean).length;
    expect(lies / 4000).toBeGreaterThan(0.27);
    expect(lies / 4000).toBeLessThan(0.33);
  });

  it('every persona is deterministic given its random stream', () => {
    for (const id of PERSONA_IDS) {
      const a = createVoice(id, 0.4, Rng.derive(5, 'user'));
      const b = createVoice(id, 0.4, Rng.derive(5, 'user'));
      const sa = Array.from({ length: 30 }, () => a.say(two).text);
      const sb = Array.from({ length: 30 }, () => b.say(two).text);
      expect(sa).toEqual(sb);
    }
  });

  it('replyCore and replyParts read replies the way scripted agents do', () => {
    expect(replyCore('hmm , yes . thanks .')).toBe('yes');
    expect(replyCore('let me see , no .')).toBe('no');
    expect(replyCore('maybe')).toBe('maybe');
    expect(replyParts('oh , on friday , for two .')).toEqual(['on friday', 'for two']);
  });

  it('its vocabulary covers the filler, the closing and the not-understood reply', () => {
    const vocab = new Set(personaVocabulary());
    for (const w of ['hmm', 'well', ',', 'thanks', '.', 'i', 'do', 'not', 'understand', 'question']) expect(vocab.has(w)).toBe(true);
  });
});
