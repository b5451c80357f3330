import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, episodeOptions } from './config';
import { appendAction, appendFeedback, buildCounterfactual, startDialogue, type Dialogue } from './dialogue';
import { EOT } from './text/special';
import { PlaySession, UserPlaySession, playInstance } from './play';
import { checkpointToFiles, policyFromFiles } from './checkpoints/hf-checkpoint';
import { policyToOnnx } from './checkpoints/onnx-export';
import { Policy } from './policy/model';
import { Rng } from './random';
import { episodeOptionsFor } from './rl/rollout';
import { getTask } from './tasks';
import { loadTokenizer, type WordTokenizer } from './text/tokenizer';
import { lmWritesReply, type UserSimulator } from './user-lm/lm-user';
import { loadUserSimulator } from './user-lm/load';

const models = resolve(import.meta.dirname, '../../models');
let tokenizer: WordTokenizer;
let policy: Policy;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: models });
  const dir = resolve(models, 'infopo-warm');
  const files = Object.fromEntries(readdirSync(dir).filter((f) => statSync(resolve(dir, f)).isFile()).map((f) => [f, new Uint8Array(readFileSync(resolve(dir, f)))]));
  policy = policyFromFiles(files, tokenizer).policy;
});

/** IG_t from scratch (docs/infopo.md §2): two full teacher-forced passes, equal-length masked answer, mean log-ratio of a_{t+1}. */
function igByHand(d: Dialogue, t: number, placeholderIds: number[]): number {
  const cf = buildCounterfactual(d, t, placeholderIds, 'equal-length');
  const logp = (tokens: number[], start: number, end: number) =>
    tf.tidy(() => {
      const lsm = tf.logSoftmax(policy.forward(tf.tensor2d([tokens], [1, tokens.length], 'int32')).logits).arraySync()[0] as number[][];
      const out: number[] = [];
      for (let k = start; k < end; k++) out.push(lsm[k - 1][tokens[k]]);
      return out;
    });
  const real = logp(d.tokens, cf.realNextActionStart, cf.realNextActionStart + (cf.nextActionEnd - cf.nextActionStart));
  const masked = logp(cf.tokens, cf.nextActionStart, cf.nextActionEnd);
  return real.reduce((a, x, k) => a + x - masked[k], 0) / real.length;
}

describe('play the user', () => {
  const config = configFromPresets(['demo']);

  it('the same seed gives the same instance, other seeds other instances, all from the test split', () => {
    expect(playInstance('travel', 5, config)).toEqual(playInstance('travel', 5, config));
    const instances = Array.from({ length: 10 }, (_, seed) => playInstance('travel', seed + 1, config));
    expect(new Set(instances.map((i) => JSON.stringify(i))).size).toBeGreaterThan(5);
    for (const i of instances) expect(i.split).toBe('test');
  });

  it("measures each answer's information gain with the engine's code, equal to the formula done by hand", async () => {
    const session = new PlaySession(policy, tokenizer, config, 'travel', 3);
    const first = await session.begin();
    expect(first.turns).toHaveLength(1);
    expect(first.turns[0].action.length).toBeGreaterThan(0);
    expect(first.turns[0].answer).toBeNull();
    const before = tf.memory().numTensors;
    const after = await session.answer(first.turns[0].suggested || 'yes');
    expect(tf.memory().numTensors).toBe(before);
    const turn = after.turns[0];
    if (after.turns.length < 2) throw new Error(`the agent stopped after one turn: ${JSON.stringify(after)}`);
    expect(turn.infoGain).not.toBeNull();
    expect(Number.isFinite(turn.infoGain!.sampled)).toBe(true);
    expect(turn.infoGain!.exact).toBeGreaterThanOrEqual(-1e-6);
    expect(turn.maskedNext).not.toBeNull();
    // The dialogue the agent saw, rebuilt from the session's public state as the session builds it.
    const d = startDialogue(tokenizer.encode(after.instance.request));
    for (const t of after.turns) {
      appendAction(d, [...tokenizer.encode(t.action), EOT], t.action);
      if (t.answer !== null) appendFeedback(d, tokenizer.encode(t.answer), t.answer, after.role);
    }
    expect(turn.infoGain!.sampled).toBeCloseTo(igByHand(d, 0, tokenizer.encode(config.placeholder)), 4);
  });

  it('refuses empty answers, unknown words, and answers when none is awaited', async () => {
    const session = new PlaySession(policy, tokenizer, config, 'travel', 4);
    await expect(session.answer('yes')).rejects.toThrow(/not waiting/);
    await session.begin();
    await expect(session.answer('   ')).rejects.toThrow(/empty answer/);
    await expect(session.answer('zyzzyva quux')).rejects.toThrow(/no "zyzzyva", "quux"/);
    // A pasted wall of text gives a short message: five words named, each cut short.
    const long = await session.answer(`${'w'.repeat(5000)} a1 a2 a3 a4 a5 a6`).catch((e: Error) => e.message);
    expect(long).toMatch(/no "w{40}… \(5000 chars\)", "a1", "a2", "a3", "a4" and 2 more unknown words/);
    expect(String(long).length).toBeLessThan(200);
  });

  it('says why an episode ended: a long answer of valid words fills the context', async () => {
    const session = new PlaySession(policy, tokenizer, config, 'travel', 4);
    const first = await session.begin();
    expect(first.endReason).toBeNull();
    const words = first.turns[0].suggested.split(/\s+/).filter((w) => session.unknownWords(w).length === 0);
    const state = await session.answer(Array.from({ length: 400 }, (_, i) => words[i % words.length]).join(' '));
    expect(state.done).toBe(true);
    expect(state.endReason).toMatch(/^the dialogue filled the agent's context \(\d+ of \d+ tokens\), so it cannot move again$/);
  });
});

describe('play the agent: the LM user answers the moves a person types', () => {
  const config = configFromPresets(['demo'], { task: '20q' });
  let root: string;
  let simulator: UserSimulator;

  beforeAll(async () => {
    // A real model through the page's loader: a small untrained causal LM in the Hugging Face layout with its ONNX.
    root = mkdtempSync(join(tmpdir(), 'infopo-play-agent-'));
    const lm = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 128 }, new Rng(8));
    const tokenizerFiles = { 'tokenizer.json': readFileSync(join(models, 'infopo-words', 'tokenizer.json')), 'tokenizer_config.json': readFileSync(join(models, 'infopo-words', 'tokenizer_config.json')) };
    const files = { ...(await checkpointToFiles(lm, tokenizerFiles, { name: 'tiny-user', madeBy: 'play.test.ts' })), 'onnx/model.onnx': await policyToOnnx(lm) };
    lm.dispose();
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(dirname(join(root, 'tiny-user', name)), { recursive: true });
      writeFileSync(join(root, 'tiny-user', name), bytes);
    }
    simulator = (await loadUserSimulator(join(root, 'tiny-user'), tokenizer, { modelsPath: models, device: 'cpu', memoryLimitBytes: 2 ** 30, online: false, canReadFolders: true }))!;
  });
  afterAll(async () => {
    await simulator?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  /** Play the oracle's suggested move `n` times (or until the end). */
  async function playOracle(session: UserPlaySession, n: number) {
    let state = session.snapshot();
    for (let k = 0; k < n && !state.done; k++) state = await session.act(state.suggestions.find((s) => s.agents.includes('oracle'))!.action);
    return state;
  }

  it('the LM words the replies to valid questions, from the seeded stream; the scripted cooperative episode judges every move', async () => {
    const session = new UserPlaySession(simulator, tokenizer, config, '20q', 7);
    const start = session.snapshot();
    expect(start.simulator.name).toBe(join(root, 'tiny-user'));
    expect(start.grammar).toEqual(getTask('20q').grammar);
    expect(start.suggestions.flatMap((s) => s.agents).sort()).toEqual(['act-now', 'ask-all', 'demo', 'oracle']);
    const state = await playOracle(session, 2);
    expect(state.turns).toHaveLength(2);
    // The first reply is the LM's sample for exactly this dialogue, on the stream the seed names.
    const instance = playInstance('20q', 7, config);
    const [first] = await simulator.replies([{ instance, exchanges: [{ action: state.turns[0].action, feedback: '', role: 'user' }] }], Rng.derive(7, 'play-agent-lm-user'));
    expect(state.turns[0].reply).toBe(first);
    // A replay of the same moves in a scripted cooperative episode gives the scripted column, validity and the score.
    const options = episodeOptionsFor(getTask('20q'), episodeOptions(config, 'cooperative'));
    const episode = getTask('20q').start(instance, options, Rng.derive(7, 'play-agent-episode'));
    for (const t of state.turns) {
      const reply = episode.respond(t.action);
      expect(t.scripted).toBe(reply.feedback);
      expect(t.valid).toBe(reply.valid);
      expect(t.writer).toBe(lmWritesReply(instance, reply) ? 'lm' : 'scripted');
    }
    expect(state.turns.map((t) => t.writer)).toEqual(['lm', 'lm']);
    // Same seed, same moves: the same replies (the LM samples from the session's own stream).
    const again = await playOracle(new UserPlaySession(simulator, tokenizer, config, '20q', 7), 2);
    expect(again.turns).toEqual(state.turns);
  });

  it('an invalid move and the final move keep the scripted reply; the episode ends with the scripted score', async () => {
    const session = new UserPlaySession(simulator, tokenizer, config, '20q', 7);
    const bad = await session.act('? ? guess');
    expect(bad.turns[0]).toMatchObject({ valid: false, writer: 'scripted' });
    expect(bad.turns[0].reply).toBe(bad.turns[0].scripted);
    const item = (playInstance('20q', 7, config).hidden as { item: { name: string } }).item.name;
    const end = await session.act(`guess ${item}`);
    expect(end.done).toBe(true);
    expect(end.turns[1].writer).toBe('scripted');
    expect(end.outcome?.success).toBe(true);
    expect(end.endReason).toBe('the agent made its final move');
    expect(end.suggestions).toEqual([]);
    await expect(session.act('is it red ?')).rejects.toThrow(/episode is over/);
  });

  it('the turn budget ends the episode; the last move gets no LM reply (no one reads it)', async () => {
    const short = configFromPresets(['demo'], { task: '20q', maxTurns: 2 });
    const session = new UserPlaySession(simulator, tokenizer, short, '20q', 7);
    await session.act('is it an animal ?');
    const state = await session.act('is it red ?');
    expect(state.turns.map((t) => t.valid)).toEqual([true, true]);
    expect(state.done).toBe(true);
    expect(state.endReason).toBe('the agent used all its 2 turns');
    expect(state.turns.map((t) => t.writer)).toEqual(['lm', 'scripted']);
  });

  it('refuses unknown words, empty and over-long moves, and families answered by an environment', async () => {
    const session = new UserPlaySession(simulator, tokenizer, config, '20q', 3);
    await expect(session.act('  ')).rejects.toThrow(/empty move/);
    await expect(session.act('is it zyzzyva ?')).rejects.toThrow(/no "zyzzyva"/);
    await expect(session.act(Array(config.maxActionTokens).fill('red').join(' '))).rejects.toThrow(/at most \d+ tokens/);
    expect(session.snapshot().turns).toEqual([]);
    expect(() => new UserPlaySession(simulator, tokenizer, configFromPresets(['demo'], { task: 'mastermind' }), 'mastermind', 1)).toThrow(/answered by an environment/);
  });
});
