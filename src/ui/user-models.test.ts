import { describe, expect, it } from 'vitest';
import { loadedLine, loadsWhenChosen, userModelChoice, withUserModelEvent, type UserModelStates } from './user-models';

describe('user simulator controls', () => {
  it('shows each userModel value as its choice; anything typed is the Hub field', () => {
    expect(['', 'scripted', 'user-lm', 'owner/model', './folder', 'not a model!'].map(userModelChoice)).toEqual(['same', 'scripted', 'shipped', 'hub', 'hub', 'hub']);
  });

  it('loads the shipped model as soon as it is chosen, a Hub model only on request', () => {
    expect(loadsWhenChosen('user-lm')).toBe(true);
    expect(loadsWhenChosen('owner/model')).toBe(false);
    expect(loadsWhenChosen('scripted')).toBe(false);
    expect(loadsWhenChosen('not a model!')).toBe(false);
  });

  it("follows a load's events: progress that never runs backwards, then the model or the refusal", () => {
    let s: UserModelStates = {};
    const ev = { type: 'user-model' as const, spec: 'user-lm', device: 'wasm' as const };
    s = withUserModelEvent(s, { ...ev, status: 'loading', fraction: 0, file: '' });
    s = withUserModelEvent(s, { ...ev, status: 'loading', fraction: 0.6, file: 'onnx/model.onnx' });
    // transformers.js reports files one by one: a smaller mean after a new file appears is not shown.
    s = withUserModelEvent(s, { ...ev, status: 'loading', fraction: 0.4, file: 'generation_config.json' });
    expect(s['user-lm']).toEqual({ device: 'wasm', status: 'loading', fraction: 0.6, file: 'generation_config.json' });
    s = withUserModelEvent(s, { ...ev, status: 'loaded', name: 'user-lm', bytes: 728_064 });
    expect(s['user-lm']).toEqual({ device: 'wasm', status: 'loaded', name: 'user-lm', bytes: 728_064 });
    expect(loadedLine(s['user-lm'] as Extract<(typeof s)[string], { status: 'loaded' }>)).toBe('user-lm: 711 KB of weights, on wasm');
    s = withUserModelEvent(s, { ...ev, spec: 'a/b', status: 'failed', message: 'userModel a/b: offline' });
    expect(s['a/b']).toEqual({ device: 'wasm', status: 'failed', message: 'userModel a/b: offline' });
    expect(s['user-lm'].status).toBe('loaded');
    // A new load after a failure starts from zero again.
    s = withUserModelEvent(s, { ...ev, spec: 'a/b', status: 'loading', fraction: 0.1, file: 'config.json' });
    expect(s['a/b']).toMatchObject({ status: 'loading', fraction: 0.1 });
  });
});
