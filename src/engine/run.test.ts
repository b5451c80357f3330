import { describe, expect, it } from 'vitest';
import { partialRecord } from '../ui/run-file';
import { DEFAULT_CONFIG } from './config';
import { fingerprint, inspectRunRecord, legacyFingerprint, METRIC_NAMES, parseRunRecord, readRunRecord, RUN_FORMAT, type RunRecord } from './run';
import { shareUrl } from './share';

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

  it('reads metrics a record lacks, and null (JSON for NaN), as NaN; leaves out unknown metric names and names them', () => {
    const old = { ...record(), steps: [{ step: 1, metrics: { success: 0.5, gate_min: null } }] };
    const r = parseRunRecord(JSON.stringify(old));
    expect(r.steps[0].metrics.success).toBe(0.5);
    expect(r.steps[0].metrics.gate_min).toBeNaN();
    expect(r.steps[0].metrics.info_gain_mean).toBeNaN();
    const read = readRunRecord(JSON.stringify({ ...record(), steps: [{ step: 1, metrics: { sucess: 0.5 } }, { step: 2, metrics: { sucess: 0.1 } }] }));
    expect(read.ignored).toEqual(['steps[].metrics.sucess']);
    expect(read.record.steps[0].metrics.success).toBeNaN();
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

describe('unknown keys and integrity', () => {
  it('leaves out unknown top-level and config keys and names them, loading the rest', () => {
    const long = 'x'.repeat(200_000);
    const read = readRunRecord(JSON.stringify({ ...record(), extra: 1, [long]: 2, config: { ...DEFAULT_CONFIG, futureKnob: 3 } }));
    expect(read.record.config).toEqual(DEFAULT_CONFIG);
    expect(read.ignored).toEqual(['extra', long, 'config.futureKnob']);
    expect(read.record.steps).toHaveLength(1);
  });

  it('keeps share_url, which older records lack', () => {
    expect(parseRunRecord(JSON.stringify({ ...record(), share_url: 'http://x/#v=1&c=a' })).share_url).toBe('http://x/#v=1&c=a');
    expect(parseRunRecord(JSON.stringify(record())).share_url).toBeUndefined();
  });

  it('verifies a sealed record and marks every edit of what the page shows as modified', async () => {
    const sealed = record();
    sealed.fingerprint = await fingerprint(sealed);
    const text = JSON.stringify(sealed);
    expect((await inspectRunRecord(text)).integrity).toBe('verified');
    // Outside the fingerprint: where and when it ran, and the link (which contains the fingerprint),
    // but the link must still be this run's: its setup and its fingerprint.
    const link = shareUrl('http://y/', sealed.config, { backend: 'wasm', fingerprint: sealed.fingerprint });
    expect((await inspectRunRecord(JSON.stringify({ ...sealed, environment: { ...environment, runtime: 'other' }, share_url: link }))).integrity).toBe('verified');
    for (const edited of [shareUrl('http://y/', { ...sealed.config, seed: sealed.config.seed + 1 }, { backend: 'wasm', fingerprint: sealed.fingerprint }), link.replace(sealed.fingerprint, '0'.repeat(64)), 'http://y/']) {
      expect((await inspectRunRecord(JSON.stringify({ ...sealed, share_url: edited }))).integrity, edited).toBe('modified');
    }
    const edits: ((r: RunRecord) => void)[] = [
      (r) => (r.steps[0].metrics.success = 0.97),
      (r) => (r.evaluations = [{ step: 1, split: 'test', persona: 'cooperative', success: 0.97, return: 1, turns: 2, episodes: 4, per_task: {} }]),
      (r) => (r.status = 'stopped'),
      (r) => (r.warm_start.final_loss = 0.01),
      (r) => (r.model.parameters = 11),
      (r) => (r.config = { ...r.config, seed: 2 }),
      (r) => (r.traces[0].rollouts[0].success = true),
    ];
    for (const edit of edits) {
      const copy = JSON.parse(text) as RunRecord;
      edit(copy);
      const read = await inspectRunRecord(JSON.stringify(copy));
      expect(read.integrity).toBe('modified');
      expect(read.record.fingerprint).toBe(sealed.fingerprint);
    }
    // Timing metrics are volatile: not covered.
    const timed = JSON.parse(text) as RunRecord;
    timed.steps[0].metrics.step_ms = 123;
    expect((await inspectRunRecord(JSON.stringify(timed))).integrity).toBe('verified');
  });

  it('verifies records sealed with the older coverage, and records with NaN metrics and missing fields as written', async () => {
    const old = record();
    old.fingerprint = await legacyFingerprint(old);
    expect((await inspectRunRecord(JSON.stringify(old))).integrity).toBe('verified-legacy');
    // A file written before some metrics existed: verified over its own content, not the NaN-filled reading.
    const sparse = { ...record(), steps: [{ step: 1, metrics: { success: 0.5, gate_min: null } }] } as unknown as RunRecord;
    sparse.fingerprint = await fingerprint(sparse);
    expect((await inspectRunRecord(JSON.stringify(sparse))).integrity).toBe('verified');
    expect((await inspectRunRecord(JSON.stringify({ ...record(), fingerprint: '' }))).integrity).toBe('unsealed');
  });
});
