/**
 * Checkpoint folders on disk (Node): write a policy as a Hugging Face model folder, read either
 * layout back, and resolve an `init` value to a folder. The bytes come from engine/checkpoints/hf-checkpoint.ts,
 * the same code the page uses.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CheckpointFiles, checkpointLayout, type CheckpointMeta, checkpointNameOf, checkpointToFiles, HF_FILES, IMPORTED_INIT, isCheckpointPath, LEGACY_FILES, type Policy, TOKENIZER_NAME, type TokenizerFiles } from '../engine';

export const MODELS_DIR = resolve(import.meta.dirname, '..', '..', 'models');

/** Files a checkpoint folder may hold that the loaders read (others, e.g. onnx/, are left alone). */
const READ = new Set<string>([...HF_FILES, ...LEGACY_FILES, 'training.json']);

/** The tokenizer the shipped models use, from models/<name>/. */
export function nodeTokenizerFiles(name = TOKENIZER_NAME): TokenizerFiles {
  const dir = resolve(MODELS_DIR, name);
  const read = (f: string) => {
    const p = join(dir, f);
    if (!existsSync(p)) throw new Error(`${p} is missing: the tokenizer files ship with the repository`);
    return new Uint8Array(readFileSync(p));
  };
  return { 'tokenizer.json': read('tokenizer.json'), 'tokenizer_config.json': read('tokenizer_config.json') };
}

/**
 * Write `policy` as a Hugging Face model folder in `dir` (created if needed): config.json,
 * model.safetensors, generation_config.json, tokenizer files and a README.md model card. Other
 * files in `dir` are left as they are. Returns the paths written.
 */
export async function writeCheckpointFolder(dir: string, policy: Policy, meta: CheckpointMeta, tokenizer: TokenizerFiles = nodeTokenizerFiles()): Promise<string[]> {
  const files = await checkpointToFiles(policy, tokenizer, meta);
  mkdirSync(dir, { recursive: true });
  return Object.entries(files).map(([name, bytes]) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  });
}

/** A checkpoint folder's files (either layout); errors say what is missing. */
export function readCheckpointFolder(dir: string): CheckpointFiles {
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} is a file; init takes a checkpoint folder (with config.json and model.safetensors)`);
  const files: CheckpointFiles = {};
  for (const f of readdirSync(dir)) if (READ.has(f)) files[f] = new Uint8Array(readFileSync(join(dir, f)));
  checkpointLayout(files, dir);
  return files;
}

/**
 * The folder an `init` value names: a path (relative to the working directory) when it holds a
 * path separator, else a folder under models/.
 */
export function checkpointFolderOf(init: string): string {
  if (init === IMPORTED_INIT) throw new Error('init=imported names a checkpoint imported on the page; on the command line give a path, e.g. --set init=./runs/my-run');
  const name = checkpointNameOf(init);
  return isCheckpointPath(name) ? resolve(name) : resolve(MODELS_DIR, name);
}

/** The host's `loadPretrained` for runExperiment. */
export async function nodePretrained(init: string): Promise<CheckpointFiles> {
  const dir = checkpointFolderOf(init);
  if (!isCheckpointPath(init) && !existsSync(dir)) throw new Error(`${dir} is missing: ${init === 'pretrained' ? 'run npm run make-warm-start' : `no checkpoint folder models/${init} (a path needs a /, e.g. ./${init})`}`);
  return readCheckpointFolder(dir);
}
