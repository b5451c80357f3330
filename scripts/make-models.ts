/**
 * Builds the project's own model files under models/ from its task suite:
 *   models/infopo-words/tokenizer.json + tokenizer_config.json  (the shared word vocabulary)
 * Run: npm run make-models   (re-run whenever a task's vocabulary changes; a unit test checks it)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { allVocabularyWords, buildTokenizerFiles, TOKENIZER_NAME } from '../src/engine';

const dir = resolve(import.meta.dirname, '..', 'models', TOKENIZER_NAME);
mkdirSync(dir, { recursive: true });
const { tokenizer, config } = buildTokenizerFiles(allVocabularyWords());
writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer, null, 1) + '\n');
writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 1) + '\n');
console.log(`wrote ${dir} (${Object.keys((tokenizer as { model: { vocab: object } }).model.vocab).length} tokens)`);
