import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointToFiles } from '../checkpoints/hf-checkpoint';
import { policyToOnnx } from '../checkpoints/onnx-export';
import { episodeOptions, resolveConfig } from '../config';
import { Policy } from '../policy/model';
import { Rng } from '../random';
import { getTask } from '../tasks';
import { scriptedRollout, scriptedRolloutsWithUser } from '../rl/scripted';
import { EOT } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';
import { cpuWithTokenizer } from '../test-support';
import { WordLmUser, sampleContinuations, USER_LM_SAMPLING, type CausalLm, type UserSimulator } from './lm-user';
import { loadUserSimulator, type UserModelHost } from './load';
import { userModelSource } from './source';

const MODELS = resolve(import.meta.dirname, '../../../models');
let tokenizer: WordTokenizer;
let root: string;
let policy: Policy;
const host = (o: Partial<UserModelHost> = {}): UserModelHost => ({ modelsPath: MODELS, device: 'cpu', memoryLimitBytes: 2 ** 30, online: false, canReadFolders: true, ...o });

/** A small untrained user model folder in the Hugging Face layout with its ONNX (the loader's real input). */
async function writeModelFolder(dir: string, p: Policy, edit?: (files: Record<string, Uint8Array>) => void): Promise<string> {
  const tokenizerFiles = { 'tokenizer.json': readFileSync(join(MODELS, 'infopo-words', 'tokenizer.json')), 'tokenizer_config.json': readFileSync(join(MODELS, 'infopo-words', 'tokenizer_config.json')) };
  const files = { ...(await checkpointToFiles(p, tokenizerFiles, { name: 'tiny-user', madeBy: 'test' })), 'onnx/model.onnx': await policyToOnnx(p) };
  edit?.(files);
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  return dir;
}

const enc = (s: string) => new TextEncoder().encode(s);
const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

beforeAll(async () => {
  tokenizer = await cpuWithTokenizer();
  root = mkdtempSync(join(tmpdir(), 'infopo-user-lm-'));
  policy = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 2, nHeads: 2, maxContext: 64 }, new Rng(4));
  await writeModelFolder(join(root, 'tiny'), policy);
});

/** The tfjs policy's logits at a prompt's last position. */
function policyLast(ids: number[]): Float32Array {
  return tf.tidy(() => {
    const { logits } = policy.forward(tf.tensor2d([ids], [1, ids.length], 'int32'));
    return logits.slice([0, ids.length - 1, 0], [1, 1, -1]).dataSync() as Float32Array;
  });
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('the LM user through transformers.js', () => {
  it('decodes left-padded batches over the KV cache with the policy\'s logits (within 1e-4)', async () => {
    const sim = (await loadUserSimulator(join(root, 'tiny'), tokenizer, host())) as WordLmUser;
    const rng = new Rng(9);
    const prompts = [5, 17, 11].map((n) => Array.from({ length: n }, () => rng.int(7, tokenizer.vocabSize - 1)));
    const session = await sim.lm.decode!(prompts);
    prompts.forEach((p, i) => expect(maxDiff(session.logits[i], policyLast(p)), `prompt ${i}`).toBeLessThan(1e-4));
    const next = [[20, 30], [21, 31], [22, 32]];
    for (let k = 0; k < 2; k++) {
      const logits = await session.step(next.map((n) => n[k]));
      prompts.forEach((p, i) => expect(maxDiff(logits[i], policyLast([...p, ...next[i].slice(0, k + 1)])), `prompt ${i} step ${k}`).toBeLessThan(1e-4));
    }
    session.dispose();
    await sim.dispose();
  });

  it('samples the same replies with the cache as without, from the same stream', async () => {
    const sim = (await loadUserSimulator(join(root, 'tiny'), tokenizer, host())) as WordLmUser;
    const noCache: CausalLm = { name: 'x', vocabSize: sim.lm.vocabSize, maxContext: sim.lm.maxContext, bytes: 0, nextLogits: (p) => sim.lm.nextLogits(p) };
    const prompts = [[2, 4, 40, 41, 3, 4], [2, 4, 50, 3, 5, 60, 61, 3, 4]];
    const o = { maxNew: 8, stop: EOT, allowed: (id: number) => id === EOT || id >= 7, sampling: USER_LM_SAMPLING };
    const cached = await sampleContinuations(sim.lm, prompts, o, new Rng(3));
    const plain = await sampleContinuations(noCache, prompts, o, new Rng(3));
    expect(cached).toEqual(plain);
    expect(cached.flat().length).toBeGreaterThan(0);
    await sim.dispose();
  });

  it('refuses, each in one line: a Hub id offline, not a causal LM, over the memory limit, a tokenizer it cannot map, a folder in the page, a malformed value', async () => {
    const notLm = await writeModelFolder(join(root, 'bert'), policy, (f) => (f['config.json'] = enc(JSON.stringify({ ...json(f['config.json']), architectures: ['BertModel'], model_type: 'bert' }))));
    const otherWords = await writeModelFolder(join(root, 'other-words'), policy, (f) => {
      const t = json(f['tokenizer.json']);
      const vocab = t.model.vocab as Record<string, number>;
      const [word, id] = Object.entries(vocab).find(([, i]) => i === 100)!;
      delete vocab[word];
      vocab['zzzword'] = id;
      f['tokenizer.json'] = enc(JSON.stringify(t));
      const { chat_template: _, ...config } = json(f['tokenizer_config.json']);
      f['tokenizer_config.json'] = enc(JSON.stringify(config));
    });
    const cases: [() => Promise<UserSimulator | null>, RegExp][] = [
      [() => loadUserSimulator('HuggingFaceTB/SmolLM2-135M-Instruct', tokenizer, host({ online: false })), /^userModel HuggingFaceTB\/SmolLM2-135M-Instruct: a Hub model needs the internet/],
      [() => loadUserSimulator(notLm, tokenizer, host()), /not a causal language model \(its config.json names BertModel/],
      [() => loadUserSimulator(join(root, 'tiny'), tokenizer, host({ memoryLimitBytes: 1000 })), /weights take about .* GB, over this device's limit/],
      [() => loadUserSimulator(otherWords, tokenizer, host()), /tokenizer mismatch: its tokenizer is not the sandbox's word vocabulary and it has no chat template/],
      [() => loadUserSimulator(join(root, 'tiny'), tokenizer, host({ canReadFolders: false })), /can be read by the command line only/],
      [() => loadUserSimulator(join(root, 'missing'), tokenizer, host()), /no model could be read there/],
    ];
    for (const [load, message] of cases) {
      const e = await load().then(() => null, (x: Error) => x);
      expect(e?.message ?? 'loaded', String(message)).toMatch(message);
      expect(e!.message.includes('\n'), e!.message).toBe(false);
    }
    expect(() => userModelSource('not a model')).toThrow(/expected scripted, user-lm, a checkpoint folder/);
    expect(await loadUserSimulator('scripted', tokenizer, host())).toBeNull();
  });

  it('words only user replies to valid, non-final moves (not a tool\'s, not an unparsable move\'s), reproducibly', async () => {
    const sim = (await loadUserSimulator(join(root, 'tiny'), tokenizer, host())) as WordLmUser;
    const config = resolveConfig({ task: 'travel', maxContext: 192 });
    const family = getTask('travel');
    const broken = (view: { exchanges: readonly unknown[] }) => (view.exchanges.length === 1 ? 'please hurry' : family.agents.oracle(view as never, new Rng(0)));
    const jobs = (k: number) =>
      Array.from({ length: 4 }, (_, i) => ({ family, instance: family.sample(new Rng(i), 'test', episodeOptions(config)), agent: i === 0 ? broken : family.agents['ask-all'], options: episodeOptions(config), rngs: { agent: new Rng(10 + i + k), user: new Rng(20 + i) }, group: i }));
    const a = await scriptedRolloutsWithUser(jobs(0), tokenizer, sim, new Rng(5));
    const b = await scriptedRolloutsWithUser(jobs(0), tokenizer, sim, new Rng(5));
    expect(a.map((r) => r.dialogue.tokens)).toEqual(b.map((r) => r.dialogue.tokens));
    const scripted = jobs(0).map((j) => scriptedRollout(j.family, j.instance, j.agent, j.options, j.rngs, tokenizer, j.group));
    let worded = 0;
    a.forEach((r, i) => {
      // The agents read the replies, so only their first moves must agree.
      expect(r.dialogue.turns[0].action).toBe(scripted[i].dialogue.turns[0].action);
      r.dialogue.turns.forEach((t, k) => {
        const s = scripted[i].dialogue.turns[k];
        if (!s || s.action !== t.action) return;
        if (t.role === 'env' || !t.valid || t.done) expect(t.feedback, `${t.action}`).toBe(s.feedback);
        else if (t.feedback !== s.feedback) worded++;
      });
    });
    expect(a[0].dialogue.turns[1].feedback).toBe('i do not understand .');
    expect(worded).toBeGreaterThan(0);
    expect(sim.stats.calls).toBeLessThan(sim.stats.turns);
    await sim.dispose();
  });
});
