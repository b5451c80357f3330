/**
 * The page's state, as runes in one module: the setup form, the current (or imported) run, and the
 * banners. Components read and call these stores; only this module talks to the TrainerClient.
 */
import { DEFAULT_CONFIG, type CheckpointFiles, type Config, type ConfigKey, type EvaluationEntry, type GroupTrace, type RunRecord, type StepEntry } from '../engine';
import { TrainerClient, type BackendPreference, type ImportedCheckpoint, type ModelExport, type WorkerEvent } from './trainer-client';
import { displayValue, overridesFromConfig, validateSetup, withOverride, type Overrides, type RawValue } from './setup-logic';
import { partialRecord } from './run-file';

export type Phase = 'idle' | 'starting' | 'preparing' | 'warm-start' | 'evaluating' | 'training' | 'complete' | 'stopped' | 'failed' | 'imported';

const ACTIVE: readonly Phase[] = ['starting', 'preparing', 'warm-start', 'evaluating', 'training'];

export interface BackendInfo {
  backend: string;
  adapter: string | null;
  fallbackReason: string | null;
  versions: Record<string, string>;
}

// ---------------------------------------------------------------- setup form

class SetupStore {
  /** '' = defaults only. */
  preset = $state('');
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
    this.preset = '';
    this.overrides = {};
    this.touched = true;
  }
  /** Fill the form with exactly this config (shared link, imported run). */
  loadConfig(config: Config): void {
    this.preset = '';
    this.overrides = overridesFromConfig(config);
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

class RunStore {
  phase = $state<Phase>('idle');
  paused = $state(false);
  stopRequested = $state(false);
  /** The run's config (a snapshot taken at Start, or the imported record's). */
  config = $state.raw<Config | null>(null);
  backend = $state.raw<BackendInfo | null>(null);
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

  readonly active = $derived(ACTIVE.includes(this.phase));
  readonly totalSteps = $derived(this.config?.steps ?? 0);
  readonly lastStep = $derived(this.steps.length ? this.steps[this.steps.length - 1].step : 0);
  /** Milliseconds left, from the mean wall time of the last (up to) 10 steps. */
  readonly etaMs = $derived.by(() => {
    const n = this.stepStamps.length;
    if (!this.config || n === 0) return null;
    const remaining = this.config.steps - this.lastStep;
    if (remaining <= 0) return 0;
    const recent = this.stepStamps.slice(-11);
    const per = recent.length >= 2 ? (recent[recent.length - 1] - recent[0]) / (recent.length - 1) : (this.steps[this.steps.length - 1]?.metrics.step_ms ?? NaN);
    return Number.isFinite(per) ? per * remaining : null;
  });

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
  }

  start(config: Config, preference: BackendPreference): void {
    if (this.active) return;
    this.clear();
    const id = ++runId;
    this.config = config;
    this.preference = preference;
    this.source = 'live';
    this.phase = 'starting';
    this.startedAt = performance.now();
    this.log(`start: method ${config.method}, task ${config.task}, seed ${config.seed}, ${config.steps} steps, backend preference ${preference}`);
    client ??= new TrainerClient((message) => {
      if (id === runId && this.active) this.fail(`The training worker crashed: ${message}`);
    });
    const c = client;
    const plain = JSON.parse(JSON.stringify(config)) as Config;
    const files = checkpoint.files;
    // init = imported: the worker may be new (after an abort), so hand it the files first.
    const ready = config.init === 'imported' && files ? c.importCheckpoint(files).then(() => {}) : Promise.resolve();
    ready
      .then(() =>
        c.start(plain, preference, (event) => {
          if (id === runId) this.onEvent(event);
        }),
      )
      .catch((error: unknown) => {
        if (id === runId && this.active) this.fail(error instanceof Error ? error.message : String(error));
      });
  }

  private onEvent(e: WorkerEvent): void {
    const c = this.config ?? DEFAULT_CONFIG;
    switch (e.type) {
      case 'ready':
        this.backend = { backend: e.backend, adapter: e.adapter, fallbackReason: e.fallbackReason, versions: e.versions };
        this.phase = 'preparing';
        this.log(`backend ${e.backend}${e.adapter ? ` (${e.adapter})` : ''}${e.fallbackReason ? `; fallback: ${e.fallbackReason}` : ''}`);
        break;
      case 'warm-start':
        this.warm = { step: e.step, total: e.total, loss: e.loss };
        this.warmLosses = [...this.warmLosses, { step: e.step, loss: e.loss }];
        this.phase = e.step >= e.total ? (c.evalEpisodes > 0 ? 'evaluating' : 'training') : 'warm-start';
        if (e.step >= e.total) this.log(`warm start done: ${e.total} steps, loss ${e.loss.toFixed(4)}`);
        break;
      case 'step': {
        this.steps = [...this.steps, e.entry];
        if (e.traces.length) this.traces = [...this.traces, ...e.traces];
        this.stepStamps = [...this.stepStamps, performance.now()];
        const s = e.entry.step;
        const evalNow = c.evalEpisodes > 0 && (s === e.total || (c.evalEvery > 0 && s % c.evalEvery === 0));
        this.phase = evalNow ? 'evaluating' : 'training';
        break;
      }
      case 'evaluation':
        this.evaluations = [...this.evaluations, e.entry];
        this.phase = this.lastStep >= c.steps || this.stopRequested ? 'evaluating' : 'training';
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
      case 'complete':
        this.record = e.record;
        this.phase = e.record.status === 'complete' ? 'complete' : e.record.status === 'failed' ? 'failed' : 'stopped';
        this.paused = false;
        this.endedAt = performance.now();
        this.log(`run ${e.record.status}; fingerprint ${e.record.fingerprint.slice(0, 16)}…`);
        break;
      case 'error':
        this.fail(e.message);
        break;
    }
  }

  private fail(message: string): void {
    this.error = message;
    this.phase = 'failed';
    this.paused = false;
    this.endedAt = performance.now();
    this.log(`error: ${message}`);
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
    this.log('aborted: worker terminated');
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
        runtime: navigator.userAgent,
        versions: b?.versions ?? {},
        started_at: new Date(performance.timeOrigin + (this.startedAt ?? 0)).toISOString(),
      },
      warmStart: { steps: this.config.sftSteps, finalLoss: this.warm?.loss ?? null },
      steps: this.steps,
      traces: this.traces,
      evaluations: this.evaluations,
      status: this.phase === 'failed' ? 'failed' : this.active ? 'running' : 'stopped',
    });
  }

  importRecord(record: RunRecord, name: string): void {
    if (this.active) throw new Error('Stop the current run before importing one.');
    this.clear();
    runId++;
    this.source = 'imported';
    this.importedName = name;
    this.config = record.config;
    this.record = record;
    this.steps = record.steps;
    this.traces = record.traces;
    this.evaluations = record.evaluations;
    const env = record.environment;
    this.backend = { backend: env.backend, adapter: env.adapter ?? null, fallbackReason: env.fallback_reason ?? null, versions: env.versions ?? {} };
    this.warm = record.warm_start.final_loss === null ? null : { step: record.warm_start.steps, total: record.warm_start.steps, loss: record.warm_start.final_loss };
    this.phase = 'imported';
    this.log(`imported ${name}: ${record.steps.length} steps, status ${record.status}`);
  }
}

export const run = new RunStore();
