/** Runs with the shipped LM user (models/user-lm): reproducible, recorded, and its fidelity as docs/users.md states it. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, resolveConfig } from '../config';
import { HF_FILES } from '../checkpoints/hf-checkpoint';
import { runExperiment } from '../experiment';
import { encodeShare, decodeShare } from '../share';
import type { WordTokenizer } from '../text/tokenizer';
import { cpuWithTokenizer, testEnvironment } from '../test-support';
import { USER_LM_CHAT_TEMPLATE } from './chat-user';
import { measureFidelity } from './fidelity';
import { loadUserSimulator } from './load';
import { USER_LM_NAME } from './prompt';

const MODELS = resolve(import.meta.dirname, '../../../models');
const ROOT = resolve(MODELS, '..');
let tokenizer: WordTokenizer;
const host = { modelsPath: MODELS, device: 'cpu' as const, memoryLimitBytes: 2 ** 30, online: false, canReadFolders: true };
const load = (spec: string) => loadUserSimulator(spec, tokenizer, host);
const folderFiles = (name: string) => Object.fromEntries(HF_FILES.map((f) => [f, new Uint8Array(readFileSync(join(MODELS, name, f)))]));

beforeAll(async () => {
  tokenizer = await cpuWithTokenizer();
});

describe('the shipped LM user', () => {
  it('carries the user-LM chat template, so the chat path renders its layout', () => {
    expect(JSON.parse(readFileSync(join(MODELS, USER_LM_NAME, 'tokenizer_config.json'), 'utf8')).chat_template).toBe(USER_LM_CHAT_TEMPLATE);
  });

  it('gives the same fingerprint for the same seed, another than the scripted user, and is recorded in the config and the share link', async () => {
    const config = resolveConfig({ ...configFromPresets(['demo']), userModel: USER_LM_NAME, steps: 1, promptsPerStep: 2, groupSize: 3, evalEpisodes: 6, evalEvery: 0, traceEvery: 1 });
    const run = async (c: typeof config) => {
      const { record, trainer } = await runExperiment(c, tokenizer, testEnvironment(), {}, { loadPretrained: async (name) => folderFiles(name), loadUserModel: load });
      trainer.dispose();
      return record;
    };
    const a = await run(config);
    const b = await run(config);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.config.userModel).toBe(USER_LM_NAME);
    const scripted = await run({ ...config, userModel: 'scripted' });
    expect(scripted.fingerprint).not.toBe(a.fingerprint);
    // The LM wrote replies the scripted persona would not have: the traced dialogues differ.
    expect(JSON.stringify(a.traces)).not.toBe(JSON.stringify(scripted.traces));
    expect(decodeShare(encodeShare(config)).config.userModel).toBe(USER_LM_NAME);
  }, 120_000);

  it('has the fidelity docs/results/user-lm/fidelity.json reports, recomputed from the shipped model', async () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'docs/results/user-lm/fidelity.json'), 'utf8'));
    const sim = (await load(USER_LM_NAME))!;
    const rows = await measureFidelity(sim, tokenizer, { episodes: committed.episodes, seed: committed.seed });
    await sim.dispose();
    expect(rows.map(({ examples: _, ...r }) => r)).toEqual(committed.families.map(({ examples: _, ...r }: { examples: unknown }) => r));
  }, 120_000);
});
