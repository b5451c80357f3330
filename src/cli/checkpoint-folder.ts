/**
 * Checkpoint and run folders on disk (Node): write a policy as a Hugging Face model folder, read
 * either layout back, read a run folder (its record and its checkpoint), and resolve an `init`
 * value to a folder. The bytes come from engine/checkpoints/hf-checkpoint.ts,
 * the same code the page uses.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CheckpointFiles, checkpointLayout, type CheckpointMeta, checkpointNameOf, checkpointToFiles, HF_FILES, IMPORTED_INIT, isCheckpointPath, LEGACY_FILES, parseRunRecord, type Policy, type RunRecord, TOKENIZER_NAME, type TokenizerFiles } from '../engine';

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

/** The checkpoint files the loaders read in an existing folder, their layout checked (`what` names the folder in errors). */
function checkpointFilesIn(dir: string, what: string): CheckpointFiles {
  const files: CheckpointFiles = {};
  for (const f of readdirSync(dir)) if (READ.has(f)) files[f] = new Uint8Array(readFileSync(join(dir, f)));
  checkpointLayout(files, what);
  return files;
}

/** A checkpoint folder's files (either layout); errors say what is missing. */
export function readCheckpointFolder(dir: string): CheckpointFiles {
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new Error(`${dir} is a file; init takes a checkpoint folder (with config.json and model.safetensors)`);
  return checkpointFilesIn(dir, dir);
}

/** A run folder that cannot be read: one line for the user, who named the folder (exit 2). */
export class RunFolderError extends Error {
  override name = 'RunFolderError';
}

/** A run folder as `npm run experiment -- --out DIR` leaves it: the record and the policy's checkpoint. */
export interface RunFolder {
  dir: string;
  /** run.json, read by the one parser (parseRunRecord). */
  record: RunRecord;
  /** The checkpoint beside it: the Hugging Face layout, or the legacy pair of older runs. */
  files: CheckpointFiles;
}

const EXPECTED_RUN = 'expected the output folder of npm run experiment';

/**
 * The one reader of run folders (evaluate --run, the probes' --run, replicate, learning-speed,
 * convert-checkpoint). `what` names the folder in errors (e.g. `--run DIR`); every error is a
 * RunFolderError of one line.
 */
export function readRunFolder(dir: string, what = dir): RunFolder {
  if (!existsSync(dir)) throw new RunFolderError(`${what}: no such folder (${EXPECTED_RUN})`);
  if (!statSync(dir).isDirectory()) throw new RunFolderError(`${what} is a file (${EXPECTED_RUN})`);
  const recordFile = join(dir, 'run.json');
  if (!existsSync(recordFile)) throw new RunFolderError(`${what}: run.json is missing (${EXPECTED_RUN})`);
  let record: RunRecord;
  try {
    record = parseRunRecord(readFileSync(recordFile, 'utf8'));
  } catch (e) {
    throw new RunFolderError(`${what}/run.json: ${(e as Error).message}`);
  }
  try {
    return { dir, record, files: checkpointFilesIn(dir, what) };
  } catch (e) {
    throw new RunFolderError((e as Error).message);
  }
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
