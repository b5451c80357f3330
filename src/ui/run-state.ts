/**
 * The page's run state as plain data, and the pure functions that change it: `reduceRun` for each
 * event of the training worker, and the page's own transitions (start, fail, stop, abort, import).
 * No runes and no effects: state.svelte.ts holds this state in runes and does what touches the
 * world (the worker, the run library, the console, the clock's ticker), so every transition here is
 * unit-tested.
 */
import { isBackendName, reportOf, reproductionVerdict, type BackendReport, type Config, type EvaluationEntry, type GroupTrace, type Integrity, type PhasePlan, type RunRecord, type RunSnapshot, type ShareProof, type StepEntry, type VerdictKind } from '../engine';
import type { BackendPreference, WorkerEvent } from '../worker/protocol';
import { fractionDone, kindOf, modelUnitMs, recentStepMs, remaining, type Eta, type ProgressInput, type WorkKind } from './progress';

/** What the page shows as the run's state; the running ones follow the engine's phase events. */
export type Phase = 'idle' | 'starting' | 'preparing' | 'loading' | 'warm-start' | 'evaluating' | 'training' | 'complete' | 'stopped' | 'failed' | 'imported';

const ACTIVE: readonly Phase[] = ['starting', 'preparing', 'loading', 'warm-start', 'evaluating', 'training'];

export function isActive(phase: Phase): boolean {
  return ACTIVE.includes(phase);
}

const PAGE_PHASE: Record<PhasePlan['id'], Phase> = {
  'loading-checkpoint': 'loading',
  'warm-start': 'warm-start',
  evaluation: 'evaluating',
  rl: 'training',
  'final-evaluation': 'evaluating',
};

/** Where a run on screen that is not training here came from: a run.json file, or the run library. */
export type OpenedFrom = 'file' | 'library';

export interface RunState {
  phase: Phase;
  paused: boolean;
  stopRequested: boolean;
  /** The run's config (a snapshot taken at Start, or the imported record's). */
  config: Config | null;
  backend: BackendReport | null;
  /** The engine's schedule ('plan' event) and the phase running now ('phase' events). */
  plan: PhasePlan[];
  phaseIndex: number;
  phaseStartedAt: number;
  /** Units done in the current phase (warm-start steps, RL steps of this stretch). */
  phaseDone: number;
  /** Measured ms per unit by kind of work, from finished phases. */
  perUnitMs: Partial<Record<WorkKind, number>>;
  /** The clock (ms, `performance.now()`) as last read; ticks every second while a run is active. */
  now: number;
  warm: { step: number; total: number; loss: number } | null;
  warmLosses: { step: number; loss: number }[];
  steps: StepEntry[];
  traces: GroupTrace[];
  evaluations: EvaluationEntry[];
  /** The worker's own record ('complete' event) or the imported one. */
  record: RunRecord | null;
  error: string | null;
  /** WebGPU validation errors the worker forwarded ('gpu-error'): the run's results are not trustworthy. */
  gpuErrors: string[];
  /** How many errors the device reported in all (the worker forwards only some of them). */
  gpuErrorCount: number;
  logs: string[];
  source: 'live' | 'imported' | null;
  importedName: string | null;
  /** Set with source 'imported': a run.json file or a run of the library. */
  openedFrom: OpenedFrom | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Clock times (ms) of the step events, for the ETA. */
  stepStamps: number[];
  /** Set when the run ended without the worker's record (aborted or failed). */
  aborted: boolean;
  preference: BackendPreference;
  /** The run's id in the run library (autosave target), or null (no run started in this tab yet). */
  libraryId: string | null;
  /** RL step of the last snapshot stored in the library (0: none yet). */
  savedStep: number;
  /** Set when the WebGPU device was lost: the run is held; the page offers to continue on wasm. */
  deviceLost: string | null;
  /** A run resumed from a snapshot: the step it continued from. */
  resumedFrom: number | null;
  /** An imported record's fingerprint recomputed over its content (null for live runs). */
  integrity: Integrity | null;
  /** The backend and fingerprint of the linked run this run should reproduce (its setup unedited), and the verdict once it completes. */
  expected: ShareProof | null;
  verdict: { kind: VerdictKind; text: string } | null;
}

/** When a transition happens: the clock (ms, `performance.now()`) and the time of day for the run's log. */
export interface Moment {
  now: number;
  clock: string;
}

/** What `reduceRun` needs from the page: the moment, and the page's link for a run's proof (it becomes the record's `share_url`). */
export interface ReduceContext extends Moment {
  pageLink: (config: Config, proof: ShareProof) => string;
}

/** The page before any run. */
export function initialRunState(now: number): RunState {
  return {
    phase: 'idle',
    paused: false,
    stopRequested: false,
    config: null,
    backend: null,
    plan: [],
    phaseIndex: -1,
    phaseStartedAt: 0,
    phaseDone: 0,
    perUnitMs: {},
    now,
    warm: null,
    warmLosses: [],
    steps: [],
    traces: [],
    evaluations: [],
    record: null,
    error: null,
    gpuErrors: [],
    gpuErrorCount: 0,
    logs: [],
    source: null,
    importedName: null,
    openedFrom: null,
    startedAt: null,
    endedAt: null,
    stepStamps: [],
    aborted: false,
    preference: 'auto',
    libraryId: null,
    savedStep: 0,
    deviceLost: null,
    resumedFrom: null,
    integrity: null,
    expected: null,
    verdict: null,
  };
}

/** The keys of the state, for the runes store that mirrors it field by field. */
export const RUN_STATE_KEYS = Object.keys(initialRunState(0)) as (keyof RunState)[];

/** A new run's or an import's starting point: everything of the last run goes, except the knobs it keeps (config, preference, library id) until replaced. */
function cleared(s: RunState): RunState {
  return { ...initialRunState(s.now), phase: s.phase, config: s.config, preference: s.preference, libraryId: s.libraryId, phaseStartedAt: s.phaseStartedAt };
}

/** The run's log keeps its last 300 lines, each stamped with the time of day. */
function withLog(s: RunState, line: string, at: Moment): RunState {
  return { ...s, logs: [...s.logs.slice(-299), `${at.clock}  ${line}`] };
}

function warmOf(record: RunRecord): RunState['warm'] {
  const w = record.warm_start;
  return w.final_loss === null ? null : { step: w.steps, total: w.steps, loss: w.final_loss };
}

export interface StartInput {
  config: Config;
  preference: BackendPreference;
  libraryId: string;
  /** The linked run this one should reproduce (its setup unedited), or null. */
  expected: ShareProof | null;
  /** Continue a stored run from this snapshot: its steps, traces and evaluations are shown from the start. */
  resume?: RunSnapshot;
}

/** Start pressed (or a stored run resumed): the worker is asked to start. */
export function startRun(s: RunState, p: StartInput, at: Moment): RunState {
  const next: RunState = { ...cleared(s), config: p.config, libraryId: p.libraryId, preference: p.preference, expected: p.expected, source: 'live', phase: 'starting', startedAt: at.now, now: at.now };
  const r = p.resume?.record;
  if (p.resume && r) Object.assign(next, { steps: r.steps, traces: r.traces, evaluations: r.evaluations, savedStep: p.resume.step, resumedFrom: p.resume.step, warm: warmOf(r) });
  const c = p.config;
  return withLog(next, `${p.resume ? `resume from step ${p.resume.step}` : 'start'}: method ${c.method}, task ${c.task}, seed ${c.seed}, ${c.steps} steps, backend preference ${p.preference}`, at);
}

/** Time the phase that just ended (its kind's ms per unit), then enter phase `index`. */
function enterPhase(s: RunState, index: number, now: number): RunState {
  const prev = currentPhaseOf(s);
  const perUnitMs = prev && prev.id !== 'rl' && prev.units > 0 ? { ...s.perUnitMs, [kindOf(prev.id)]: (now - s.phaseStartedAt) / prev.units } : s.perUnitMs;
  // A stretch of RL steps starts its own clock: the interval over a mid-run evaluation is not step time.
  const stepStamps = s.plan[index]?.id === 'rl' ? [now] : s.stepStamps;
  return { ...s, perUnitMs, phaseIndex: index, phaseStartedAt: now, phaseDone: 0, now, stepStamps };
}

/** The run ended in failure (a worker error, a crash, a rejected start). */
export function failRun(s: RunState, message: string, at: Moment): RunState {
  return withLog({ ...s, error: message, phase: 'failed', paused: false, endedAt: at.now }, `error: ${message}`, at);
}

/** Stop pressed: the worker ends the run before the next RL step and sends its record. */
export function requestStop(s: RunState, at: Moment): RunState {
  return withLog({ ...s, stopRequested: true }, 'stop requested: the run ends before the next RL step', at);
}

/** Abort pressed: the worker is terminated; the record will be rebuilt from the events received. */
export function abortRun(s: RunState, at: Moment): RunState {
  return withLog({ ...s, aborted: true, phase: 'stopped', paused: false, endedAt: at.now }, 'aborted: worker terminated', at);
}

/** A snapshot of step `step` was stored in the library (they may land out of order: the highest counts). */
export function snapshotSaved(s: RunState, step: number): RunState {
  return { ...s, savedStep: Math.max(s.savedStep, step) };
}

/** Show a finished record without training: a run.json file, or a run opened from the library. */
export function openRecord(s: RunState, record: RunRecord, opened: { name: string; from: OpenedFrom; integrity: Integrity | null }, at: Moment): RunState {
  const next: RunState = {
    ...cleared(s),
    integrity: opened.integrity,
    source: 'imported',
    importedName: opened.name,
    openedFrom: opened.from,
    config: record.config,
    record,
    steps: record.steps,
    traces: record.traces,
    evaluations: record.evaluations,
    backend: reportOf(record.environment),
    warm: warmOf(record),
    phase: 'imported',
  };
  return withLog(next, `${opened.from === 'library' ? 'opened' : 'imported'} ${opened.name}: ${record.steps.length} steps, status ${record.status}`, at);
}

/** The phase line's words for a run on screen that is not training here. */
export function openedRunLabel(from: OpenedFrom | null): string {
  return from === 'library' ? 'Saved run' : 'Imported run';
}

/** The next state after one event of the training worker. */
export function reduceRun(s: RunState, e: WorkerEvent, at: ReduceContext): RunState {
  switch (e.type) {
    case 'ready': {
      const { type: _type, ...report } = e;
      const threads = e.threads ? `, ${e.threads} thread${e.threads > 1 ? 's' : ''}` : '';
      return withLog({ ...s, backend: report, phase: 'preparing' }, `backend ${e.backend}${e.adapter ? ` (${e.adapter})` : ''}${threads}${e.fallbackReason ? `; fallback: ${e.fallbackReason}` : ''}`, at);
    }
    case 'plan':
      return { ...s, plan: e.phases };
    case 'phase': {
      const p = e.phase;
      return withLog({ ...enterPhase(s, e.index, at.now), phase: PAGE_PHASE[p.id] }, `phase ${e.index + 1}/${s.plan.length}: ${p.label} (${p.units} ${p.unit}${p.units === 1 ? '' : 's'})`, at);
    }
    case 'warm-start': {
      const next = { ...s, warm: { step: e.step, total: e.total, loss: e.loss }, warmLosses: [...s.warmLosses, { step: e.step, loss: e.loss }], phaseDone: e.step };
      return e.step >= e.total ? withLog(next, `warm start done: ${e.total} steps, loss ${e.loss.toFixed(4)}`, at) : next;
    }
    case 'step':
      return {
        ...s,
        steps: [...s.steps, e.entry],
        traces: e.traces.length ? [...s.traces, ...e.traces] : s.traces,
        stepStamps: [...s.stepStamps, at.now],
        phaseDone: e.entry.step - (currentPhaseOf(s)?.fromStep ?? 1) + 1,
      };
    case 'evaluation': {
      const v = e.entry;
      return withLog({ ...s, evaluations: [...s.evaluations, v] }, `evaluation at step ${v.step} (${v.persona}, ${v.episodes} episodes): success ${(v.success * 100).toFixed(1)}%, return ${v.return.toFixed(3)}`, at);
    }
    case 'log':
      return withLog(s, e.message, at);
    case 'gpu-error':
      return withLog({ ...s, gpuErrors: [...s.gpuErrors, e.message], gpuErrorCount: Math.max(s.gpuErrorCount, e.count) }, `WebGPU error #${e.count}: ${e.message}`, at);
    case 'paused':
      return withLog({ ...s, paused: true }, 'paused', at);
    case 'resumed':
      // The pause is not step time: restart the ETA's clock.
      return withLog({ ...s, paused: false, stepStamps: [] }, 'resumed', at);
    case 'snapshot':
      // Stored by the page; `snapshotSaved` records it once the library has it.
      return s;
    case 'device-lost': {
      const active = isActive(s.phase);
      return withLog({ ...s, deviceLost: e.message, paused: active ? true : s.paused }, `the WebGPU device was lost (${e.message})${active ? '; the run is held' : ''}`, at);
    }
    case 'complete': {
      const backend = e.record.environment.backend;
      const record = s.config && isBackendName(backend) ? { ...e.record, share_url: at.pageLink(s.config, { backend, fingerprint: e.record.fingerprint }) } : e.record;
      let next: RunState = { ...s, record, phase: record.status === 'complete' ? 'complete' : record.status === 'failed' ? 'failed' : 'stopped', paused: false, endedAt: at.now };
      if (s.expected && record.status === 'complete') {
        const verdict = reproductionVerdict(s.expected, { backend, fingerprint: record.fingerprint });
        next = withLog({ ...next, verdict }, `link: ${verdict.text}`, at);
      }
      return withLog(next, `run ${record.status}; fingerprint ${record.fingerprint.slice(0, 16)}…`, at);
    }
    case 'error':
      return failRun(e.record ? { ...s, record: e.record } : s, e.message, at);
  }
}

// ---------------------------------------------------------------- views of the state

export function lastStepOf(s: Pick<RunState, 'steps'>): number {
  return s.steps.length ? s.steps[s.steps.length - 1].step : 0;
}

export function currentPhaseOf(s: Pick<RunState, 'plan' | 'phaseIndex'>): PhasePlan | null {
  return s.phaseIndex >= 0 ? (s.plan[s.phaseIndex] ?? null) : null;
}

/** Leaving now would lose work: the run is training and its latest step (or its warm start) is not in a stored snapshot. */
export function isUnsaved(s: Pick<RunState, 'phase' | 'savedStep' | 'steps'>): boolean {
  return isActive(s.phase) && !(s.savedStep > 0 && s.savedStep === lastStepOf(s));
}

/** ms since Start (never negative: the clock is read at Start and at every tick), or null before any run. */
export function elapsedMsOf(s: Pick<RunState, 'startedAt' | 'endedAt' | 'now'>): number | null {
  return s.startedAt === null ? null : Math.max(0, (s.endedAt ?? s.now) - s.startedAt);
}

/** The progress module's input: the plan, where the run is in it, and the measured time per unit of each kind of work. */
export function progressInputOf(s: Pick<RunState, 'plan' | 'phaseIndex' | 'phaseDone' | 'phaseStartedAt' | 'now' | 'perUnitMs' | 'stepStamps' | 'steps' | 'config'>): ProgressInput {
  const perUnitMs = { ...s.perUnitMs };
  // RL: the recent step intervals (pauses excluded), else the last step's own time.
  const rl = recentStepMs(s.stepStamps) ?? s.steps[s.steps.length - 1]?.metrics.step_ms;
  if (rl !== undefined && Number.isFinite(rl)) perUnitMs.rl = rl;
  const phaseElapsedMs = currentPhaseOf(s) ? Math.max(0, s.now - s.phaseStartedAt) : 0;
  return { plan: s.plan, index: s.phaseIndex, done: s.phaseDone, phaseElapsedMs, perUnitMs, modelMs: s.config ? modelUnitMs(s.config) : undefined };
}

/** Time left over every remaining phase (estimated while a kind of work ahead is untimed); null while paused, not running, or when it cannot be told. */
export function etaOf(s: RunState): Eta | null {
  return isActive(s.phase) && !s.paused ? remaining(progressInputOf(s)) : null;
}

/** Fraction of the whole run done (every phase counted). */
export function progressOf(s: RunState): number {
  return s.phase === 'complete' ? 1 : fractionDone(progressInputOf(s), elapsedMsOf(s) ?? 0);
}
