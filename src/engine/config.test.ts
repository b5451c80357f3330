import { describe, expect, it } from 'vitest';
import { ConfigError, configFromPresets, episodeOptions, evaluationDecoding, trainingDecoding, DEFAULT_CONFIG, diffFromDefaults, helpOf, CONFIG_KEYS, ignoredKeysLine, KNOB_GROUPS, parseKnobValue, PRESETS, resolveConfig, SHOWN_KEY_CHARS } from './config';

describe('config schema', () => {
  it('has the reference defaults for InfoPO (docs/infopo.md §4-§5)', () => {
    expect(DEFAULT_CONFIG).toMatchObject({ method: 'infopo', beta: 0.5, gateTemperature: 0.5, betaDecay: 0, groupSize: 5, epsLow: 0.2, epsHigh: 0.2, dualClip: 3, entropyCoef: 0.001, gradClip: 1, weightDecay: 0.01, ppoEpochs: 1, klCoef: 0, lossAgg: 'token-mean', infoGainEstimator: 'sampled', placeholderMode: 'equal-length', placeholder: 'No information found.' });
  });
  it('gives every knob a help line and a group', () => {
    const grouped = Object.values(KNOB_GROUPS).flat();
    for (const key of CONFIG_KEYS) {
      expect(helpOf(key).length, key).toBeGreaterThan(10);
      expect(grouped, key).toContain(key);
    }
    expect(grouped).toEqual(CONFIG_KEYS);
    expect(KNOB_GROUPS.Model).toEqual(['dModel', 'nLayers', 'nHeads']);
    expect(KNOB_GROUPS.Run.at(-1)).toBe('evalSeed');
  });
  it('gives the ref-* presets the reference PPO mini-batches (64 / 16 prompts; tau2 32 / 16)', () => {
    expect(configFromPresets(['ref-userrl']).miniBatches).toBe(4);
    expect(configFromPresets(['ref-colbench']).miniBatches).toBe(4);
    expect(configFromPresets(['ref-tau2']).miniBatches).toBe(2);
  });
  it('assembles every episode option from the config in one place', () => {
    const c = resolveConfig({ maxTurns: 4, noise: 0.3, wrongGuess: 'turn', implicitRate: 0.1, kinds: 2, maxActionTokens: 6, maxContext: 100, persona: 'terse', reward: 'success' });
    expect(episodeOptions(c)).toEqual({ maxTurns: 4, persona: 'terse', noise: 0.3, wrongGuess: 'turn', implicitRate: 0.1, kinds: 2, intentMissing: '1-3', maxActionTokens: 6, maxContext: 100, reward: 'success' });
    expect(episodeOptions(c, 'noisy').persona).toBe('noisy');
  });
  it('gives demo-gpu the demo at 64 prompts x G 5 = 320 dialogues per step, nothing else changed', () => {
    const demo = configFromPresets(['demo']);
    const gpu = configFromPresets(['demo-gpu']);
    expect(gpu.promptsPerStep * gpu.groupSize).toBe(320);
    expect({ ...gpu, promptsPerStep: demo.promptsPerStep }).toEqual(demo);
  });
  it('validates every preset', () => {
    for (const name of Object.keys(PRESETS)) expect(() => configFromPresets([name])).not.toThrow();
  });
  it('rejects bad values naming the key, the value and what is allowed', () => {
    const err = (input: unknown) => {
      try {
        resolveConfig(input);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(err({ beta: -1 })).toMatch(/beta = -1: .*>=\s*0/);
    expect(err({ method: 'ppo' })).toMatch(/method = "ppo": .*infopo.*grpo/);
    expect(err({ groupSize: 2.5 })).toMatch(/groupSize = 2.5: .*int/i);
    expect(err({ betta: 1 })).toMatch(/unknown key "betta"/);
    expect(err({ dModel: 30, nHeads: 4 })).toMatch(/nHeads = 4: must divide dModel = 30/);
    expect(err({ task: '20q;rm' })).toMatch(/task = "20q;rm"/);
    expect(err({ intentMissing: '1-5' })).toMatch(/intentMissing = "1-5": missing-detail counts from 1 to 4/);
  });
  it('parses string values by the key type', () => {
    expect(parseKnobValue('beta', '0.3')).toBe(0.3);
    expect(parseKnobValue('normalizeIntrinsic', 'false')).toBe(false);
    expect(parseKnobValue('method', 'grpo')).toBe('grpo');
    expect(() => parseKnobValue('beta', 'abc')).toThrow(/beta = "abc": expected a number/);
    expect(() => parseKnobValue('nope', '1')).toThrow(/unknown key "nope"/);
    expect(() => parseKnobValue('capIntrinsic', 'yes')).toThrow(/expected true or false/);
  });
  it('applies presets in order, overrides last, and diffs against the defaults', () => {
    const c = configFromPresets(['smoke', 'ref-tau2'], { seed: 9 });
    expect(c.steps).toBe(PRESETS.smoke.values.steps);
    expect(c.beta).toBe(0.1);
    expect(c.seed).toBe(9);
    expect(diffFromDefaults(c)).toMatchObject({ seed: 9, beta: 0.1, gateTemperature: 0.05 });
    expect(() => configFromPresets(['nope'])).toThrow(/unknown preset "nope"/);
  });
});

describe('ignoredKeysLine', () => {
  it('names at most five keys, each cut short, with control and bidirectional characters shown as ?', () => {
    expect(ignoredKeysLine(['a\u202eevil', 'b\nc', 'x'.repeat(500)], 'the link')).toBe(`Ignored 3 unknown keys in the link: "a?evil", "b?c", "${'x'.repeat(SHOWN_KEY_CHARS)}… (500 chars)".`);
    expect(ignoredKeysLine(['\u2067k\u2069'], 'f.json')).toBe('Ignored an unknown key in f.json: "?k?".');
    expect(ignoredKeysLine(['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'], 'x')).toMatch(/"k5" and 2 more\.$/);
  });
});

describe('decoding options', () => {
  it('training samples with the config\'s temperature, top-k and top-p; evaluation is greedy at evalTemperature 0, else sampled at it alone', () => {
    const c = configFromPresets(['smoke'], { temperature: 0.7, topK: 5, topP: 0.9, evalTemperature: 0 });
    expect(trainingDecoding(c)).toEqual({ temperature: 0.7, topK: 5, topP: 0.9, greedy: false });
    expect(evaluationDecoding(c)).toEqual({ temperature: 1, topK: 0, topP: 1, greedy: true });
    expect(evaluationDecoding({ ...c, evalTemperature: 1.5 })).toEqual({ temperature: 1.5, topK: 0, topP: 1, greedy: false });
  });
});
