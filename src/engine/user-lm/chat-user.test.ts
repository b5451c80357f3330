import { AutoTokenizer, env } from '@huggingface/transformers';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointToFiles } from '../checkpoints/hf-checkpoint';
import { policyToOnnx } from '../checkpoints/onnx-export';
import { episodeOptions, resolveConfig } from '../config';
import { Policy } from '../policy/model';
import { Rng } from '../random';
import { getTask } from '../tasks';
import type { WordTokenizer } from '../text/tokenizer';
import { cpuWithTokenizer } from '../test-support';
import { ChatLmUser, instructionsFor, mapToVocabulary, USER_LM_CHAT_TEMPLATE, userChatMessages } from './chat-user';
import { USER_LM_MAX_REPLY, WordLmUser } from './lm-user';
import { loadUserSimulator } from './load';
import { replyPrompt } from './prompt';

const MODELS = resolve(import.meta.dirname, '../../../models');
let tokenizer: WordTokenizer;
let dir: string;

beforeAll(async () => {
  tokenizer = await cpuWithTokenizer();
  const root = mkdtempSync(join(tmpdir(), 'infopo-chat-user-'));
  dir = join(root, 'chatty');
  const p = new Policy({ vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 128 }, new Rng(8));
  const tokenizerConfig = { ...JSON.parse(readFileSync(join(MODELS, 'infopo-words', 'tokenizer_config.json'), 'utf8')), chat_template: USER_LM_CHAT_TEMPLATE };
  const files = { ...(await checkpointToFiles(p, { 'tokenizer.json': readFileSync(join(MODELS, 'infopo-words', 'tokenizer.json')), 'tokenizer_config.json': JSON.stringify(tokenizerConfig) }, { name: 'chatty', madeBy: 'test' })), 'onnx/model.onnx': await policyToOnnx(p) };
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  // The checkpoint writer keeps a template that is there: the user's, not the policy's.
  expect(JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')).chat_template).toBe(USER_LM_CHAT_TEMPLATE);
  p.dispose();
});

describe('a chat model as the user (the Hub path), tested offline on a sandbox model with the user-LM chat template', () => {
  const config = resolveConfig({ task: 'travel', maxContext: 128 });
  const instance = getTask('travel').sample(new Rng(4), 'test', episodeOptions(config));
  const exchanges = [
    { action: 'ask area ?', feedback: 'i love museums .', role: 'user' as const },
    { action: 'search center', feedback: 'maple oak .', role: 'env' as const },
    { action: 'ask pool ?', feedback: '' },
  ];

  it("renders the 'words' conversation through apply_chat_template into exactly replyPrompt's tokens", async () => {
    const words = (await loadUserSimulator(dir, tokenizer, { modelsPath: MODELS, device: 'cpu', memoryLimitBytes: 2 ** 30, online: false, canReadFolders: true })) as WordLmUser;
    env.allowLocalModels = true;
    env.localModelPath = join(dir, '..') + '/';
    const chat = await AutoTokenizer.from_pretrained('chatty', { local_files_only: true });
    const user = new ChatLmUser(words.lm, chat, tokenizer, 'words');
    expect(user.promptIds({ instance, exchanges })).toEqual(replyPrompt(instance, exchanges, tokenizer, 128, USER_LM_MAX_REPLY));
    // Same prompt, same sampling stream: the chat path gives the word LM's replies, mapped (they are vocabulary words already).
    const requests = [{ instance, exchanges }, { instance, exchanges: exchanges.slice(0, 1) }];
    expect(await user.replies(requests, new Rng(2))).toEqual(await words.replies(requests, new Rng(2)));
    await words.dispose();
  });

  it("gives an instruct model the hidden information in the system message and the agent's moves as the chat's user turns", () => {
    const m = userChatMessages({ instance, exchanges }, 'instructions');
    expect(m[0].role).toBe('system');
    expect(m[0].content).toBe(instructionsFor(instance));
    expect(m[0].content).toContain(instance.request);
    expect(m.slice(1).map((x) => x.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(m.at(-1)!.content).toBe('ask pool ?');
    expect(m[4].content).toBe('(a tool answered: maple oak .)');
  });

  it('maps a reply in its own words into the vocabulary, dropping unknown words (never <unk>)', () => {
    expect(mapToVocabulary('Yes! I LOVE museums, honestly.', tokenizer)).toBe('yes i love museums , .');
    expect(mapToVocabulary('Absolutely wonderful!', tokenizer)).toBe('');
    for (const id of tokenizer.encode(mapToVocabulary('Sure, for TWO people, with thai food please.', tokenizer))) expect(id).not.toBe(1);
  });
});
