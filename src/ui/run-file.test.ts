import { describe, expect, it } from 'vitest';
import { configFromPresets, fingerprint, METRIC_NAMES, newRunRecord, reportOf, type BackendReport, type Config, type Metrics, type ShareProof } from '../engine';
import { recordOfRun } from './run-file';
import { abortRun, failRun, initialRunState, reduceRun, startRun, type RunState } from './run-state';

const config: Config = configFromPresets(['smoke'], { steps: 3, sftSteps: 5 });
const host = { runtime: 'test browser', startedAt: '2025-01-02T03:04:05.000Z' };
const pageLink = (c: Config, proof: ShareProof) => `page#seed=${c.seed}&b=${proof.backend}&f=${proof.fingerprint}`;
const at = (now: number) => ({ now, clock: `t${now}`, pageLink });
const report: BackendReport = { backend: 'webgpu', adapter: 'google / swiftshader (software adapter: runs on the CPU)', software: true, fallbackReason: null, versions: { '@tensorflow/tfjs': '4.22.0' }, probe: [{ backend: 'webgpu', ms: 40, warmupMs: 900, units: 3, screenMs: 2, note: null }], threads: null };
const metrics = Object.fromEntries(METRIC_NAMES.map((n) => [n, 0.5])) as Metrics;

/** A live run on webgpu that warmed up and did one RL step. */
function live(): RunState {
  let s = startRun(initialRunState(0), { config, preference: 'webgpu', libraryId: 'r', expected: null }, at(1));
  s = reduceRun(s, { type: 'ready', ...report }, at(2));
  s = reduceRun(s, { type: 'warm-start', step: 5, total: 5, loss: 0.75 }, at(3));
  return reduceRun(s, { type: 'step', entry: { step: 1, metrics }, traces: [], total: 3 }, at(4));
}

describe('the run on screen as a record', () => {
  it('is the worker’s (or the imported) record when there is one', async () => {
    const own = { ...newRunRecord({ config, environment: { backend: 'cpu', fallback_reason: null, adapter: null, runtime: 'x', versions: {}, started_at: '' }, status: 'complete' }), fingerprint: 'f'.repeat(64) };
    expect(await recordOfRun({ ...live(), record: own }, host, pageLink)).toBe(own);
    expect(await recordOfRun(initialRunState(0), host, pageLink)).toBeNull();
  });

  it('is rebuilt from the events otherwise: partial status, the backend report as its environment, its own fingerprint and link', async () => {
    const running = (await recordOfRun(live(), host, pageLink))!;
    expect(running.status).toBe('running');
    expect(running.steps).toEqual([{ step: 1, metrics }]);
    expect(running.warm_start).toEqual({ steps: 5, final_loss: 0.75 });
    expect(running.model).toEqual({ parameters: 0, vocab_size: 0 });
    expect(running.environment).toMatchObject({ runtime: 'test browser', started_at: host.startedAt, adapter_software: true, backend_probe: report.probe, wasm_threads: null });
    expect(reportOf(running.environment)).toEqual(report);
    expect(running.fingerprint).toBe(await fingerprint(running));
    expect(running.share_url).toBe(`page#seed=${config.seed}&b=webgpu&f=${running.fingerprint}`);
    expect((await recordOfRun(abortRun(live(), at(9)), host, pageLink))!.status).toBe('stopped');
    const failed = (await recordOfRun(failRun(live(), 'boom', at(9)), host, pageLink))!;
    expect(failed.status).toBe('failed');
    // Another status, another fingerprint.
    expect(failed.fingerprint).not.toBe(running.fingerprint);
  });

  it('names no backend (and carries no link) when the run ended before its backend was chosen', async () => {
    const s = abortRun(startRun(initialRunState(0), { config, preference: 'auto', libraryId: 'r', expected: null }, at(1)), at(2));
    const r = (await recordOfRun(s, host, pageLink))!;
    expect(r.environment).toEqual({ backend: 'unknown', fallback_reason: null, adapter: null, adapter_software: false, backend_probe: null, wasm_threads: null, runtime: 'test browser', versions: {}, started_at: host.startedAt });
    expect(r.warm_start).toEqual({ steps: 5, final_loss: null });
    expect(r.share_url).toBeUndefined();
  });
});
