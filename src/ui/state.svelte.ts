/**
 * The page's state, as runes in one module: the setup form, the current (or imported) run, and the
 * banners. Components read and call these stores; only this module talks to the TrainerClient.
 */
import { reproductionVerdict, SHARE_BACKENDS, shareUrl, type BackendName, type BackendReport, type CheckpointFiles, type Config, type ConfigKey, type EvaluationEntry, type GroupTrace, type Integrity, type PhasePlan, type RunRecord, type RunSnapshot, type ShareProof, type StepEntry, type VerdictKind } from '../engine';
import { link } from './link-state.svelte';
import { TrainerClient, type BackendPreference, type ImportedCheckpoint, type ModelExport, type WorkerEvent } from './trainer-client';
import { LANDING_PRESET, displayValue, setupFromConfig, validateSetup, withOverride, type Overrides, type RawValue } from './setup-logic';
import { partialRecord } from './run-file';
import { fractionDone, kindOf, modelUnitMs, recentStepMs, remaining, type WorkKind } from './progress';
import { library } from './library.svelte';
import { autosaveEvery, newRunId } from './library';

/** What the page shows as the run's state; the running ones follow the engine's phase events. */
export type Phase = 'idle' | 'starting' | 'preparing' | 'loading' | 'warm-start' | 'evaluating' | 'training' | 'complete' | 'stopped' | 'failed' | 'imported';

const ACTIVE: readonly Phase[] = ['starting', 'preparing', 'loading', 'warm-start', 'evaluating', 'training'];

const PAGE_PHASE: Record<PhasePlan['id'], Phase> = {
  'loading-checkpoint': 'loading',
  'warm-start': 'warm-start',
  evaluation: 'evaluating',
  rl: 'training',
  'final-evaluation': 'evaluating',
};

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
  client ??= new TrainerClient((message) => {
    if (run.active) run.crashed(message);
  });
  return client;
}

class RunStore {
  phase = $state<Phase>('idle');
  paused = $state(false);
  stopRequested = $state(false);
  /** The run's config (a snapshot taken at Start, or the imported record's). */
  config = $state.raw<Config | null>(null);
  backend = $state.raw<BackendReport | null>(null);
  /** The engine's schedule ('plan' event) and the phase running now ('phase' events). */
  plan = $state.raw<PhasePlan[]>([]);
  phaseIndex = $state(-1);
  phaseStartedAt = $state(0);
  /** Units done in the current phase (warm-start steps, RL steps of this stretch). */
  phaseDone = $state(0);
  /** Measured ms per unit by kind of work, from finished phases. */
  perUnitMs = $state.raw<Partial<Record<WorkKind, number>>>({});
  /** Ticks every second while a run is active, so elapsed time and ETA stay current. */
  now = $state(performance.now());
  warm = $state.raw<{ step: number; total: number; loss: number } | null>(null);
  warmLosses = $state.raw<{ step: number; loss: number }[]>([]);
  steps = $state.raw<StepEntry[]>([]);
  traces = $state.raw<GroupTrace[]>([]);
  evaluations = $state.raw<EvaluationEntry[]>([]);
  /** The worker's own record ('complete' event) or the imported one. */
  record = $state.raw<RunRecord | null>(null);
  error = $state<string | null>(null);
  /** WebGPU validation errors / device loss reported by the worker: results are not trustworthy. */
  gpuErrors = $state.raw<string[]>([]);
  logs = $state.raw<string[]>([]);
  source = $state<'live' | 'imported' | null>(null);
  importedName = $state<string | null>(null);
  startedAt = $state<number | null>(null);
  endedAt = $state<number | null>(null);
  /** Wall-clock times (ms) of the step events, for the ETA. */
  stepStamps = $state.raw<number[]>([]);
  /** Set when the run ended without the worker's record (aborted or failed). */
  aborted = $state(false);
  preference = $state<BackendPreference>('auto');
  /** The run's id in the run library (autosave target), or null (imported runs, no IndexedDB). */
  libraryId = $state<string | null>(null);
  /** RL step of the last snapshot stored in the library (0: none yet). */
  savedStep = $state(0);
  /** Set when the WebGPU device was lost: the run is held; the page offers to continue on wasm. */
  deviceLost = $state<string | null>(null);
  /** A run resumed from a snapshot: the step it continued from. */
  resumedFrom = $state<number | null>(null);
  /** An imported record's fingerprint recomputed over its content (null for live runs). */
  integrity = $state<Integrity | null>(null);
  /** The backend and fingerprint of the linked run this run should reproduce (its setup unedited), and the verdict once it completes. */
  expected = $state.raw<ShareProof | null>(null);
  verdict = $state.raw<{ kind: VerdictKind; text: string } | null>(null);

  readonly active = $derived(ACTIVE.includes(this.phase));
  readonly totalSteps = $derived(this.config?.steps ?? 0);
  readonly lastStep = $derived(this.steps.length ? this.steps[this.steps.length - 1].step : 0);
  /** Leaving now would lose work: the run is training and its latest step (or its warm start) is not in a stored snapshot. */
  readonly unsaved = $derived(this.active && !(this.savedStep > 0 && this.savedStep === this.lastStep));
  readonly currentPhase = $derived(this.phaseIndex >= 0 ? (this.plan[this.phaseIndex] ?? null) : null);
  /** ms since Start (never negative: the clock is read at Start and at every tick). */
  readonly elapsedMs = $derived(this.startedAt === null ? null : Math.max(0, (this.endedAt ?? this.now) - this.startedAt));
  private readonly progressInput = $derived.by(() => {
    const perUnitMs = { ...this.perUnitMs };
    // RL: the recent step intervals (pauses excluded), else the last step's own time.
    const rl = recentStepMs(this.stepStamps) ?? this.steps[this.steps.length - 1]?.metrics.step_ms;
    if (rl !== undefined && Number.isFinite(rl)) perUnitMs.rl = rl;
    const phaseElapsedMs = this.currentPhase ? Math.max(0, this.now - this.phaseStartedAt) : 0;
    return { plan: this.plan, index: this.phaseIndex, done: this.phaseDone, phaseElapsedMs, perUnitMs, modelMs: this.config ? modelUnitMs(this.config) : undefined };
  });
  /** Milliseconds left over every remaining phase (estimated while a kind of work ahead is untimed); null when it cannot be told. */
  readonly eta = $derived(this.active && !this.paused ? remaining(this.progressInput) : null);
  /** Fraction of the whole run done (every phase counted). */
  readonly progress = $derived(this.phase === 'complete' ? 1 : fractionDone(this.progressInput, this.elapsedMs ?? 0));
  private ticker: ReturnType<typeof setInterval> | undefined;

  private log(line: string): void {
    const stamp = new Date().toLocaleTimeString();
    this.logs = [...this.logs.slice(-299), `${stamp}  ${line}`];
  }

  private clear(): void {
    this.paused = false;
    this.stopRequested = false;
    this.backend = null;
    this.warm = null;
    this.warmLosses = [];
    this.steps = [];
    this.traces = [];
    this.evaluations = [];
    this.record = null;
    this.error = null;
    this.gpuErrors = [];
    this.logs = [];
    this.source = null;
    this.importedName = null;
    this.startedAt = null;
    this.endedAt = null;
    this.stepStamps = [];
    this.aborted = false;
    this.plan = [];
    this.phaseIndex = -1;
    this.phaseDone = 0;
    this.perUnitMs = {};
    this.savedStep = 0;
    this.deviceLost = null;
    this.resumedFrom = null;
    this.integrity = null;
    this.expected = null;
    this.verdict = null;
  }

  /** Time the phase that just ended (its kind's ms per unit), then enter phase `index`. */
  private enterPhase(index: number): void {
    const t = performance.now();
    const prev = this.currentPhase;
    if (prev && prev.id !== 'rl' && prev.units > 0) this.perUnitMs = { ...this.perUnitMs, [kindOf(prev.id)]: (t - this.phaseStartedAt) / prev.units };
    this.phaseIndex = index;
    this.phaseStartedAt = t;
    this.phaseDone = 0;
    this.now = t;
    // A stretch of RL steps starts its own clock: the interval over a mid-run evaluation is not step time.
    if (this.plan[index]?.id === 'rl') this.stepStamps = [t];
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.now = performance.now();
  }

  /** Start a run; with `resume`, continue a stored run from its snapshot (its config, its library entry). */
  start(config: Config, preference: BackendPreference, resume?: { id: string; snapshot: RunSnapshot }): void {
    if (this.active) return;
    this.clear();
    const id = ++runId;
    this.config = config;
    this.libraryId = resume?.id ?? newRunId();
    if (resume) {
      const r = resume.snapshot.record;
      this.steps = r.steps;
      this.traces = r.traces;
      this.evaluations = r.evaluations;
      this.savedStep = resume.snapshot.step;
      this.resumedFrom = resume.snapshot.step;
      this.warm = r.warm_start.final_loss === null ? null : { step: r.warm_start.steps, total: r.warm_start.steps, loss: r.warm_start.final_loss };
    }
    library.hold(this.libraryId);
    this.preference = preference;
    this.expected = link.proofFor(config);
    this.source = 'live';
    this.phase = 'starting';
    this.startedAt = performance.now();
    this.now = this.startedAt;
    clearInterval(this.ticker);
    this.ticker = setInterval(() => (this.now = performance.now()), 1000);
    this.log(`${resume ? `resume from step ${resume.snapshot.step}` : 'start'}: method ${config.method}, task ${config.task}, seed ${config.seed}, ${config.steps} steps, backend preference ${preference}`);
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
    switch (e.type) {
      case 'ready': {
        const { type: _type, ...report } = e;
        this.backend = report;
        this.phase = 'preparing';
        this.log(`backend ${e.backend}${e.adapter ? ` (${e.adapter})` : ''}${e.threads ? `, ${e.threads} thread${e.threads > 1 ? 's' : ''}` : ''}${e.fallbackReason ? `; fallback: ${e.fallbackReason}` : ''}`);
        break;
      }
      case 'plan':
        this.plan = e.phases;
        break;
      case 'phase':
        this.enterPhase(e.index);
        this.phase = PAGE_PHASE[e.phase.id];
        this.log(`phase ${e.index + 1}/${this.plan.length}: ${e.phase.label} (${e.phase.units} ${e.phase.unit}${e.phase.units === 1 ? '' : 's'})`);
        break;
      case 'warm-start':
        this.warm = { step: e.step, total: e.total, loss: e.loss };
        this.warmLosses = [...this.warmLosses, { step: e.step, loss: e.loss }];
        this.phaseDone = e.step;
        if (e.step >= e.total) this.log(`warm start done: ${e.total} steps, loss ${e.loss.toFixed(4)}`);
        break;
      case 'step': {
        this.steps = [...this.steps, e.entry];
        if (e.traces.length) this.traces = [...this.traces, ...e.traces];
        this.stepStamps = [...this.stepStamps, performance.now()];
        this.phaseDone = e.entry.step - (this.currentPhase?.fromStep ?? 1) + 1;
        break;
      }
      case 'evaluation':
        this.evaluations = [...this.evaluations, e.entry];
        this.log(`evaluation at step ${e.entry.step} (${e.entry.persona}, ${e.entry.episodes} episodes): success ${(e.entry.success * 100).toFixed(1)}%, return ${e.entry.return.toFixed(3)}`);
        break;
      case 'log':
        this.log(e.message);
        if (e.message.startsWith('WebGPU error:')) {
          this.gpuErrors = [...this.gpuErrors, e.message.slice('WebGPU error:'.length).trim()];
          // Also on the page's console, where tests and developers look for it.
          console.error(e.message);
        }
        break;
      case 'paused':
        this.paused = true;
        this.log('paused');
        break;
      case 'resumed':
        this.paused = false;
        // The pause is not step time: restart the ETA's clock.
        this.stepStamps = [];
        this.log('resumed');
        break;
      case 'snapshot': {
        const step = e.snapshot.step;
        const target = this.libraryId;
        if (target) void library.save(target, e.snapshot.record, e.snapshot).then((ok) => ok && target === this.libraryId && (this.savedStep = Math.max(this.savedStep, step)));
        break;
      }
      case 'device-lost':
        this.deviceLost = e.message;
        if (this.active) this.paused = true;
        this.log(`the WebGPU device was lost (${e.message})${this.active ? '; the run is held' : ''}`);
        break;
      case 'complete':
        if (this.config && (SHARE_BACKENDS as readonly string[]).includes(e.record.environment.backend)) e.record.share_url = pageLink(this.config, { backend: e.record.environment.backend as ShareProof['backend'], fingerprint: e.record.fingerprint });
        if (this.expected && e.record.status === 'complete') {
          this.verdict = reproductionVerdict(this.expected, { backend: e.record.environment.backend, fingerprint: e.record.fingerprint });
          this.log(`link: ${this.verdict.text}`);
        }
        this.record = e.record;
        this.phase = e.record.status === 'complete' ? 'complete' : e.record.status === 'failed' ? 'failed' : 'stopped';
        this.paused = false;
        this.endedAt = performance.now();
        this.stopTicker();
        this.log(`run ${e.record.status}; fingerprint ${e.record.fingerprint.slice(0, 16)}…`);
        void this.persist();
        break;
      case 'error':
        if (e.record) this.record = e.record;
        this.fail(e.message);
        break;
    }
  }

  crashed(message: string): void {
    this.fail(`The training worker crashed: ${message}`);
  }

  private fail(message: string): void {
    this.error = message;
    this.phase = 'failed';
    this.paused = false;
    this.endedAt = performance.now();
    this.stopTicker();
    this.log(`error: ${message}`);
    void this.persist();
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
    const backend = preference ?? (['webgpu', 'wasm', 'cpu'].includes(snapshot.record.environment.backend) ? (snapshot.record.environment.backend as BackendPreference) : 'auto');
    setup.loadConfig(snapshot.record.config);
    library.interrupted = library.interrupted.filter((r) => r.id !== id);
    this.start(snapshot.record.config, backend, { id, snapshot });
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
    this.stopRequested = true;
    this.log('stop requested: the run ends before the next RL step');
    await client.stop();
  }
  /** Immediate: terminate the worker; the record is rebuilt from the events received. */
  abort(): void {
    if (!this.active) return;
    runId++;
    client?.terminate();
    client = null;
    this.aborted = true;
    this.phase = 'stopped';
    this.paused = false;
    this.endedAt = performance.now();
    this.stopTicker();
    this.log('aborted: worker terminated');
    void this.persist();
  }

  async exportModel(madeBy: string): Promise<ModelExport | null> {
    if (!client || this.source !== 'live') return null;
    return client.exportModel(madeBy);
  }

  /** Check a checkpoint folder's files in the worker and keep them for runs with init = imported. */
  async importCheckpoint(name: string, files: CheckpointFiles): Promise<ImportedCheckpoint> {
    client ??= new TrainerClient((message) => {
      if (this.active) this.fail(`The training worker crashed: ${message}`);
    });
    const info = await client.importCheckpoint(files);
    checkpoint.files = files;
    checkpoint.name = name;
    checkpoint.info = info;
    checkpoint.error = null;
    return info;
  }

  /** The run as a record: the worker's, or one rebuilt from events (status marks it partial). */
  async currentRecord(): Promise<RunRecord | null> {
    if (this.record) return this.record;
    if (!this.config) return null;
    const b = this.backend;
    return partialRecord({
      config: this.config,
      environment: {
        backend: b?.backend ?? 'unknown',
        fallback_reason: b?.fallbackReason ?? null,
        adapter: b?.adapter ?? null,
        adapter_software: b?.software ?? false,
        backend_probe: b?.probe ?? null,
        wasm_threads: b?.threads ?? null,
        runtime: navigator.userAgent,
        versions: b?.versions ?? {},
        started_at: new Date(performance.timeOrigin + (this.startedAt ?? 0)).toISOString(),
      },
      warmStart: { steps: this.config.sftSteps, finalLoss: this.warm?.loss ?? null },
      steps: this.steps,
      traces: this.traces,
      evaluations: this.evaluations,
      status: this.phase === 'failed' ? 'failed' : this.active ? 'running' : 'stopped',
    }).then((record) => {
      const backend = b?.backend;
      if (backend && this.config) record.share_url = pageLink(this.config, { backend, fingerprint: record.fingerprint });
      return record;
    });
  }

  importRecord(record: RunRecord, name: string, integrity: Integrity | null = null): void {
    if (this.active) throw new Error('Stop the current run before importing one.');
    this.clear();
    this.integrity = integrity;
    runId++;
    this.source = 'imported';
    this.importedName = name;
    this.config = record.config;
    this.record = record;
    this.steps = record.steps;
    this.traces = record.traces;
    this.evaluations = record.evaluations;
    const env = record.environment;
    this.backend = {
      backend: env.backend as BackendName,
      adapter: env.adapter ?? null,
      software: env.adapter_software ?? false,
      fallbackReason: env.fallback_reason ?? null,
      versions: env.versions ?? {},
      probe: env.backend_probe ?? null,
      threads: env.wasm_threads ?? null,
    };
    this.warm = record.warm_start.final_loss === null ? null : { step: record.warm_start.steps, total: record.warm_start.steps, loss: record.warm_start.final_loss };
    this.phase = 'imported';
    this.log(`imported ${name}: ${record.steps.length} steps, status ${record.status}`);
  }
}

export const run = new RunStore();

/** A link to this page (its origin and path, wherever it is served) with the setup and, for a run, its proof. */
export function pageLink(config: Config, proof?: ShareProof | null): string {
  return shareUrl(`${location.origin}${location.pathname}`, config, proof);
}
