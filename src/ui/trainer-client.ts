/** The UI's only door to training: a Comlink proxy of the worker's TrainerApi. */
import * as Comlink from 'comlink';
import type { TrainerApi, WorkerEvent, BackendPreference, ModelCardInfo, ModelExport, ImportedCheckpoint, PlayAgentOptions, PlayStartOptions, PlayState, StartOptions, UserModelDevice, UserModelEvent, UserPlayState } from '../worker/protocol';
import type { CheckpointFiles, Config } from '../engine';

export type { WorkerEvent, BackendPreference, ModelCardInfo, ModelExport, ImportedCheckpoint, PlayAgentOptions, PlayStartOptions, PlayState, StartOptions, UserModelDevice, UserModelEvent, UserPlayState };

export class TrainerClient {
  private worker: Worker;
  private api: Comlink.Remote<TrainerApi>;
  /**
   * `onCrash`: the worker failed outside a run (e.g. its module did not load); no event will follow.
   * `onUserModel`: every user model's loading in this worker (registered first, so none is missed).
   */
  constructor(onCrash?: (message: string) => void, onUserModel?: (e: UserModelEvent) => void) {
    this.worker = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' });
    if (onCrash) this.worker.addEventListener('error', (e) => onCrash(e.message || 'the training worker failed to load'));
    this.api = Comlink.wrap<TrainerApi>(this.worker);
    if (onUserModel) void this.api.watchUserModels(Comlink.proxy(onUserModel));
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
  loadUserModel(spec: string): Promise<{ name: string; bytes: number; device: UserModelDevice }> {
    return this.api.loadUserModel(spec);
  }
  playAgentStart(options: PlayAgentOptions): Promise<UserPlayState> {
    return this.api.playAgentStart(options);
  }
  playAgentMove(text: string): Promise<UserPlayState> {
    return this.api.playAgentMove(text);
  }
  terminate(): void {
    this.worker.terminate();
  }
}
