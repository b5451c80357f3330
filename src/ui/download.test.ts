import { describe, expect, it } from 'vitest';
import { exportStem, fileStem } from './download';

describe('export file names', () => {
  it('name the method, the task and the seed once each', () => {
    expect(exportStem({ method: 'infopo', task: 'intent', seed: 1 })).toBe('infopo-intent-seed1');
    expect(exportStem({ method: 'grpo', task: '20q', seed: 42 })).toBe('grpo-20q-seed42');
    // A list of tasks stays one part of the name.
    expect(exportStem({ method: 'rloo', task: 'intent,code,travel', seed: 3 })).toBe('rloo-intent+code+travel-seed3');
  });

  it('turn a person’s name for a stored run into a file name', () => {
    expect(fileStem('infopo · intent · seed 1')).toBe('infopo-intent-seed-1');
    expect(fileStem('  resumed after a reload! ')).toBe('resumed-after-a-reload');
    expect(fileStem('a/b\\c:d')).toBe('a-b-c-d');
    expect(fileStem('···')).toBe('run');
  });
});
