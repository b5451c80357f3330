import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCHES, parseBatches, SLOW_BATCHES, summariseBatchScaling, type BatchTiming } from './batch-scaling';

const timing = (dialogues: number, stepMs: number[]): BatchTiming => ({ dialogues, promptsPerStep: dialogues / 5, stepMs, rolloutMs: stepMs.map((x) => x / 2), infogainMs: stepMs.map((x) => x / 10), updateMs: stepMs.map((x) => x / 4), tokens: stepMs.map(() => dialogues * 30) });

describe('parseBatches', () => {
  it('reads a list of dialogues per step, in increasing order', () => {
    expect(parseBatches('30,120,320', 5)).toEqual([30, 120, 320]);
    expect(parseBatches(' 320, 30 ', 5)).toEqual([30, 320]);
    expect(parseBatches(DEFAULT_BATCHES.join(','), 5)).toEqual(DEFAULT_BATCHES);
    expect(parseBatches(SLOW_BATCHES.join(','), 5)).toEqual(SLOW_BATCHES);
  });

  it('refuses what is not a batch, in one line naming the flag and the value', () => {
    expect(() => parseBatches('', 5)).toThrow(/^--batches: expected comma-separated numbers/);
    expect(() => parseBatches('30,,120', 5)).toThrow(/expected comma-separated numbers/);
    expect(() => parseBatches('30,abc', 5, '--slow-batches')).toThrow(/^--slow-batches: "abc" is not a positive whole number/);
    expect(() => parseBatches('0', 5)).toThrow(/"0" is not a positive whole number/);
    expect(() => parseBatches('-5', 5)).toThrow(/"-5" is not a positive/);
    expect(() => parseBatches('2.5', 5)).toThrow(/"2.5" is not a positive/);
    expect(() => parseBatches('32', 5)).toThrow(/32 dialogues is not a multiple of the group size 5/);
    expect(() => parseBatches('2565', 5)).toThrow(/promptsPerStep 513, over the schema's 512/);
    expect(() => parseBatches('30,30', 5)).toThrow(/30 is listed twice/);
    for (const bad of ['32', '30,30']) expect(() => parseBatches(bad, 5)).not.toThrow(/\n/);
  });
});

describe('summariseBatchScaling', () => {
  it('takes medians, dialogues per second and the largest batch over the smallest', () => {
    const s = summariseBatchScaling([timing(320, [4000, 3000, 5000]), timing(30, [500, 400, 600]), timing(120, [1000, 1200, 1100])]);
    expect(s.rows.map((r) => r.dialogues)).toEqual([30, 120, 320]);
    expect(s.rows[0]).toEqual({ dialogues: 30, prompts_per_step: 6, steps: 3, step_ms: 500, rollout_ms: 250, infogain_ms: 50, update_ms: 125, tokens: 900, dialogues_per_s: 60 });
    expect(s.rows[2].dialogues_per_s).toBeCloseTo(80, 10);
    expect(s.largest_over_smallest).toEqual({ from: 30, to: 320, step_time_ratio: 8, dialogues_ratio: 320 / 30 });
  });

  it('has no ratio with one batch, and refuses an empty run', () => {
    expect(summariseBatchScaling([timing(30, [700])]).largest_over_smallest).toBeNull();
    expect(() => summariseBatchScaling([])).toThrow(/no batch was timed/);
    expect(() => summariseBatchScaling([timing(30, [])])).toThrow(/30 dialogues has no timed step/);
  });
});
