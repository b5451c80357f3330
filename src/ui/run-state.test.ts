import { modelUnitMs } from './progress';
import { describe, expect, it } from 'vitest';
import { configFromPresets, experimentPlan, METRIC_NAMES, newRunRecord, type BackendReport, type Config, type EvaluationEntry, type GroupTrace, type Metrics, type RunRecord, type RunSnapshot, type ShareProof, type StepEntry } from '../engine';
import type { WorkerEvent } from '../worker/protocol';
import {
  abortRun,
  elapsedMsOf,
  etaOf,
  failRun,
  initialRunState,
  isUnsaved,
  openedRunLabel,
  openRecord,
  progressInputOf,
  progressOf,
  reduceRun,
  requestStop,
  RUN_STATE_KEYS,
  snapshotSaved,
  startRun,
  type ReduceContext,
  type RunState,
} from './run-state';

// A run with a warm start, an evaluation before RL, RL 1-2, a mid-run evaluation, RL 3-4 and the final evaluation.
const config: Config = configFromPresets(['smoke'], { steps: 4, sftSteps: 3, evalEvery: 2, evalEpisodes: 2 });
const plan = experimentPlan(config);
const links: string[] = [];
const at = (now: number): ReduceContext => ({
  now,
  clock: `t${now}`,
  pageLink: (c, proof) => {
    const url = `page#seed=${c.seed}&b=${proof.backend}&f=${proof.fingerprint}`;
    links.push(url);
    return url;
  },
});

const report: BackendReport = { backend: 'wasm', adapter: null, software: false, fallbackReason: 'webgpu: no adapter', versions: { '@tensorflow/tfjs': '4.22.0' }, probe: null, threads: 4 };

function metrics(over: Partial<Metrics> = {}): Metrics {
  return { ...(Object.fromEntries(METRIC_NAMES.map((n) => [n, 0])) as Metrics), ...over };
}
const stepEntry = (step: number, over: Partial<Metrics> = {}): StepEntry => ({ step, metrics: metrics(over) });
const evaluation = (step: number, success: number): EvaluationEntry => ({ step, split: 'test', persona: 'default', success, return: success, turns: 2, episodes: 2, per_task: {} });
const trace = (step: number): GroupTrace => ({ step, group: 0, task: '20q', instance: `i${step}`, gate: 1, outcome_mean: 0, outcome_std: 0, cap: 1, beta: 0, kept: true, rollouts: [] });

function record(status: RunRecord['status'], backend = 'wasm', fingerprint = 'a'.repeat(64)): RunRecord {
  return { ...newRunRecord({ config, environment: { backend, fallback_reason: null, adapter: null, runtime: 'test', versions: {}, started_at: '' }, status }), steps: [stepEntry(1)], fingerprint };
}

/** A run started at t=100 on the plan above; `events` reduced in order, each at its own time. */
function running(events: [number, WorkerEvent][] = [], expected: ShareProof | null = null): RunState {
  let s = startRun(initialRunState(0), { config, preference: 'wasm', libraryId: 'run-1', expected }, at(100));
  for (const [t, e] of [[110, { type: 'ready', ...report }], [120, { type: 'plan', phases: plan }], ...events] as [number, WorkerEvent][]) s = reduceRun(s, e, at(t));
  return s;
}
const phase = (index: number): WorkerEvent => ({ type: 'phase', index, phase: plan[index] });

describe('the run state: starting', () => {
  it('plans the run the test expects', () => {
    expect(plan.map((p) => p.id)).toEqual(['warm-start', 'evaluation', 'rl', 'evaluation', 'rl', 'final-evaluation']);
  });

  it('a start clears the last run but keeps nothing of it, and logs the setup', () => {
    const before = { ...failRun(running([[130, phase(0)]]), 'boom', at(140)), gpuErrors: ['x'], verdict: { kind: 'differs' as const, text: 'd' } };
    const s = startRun(before, { config, preference: 'cpu', libraryId: 'run-2', expected: null }, at(500));
    expect(s).toMatchObject({ phase: 'starting', source: 'live', config, preference: 'cpu', libraryId: 'run-2', startedAt: 500, now: 500, error: null, backend: null, plan: [], phaseIndex: -1, gpuErrors: [], verdict: null, endedAt: null });
    expect(s.logs).toEqual([`t500  start: method ${config.method}, task ${config.task}, seed ${config.seed}, 4 steps, backend preference cpu`]);
  });

  it('a resumed start shows the snapshot’s steps, traces, evaluations and warm start', () => {
    const r = { ...record('running'), steps: [stepEntry(1), stepEntry(2)], traces: [trace(1)], evaluations: [evaluation(0, 0.5)], warm_start: { steps: 3, final_loss: 0.7 } };
    const snapshot = { step: 2, record: r } as RunSnapshot;
    const s = startRun(initialRunState(0), { config, preference: 'wasm', libraryId: 'run-1', expected: null, resume: snapshot }, at(10));
    expect(s).toMatchObject({ steps: r.steps, traces: r.traces, evaluations: r.evaluations, savedStep: 2, resumedFrom: 2, warm: { step: 3, total: 3, loss: 0.7 } });
    expect(s.logs[0]).toContain('resume from step 2');
    expect(isUnsaved(s)).toBe(false);
  });

  it('mirrors every key of the state in RUN_STATE_KEYS', () => {
    expect(new Set(RUN_STATE_KEYS)).toEqual(new Set(Object.keys(running())));
    expect(RUN_STATE_KEYS).toContain('gpuErrorCount');
  });
});

describe('the run state: each worker event', () => {
  it('ready: the backend report, the phase "preparing", and a log line naming threads and the fallback', () => {
    const s = running();
    expect(s.backend).toEqual(report);
    expect(s.backend).not.toHaveProperty('type');
    expect(s.phase).toBe('preparing');
    expect(s.logs[1]).toBe('t110  backend wasm, 4 threads; fallback: webgpu: no adapter');
  });

  it('plan: the schedule, nothing else', () => {
    const before = reduceRun(startRun(initialRunState(0), { config, preference: 'wasm', libraryId: 'r', expected: null }, at(1)), { type: 'ready', ...report }, at(2));
    const s = reduceRun(before, { type: 'plan', phases: plan }, at(3));
    expect(s).toEqual({ ...before, plan });
  });

  it('phase: enters the phase, maps it to the page’s phase, and times the phase that ended per unit', () => {
    let s = running([[200, phase(0)]]);
    expect(s).toMatchObject({ phase: 'warm-start', phaseIndex: 0, phaseStartedAt: 200, phaseDone: 0, now: 200, perUnitMs: {} });
    expect(s.logs.at(-1)).toBe(`t200  phase 1/6: ${plan[0].label} (3 steps)`);
    s = reduceRun(s, phase(1), at(500));
    // The warm start took 300 ms over its 3 steps.
    expect(s).toMatchObject({ phase: 'evaluating', phaseIndex: 1, perUnitMs: { 'warm-start': 100 } });
    s = reduceRun(s, phase(2), at(900));
    // 400 ms over the evaluation's 2 episodes; an RL stretch restarts the step clock.
    expect(s).toMatchObject({ phase: 'training', perUnitMs: { 'warm-start': 100, evaluation: 200 }, stepStamps: [900] });
    s = reduceRun(reduceRun(s, phase(3), at(5000)), phase(5), at(6000));
    // RL time comes from the step stamps, never from the phase's length; the final evaluation counts as an evaluation.
    expect(s.perUnitMs).not.toHaveProperty('rl');
    expect(s.phase).toBe('evaluating');
  });

  it('warm-start: progress and loss curve, and one log line at its end', () => {
    let s = running([[200, phase(0)], [210, { type: 'warm-start', step: 1, total: 3, loss: 2 }]]);
    expect(s).toMatchObject({ warm: { step: 1, total: 3, loss: 2 }, warmLosses: [{ step: 1, loss: 2 }], phaseDone: 1 });
    const lines = s.logs.length;
    s = reduceRun(s, { type: 'warm-start', step: 3, total: 3, loss: 1.23456 }, at(230));
    expect(s.warmLosses).toHaveLength(2);
    expect(s.logs).toHaveLength(lines + 1);
    expect(s.logs.at(-1)).toBe('t230  warm start done: 3 steps, loss 1.2346');
  });

  it('step: appends the step and its traces, stamps it, and counts it inside its stretch', () => {
    let s = running([[200, phase(4)]]);
    s = reduceRun(s, { type: 'step', entry: stepEntry(3), traces: [trace(3)], total: 4 }, at(300));
    // Stretch RL 3-4: step 3 is its first.
    expect(s).toMatchObject({ steps: [stepEntry(3)], traces: [trace(3)], stepStamps: [200, 300], phaseDone: 1 });
    const tracesBefore = s.traces;
    s = reduceRun(s, { type: 'step', entry: stepEntry(4), traces: [], total: 4 }, at(450));
    expect(s.phaseDone).toBe(2);
    expect(s.traces).toBe(tracesBefore);
    expect(s.steps.map((e) => e.step)).toEqual([3, 4]);
  });

  it('evaluation: appended with a log line', () => {
    const s = running([[200, { type: 'evaluation', entry: evaluation(2, 0.625) }]]);
    expect(s.evaluations).toEqual([evaluation(2, 0.625)]);
    expect(s.logs.at(-1)).toBe('t200  evaluation at step 2 (default, 2 episodes): success 62.5%, return 0.625');
  });

  it('log: stamped with the time of day; the log keeps its last 300 lines', () => {
    let s = running();
    for (let i = 0; i < 400; i++) s = reduceRun(s, { type: 'log', message: `line ${i}` }, at(1000 + i));
    expect(s.logs).toHaveLength(300);
    expect(s.logs[0]).toBe('t1100  line 100');
    expect(s.logs.at(-1)).toBe('t1399  line 399');
  });

  it('gpu-error: the message on the banner’s list, the device’s count, a log line; a plain log never counts as one', () => {
    let s = running([[200, { type: 'log', message: 'WebGPU error: looks like one' }]]);
    expect(s.gpuErrors).toEqual([]);
    s = reduceRun(s, { type: 'gpu-error', message: 'Invalid ComputePipeline', count: 1 }, at(210));
    s = reduceRun(s, { type: 'gpu-error', message: 'Invalid BindGroup', count: 100 }, at(220));
    expect(s.gpuErrors).toEqual(['Invalid ComputePipeline', 'Invalid BindGroup']);
    expect(s.gpuErrorCount).toBe(100);
    expect(s.logs.at(-1)).toBe('t220  WebGPU error #100: Invalid BindGroup');
    // A run that is not training keeps its phase: the banner says its results cannot be trusted.
    expect(s.phase).toBe('preparing');
  });

  it('paused and resumed: the pause flag; resuming restarts the ETA’s step clock', () => {
    let s = running([[200, phase(2)], [300, { type: 'step', entry: stepEntry(1), traces: [], total: 4 }], [310, { type: 'paused' }]]);
    expect(s.paused).toBe(true);
    expect(etaOf(s)).toBeNull();
    s = reduceRun(s, { type: 'resumed' }, at(5000));
    expect(s).toMatchObject({ paused: false, stepStamps: [] });
    expect(s.logs.slice(-2)).toEqual(['t310  paused', 't5000  resumed']);
  });

  it('snapshot: changes nothing until the library has stored it; then the highest stored step counts', () => {
    const s = running([[200, phase(2)], [300, { type: 'step', entry: stepEntry(1), traces: [], total: 4 }]]);
    expect(reduceRun(s, { type: 'snapshot', snapshot: { step: 1, record: record('running') } as RunSnapshot }, at(310))).toBe(s);
    expect(isUnsaved(s)).toBe(true);
    const saved = snapshotSaved(s, 1);
    expect(saved.savedStep).toBe(1);
    expect(isUnsaved(saved)).toBe(false);
    // An older snapshot landing late does not lower it.
    expect(snapshotSaved(snapshotSaved(s, 3), 2).savedStep).toBe(3);
  });

  it('device-lost: holds an active run (paused for good) and says so; a run that ended is only marked', () => {
    const s = reduceRun(running([[200, phase(2)]]), { type: 'device-lost', message: 'destroyed: device.destroy()' }, at(300));
    expect(s).toMatchObject({ deviceLost: 'destroyed: device.destroy()', paused: true, phase: 'training', gpuErrors: [] });
    expect(s.logs.at(-1)).toBe('t300  the WebGPU device was lost (destroyed: device.destroy()); the run is held');
    const failed = failRun(running(), 'lost', at(200));
    const after = reduceRun(failed, { type: 'device-lost', message: 'gone' }, at(300));
    expect(after).toMatchObject({ deviceLost: 'gone', paused: false, phase: 'failed' });
    expect(after.logs.at(-1)).toBe('t300  the WebGPU device was lost (gone)');
  });

  it('complete: the record with this page’s link for its proof, the phase by its status, the clock stopped', () => {
    links.length = 0;
    const done = record('complete');
    const s = reduceRun(running([[200, phase(2)], [250, { type: 'paused' }]]), { type: 'complete', record: done }, at(900));
    expect(s).toMatchObject({ phase: 'complete', paused: false, endedAt: 900, verdict: null });
    expect(s.record).toEqual({ ...done, share_url: `page#seed=${config.seed}&b=wasm&f=${done.fingerprint}` });
    // The worker's object is not changed.
    expect(done.share_url).toBeUndefined();
    expect(s.logs.at(-1)).toBe('t900  run complete; fingerprint aaaaaaaaaaaaaaaa…');
    expect(progressOf(s)).toBe(1);
    expect(elapsedMsOf(s)).toBe(800);
    expect(reduceRun(running(), { type: 'complete', record: record('stopped') }, at(900)).phase).toBe('stopped');
    expect(reduceRun(running(), { type: 'complete', record: record('failed') }, at(900)).phase).toBe('failed');
    // A backend no link can name: no link.
    expect(reduceRun(running(), { type: 'complete', record: record('complete', 'unknown') }, at(900)).record!.share_url).toBeUndefined();
  });

  it('complete after a link: the verdict against the link’s proof, for a complete run only', () => {
    const expected: ShareProof = { backend: 'cpu', fingerprint: 'c'.repeat(64) };
    const s = reduceRun(running([], expected), { type: 'complete', record: record('complete') }, at(900));
    expect(s.verdict).toEqual({ kind: 'differs-backend', text: 'differs (backend wasm vs cpu)' });
    expect(s.logs.slice(-2)).toEqual(['t900  link: differs (backend wasm vs cpu)', 't900  run complete; fingerprint aaaaaaaaaaaaaaaa…']);
    const same = reduceRun(running([], { backend: 'wasm', fingerprint: 'a'.repeat(64) }), { type: 'complete', record: record('complete') }, at(900));
    expect(same.verdict?.kind).toBe('reproduced');
    expect(reduceRun(running([], expected), { type: 'complete', record: record('stopped') }, at(900)).verdict).toBeNull();
  });

  it('error: the run failed with the message, keeping the record the worker sent (a diverged run’s)', () => {
    const diverged = record('failed');
    const s = reduceRun(running([[200, phase(2)]]), { type: 'error', message: 'Training diverged at step 2', record: diverged }, at(700));
    expect(s).toMatchObject({ phase: 'failed', error: 'Training diverged at step 2', record: diverged, endedAt: 700, paused: false });
    expect(s.logs.at(-1)).toBe('t700  error: Training diverged at step 2');
    expect(reduceRun(running(), { type: 'error', message: 'no backend' }, at(700)).record).toBeNull();
  });
});

describe('the run state: the page’s own transitions', () => {
  it('stop asks and logs; abort ends the run without the worker’s record', () => {
    const asked = requestStop(running([[200, phase(2)]]), at(300));
    expect(asked).toMatchObject({ stopRequested: true, phase: 'training' });
    const s = abortRun(asked, at(400));
    expect(s).toMatchObject({ aborted: true, phase: 'stopped', paused: false, endedAt: 400, record: null });
    expect(s.logs.slice(-2)).toEqual(['t300  stop requested: the run ends before the next RL step', 't400  aborted: worker terminated']);
  });

  it('opening a record: a run.json file is an "Imported run", a library run a "Saved run"; the backend comes from its environment', () => {
    const r = { ...record('complete'), environment: { ...record('complete').environment, adapter_software: true, wasm_threads: 2 }, warm_start: { steps: 3, final_loss: 0.5 } };
    const file = openRecord(running(), r, { name: 'a.run.json', from: 'file', integrity: 'verified' }, at(10));
    expect(file).toMatchObject({ phase: 'imported', source: 'imported', openedFrom: 'file', importedName: 'a.run.json', integrity: 'verified', record: r, steps: r.steps, config, warm: { step: 3, total: 3, loss: 0.5 }, libraryId: 'run-1' });
    expect(file.backend).toEqual({ backend: 'wasm', adapter: null, software: true, fallbackReason: null, versions: {}, probe: null, threads: 2 });
    expect(file.logs).toEqual(['t10  imported a.run.json: 1 steps, status complete']);
    expect(openedRunLabel(file.openedFrom)).toBe('Imported run');
    const saved = openRecord(file, r, { name: 'infopo · 20q · seed 1', from: 'library', integrity: null }, at(20));
    expect(saved).toMatchObject({ openedFrom: 'library', importedName: 'infopo · 20q · seed 1', integrity: null });
    expect(openedRunLabel(saved.openedFrom)).toBe('Saved run');
    expect(saved.logs).toEqual(['t20  opened infopo · 20q · seed 1: 1 steps, status complete']);
    // A record of a run that ended before its backend was chosen shows no backend.
    expect(openRecord(file, record('stopped', 'unknown'), { name: 'x', from: 'file', integrity: null }, at(30)).backend).toBeNull();
  });
});

describe('the run state: progress and ETA', () => {
  it('feeds the progress module the plan, the phase’s units and elapsed time, and the recent RL step time', () => {
    let s = running([[200, phase(0)], [500, phase(1)], [900, phase(2)]]);
    s = reduceRun(s, { type: 'step', entry: stepEntry(1, { step_ms: 999 }), traces: [], total: 4 }, at(1900));
    const input = progressInputOf({ ...s, now: 2400 });
    // RL from the stamps (1000 ms), not from the step's own step_ms.
    expect(input).toEqual({ plan, index: 2, done: 1, phaseElapsedMs: 1500, perUnitMs: { 'warm-start': 100, evaluation: 200, rl: 1000 }, modelMs: modelUnitMs(s.config!) });
    // 1 RL step left in this stretch, an evaluation (2 x 200), 2 RL steps, the final evaluation (2 x 200).
    expect(etaOf(s)).toEqual({ ms: 1000 + 400 + 2000 + 400, estimated: false });
    // By time: 1800 ms since Start against 3800 ms left (the clock's last tick at 1900).
    expect(progressOf({ ...s, now: 1900 })).toBeCloseTo(1800 / (1800 + 3800), 10);
  });

  it('uses the last step’s own time when the stretch has one stamp only, and only an estimated ETA before the first step', () => {
    const s = running([[200, phase(0)], [500, phase(1)], [900, phase(2)]]);
    expect(etaOf(s)?.estimated).toBe(true);
    const resumed = reduceRun(reduceRun(s, { type: 'step', entry: stepEntry(1, { step_ms: 700 }), traces: [], total: 4 }, at(1000)), { type: 'resumed' }, at(1100));
    expect(progressInputOf(resumed).perUnitMs.rl).toBe(700);
  });

  it('elapsed time is never negative and stops at the end', () => {
    expect(elapsedMsOf(initialRunState(0))).toBeNull();
    expect(elapsedMsOf({ startedAt: 100, endedAt: null, now: 50 })).toBe(0);
    expect(elapsedMsOf({ startedAt: 100, endedAt: 300, now: 900 })).toBe(200);
  });
});
