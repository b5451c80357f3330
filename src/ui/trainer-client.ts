/** The UI's only door to training: a Comlink proxy of the worker's TrainerApi. */
import * as Comlink from 'comlink';
import type { TrainerApi, WorkerEvent, BackendPreference, ModelCardInfo, ModelExport, ImportedCheckpoint, PlayStartOptions, PlayState, StartOptions } from '../worker/protocol';
import type { CheckpointFiles, Config } from '../engine';

export type { WorkerEvent, BackendPreference, ModelCardInfo, ModelExport, ImportedCheckpoint, PlayStartOptions, PlayState, StartOptions };

export class TrainerClient {
  private worker: Worker;
  private api: Comlink.Remote<TrainerApi>;
  /** `onCrash`: the worker failed outside a run (e.g. its module did not load); no event will follow. */
  constructor(onCrash?: (message: string) => void) {
    this.worker = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' });
    if (onCrash) this.worker.addEventListener('error', (e) => onCrash(e.message || 'the training worker failed to load'));
    this.api = Comlink.wrap<TrainerApi>(this.worker);
  }
  start(config: Config, backend: BackendPreference, onEvent: (e: WorkerEvent) => void, options: StartOptions = {}): Promise<void> {
    return this.api.start(config, backend, Comlink.proxy(onEvent), options);
  }
  pause(): Promise<void> {
    return this.api.pause();
  }
  resume(): Promise<void> {
    return this.api.resume();
  }
  stop(): Promise<void> {
    return this.api.stop();
  }
  exportModel(card: ModelCardInfo): Promise<ModelExport | null> {
    return this.api.exportModel(card);
  }
  importCheckpoint(files: CheckpointFiles): Promise<ImportedCheckpoint> {
    return this.api.importCheckpoint(files);
  }
  playStart(options: PlayStartOptions): Promise<PlayState> {
    return this.api.playStart(options);
  }
  playAnswer(text: string): Promise<PlayState> {
    return this.api.playAnswer(text);
  }
  terminate(): void {
    this.worker.terminate();
  }
}
