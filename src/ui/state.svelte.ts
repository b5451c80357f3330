/**
 * The page's state in runes: the setup form, the current (or imported) run, and the banners.
 * Components read and call these stores; only this module talks to the TrainerClient. The run's
 * transitions are run-state.ts's pure functions; this module holds their result and does the effects.
 */
import { isBackendName, shareUrl, type BackendReport, type CheckpointFiles, type Config, type ConfigKey, type EvaluationEntry, type GroupTrace, type Integrity, type PhasePlan, type RunRecord, type RunSnapshot, type ShareProof, type StepEntry } from '../engine';
import { link } from './link-state.svelte';
import { TrainerClient, type BackendPreference, type ImportedCheckpoint, type ModelCardInfo, type ModelExport, type WorkerEvent } from './trainer-client';
import { LANDING_PRESET, displayValue, setupFromConfig, validateSetup, withOverride, type Overrides, type RawValue } from './setup-logic';
import { recordOfRun } from './run-file';
import type { WorkKind } from './progress';
import { abortRun, currentPhaseOf, elapsedMsOf, etaOf, failRun, isActive, isUnsaved, lastStepOf, openedRunLabel, openRecord, progressOf, reduceRun, requestStop, RUN_STATE_KEYS, snapshotSaved, startRun, type Moment, type OpenedFrom, type Phase, type RunState } from './run-state';
import { library } from './library.svelte';
import { userModels } from './user-models.svelte';
import { autosaveEvery, newRunId } from './library';

// ---------------------------------------------------------------- setup form

class SetupStore {
  /** '' = defaults only; the page opens on the demo preset. */
  preset = $state(LANDING_PRESET);
  /** The user's raw edits over defaults + preset. */
  overrides = $state<Overrides>({});
  backend = $state<BackendPreference>('auto');
  /** True once the user changed anything (the address bar then follows the setup). */
  touched = $state(false);
  readonly validation = $derived(validateSetup(this.preset, this.overrides));

  value(key: ConfigKey): RawValue {
    return displayValue(key, this.preset, this.overrides);
  }
  isEdited(key: ConfigKey): boolean {
    return this.overrides[key] !== undefined;
  }
  set(key: ConfigKey, raw: RawValue): void {
    this.overrides = withOverride(this.preset, $state.snapshot(this.overrides) as Overrides, key, raw);
    this.touched = true;
  }
  reset(key: ConfigKey): void {
    const next = { ...$state.snapshot(this.overrides) } as Overrides;
    delete next[key];
    this.overrides = next;
    this.touched = true;
  }
  choosePreset(name: string): void {
    this.preset = name;
    this.touched = true;
  }
  resetAll(): void {
    this.preset = LANDING_PRESET;
    this.overrides = {};
    this.touched = true;
  }
  /** Fill the form with exactly this config (shared link, imported run), naming the preset it matches best. */
  loadConfig(config: Config): void {
    const { preset, overrides } = setupFromConfig(config);
    this.preset = preset;
    this.overrides = overrides;
  }
}

export const setup = new SetupStore();

// ---------------------------------------------------------------- banners

class UiStore {
  shareError = $state<string | null>(null);
  /** The refused link's values fill the form (setupOfRefusedLink), rather than the landing setup. */
  shareKept = $state(false);
  importError = $state<string | null>(null);
  notice = $state<string | null>(null);
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  flash(message: string): void {
    this.notice = message;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => (this.notice = null), 4000);
  }
}

export const ui = new UiStore();

// ---------------------------------------------------------------- the run

let client: TrainerClient | null = null;
let runId = 0;

// ---------------------------------------------------------------- an imported checkpoint

/** A checkpoint folder the user imported; runs with init = imported start from it. */
class CheckpointStore {
  name = $state<string | null>(null);
  info = $state.raw<ImportedCheckpoint | null>(null);
  error = $state<string | null>(null);
  /** Kept here too: a new worker (after an abort) is sent the files again before its run. */
  files: CheckpointFiles | null = null;
}

export const checkpoint = new CheckpointStore();

/** The worker that holds this tab's last run (play-the-user uses its model); created on first use. */
export function trainerClient(): TrainerClient {
  client ??= new TrainerClient(
    (message) => {
      if (run.active) run.crashed(message);
    },
    (e) => userModels.on(e),
  );
  return client;
}

/**
 * Load the LM user a userModel value names in the worker (the Setup's controls): progress, the
 * loaded model or the refusal arrive through `userModels` (a failure the worker could not report,
 * such as a crashed worker, is recorded there too).
 */
export function loadUserModel(spec: string): void {
  trainerClient()
    .loadUserModel(spec)
    .catch((e: unknown) => userModels.failed(spec, e instanceof Error ? e.message : String(e)));
}

/** Write one field of the state (typed per key, so the store's fields keep their types). */
function assign<K extends keyof RunState>(to: RunState, from: RunState, key: K): void {
  to[key] = from[key];
}

function moment(): Moment {
  return { now: performance.now(), clock: new Date().toLocaleTimeString() };
}

/**
 * The run state in runes, one field each (components re-render only for the fields they read);
 * every change goes through run-state.ts's pure functions. This class does the effects: the worker,
 * the run library, the console and the clock's ticker.
 */
class RunStore implements RunState {
  phase = $state<Phase>('idle');
  paused = $state(false);
  stopRequested = $state(false);
  config = $state.raw<Config | null>(null);
  backend = $state.raw<BackendReport | null>(null);
  plan = $state.raw<PhasePlan[]>([]);
  phaseIndex = $state(-1);
  phaseStartedAt = $state(0);
  phaseDone = $state(0);
  perUnitMs = $state.raw<Partial<Record<WorkKind, number>>>({});
  now = $state(performance.now());
  warm = $state.raw<RunState['warm']>(null);
  warmLosses = $state.raw<RunState['warmLosses']>([]);
  steps = $state.raw<StepEntry[]>([]);
  traces = $state.raw<GroupTrace[]>([]);
  evaluations = $state.raw<EvaluationEntry[]>([]);
  record = $state.raw<RunRecord | null>(null);
  error = $state<string | null>(null);
  gpuErrors = $state.raw<string[]>([]);
  gpuErrorCount = $state(0);
  logs = $state.raw<string[]>([]);
  source = $state<RunState['source']>(null);
  importedName = $state<string | null>(null);
  openedFrom = $state<OpenedFrom | null>(null);
  startedAt = $state<number | null>(null);
  endedAt = $state<number | null>(null);
  stepStamps = $state.raw<number[]>([]);
  aborted = $state(false);
  preference = $state<BackendPreference>('auto');
  libraryId = $state<string | null>(null);
  savedStep = $state(0);
  deviceLost = $state<string | null>(null);
  resumedFrom = $state<number | null>(null);
  integrity = $state<Integrity | null>(null);
  expected = $state.raw<ShareProof | null>(null);
  verdict = $state.raw<RunState['verdict']>(null);

  readonly active = $derived(isActive(this.phase));
  readonly totalSteps = $derived(this.config?.steps ?? 0);
  readonly lastStep = $derived(lastStepOf(this));
  readonly unsaved = $derived(isUnsaved(this));
  readonly currentPhase = $derived(currentPhaseOf(this));
  readonly elapsedMs = $derived(elapsedMsOf(this));
  /** Time left over every remaining phase (estimated while a kind of work ahead is untimed); null when it cannot be told. */
  readonly eta = $derived(etaOf(this));
  readonly progress = $derived(progressOf(this));
  /** The phase line's words for a run shown without training ("Imported run", "Saved run"). */
  readonly openedLabel = $derived(openedRunLabel(this.openedFrom));
  private ticker: ReturnType<typeof setInterval> | undefined;

  /** The state as plain data, for the pure functions (they spread it; this class's fields are accessors). */
  private view(): RunState {
    return Object.fromEntries(RUN_STATE_KEYS.map((key) => [key, this[key]])) as unknown as RunState;
  }

  /** Take the next state, writing only the fields that changed. */
  private apply(next: RunState): void {
    for (const key of RUN_STATE_KEYS) if (this[key] !== next[key]) assign(this, next, key);
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.now = performance.now();
  }

  /** The run has ended (completed, stopped, failed or aborted): the clock stops and the record is stored. */
  private ended(): void {
    this.stopTicker();
    void this.persist();
  }

  /** Start a run; with `resume`, continue a stored run from its snapshot (its config, its library entry). */
  start(config: Config, preference: BackendPreference, resume?: { id: string; snapshot: RunSnapshot }): void {
    if (this.active) return;
    const id = ++runId;
    this.apply(startRun(this.view(), { config, preference, libraryId: resume?.id ?? newRunId(), expected: link.proofFor(config), resume: resume?.snapshot }, moment()));
    library.hold(this.libraryId!);
    clearInterval(this.ticker);
    this.ticker = setInterval(() => (this.now = performance.now()), 1000);
    if (!resume) void this.persist();
    const c = trainerClient();
    const plain = JSON.parse(JSON.stringify(config)) as Config;
    const files = checkpoint.files;
    // init = imported: the worker may be new (after an abort), so hand it the files first.
    const ready = config.init === 'imported' && files ? c.importCheckpoint(files).then(() => {}) : Promise.resolve();
    ready
      .then(() =>
        c.start(plain, preference, (event) => {
          if (id === runId) this.onEvent(event);
        }, { resume: resume?.snapshot, checkpointEvery: autosaveEvery(config.steps) }),
      )
      .catch((error: unknown) => {
        if (id === runId && this.active) this.fail(error instanceof Error ? error.message : String(error));
      });
  }

  private onEvent(e: WorkerEvent): void {
    const injected = e.type === 'ready' ? injectedProbe() : null;
    if (injected && e.type === 'ready') e = { ...e, probe: injected };
    this.apply(reduceRun(this.view(), e, { ...moment(), pageLink }));
    if (injected) this.apply(reduceRun(this.view(), { type: 'log', message: 'backend probe figures replaced by a test hook (window.infopoTestProbe)' }, { ...moment(), pageLink }));
    switch (e.type) {
      case 'gpu-error':
        // Also on the page's console, where tests and developers look for it.
        console.error(`WebGPU error #${e.count}: ${e.message}`);
        break;
      case 'device-lost':
        console.error(`WebGPU device lost: ${e.message}`);
        break;
      case 'snapshot': {
        const step = e.snapshot.step;
        const target = this.libraryId;
        if (target) void library.save(target, e.snapshot.record, e.snapshot).then((ok) => ok && target === this.libraryId && this.apply(snapshotSaved(this.view(), step)));
        break;
      }
      case 'complete':
      case 'error':
        this.ended();
        break;
    }
  }

  crashed(message: string): void {
    this.fail(`The training worker crashed: ${message}`);
  }

  private fail(message: string): void {
    this.apply(failRun(this.view(), message, moment()));
    this.ended();
  }

  /** Store the run's record as it stands (its snapshot, if any, stays); release the run's lock once it ended. */
  private async persist(): Promise<void> {
    const id = this.libraryId;
    if (!id || this.source !== 'live') return;
    const record = await this.currentRecord();
    if (record) await library.save(id, record);
    if (!this.active) library.release(id);
  }

  /** Continue a stored run from its snapshot (interrupted, stopped, failed, or held after a lost GPU device). */
  async resumeStored(id: string, preference?: BackendPreference): Promise<void> {
    const snapshot = await library.snapshot(id);
    if (!snapshot) throw new Error('This run has no stored snapshot to resume from.');
    if (this.active) this.abort();
    const madeOn = snapshot.record.environment.backend;
    setup.loadConfig(snapshot.record.config);
    library.interrupted = library.interrupted.filter((r) => r.id !== id);
    this.start(snapshot.record.config, preference ?? (isBackendName(madeOn) ? madeOn : 'auto'), { id, snapshot });
  }

  /** After a lost WebGPU device: end that worker and go on from the last stored snapshot on wasm. */
  async continueOnWasm(): Promise<void> {
    const id = this.libraryId;
    if (!id || this.savedStep === 0) throw new Error('No snapshot of this run was stored: start it again on wasm.');
    await this.resumeStored(id, 'wasm');
  }

  async pause(): Promise<void> {
    if (this.active && client) await client.pause();
  }
  async resume(): Promise<void> {
    if (client) await client.resume();
  }
  /** Graceful: the worker stops before the next RL step and sends its record (status 'stopped'). */
  async stop(): Promise<void> {
    if (!this.active || !client) return;
    this.apply(requestStop(this.view(), moment()));
    await client.stop();
  }
  /** Immediate: terminate the worker; the record is rebuilt from the events received. */
  abort(): void {
    if (!this.active) return;
    runId++;
    client?.terminate();
    client = null;
    userModels.forget();
    this.apply(abortRun(this.view(), moment()));
    this.ended();
  }

  async exportModel(card: ModelCardInfo): Promise<ModelExport | null> {
    if (!client || this.source !== 'live') return null;
    return client.exportModel(card);
  }

  /** Check a checkpoint folder's files in the worker and keep them for runs with init = imported. */
  async importCheckpoint(name: string, files: CheckpointFiles): Promise<ImportedCheckpoint> {
    client ??= new TrainerClient(
      (message) => {
        if (this.active) this.fail(`The training worker crashed: ${message}`);
      },
      (e) => userModels.on(e),
    );
    const info = await client.importCheckpoint(files);
    checkpoint.files = files;
    checkpoint.name = name;
    checkpoint.info = info;
    checkpoint.error = null;
    return info;
  }

  /** The run as a record: the worker's, or one rebuilt from events (status marks it partial). */
  currentRecord(): Promise<RunRecord | null> {
    return recordOfRun(this.view(), { runtime: navigator.userAgent, startedAt: new Date(performance.timeOrigin + (this.startedAt ?? 0)).toISOString() }, pageLink);
  }

  /** Show a record without training: a run.json file (`from` 'file') or a run of the library. */
  importRecord(record: RunRecord, name: string, integrity: Integrity | null = null, from: OpenedFrom = 'file'): void {
    if (this.active) throw new Error('Stop the current run before importing one.');
    runId++;
    this.apply(openRecord(this.view(), record, { name, from, integrity }, moment()));
  }
}

export const run = new RunStore();

/**
 * Test hook (e2e): probe figures a test sets before the page loads (`window.infopoTestProbe`, an
 * init script) replace the worker's in its `ready` event, so the fast-GPU offer can be shown on a
 * machine without a GPU; the backend itself is still the one the worker chose, and the log says so.
 */
function injectedProbe(): BackendReport['probe'] {
  const probe = (globalThis as { infopoTestProbe?: unknown }).infopoTestProbe;
  return Array.isArray(probe) ? (probe as BackendReport['probe']) : null;
}

/** A link to this page (its origin and path, wherever it is served) with the setup and, for a run, its proof. */
export function pageLink(config: Config, proof?: ShareProof | null): string {
  return shareUrl(`${location.origin}${location.pathname}`, config, proof);
}
