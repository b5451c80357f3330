/**
 * The whole worker boundary in one file: what the page may ask the training worker, and the
 * events the worker streams back. The worker exposes `TrainerApi` through Comlink.
 */
import type { BackendName, BackendReport, CheckpointFiles, Config, ExperimentEvent, ModelShape, PlayState, RunRecord, RunSnapshot, UserPlayState } from '../engine';

export type { PlayState, UserPlayState };

/** Play the user: whose model answers, on which task instance (test split, by seed). */
export interface PlayStartOptions {
  /** 'run': the policy of this tab's last finished or stopped run; 'checkpoint': the shipped warm start. */
  source: 'run' | 'checkpoint';
  config: Config;
  task: string;
  seed: number;
}

/** Play the agent: the person types the agent's moves, the LM user `userModel` names answers (test split, by seed). */
export interface PlayAgentOptions {
  /** A userModel value naming an LM user (user-lm, a Hub id). */
  userModel: string;
  config: Config;
  task: string;
  seed: number;
}

/** Where onnxruntime runs an LM user: WebGPU when the run's backend is a hardware WebGPU adapter, else wasm. */
export type UserModelDevice = 'wasm' | 'webgpu';

/**
 * A user model's loading in the worker (for a run, the Setup's load, or play), keyed by its
 * userModel value: progress (0..1, with the file being read), then loaded or failed (the loader's
 * one-line refusal).
 */
export type UserModelEvent = { type: 'user-model'; spec: string; device: UserModelDevice } & (
  | { status: 'loading'; fraction: number; file: string }
  | { status: 'loaded'; name: string; bytes: number }
  | { status: 'failed'; message: string }
);

/** 'auto' times the backends and keeps the fastest; a backend's name falls back in `BACKEND_NAMES` order. */
export type BackendPreference = 'auto' | BackendName;

export type { BackendReport };

export type WorkerEvent =
  | ({ type: 'ready' } & BackendReport)
  | ExperimentEvent
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'complete'; record: RunRecord }
  /** A resumable snapshot (every `checkpointEvery` steps and at a stop); the page autosaves it. */
  | { type: 'snapshot'; snapshot: RunSnapshot }
  /**
   * The WebGPU device reported a validation error (an invalid pipeline, a WGSL error): the op's
   * output silently kept stale memory, so the run's figures cannot be trusted. `count` numbers the
   * device's errors so far; the same failure repeats every step, so only the first few and every
   * 100th are sent.
   */
  | { type: 'gpu-error'; message: string; count: number }
  /** The WebGPU device is gone: the run is paused for good; the page offers to continue on wasm from its last snapshot. */
  | { type: 'device-lost'; message: string }
  | { type: 'error'; message: string; record?: RunRecord };

/** How a run starts: afresh, or from a snapshot (same config); snapshots every `checkpointEvery` steps (0: none). */
export interface StartOptions {
  resume?: RunSnapshot;
  checkpointEvery?: number;
}

/** What the page puts on an exported model's card: its name (the export's file stem) and the command that made it. */
export interface ModelCardInfo {
  name: string;
  madeBy: string;
}

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
  start(config: Config, backend: BackendPreference, onEvent: (event: WorkerEvent) => void, options?: StartOptions): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** The current policy as a Hugging Face checkpoint folder's files (after a run); `name` titles the model card, `madeBy` says how it was made. */
  exportModel(card: ModelCardInfo): Promise<ModelExport | null>;
  /** Check and keep a checkpoint folder's files; later runs with init=imported start from it. */
  importCheckpoint(files: CheckpointFiles): Promise<ImportedCheckpoint>;
  /** Start a play-the-user session (not while a run trains); returns the agent's first move. */
  playStart(options: PlayStartOptions): Promise<PlayState>;
  /** The person's answer; returns the agent's next move and the answer's information gain. */
  playAnswer(text: string): Promise<PlayState>;
  /** Receive every user model's loading events from now on (one listener: the page's). */
  watchUserModels(onEvent: (event: UserModelEvent) => void): Promise<void>;
  /** Load (or find loaded) the LM user a userModel value names; rejects with the loader's refusal. */
  loadUserModel(spec: string): Promise<{ name: string; bytes: number; device: UserModelDevice }>;
  /** Start a play-the-agent session (not while a run trains): the instance and the first suggestions. */
  playAgentStart(options: PlayAgentOptions): Promise<UserPlayState>;
  /** The person's move as the agent; returns the LM user's reply beside the scripted one. */
  playAgentMove(text: string): Promise<UserPlayState>;
}
