import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, encodeLegacyCheckpoint, loadTokenizer, newRunRecord, Policy, policyFromFiles, Rng, type CheckpointFiles, type WordTokenizer } from '../engine';
import { MODELS_DIR, readCheckpointFolder, writeCheckpointFolder } from './checkpoint-folder';
import { convertFolder, rewriteCard } from './convert-checkpoint';

let tokenizer: WordTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: MODELS_DIR });
});

const ROOT = resolve(import.meta.dirname, '..', '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'infopo-convert-'));
const bits = (p: Policy, n: string) => Buffer.from((p.get(n).dataSync() as Float32Array).buffer);
const writeFiles = (dir: string, files: CheckpointFiles) => Object.entries(files).forEach(([f, bytes]) => writeFileSync(join(dir, f), bytes));
const convertCli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/convert-checkpoint.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

describe('npm run convert-checkpoint', () => {
  it('rewrites a legacy folder in place, card from training.json, weights identical', async () => {
    const dir = join(tmp(), 'legacy-warm');
    mkdirSync(dir);
    const p = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 2, nHeads: 2, maxContext: 32 }, new Rng(8));
    const legacy = await encodeLegacyCheckpoint(p);
    writeFiles(dir, legacy);
    const config = configFromPresets(['smoke'], { seed: 3, steps: 0, sftSteps: 40 });
    const evaluation = { step: 40, split: 'test', persona: 'cooperative', episodes: 10, success: 0.3, return: 0.5, turns: 4, per_task: {} };
    writeFileSync(join(dir, 'training.json'), JSON.stringify({ made_by: 'npm run make-warm-start -- --steps 40', config, final_loss: 1.25, evaluations: [evaluation] }));
    expect(await convertFolder(dir)).toMatch(/converted .* weights identical/);
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'training.json']);
    const card = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(card).toContain('npm run make-warm-start -- --steps 40');
    expect(card).toContain('success **30.0%**');
    expect(card).toContain('seed 3');
    expect(card).toContain('Final warm-start loss: 1.2500');
    const { policy: q } = policyFromFiles(readCheckpointFolder(dir), tokenizer);
    for (const n of p.names()) expect(bits(q, n).equals(bits(p, n)), n).toBe(true);
    q.dispose();
    expect(await convertFolder(dir)).toMatch(/already in the Hugging Face layout/);

    // The old exporter writes a new legacy pair into the converted folder: loading refuses the mix,
    // and convert-checkpoint rebuilds the Hugging Face files from the legacy pair.
    const retrained = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 2, nHeads: 2, maxContext: 32 }, new Rng(9));
    writeFiles(dir, await encodeLegacyCheckpoint(retrained));
    expect(() => policyFromFiles(readCheckpointFolder(dir), tokenizer)).toThrow(/holds both layouts .* different weights/);
    mkdirSync(join(dir, 'onnx'));
    writeFileSync(join(dir, 'onnx', 'model.onnx'), 'stale');
    expect(await convertFolder(dir)).toMatch(/converted .* weights identical.*onnx\/model.onnx: \d+ bytes, logits within/);
    const { policy: r } = policyFromFiles(readCheckpointFolder(dir), tokenizer);
    for (const n of retrained.names()) expect(bits(r, n).equals(bits(retrained, n)), n).toBe(true);
    r.dispose();
    retrained.dispose();

    // A broken legacy folder is reported and left untouched.
    const bad = join(tmp(), 'broken');
    mkdirSync(bad);
    writeFiles(bad, { 'model.json': legacy['model.json'], 'weights.bin': legacy['weights.bin'].slice(0, 100) });
    await expect(convertFolder(bad)).rejects.toThrow(/weights file has 100 bytes/);
    expect(readdirSync(bad).sort()).toEqual(['model.json', 'weights.bin']);
    expect(existsSync(join(bad, 'config.json'))).toBe(false);
    p.dispose();
  });

  it('converts an old run folder (both layouts, as npm run experiment used to write), its card from run.json', async () => {
    const dir = join(tmp(), 'old-run');
    const p = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 32 }, new Rng(11));
    await writeCheckpointFolder(dir, p, { name: 'old-run', madeBy: 'npm run experiment -- --preset smoke' });
    writeFiles(dir, await encodeLegacyCheckpoint(p));
    const record = newRunRecord({ config: configFromPresets(['smoke'], { seed: 12 }), environment: { backend: 'wasm', fallback_reason: null, adapter: null, runtime: 'vitest', versions: {}, started_at: '' }, status: 'complete' });
    record.fingerprint = 'f'.repeat(64);
    record.evaluations = [{ step: 3, split: 'test', persona: 'cooperative', episodes: 8, success: 0.625, return: 0.5, turns: 3, per_task: {} }];
    writeFileSync(join(dir, 'run.json'), JSON.stringify(record));
    expect(await convertFolder(dir)).toMatch(/converted .* weights identical/);
    expect(existsSync(join(dir, 'model.json')) || existsSync(join(dir, 'weights.bin'))).toBe(false);
    const card = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(card).toContain('npm run experiment -- --config run.json');
    expect(card).toContain('seed 12');
    expect(card).toContain('success **62.5%**');
    expect(card).toContain(`Run fingerprint: \`${'f'.repeat(64)}\``);
    expect(card).toContain("run.json in this folder is the run's record (backend wasm)");
    const { policy: q } = policyFromFiles(readCheckpointFolder(dir), tokenizer);
    for (const n of p.names()) expect(bits(q, n).equals(bits(p, n)), n).toBe(true);
    p.dispose();
    q.dispose();
  });

  it('--cards-only rewrites the card from config.json alone, notes included, and leaves every other file as it was', async () => {
    const dir = join(tmp(), 'card');
    const p = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 2, nHeads: 2, maxContext: 32 }, new Rng(13));
    const config = configFromPresets(['smoke'], { seed: 5 });
    const evaluations = [{ step: 0, split: 'test' as const, persona: 'cooperative', episodes: 4, success: 0.25, return: 0.1, turns: 2, per_task: {} }];
    await writeCheckpointFolder(dir, p, { name: 'card', madeBy: 'npm run make-warm-start -- --preset smoke', config, evaluations, warmStartLoss: 0.5, notes: 'A note that must survive.' });
    p.dispose();
    const original = readFileSync(join(dir, 'README.md'), 'utf8');
    const others = () => readdirSync(dir).filter((f) => f !== 'README.md').map((f) => [f, readFileSync(join(dir, f))] as const);
    const before = others();
    expect(await rewriteCard(dir)).toMatch(/card unchanged$/);
    writeFileSync(join(dir, 'README.md'), '# stale card\n');
    expect(await rewriteCard(dir)).toMatch(/card rewritten$/);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(original);
    expect(others()).toEqual(before);
    // Through the command line; a legacy folder has no config.json to write a card from.
    writeFileSync(join(dir, 'README.md'), '# stale card\n');
    const legacy = tmp();
    const other = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 32 }, new Rng(1));
    writeFiles(legacy, await encodeLegacyCheckpoint(other));
    other.dispose();
    const r = convertCli('--cards-only', dir, legacy);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain(`${dir}: card rewritten`);
    expect(r.stderr).toContain(`${legacy}: config.json is missing`);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe(original);
    expect(convertCli().status).toBe(2);
  });
});
