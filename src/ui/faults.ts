/** What the page offers after a fault; pure, so the decision is unit-tested without a GPU. */

export interface DeviceLostOffer {
  /** The step the run continues after (0: no snapshot, start again). */
  fromStep: number;
  text: string;
  button: string;
}

/**
 * A lost WebGPU device cannot be recovered in place: continue on wasm from the last stored snapshot
 * (the steps after it are run again), or start again on wasm when none was stored yet.
 */
export function deviceLostOffer(savedStep: number, lastStep: number): DeviceLostOffer {
  if (savedStep <= 0) return { fromStep: 0, text: 'No snapshot was stored yet, so the run starts again.', button: 'Start again on wasm' };
  const lost = lastStep - savedStep;
  return {
    fromStep: savedStep,
    text: `The last snapshot is step ${savedStep}${lost > 0 ? `; step${lost === 1 ? '' : 's'} ${savedStep + 1}${lost > 1 ? `-${lastStep}` : ''} will run again` : ''}. On wasm the run goes on bit for bit reproducibly, with another fingerprint than on WebGPU.`,
    button: `Continue on wasm from step ${savedStep}`,
  };
}
