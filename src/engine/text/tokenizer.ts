/**
 * The word-level tokenizer. It is stored as a Hugging Face `tokenizer.json` (WordLevel model,
 * Lowercase normalizer, Whitespace pre-tokenizer) under models/, and loaded through
 * `@huggingface/transformers` with local files only: the same loading code in Node and browser.
 */
import { AutoTokenizer, env } from '@huggingface/transformers';
import { SPECIAL_TOKENS, UNK } from './special';

export const TOKENIZER_NAME = 'infopo-words';

/** Split text the way the Whitespace pre-tokenizer does (\w+ | [^\w\s]+), lower-cased. */
export function splitWords(text: string): string[] {
  return text.toLowerCase().match(/\w+|[^\w\s]+/g) ?? [];
}

/** tokenizer.json and tokenizer_config.json for a word list (specials first, then words sorted). */
export function buildTokenizerFiles(words: Iterable<string>): { tokenizer: object; config: object } {
  const normal = [...new Set([...words].flatMap(splitWords))].filter((w) => !(SPECIAL_TOKENS as readonly string[]).includes(w)).sort();
  const vocab: Record<string, number> = {};
  [...SPECIAL_TOKENS, ...normal].forEach((token, id) => (vocab[token] = id));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  };
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    unk_token: '<unk>',
    pad_token: '<pad>',
    bos_token: '<bos>',
    eos_token: '<eot>',
    clean_up_tokenization_spaces: false,
    model_max_length: 4096,
  };
  return { tokenizer, config };
}

/** What the engine needs of a tokenizer. */
export interface WordTokenizer {
  readonly vocabSize: number;
  /** Content text to ids (no special tokens added). */
  encode(text: string): number[];
  /** Ids to text, special tokens dropped. */
  decode(ids: readonly number[]): string;
  /** Id to its token string (special tokens included). */
  token(id: number): string;
}

export interface TokenizerSource {
  /** Folder (Node: file path; browser: URL path such as `/models/`) that holds `<name>/tokenizer.json`. */
  modelsPath: string;
  name?: string;
}

type HfTokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;

class HfWordTokenizer implements WordTokenizer {
  readonly vocabSize: number;
  private readonly tokens: string[];
  constructor(private readonly hf: HfTokenizer, vocab: Record<string, number>) {
    this.vocabSize = Object.keys(vocab).length;
    this.tokens = new Array(this.vocabSize);
    for (const [token, id] of Object.entries(vocab)) this.tokens[id] = token;
  }
  encode(text: string): number[] {
    return Array.from(this.hf.encode(text, { add_special_tokens: false }) as number[]);
  }
  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    return this.hf.decode(ids as number[], { skip_special_tokens: true });
  }
  token(id: number): string {
    return this.tokens[id] ?? this.tokens[UNK];
  }
}

/** Load the project's tokenizer through transformers.js from local files only. */
export async function loadTokenizer(source: TokenizerSource): Promise<WordTokenizer> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = source.modelsPath.endsWith('/') ? source.modelsPath : source.modelsPath + '/';
  const name = source.name ?? TOKENIZER_NAME;
  // transformers.js reports a missing folder as a TypeError deep in its config parsing: name what is missing instead.
  const hf = await AutoTokenizer.from_pretrained(name, { local_files_only: true }).catch((e: unknown) => {
    throw new Error(`Tokenizer "${name}" could not be loaded from ${env.localModelPath}${name}/ (it needs tokenizer.json and tokenizer_config.json): ${e instanceof Error ? e.message : String(e)}`);
  });
  const vocab = Object.fromEntries(hf.get_vocab()) as Record<string, number>;
  for (const [i, s] of SPECIAL_TOKENS.entries()) {
    if (vocab[s] !== i) throw new Error(`Tokenizer "${name}": special token ${s} must have id ${i}, has ${vocab[s]}`);
  }
  return new HfWordTokenizer(hf, vocab);
}
