import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { configFromPresets, type Config } from '../config';
import { runExperiment, RunFault, type ExperimentEvent } from '../experiment';
import { Rng } from '../random';
import { Trainer } from '../rl/trainer';
import { AdamW } from '../rl/optimizer';
import type { RunRecord } from '../run';
import { decodeSnapshot, encodeSnapshot, SnapshotError, verifySnapshot, type RunSnapshot } from './snapshot';
import type { WordTokenizer } from '../text/tokenizer';
import { cpuWithTokenizer, testEnvironment } from '../test-support';

let tokenizer: WordTokenizer;
const env = testEnvironment();

beforeAll(async () => {
  tokenizer = await cpuWithTokenizer();
});

const smoke = (overrides: Partial<Config> = {}) => configFromPresets(['smoke'], overrides);

/** Run to the end, keeping every snapshot (round-tripped through the file encoding, as a host stores it). */
async function runWithSnapshots(config: Config, every: number, resume?: RunSnapshot) {
  const snapshots: RunSnapshot[] = [];
  const events: ExperimentEvent[] = [];
  const { record, trainer } = await runExperiment(config, tokenizer, env, {
    checkpointEvery: every,
    onCheckpoint: (s) => void snapshots.push(decodeSnapshot(encodeSnapshot(s))),
    onEvent: (e) => void events.push(e),
  }, { resume });
  trainer.dispose();
  return { record, snapshots, events };
}

async function interruptAndResume(config: Config, every: number): Promise<{ whole: RunRecord; resumed: RunRecord[]; snapshots: RunSnapshot[] }> {
  const { record: whole, snapshots } = await runWithSnapshots(config, every);
  const resumed: RunRecord[] = [];
  for (const s of snapshots) resumed.push((await runWithSnapshots(config, every, s)).record);
  return { whole, resumed, snapshots };
}

describe('run snapshots (cpu backend)', () => {
  it('Rng state round-trips: a restored stream continues with the same draws', () => {
    const a = new Rng(7);
    for (let i = 0; i < 5; i++) a.next();
    const b = new Rng(123);
    b.setState(a.getState());
    expect(Array.from({ length: 20 }, () => b.int(0, 1000))).toEqual(Array.from({ length: 20 }, () => a.int(0, 1000)));
    expect(() => b.setState([1, 2, 3])).toThrow(/not a random stream state/);
  });

  it('a run interrupted at step k and resumed from its snapshot ends with the uninterrupted fingerprint (smoke, KL reference on)', async () => {
    const config = smoke({ steps: 4, klCoef: 0.05, miniBatches: 2 });
    const { whole, resumed, snapshots } = await interruptAndResume(config, 1);
    expect(snapshots.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(snapshots[0].state.reference).not.toBeNull();
    expect(whole.status).toBe('complete');
    for (const r of resumed) {
      expect(r.status).toBe('complete');
      expect(r.steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
      expect(r.fingerprint).toBe(whole.fingerprint);
    }
  });

  it('resumes across mid-run evaluations and traced steps (evalEvery 2, traceEvery 2, grpo, from a scratch model)', async () => {
    const config = smoke({ steps: 5, evalEvery: 2, traceEvery: 2, method: 'grpo', seed: 5 });
    const { whole, resumed, snapshots } = await interruptAndResume(config, 2);
    expect(snapshots.map((s) => s.step)).toEqual([2, 4]);
    // The step-2 snapshot holds the evaluation after step 2; resuming must not repeat it.
    expect(snapshots[0].record.evaluations.map((e) => e.step)).toEqual([0, 2]);
    expect(whole.evaluations.map((e) => e.step)).toEqual([0, 2, 4, 5]);
    for (const r of resumed) {
      expect(r.evaluations.map((e) => e.step)).toEqual([0, 2, 4, 5]);
      expect(r.fingerprint).toBe(whole.fingerprint);
    }
  });

  it('a resumed run announces only the phases left', async () => {
    const config = smoke({ steps: 5, evalEvery: 2 });
    const { snapshots } = await runWithSnapshots(config, 3);
    const { events } = await runWithSnapshots(config, 0, snapshots[0]);
    const phases = events.flatMap((e) => (e.type === 'phase' ? [e.phase.label] : []));
    expect(snapshots[0].step).toBe(3);
    expect(phases).toEqual(['RL steps 3-4', 'evaluation after step 4', 'RL step 5', 'final evaluation (step 5)']);
    expect(events.some((e) => e.type === 'warm-start')).toBe(false);
  });

  it('refuses a snapshot of another config, and one whose record was edited', async () => {
    const config = smoke();
    const { snapshots } = await runWithSnapshots(config, 1);
    const s = snapshots[0];
    await expect(verifySnapshot(s, smoke({ lr: 1e-3 }))).rejects.toThrow(/different config \(differs in lr\)/);
    const edited = decodeSnapshot(encodeSnapshot(s));
    edited.record.steps[0].metrics.success = 0.97;
    await expect(verifySnapshot(edited, config)).rejects.toThrow(SnapshotError);
    await expect(runExperiment(config, tokenizer, env, {}, { resume: edited })).rejects.toThrow(/modified or damaged/);
    expect(() => decodeSnapshot(new Uint8Array([1, 2, 3]))).toThrow(/not a snapshot/);
  });

  it('a NaN gradient applies no update; a non-finite loss or gradient norm stops the run with a clear message and keeps the last snapshot', async () => {
    // AdamW: a NaN gradient changes nothing and is reported.
    const p = tf.variable(tf.tensor1d([1, 2]));
    const opt = new AdamW([p], { beta1: 0.9, beta2: 0.999, weightDecay: 0, gradClip: 1 });
    const norm = await opt.step([tf.tensor1d([NaN, 1])], 0.1);
    expect(norm).toBeNaN();
    expect(Array.from(await p.data())).toEqual([1, 2]);
    expect((await opt.getState()).t).toBe(0);
    opt.dispose();
    p.dispose();

    // Test hook: step 3 of the run reports an infinite gradient norm, as a diverged update does.
    const real = Trainer.prototype.step;
    const spy = vi.spyOn(Trainer.prototype, 'step').mockImplementation(async function (this: Trainer, o) {
      const r = await real.call(this, o);
      if (r.step === 3) r.metrics.grad_norm = Infinity;
      return r;
    });
    const kept: RunSnapshot[] = [];
    const before = tf.memory().numTensors;
    try {
      await runExperiment(smoke({ steps: 4 }), tokenizer, env, { checkpointEvery: 2, onCheckpoint: (s) => void kept.push(s) });
      expect.unreachable('the run should have stopped');
    } catch (e) {
      expect(e).toBeInstanceOf(RunFault);
      const fault = e as RunFault;
      expect(fault.message).toMatch(/^Training diverged at step 3: loss .*, gradient norm Infinity .*the last good snapshot is step 2/);
      expect(fault.lastSnapshotStep).toBe(2);
      expect(fault.record.status).toBe('failed');
      expect(fault.record.steps.map((s) => s.step)).toEqual([1, 2, 3]);
    } finally {
      spy.mockRestore();
    }
    expect(kept.map((s) => s.step)).toEqual([2]);
    // The failed run's trainer was disposed: no tensors left behind.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a huge learning rate makes the loss or gradient non-finite and stops the run the same way', async () => {
    // The config schema caps lr at 1; runExperiment takes a resolved Config, so 1e30 reaches the trainer.
    const config = { ...smoke({ steps: 4, gradClip: 0, warmupSteps: 0 }), lr: 1e30 };
    const before = tf.memory().numTensors;
    await expect(runExperiment(config, tokenizer, env)).rejects.toThrow(/^Training diverged at step \d: .*no snapshot was taken/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a whole run, then dispose(), leaves no tensor behind (twice: nothing accumulates)', async () => {
    for (let i = 0; i < 2; i++) {
      const before = tf.memory().numTensors;
      const { trainer } = await runExperiment(smoke({ steps: 2, klCoef: 0.05 }), tokenizer, env, { checkpointEvery: 1, onCheckpoint: () => {} });
      trainer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});

describe('tensor count over many updates', () => {
  it("stays flat over 250 training steps of 4 PPO updates each (tiny model, the trainer's public step, wasm)", async () => {
    await tf.setBackend('wasm');
    // 2 epochs x 2 mini-batches: 1,000 optimizer updates, each with the KL reference, AdamW and the rollouts around them.
    const config = smoke({ dModel: 8, nHeads: 1, nLayers: 1, promptsPerStep: 1, groupSize: 2, klCoef: 0.05, sftSteps: 0, steps: 250, ppoEpochs: 2, miniBatches: 2 });
    const trainer = new Trainer(config, tokenizer);
    await trainer.warmStart();
    const counts: number[] = [];
    for (let i = 0; i < config.steps; i++) {
      const { metrics } = await trainer.step();
      expect(Number.isFinite(metrics.loss)).toBe(true);
      if (i % 25 === 24) counts.push(tf.memory().numTensors);
    }
    trainer.dispose();
    await tf.setBackend('cpu');
    expect(new Set(counts).size, `numTensors every 25 steps: ${counts.join(', ')}`).toBe(1);
  }, 120_000);
});
