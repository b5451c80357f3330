/**
 * What the page was opened with and what this device can hold: the proof a link carried (backend
 * and fingerprint of a run of its setup), the keys it ignored, and the device facts the resource
 * check needs. Kept apart from state.svelte.ts (the run) so each stays small.
 */
import { canonicalJson, type Config, type ShareProof } from '../engine';

class LinkStore {
  /** Backend and fingerprint of the linked run, with the setup they belong to. */
  proof = $state.raw<ShareProof | null>(null);
  configJson = $state<string | null>(null);
  /** One line naming the keys the link or an imported file carried that this version ignores. */
  ignored = $state<string | null>(null);

  set(config: Config, proof: ShareProof | null): void {
    this.proof = proof;
    this.configJson = proof ? canonicalJson(config) : null;
  }
  /** The linked run's proof while `config` is still the linked setup (an edit makes it someone else's run). */
  proofFor(config: Config | null): ShareProof | null {
    return config && this.proof && this.configJson === canonicalJson(config) ? this.proof : null;
  }
}

export const link = new LinkStore();

class DeviceStore {
  /** navigator.deviceMemory: GB, rounded and capped at 8 by the browser; null where not reported (Firefox, Safari). */
  readonly memoryGB: number | null = typeof navigator !== 'undefined' && typeof (navigator as { deviceMemory?: number }).deviceMemory === 'number' ? (navigator as { deviceMemory?: number }).deviceMemory! : null;
  /** The WebGPU adapter's largest buffer (min of maxBufferSize and maxStorageBufferBindingSize), once BackendStatus has asked. */
  maxBufferBytes = $state<number | null>(null);
}

export const device = new DeviceStore();
