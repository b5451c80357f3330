import { describe, expect, it } from 'vitest';
import lzString from 'lz-string';
import { CONFIG_KEYS, DEFAULT_CONFIG, PRESETS, configFromPresets, decodeShare, diffFromDefaults, encodeShare, resolveConfig } from '../engine';
import { LANDING_PRESET, displayValue, isLandingSetup, knobKind, overridesFromConfig, setupFromConfig, setupOfRefusedLink, validateSetup, withOverride } from './setup-logic';

describe('setup form model', () => {
  it('gives every knob a widget matching its default type', () => {
    for (const key of CONFIG_KEYS) {
      const kind = knobKind(key).kind;
      const value = DEFAULT_CONFIG[key];
      if (typeof value === 'boolean') expect(kind, key).toBe('boolean');
      else if (typeof value === 'number') expect(kind, key).toBe('number');
      else expect(['enum', 'text'], key).toContain(kind);
    }
    expect(knobKind('method')).toEqual({ kind: 'enum', options: ['infopo', 'grpo', 'rloo', 'reinforce', 'starpo'] });
    expect(knobKind('groupSize')).toMatchObject({ kind: 'number', integer: true, min: 1 });
  });

  it('resolves a preset with edits like configFromPresets', () => {
    for (const name of Object.keys(PRESETS)) {
      const v = validateSetup(name, { seed: '7', beta: '0.25' });
      expect(v.config).toEqual(configFromPresets([name], { seed: 7, beta: 0.25 }));
    }
  });

  it('reports invalid fields by key and keeps the other edits', () => {
    const v = validateSetup('smoke', { groupSize: '0', beta: 'abc', seed: '9' });
    expect(v.config).toBeNull();
    expect(v.errors.groupSize).toMatch(/groupSize = 0/);
    expect(v.errors.beta).toMatch(/beta = "abc": expected a number/);
    expect(v.errors.seed).toBeUndefined();
  });

  it('maps cross-field problems to the field they name', () => {
    const v = validateSetup('', { dModel: '30', nHeads: '4' });
    expect(v.errors.nHeads).toMatch(/must divide dModel/);
  });

  it('a checkpoint path in init (a link from the command line) is refused on the field, before Start', () => {
    const v = validateSetup('smoke', { init: 'http://example.com/model' });
    expect(v.config).toBeNull();
    expect(v.errors.init).toMatch(/^init = "http:\/\/example.com\/model": a checkpoint path works on the command line only/);
    expect(validateSetup('smoke', { init: 'warm-intent' }).errors.init).toBeUndefined();
  });

  it('an empty task mixture is an error on task', () => {
    expect(validateSetup('', { task: '' }).errors.task).toMatch(/task = ""/);
  });

  it('shows the schema\'s rejection of unknown task and persona ids on their fields, naming the known ids', () => {
    const v = validateSetup('', { task: '20q,nosuch', persona: 'grumpy', evalPersona: 'x' });
    expect(v.config).toBeNull();
    expect(v.errors.task).toMatch(/^task = "20q,nosuch": .*from: 20q, intent, code, travel, mastermind/);
    expect(v.errors.persona).toMatch(/^persona = "grumpy": .*"cooperative"/);
    expect(v.errors.evalPersona).toMatch(/^evalPersona = "x": /);
    expect(v.general).toEqual([]);
    expect(validateSetup('', { task: 'intent,20q', persona: 'noisy', evalPersona: 'terse' }).config).toMatchObject({ task: 'intent,20q', persona: 'noisy', evalPersona: 'terse' });
  });

  it('round-trips a config through overrides', () => {
    const config = resolveConfig({ method: 'grpo', normalizeIntrinsic: false, seed: 3, task: '20q' });
    expect(validateSetup('', overridesFromConfig(config)).config).toEqual(config);
  });

  it('drops an override equal to the base value', () => {
    expect(withOverride('smoke', {}, 'steps', '3')).toEqual({});
    expect(withOverride('smoke', {}, 'steps', '4')).toEqual({ steps: '4' });
    expect(displayValue('steps', 'smoke', {})).toBe('3');
    expect(displayValue('normalizeIntrinsic', '', {})).toBe(true);
  });
});

describe('setupFromConfig (opening a shared link)', () => {
  it('names the preset a config came from, with only the real edits', () => {
    const smoke = setupFromConfig(configFromPresets(['smoke']));
    expect(smoke).toEqual({ preset: 'smoke', overrides: {} });
    const edited = setupFromConfig(configFromPresets(['smoke'], { seed: 42, method: 'grpo' }));
    expect(edited).toEqual({ preset: 'smoke', overrides: { seed: '42', method: 'grpo' } });
    expect(validateSetup(edited.preset, edited.overrides).config).toEqual(configFromPresets(['smoke'], { seed: 42, method: 'grpo' }));
  });

  it('keeps the defaults as no preset, and the landing preset as itself', () => {
    expect(setupFromConfig(configFromPresets([]))).toEqual({ preset: '', overrides: {} });
    expect(setupFromConfig(configFromPresets([LANDING_PRESET]))).toEqual({ preset: LANDING_PRESET, overrides: {} });
    const config = configFromPresets([], { seed: 9 });
    const s = setupFromConfig(config);
    expect(validateSetup(s.preset, s.overrides).config).toEqual(config);
  });

  it('the landing setup is the demo preset with no edits (reset all is disabled there only)', () => {
    expect(isLandingSetup(LANDING_PRESET, {})).toBe(true);
    expect(validateSetup(LANDING_PRESET, {}).config).toEqual(configFromPresets(['demo']));
    // The schema's defaults are a from-scratch 20 questions run, not the page's landing demo.
    expect(isLandingSetup('', {})).toBe(false);
    expect(isLandingSetup(LANDING_PRESET, { seed: '2' })).toBe(false);
    expect(isLandingSetup(LANDING_PRESET, { seed: undefined })).toBe(true);
  });
});

describe('user simulators in the form and in links', () => {
  it('a link with userModel=user-lm (and an evaluation Hub model) round-trips through the form', () => {
    const config = configFromPresets(['smoke'], { userModel: 'user-lm', evalUserModel: 'someone/chat-model', seed: 5 });
    const link = encodeShare(config);
    const decoded = decodeShare(link);
    expect(decoded.config).toEqual(config);
    const form = setupFromConfig(decoded.config);
    expect(form).toEqual({ preset: 'smoke', overrides: { userModel: 'user-lm', evalUserModel: 'someone/chat-model', seed: '5' } });
    expect(encodeShare(validateSetup(form.preset, form.overrides).config!)).toBe(link);
    // At their defaults the keys stay out of links, so older links are unchanged.
    expect(diffFromDefaults(configFromPresets(['smoke']))).not.toHaveProperty('userModel');
  });

  it('refuses a checkpoint folder on its field before Start (the worker cannot read folders)', () => {
    for (const key of ['userModel', 'evalUserModel'] as const) {
      const v = validateSetup('smoke', { [key]: './runs/my-user' });
      expect(v.config).toBeNull();
      expect(v.errors[key]).toBe(`${key} = "./runs/my-user": a checkpoint folder works on the command line only; in the page use user-lm (the shipped LM user) or a Hub model id (owner/name)`);
    }
    expect(validateSetup('smoke', { userModel: 'owner/name', evalUserModel: 'scripted' }).config).toMatchObject({ userModel: 'owner/name', evalUserModel: 'scripted' });
  });

  it('a link whose values the schema refuses keeps every value as a raw edit, each invalid one with its error', () => {
    const payload = (value: unknown) => `v=1&c=${lzString.compressToEncodedURIComponent(JSON.stringify(value))}`;
    const link = payload({ ...diffFromDefaults(configFromPresets(['smoke'], { seed: 77 })), userModel: 'not a model!', futureKnob: 1 });
    expect(() => decodeShare(link)).toThrow(/^Shared link: invalid setup: userModel = "not a model!"/);
    const kept = setupOfRefusedLink(link)!;
    expect(kept.ignored).toEqual(['futureKnob']);
    expect(kept.overrides).toMatchObject({ seed: '77', steps: '3', userModel: 'not a model!' });
    const v = validateSetup('', kept.overrides);
    expect(v.config).toBeNull();
    expect(Object.keys(v.errors)).toEqual(['userModel']);
    // Fixed in the form, it is the linked setup with that one value changed.
    expect(validateSetup('', { ...kept.overrides, userModel: 'user-lm' }).config).toEqual(configFromPresets(['smoke'], { seed: 77, userModel: 'user-lm' }));
    // Payloads that cannot be read give nothing to keep.
    for (const bad of ['v=1&c=garbage', 'v=1', payload([1, 2]), `v=1&c=${'A'.repeat(20_000)}`]) expect(setupOfRefusedLink(bad)).toBeNull();
  });
});
