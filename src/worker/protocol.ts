/**
 * The whole worker boundary in one file: what the page may ask the training worker, and the
 * events the worker streams back. The worker exposes `TrainerApi` through Comlink.
 */
import type { CheckpointFiles, Config, ExperimentEvent, ModelShape, RunRecord } from '../engine';

export type BackendPreference = 'auto' | 'webgpu' | 'wasm' | 'cpu';

export interface BackendReport {
  backend: 'webgpu' | 'wasm' | 'cpu';
  adapter: string | null;
  /** Why a preferred backend was not used (shown on screen and stored in the run record). */
  fallbackReason: string | null;
  versions: Record<string, string>;
}

export type WorkerEvent =
  | ({ type: 'ready' } & BackendReport)
  | ExperimentEvent
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'complete'; record: RunRecord }
  | { type: 'error'; message: string };

/** A checkpoint folder's files (Hugging Face layout on export; either layout on import). */
export type ModelExport = CheckpointFiles;

/** What an imported checkpoint is, for the form (which fits its knobs to it) and the page. */
export interface ImportedCheckpoint {
  layout: 'hf' | 'legacy';
  shape: ModelShape;
  /** From the checkpoint's own record, when it has one. */
  trainedOn: string | null;
  method: string | null;
  seed: number | null;
  testSuccess: number | null;
}

export interface TrainerApi {
  /** Start a run; events arrive through `onEvent` until 'complete' or 'error'. */
  start(config: Config, backend: BackendPreference, onEvent: (event: WorkerEvent) => void): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** The current policy as a Hugging Face checkpoint folder's files (after a run); `madeBy` goes into the model card. */
  exportModel(madeBy: string): Promise<ModelExport | null>;
  /** Check and keep a checkpoint folder's files; later runs with init=imported start from it. */
  importCheckpoint(files: CheckpointFiles): Promise<ImportedCheckpoint>;
}
