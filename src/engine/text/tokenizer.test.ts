import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildTokenizerFiles, loadTokenizer, splitWords, TOKENIZER_NAME } from './tokenizer';
import { allVocabularyWords } from './vocabulary';
import { SPECIAL_TOKENS, UNK } from './special';

const modelsPath = resolve(import.meta.dirname, '../../../models');

describe('word tokenizer', () => {
  it('the shipped tokenizer.json is up to date with the task vocabulary (run `npm run make-models`)', () => {
    const shipped = JSON.parse(readFileSync(resolve(modelsPath, TOKENIZER_NAME, 'tokenizer.json'), 'utf8'));
    const built = buildTokenizerFiles(allVocabularyWords()).tokenizer as { model: { vocab: object } };
    expect(shipped.model.vocab).toEqual(built.model.vocab);
  });

  it('loads through transformers.js and round-trips every task word', async () => {
    const tok = await loadTokenizer({ modelsPath });
    expect(tok.token(0)).toBe('<pad>');
    SPECIAL_TOKENS.forEach((s, i) => expect(tok.token(i)).toBe(s));
    const words = [...new Set(allVocabularyWords().flatMap(splitWords))];
    const ids = tok.encode(words.join(' '));
    expect(ids).not.toContain(UNK);
    expect(ids.length).toBe(words.length);
    expect(tok.decode(ids)).toBe(words.join(' '));
  });

  it('lower-cases, splits punctuation and maps unknown words to <unk>', async () => {
    const tok = await loadTokenizer({ modelsPath });
    expect(tok.decode(tok.encode('No information found.'))).toBe('no information found .');
    expect(tok.encode('xylophonist')).toEqual([UNK]);
  });

  it('fails with a clear error when the files are missing', async () => {
    await expect(loadTokenizer({ modelsPath, name: 'no-such-tokenizer' })).rejects.toThrow(/Tokenizer "no-such-tokenizer" could not be loaded from .*models\/no-such-tokenizer\/ \(it needs tokenizer\.json and tokenizer_config\.json\)/);
  });
});
