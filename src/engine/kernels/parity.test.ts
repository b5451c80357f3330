import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { divergenceParity } from './parity';
import { PARITY_CASES } from './reference';

describe('divergenceParity', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('passes the tfjs-ops divergence on cpu for the small parity cases, with no tensor left behind', async () => {
    for (const spec of PARITY_CASES.filter((c) => c.positions * c.vocab <= 20_000)) {
      const r = await divergenceParity(spec, 'ops');
      expect(r.pass, `${spec.name}: ${JSON.stringify(r)}`).toBe(true);
      expect(r.leakedTensors).toBe(0);
      expect([r.positions, r.vocab]).toEqual([spec.positions, spec.vocab]);
    }
  });

  it("refuses 'kernel' where no fused kernel is registered (cpu) rather than checking the ops", async () => {
    await expect(divergenceParity(PARITY_CASES[1], 'kernel')).rejects.toThrow();
  });
});
