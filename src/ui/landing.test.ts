import { describe, expect, it } from 'vitest';
import { isOwnAddress, linkNotice } from './landing';

describe('what the page says at load about the setup in its address', () => {
  it('a reload or a step back holds the page’s own setup; a new navigation or a pasted link is a link', () => {
    expect(isOwnAddress('reload', false)).toBe(true);
    expect(isOwnAddress('back_forward', false)).toBe(true);
    expect(isOwnAddress('navigate', false)).toBe(false);
    expect(isOwnAddress(undefined, false)).toBe(false);
    // The page reloads itself to read a link pasted into its address bar.
    expect(isOwnAddress('reload', true)).toBe(false);
  });

  it('a plain reload says nothing, whether or not a run is offered for resuming (that offer is the one message)', () => {
    expect(linkNotice({ ownAddress: true, proofBackend: null }, 0)).toBeNull();
    expect(linkNotice({ ownAddress: true, proofBackend: 'wasm' }, 1)).toBeNull();
  });

  it('an opened link says its setup is loaded; with a run offered for resuming, that resuming loads that run’s setup instead', () => {
    expect(linkNotice({ ownAddress: false, proofBackend: null }, 0)).toBe('Setup loaded from the link. Press Start to reproduce the run.');
    expect(linkNotice({ ownAddress: false, proofBackend: 'cpu' }, 0)).toBe("Setup loaded from the link, with its run's fingerprint on cpu. Press Start to reproduce the run.");
    expect(linkNotice({ ownAddress: false, proofBackend: null }, 1)).toBe("Setup loaded from the link. Press Start to reproduce the run, or resume the interrupted run below (resuming loads that run's own setup).");
    expect(linkNotice({ ownAddress: false, proofBackend: null }, 2)).toContain('or resume an interrupted run below');
  });
});
