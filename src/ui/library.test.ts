import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, loadTokenizer, runExperiment, type EnvironmentInfo, type RunSnapshot, type WordTokenizer } from '../engine';
import { autosaveEvery, closeLibrary, DB_NAME, deleteRun, getSnapshot, interruptedRuns, listRuns, renameRun, saveRun, setStatus, StorageFullError } from './library';
import { deviceLostOffer } from './faults';

let tokenizer: WordTokenizer;
const env: EnvironmentInfo = { backend: 'cpu', fallback_reason: null, adapter: null, runtime: 'vitest', versions: {}, started_at: '' };
let snapshots: RunSnapshot[] = [];
let final: Awaited<ReturnType<typeof runExperiment>>['record'];

beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../models') });
  const { record, trainer } = await runExperiment(configFromPresets(['smoke'], { steps: 3 }), tokenizer, env, { checkpointEvery: 1, onCheckpoint: (s) => void snapshots.push(s) });
  trainer.dispose();
  final = record;
});

afterEach(async () => {
  closeLibrary();
  await new Promise<void>((done) => {
    const req = indexedDB.deleteDatabase(DB_NAME);
    req.onsuccess = req.onerror = req.onblocked = () => done();
  });
});

describe('run library (IndexedDB through idb)', () => {
  it('stores a run with its snapshot, lists it, renames it and deletes record and snapshot together', async () => {
    await saveRun('a', snapshots[0].record, snapshots[0]);
    let [row] = await listRuns();
    expect(row).toMatchObject({ id: 'a', status: 'running', steps_done: 1, total_steps: 3, snapshot_step: 1, snapshot_backend: 'cpu', method: 'infopo', task: '20q' });
    expect(row.size).toBeGreaterThan(row.snapshot_bytes);
    expect(row.snapshot_bytes).toBeGreaterThan(0);
    // The stored snapshot comes back with its Float32Arrays (structured clone), ready to resume.
    const back = await getSnapshot('a');
    expect(back!.state.weights.head.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back!.state.weights.head.data)).toEqual(Array.from(snapshots[0].state.weights.head.data));
    // A later save keeps the name and creation date, updates the rest; without a snapshot the old one stays.
    await renameRun('a', '  my run  ');
    await saveRun('a', final);
    [row] = await listRuns();
    expect(row).toMatchObject({ name: 'my run', status: 'complete', steps_done: 3, snapshot_step: 1 });
    expect(row.final_success).toBe(final.evaluations[final.evaluations.length - 1].success);
    await expect(renameRun('a', '   ')).rejects.toThrow(/needs a name/);
    await deleteRun('a');
    expect(await listRuns()).toEqual([]);
    expect(await getSnapshot('a')).toBeUndefined();
  });

  it('offers interrupted runs (status running, a snapshot, no tab holding them) for resuming, newest first', async () => {
    await saveRun('old', snapshots[1].record, snapshots[1]);
    await new Promise((r) => setTimeout(r, 5));
    await saveRun('new', snapshots[0].record, snapshots[0]);
    await saveRun('nosnap', snapshots[0].record);
    await saveRun('done', final, snapshots[1]);
    expect((await listRuns()).map((r) => r.id).sort()).toEqual(['done', 'new', 'nosnap', 'old']);
    const offered = await interruptedRuns();
    expect(offered.map((r) => [r.id, r.snapshot_step])).toEqual([['new', 1], ['old', 2]]);
    await setStatus('old', 'stopped');
    expect((await interruptedRuns()).map((r) => r.id)).toEqual(['new']);
  });

  it('turns a quota failure into a StorageFullError whose message says what to do', async () => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    try {
      await expect(saveRun('q', snapshots[1].record, snapshots[1])).rejects.toThrow(StorageFullError);
      await expect(saveRun('q', snapshots[1].record, snapshots[1])).rejects.toThrow(/^Autosave of step 2 failed: this browser's storage for the page is full.*Delete runs in the run library/);
    } finally {
      IDBObjectStore.prototype.put = put;
    }
  });

  it('autosaves every step of short runs, about 30 times over long ones, at most every 10 steps', () => {
    expect([1, 3, 30, 45, 90, 300, 3000].map(autosaveEvery)).toEqual([1, 1, 1, 2, 3, 10, 10]);
  });
});

describe('a lost WebGPU device (simulated: what the page offers)', () => {
  it('offers to continue on wasm from the last stored snapshot, naming the steps that run again', () => {
    expect(deviceLostOffer(4, 6)).toMatchObject({ fromStep: 4, button: 'Continue on wasm from step 4' });
    expect(deviceLostOffer(4, 6).text).toContain('steps 5-6 will run again');
    expect(deviceLostOffer(4, 5).text).toContain('step 5 will run again');
    expect(deviceLostOffer(4, 4).text).not.toContain('run again');
    expect(deviceLostOffer(0, 2)).toMatchObject({ fromStep: 0, button: 'Start again on wasm' });
  });
});
