import { describe, expect, it } from 'vitest';
import { partialRecord } from '../ui/run-file';
import { DEFAULT_CONFIG } from './config';
import { METRIC_NAMES, parseRunRecord, RUN_FORMAT, type RunRecord } from './run';

const environment = { backend: 'wasm', fallback_reason: null, adapter: null, runtime: 'test', versions: {}, started_at: '2026-01-01T00:00:00Z' };

function record(): RunRecord {
  return {
    format: RUN_FORMAT,
    config: DEFAULT_CONFIG,
    environment,
    model: { parameters: 10, vocab_size: 5 },
    warm_start: { steps: 1, final_loss: 2 },
    steps: [{ step: 1, metrics: { ...Object.fromEntries(METRIC_NAMES.map((k) => [k, 0])), success: 0.5, return: 0.4 } as RunRecord['steps'][number]['metrics'] }],
    traces: [
      {
        step: 1, group: 0, task: '20q', instance: '20q/train/1', gate: 0.5, outcome_mean: 0, outcome_std: 0, cap: 1, beta: 0.5, kept: true,
        rollouts: [{ outcome: 0, success: false, end_reason: 'turns', turns: [{ action: 'ask', feedback: 'no', role: 'user', action_tokens: ['ask', '<eot>'], info_gain: null, info_gain_exact: null, step_reward: 0, valid: true, advantages: [0, 0] }] }],
      },
    ],
    evaluations: [],
    status: 'complete',
    fingerprint: 'x',
  };
}

describe('run.json import', () => {
  it('accepts a record', () => {
    const r = parseRunRecord(JSON.stringify(record()));
    expect(r.steps).toHaveLength(1);
    expect(r.config).toEqual(DEFAULT_CONFIG);
    expect(r).toEqual(record());
  });

  it('reads metrics a record lacks, and null (JSON for NaN), as NaN; rejects unknown metric names', () => {
    const old = { ...record(), steps: [{ step: 1, metrics: { success: 0.5, gate_min: null } }] };
    const r = parseRunRecord(JSON.stringify(old));
    expect(r.steps[0].metrics.success).toBe(0.5);
    expect(r.steps[0].metrics.gate_min).toBeNaN();
    expect(r.steps[0].metrics.info_gain_mean).toBeNaN();
    expect(() => parseRunRecord(JSON.stringify({ ...record(), steps: [{ step: 1, metrics: { sucess: 0.5 } }] }))).toThrow(/"steps\[0\]\.metrics": Unrecognized key.*sucess/);
  });

  it('rejects malformed files with a clear message', () => {
    expect(() => parseRunRecord('{')).toThrow(/not JSON/);
    expect(() => parseRunRecord('[]')).toThrow(/JSON object/);
    expect(() => parseRunRecord(JSON.stringify({ ...record(), format: 'other' }))).toThrow(/"format"/);
    expect(() => parseRunRecord(JSON.stringify({ ...record(), config: { ...DEFAULT_CONFIG, groupSize: 0 } }))).toThrow(/config is invalid: groupSize = 0/);
    expect(() => parseRunRecord(JSON.stringify({ ...record(), steps: [{ step: 'a' }] }))).toThrow(/"steps\[0\]\.step": Invalid input: expected number/);
    expect(() => parseRunRecord(JSON.stringify({ ...record(), traces: {} }))).toThrow(/"traces"/);
    expect(() => parseRunRecord(JSON.stringify({ ...record(), status: 'weird' }))).toThrow(/"status"/);
    expect(() => parseRunRecord(JSON.stringify({ ...record(), evaluations: [{ step: 0, success: 1 }] }))).toThrow(/"evaluations\[0\]\.split"/);
  });

  it('builds a partial record with a fingerprint', async () => {
    const r = await partialRecord({ config: DEFAULT_CONFIG, environment, warmStart: { steps: 3, finalLoss: 1.5 }, steps: record().steps, traces: [], evaluations: [], status: 'stopped' });
    expect(r.status).toBe('stopped');
    expect(r.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(parseRunRecord(JSON.stringify(r)).status).toBe('stopped');
  });
});
