import * as tf from '@tensorflow/tfjs';
import { AutoModelForCausalLM, AutoTokenizer, env, pipeline, Tensor } from '@huggingface/transformers';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel, episodeOptions, generateRollouts, getTask, GREEDY, loadTokenizer, Policy, policyFromFiles, resolveConfig, Rng, startDialogue, TASK_IDS, type WordTokenizer } from '../engine';
import { checkpointFolderOf, MODELS_DIR, readCheckpointFolder, writeCheckpointFolder } from './checkpoint-folder';
import { exportOnnx, onnxParity, PARITY_TOLERANCE } from './export-onnx';

let tokenizer: WordTokenizer;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: MODELS_DIR });
});

const weightsOf = (p: Policy) => new Map(p.names().map((n) => [n, p.get(n).dataSync() as Float32Array]));

describe('ONNX export for transformers.js', () => {
  it('matches the TensorFlow.js logits within 1e-4 on random prompts, through the KV cache too', async () => {
    const rng = new Rng(99);
    for (const [i, shape] of [
      { vocabSize: 60, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 40 },
      { vocabSize: 398, dModel: 32, nLayers: 3, nHeads: 4, maxContext: 64 },
    ].entries()) {
      const p = new Policy(shape, new Rng(i + 1));
      const bytes = buildOnnxModel(shape, weightsOf(p));
      for (let trial = 0; trial < 3; trial++) {
        const T = rng.int(2, shape.maxContext);
        const ids = Array.from({ length: T }, () => rng.int(0, shape.vocabSize - 1));
        const diff = await onnxParity(p, bytes, ids, rng.int(1, T - 1));
        expect(diff, `shape ${i} trial ${trial}`).toBeLessThan(PARITY_TOLERANCE);
      }
      p.dispose();
    }
  });

  it('ships models/infopo-warm/onnx/model.onnx made from its model.safetensors', async () => {
    const dir = checkpointFolderOf('pretrained');
    const { policy } = policyFromFiles(readCheckpointFolder(dir), tokenizer);
    const shipped = new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx')));
    expect(Buffer.from(shipped).equals(Buffer.from(buildOnnxModel(policy.shape, weightsOf(policy))))).toBe(true);
    policy.dispose();
  });

  it('transformers.js loads the shipped model offline and decodes greedily exactly as the sandbox agent does', async () => {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = MODELS_DIR + '/';
    const model = await AutoModelForCausalLM.from_pretrained('infopo-warm', { dtype: 'fp32', local_files_only: true });
    const { policy } = policyFromFiles(readCheckpointFolder(checkpointFolderOf('pretrained')), tokenizer);
    const maxActionTokens = 8;
    const rng = new Rng(5);
    let compared = 0;
    for (const id of TASK_IDS) {
      const family = getTask(id);
      for (let k = 0; k < 2; k++) {
        // The sandbox's own greedy first move (the rollout decoder), and the context it was decoded from.
        const instance = family.sample(rng, 'test');
        const options = { ...episodeOptions(resolveConfig({ task: id, maxActionTokens, maxContext: 192 })), maxTurns: 1, ...GREEDY };
        const [rollout] = await generateRollouts(policy, tokenizer, [{ family, instance, group: 0 }], options, { sampling: new Rng(0), user: new Rng(0) });
        const ours = rollout.dialogue.turns[0].action;
        const view = { request: instance.request };
        const context = startDialogue(tokenizer.encode(instance.request)).tokens;
        const out = (await model.generate({
          input_ids: new Tensor('int64', BigInt64Array.from(context.map(BigInt)), [1, context.length]),
          attention_mask: new Tensor('int64', BigInt64Array.from(context.map(() => 1n)), [1, context.length]),
          max_new_tokens: maxActionTokens,
        })) as Tensor;
        const generated = Array.from(out.data as BigInt64Array, Number).slice(context.length);
        expect(tokenizer.decode(generated.filter((t) => t !== 3)), `${id}: ${view.request}`).toBe(ours);
        compared++;
      }
    }
    expect(compared).toBe(2 * TASK_IDS.length);
    policy.dispose();
    await model.dispose();
  });

  it("runs in transformers.js' text-generation pipeline", async () => {
    env.allowRemoteModels = false;
    env.localModelPath = MODELS_DIR + '/';
    const generator = await pipeline('text-generation', 'infopo-warm', { dtype: 'fp32', local_files_only: true });
    const request = getTask('travel').sample(new Rng(1), 'test').request;
    const [result] = (await generator(`<bos> <user> ${request} <eot> <agent>`, { max_new_tokens: 6 })) as { generated_text: string }[];
    const prompt = tokenizer.decode(tokenizer.encode(request));
    expect(result.generated_text.startsWith(prompt)).toBe(true);
    expect(result.generated_text.length).toBeGreaterThan(prompt.length);
    const tok = await AutoTokenizer.from_pretrained('infopo-warm', { local_files_only: true });
    expect(tok.encode(request, { add_special_tokens: false })).toEqual(tokenizer.encode(request));
    await generator.dispose();
  });

  it('export-onnx writes onnx/model.onnx into a checkpoint folder and refuses the legacy layout', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'infopo-onnx-')), 'm');
    const p = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 32 }, new Rng(2));
    await writeCheckpointFolder(dir, p, { name: 'm', madeBy: 'test' });
    expect(await exportOnnx(dir)).toMatch(/onnx\/model.onnx: \d+ bytes, logits within/);
    expect(existsSync(join(dir, 'onnx', 'model.onnx'))).toBe(true);
    const legacy = join(mkdtempSync(join(tmpdir(), 'infopo-onnx-')), 'legacy');
    cpSync(dir, legacy, { recursive: true });
    const { encodeLegacyCheckpoint } = await import('../engine');
    const { writeFileSync, rmSync } = await import('node:fs');
    for (const f of ['config.json', 'model.safetensors']) rmSync(join(legacy, f));
    for (const [f, bytes] of Object.entries(await encodeLegacyCheckpoint(p))) writeFileSync(join(legacy, f), bytes);
    await expect(exportOnnx(legacy)).rejects.toThrow(/legacy layout: run npm run convert-checkpoint/);
    p.dispose();
  });
});
