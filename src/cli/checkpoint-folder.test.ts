import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointLayout, ConfigError, configFromPresets, encodeLegacyCheckpoint, loadTokenizer, newRunRecord, Policy, policyFromFiles, Rng, type CheckpointFiles, type WordTokenizer } from '../engine';
import { checkpointFolderOf, MODELS_DIR, nodePretrained, readCheckpointFolder, readRunFolder, RunFolderError, writeCheckpointFolder } from './checkpoint-folder';
import { buildConfig } from './config-flags';

let tokenizer: WordTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: MODELS_DIR });
});

const tmp = () => mkdtempSync(join(tmpdir(), 'infopo-ckpt-'));
const bits = (p: Policy, n: string) => Buffer.from((p.get(n).dataSync() as Float32Array).buffer);
const writeFiles = (dir: string, files: CheckpointFiles) => Object.entries(files).forEach(([f, bytes]) => writeFileSync(join(dir, f), bytes));
const small = (seed: number) => new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 32 }, new Rng(seed));
/** A run.json as npm run experiment writes it (the record's content does not matter to the reader). */
const runJson = (seed: number) => JSON.stringify(newRunRecord({ config: configFromPresets(['smoke'], { seed }), environment: { backend: 'cpu', fallback_reason: null, adapter: null, runtime: 'vitest', versions: {}, started_at: '' }, status: 'complete' }));

describe('checkpoint folders on disk', () => {
  it('writes a Hugging Face folder and reads it back with the same weights', async () => {
    const dir = join(tmp(), 'my-model');
    const p = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 32 }, new Rng(4));
    const written = await writeCheckpointFolder(dir, p, { name: 'my-model', madeBy: 'test' });
    expect(written.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(readFileSync(join(dir, 'tokenizer.json'))).toEqual(readFileSync(join(MODELS_DIR, 'infopo-words/tokenizer.json')));
    const files = await nodePretrained(dir);
    const { policy: q } = policyFromFiles(files, tokenizer);
    for (const n of p.names()) expect(bits(q, n).equals(bits(p, n)), n).toBe(true);
    p.dispose();
    q.dispose();
  });

  it('ships models/infopo-warm in the Hugging Face layout', () => {
    const files = readCheckpointFolder(checkpointFolderOf('pretrained'));
    expect(checkpointLayout(files)).toBe('hf');
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'README.md']) expect(files[f], f).toBeDefined();
    const { policy, decoded } = policyFromFiles(files, tokenizer);
    expect(decoded.shape).toEqual({ vocabSize: tokenizer.vocabSize, dModel: 64, nLayers: 2, nHeads: 4, maxContext: 192 });
    policy.dispose();
  });

  it('resolves init values and says what is wrong with a folder', async () => {
    expect(checkpointFolderOf('pretrained')).toBe(resolve(MODELS_DIR, 'infopo-warm'));
    expect(checkpointFolderOf('travel-warm')).toBe(resolve(MODELS_DIR, 'travel-warm'));
    expect(checkpointFolderOf('./runs/x')).toBe(resolve('runs/x'));
    expect(() => checkpointFolderOf('imported')).toThrow(/imported on the page; on the command line give a path/);
    await expect(nodePretrained('no-such-model')).rejects.toThrow(/no checkpoint folder models\/no-such-model \(a path needs a \/, e.g. .\/no-such-model\)/);
    const dir = tmp();
    await expect(nodePretrained(join(dir, 'absent'))).rejects.toThrow(/absent: no such folder/);
    writeFileSync(join(dir, 'file.json'), '{}');
    await expect(nodePretrained(join(dir, 'file.json'))).rejects.toThrow(/is a file; init takes a checkpoint folder/);
    await expect(nodePretrained(dir)).rejects.toThrow(/no checkpoint files .* found nothing/);
  });

  it('lets --set init= take a path, validated before the run and recorded absolute', async () => {
    const dir = join(tmp(), 'ckpt');
    const p = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 32 }, new Rng(4));
    await writeCheckpointFolder(dir, p, { name: 'ckpt', madeBy: 'test' });
    p.dispose();
    const config = buildConfig({ preset: ['smoke'], set: [`init=${dir}`] });
    expect(config.init).toBe(dir);
    expect(configFromPresets(['smoke'], { init: dir }).init).toBe(dir);
    expect(() => buildConfig({ preset: [], set: ['init=./definitely/not/here'] })).toThrow(ConfigError);
    expect(() => buildConfig({ preset: [], set: ['init=./definitely/not/here'] })).toThrow(/init = ".\/definitely\/not\/here": .*definitely\/not\/here: no such folder/);
    expect(() => buildConfig({ preset: [], set: ['init=Bad Name'] })).toThrow(/init/);
  });

  it('reads a run folder: its record through parseRunRecord and its checkpoint in the Hugging Face layout', async () => {
    const dir = join(tmp(), 'run');
    const p = small(5);
    await writeCheckpointFolder(dir, p, { name: 'run', madeBy: 'test' });
    writeFileSync(join(dir, 'run.json'), runJson(3));
    const run = readRunFolder(dir);
    expect(run.record.config.seed).toBe(3);
    expect(checkpointLayout(run.files)).toBe('hf');
    const { policy: q } = policyFromFiles(run.files, tokenizer);
    for (const n of p.names()) expect(bits(q, n).equals(bits(p, n)), n).toBe(true);
    p.dispose();
    q.dispose();
  });

  it('still reads an old run folder whose policy is the legacy pair (model.json + weights.bin)', async () => {
    const dir = tmp();
    const p = small(6);
    writeFiles(dir, await encodeLegacyCheckpoint(p));
    writeFileSync(join(dir, 'run.json'), runJson(4));
    const run = readRunFolder(dir);
    expect(Object.keys(run.files).sort()).toEqual(['model.json', 'weights.bin']);
    expect(run.record.config.seed).toBe(4);
    const { policy: q, decoded } = policyFromFiles(run.files, tokenizer);
    expect(decoded.layout).toBe('legacy');
    for (const n of p.names()) expect(bits(q, n).equals(bits(p, n)), n).toBe(true);
    p.dispose();
    q.dispose();
  });

  it('says in one line, naming the folder once, what a run folder lacks', async () => {
    const oneLine = (dir: string, what: string, pattern: RegExp) => {
      let message = '';
      try {
        readRunFolder(dir, what);
      } catch (e) {
        expect(e).toBeInstanceOf(RunFolderError);
        message = (e as Error).message;
      }
      expect(message).toMatch(pattern);
      expect(message).not.toContain('\n');
      expect(message.split(what).length, message).toBe(2);
    };
    oneLine('/nonexistent/run', '--run /nonexistent/run', /^--run \/nonexistent\/run: no such folder \(expected the output folder of npm run experiment\)$/);
    const dir = tmp();
    oneLine(dir, '--run x', /^--run x: run\.json is missing/);
    writeFileSync(join(dir, 'run.json'), '{"format": "infopo-sandbox/run@1", "steps": "many"}');
    oneLine(dir, '--run x', /^--run x\/run\.json: Not a valid run\.json/);
    writeFileSync(join(dir, 'run.json'), runJson(1));
    oneLine(dir, '--run x', /^--run x: no checkpoint files .* found nothing/);
    writeFileSync(join(dir, 'model.json'), '{}');
    oneLine(dir, '--run x', /^--run x: weights\.bin missing/);
    oneLine(join(dir, 'run.json'), '--run y', /^--run y is a file/);
  });
});
