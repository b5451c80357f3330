/**
 * The whole worker boundary in one file: what the page may ask the training worker, and the
 * events the worker streams back. The worker exposes `TrainerApi` through Comlink.
 */
import type { BackendReport } from '../engine/backend';
import type { Config } from '../engine/config';
import type { ExperimentEvent } from '../engine/experiment';
import type { PlayState } from '../engine/play';
import type { RunRecord } from '../engine/run';

export type { PlayState };

/** Play the user: whose model answers, on which task instance (test split, by seed). */
export interface PlayStartOptions {
  /** 'run': the policy of this tab's last finished or stopped run; 'checkpoint': the shipped warm start. */
  source: 'run' | 'checkpoint';
  config: Config;
  task: string;
  seed: number;
}

export type BackendPreference = 'auto' | 'webgpu' | 'wasm' | 'cpu';

export type { BackendReport };

export type WorkerEvent =
  | ({ type: 'ready' } & BackendReport)
  | ExperimentEvent
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'complete'; record: RunRecord }
  | { type: 'error'; message: string };

export interface ModelExport {
  /** tfjs weights manifest + our model shape, as model.json. */
  modelJson: string;
  weights: ArrayBuffer;
}

export interface TrainerApi {
  /** Start a run; events arrive through `onEvent` until 'complete' or 'error'. */
  start(config: Config, backend: BackendPreference, onEvent: (event: WorkerEvent) => void): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** The current policy weights (after or during a run). */
  exportModel(): Promise<ModelExport | null>;
  /** Start a play-the-user session (not while a run trains); returns the agent's first move. */
  playStart(options: PlayStartOptions): Promise<PlayState>;
  /** The person's answer; returns the agent's next move and the answer's information gain. */
  playAnswer(text: string): Promise<PlayState>;
}
