/**
 * Rewrites legacy checkpoint folders (model.json + weights.bin, tfjs weights format) in place into
 * the Hugging Face layout (config.json, model.safetensors, tokenizer, generation config, model
 * card). The card is written from the folder's training.json when it has one. The new files are
 * read back and compared with the old weights bit for bit before the legacy pair is removed.
 *
 *   npm run convert-checkpoint -- DIR [DIR ...]
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readCheckpointFolder, writeCheckpointFolder } from '../src/cli/checkpoint-folder';
import { exportOnnx } from '../src/cli/export-onnx';
import { eachFolderMain } from '../src/cli/node-env';
import { resolveConfig, type Config, checkpointLayout, policyFromFiles, type CheckpointMeta, type EvaluationEntry } from '../src/engine';

interface TrainingJson {
  made_by?: string;
  config?: Partial<Config>;
  final_loss?: number;
  evaluations?: EvaluationEntry[];
  seconds?: number;
  backend?: string;
}

/** Convert one folder; returns a line for the log. Throws (leaving the folder as it was) on any mismatch. */
export async function convertFolder(dirArg: string): Promise<string> {
  const dir = resolve(dirArg);
  const files = readCheckpointFolder(dir);
  if (checkpointLayout(files, dir) === 'hf' && !('model.json' in files)) return `${dir}: already in the Hugging Face layout, left as it is`;
  // The legacy pair is the source whenever present: the old exporter may have rewritten it in a converted folder.
  const legacyOnly = Object.fromEntries(Object.entries(files).filter(([k]) => k !== 'config.json' && k !== 'model.safetensors'));
  checkpointLayout(legacyOnly, dir);
  const { policy } = policyFromFiles(legacyOnly, undefined, dir);
  try {
    let training: TrainingJson | null = null;
    const tj = join(dir, 'training.json');
    if (existsSync(tj)) training = JSON.parse(readFileSync(tj, 'utf8')) as TrainingJson;
    const meta: CheckpointMeta = {
      name: basename(dir),
      madeBy: training?.made_by ?? 'unknown (a legacy checkpoint without training.json)',
      config: training?.config ? resolveConfig(training.config) : undefined,
      evaluations: training?.evaluations,
      warmStartLoss: training?.final_loss ?? null,
      createdAt: new Date().toISOString(),
      notes: `Converted from the legacy tfjs layout (model.json + weights.bin) by \`npm run convert-checkpoint\`${training ? '; training.json is the original record' : ''}${training?.seconds ? ` (trained in ${Math.round(training.seconds)} s on ${training.backend ?? 'an unrecorded backend'})` : ''}.`,
    };
    await writeCheckpointFolder(dir, policy, meta);
    // Read the new files back and compare every weight with the legacy ones before deleting those.
    const fresh = readCheckpointFolder(dir);
    const hfOnly = Object.fromEntries(Object.entries(fresh).filter(([k]) => k !== 'model.json' && k !== 'weights.bin'));
    const { policy: back } = policyFromFiles(hfOnly, undefined, dir);
    try {
      for (const name of policy.names()) {
        const a = policy.get(name).dataSync() as Float32Array;
        const b = back.get(name).dataSync() as Float32Array;
        if (!Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) throw new Error(`${dir}: ${name} differs after conversion; the legacy files are kept`);
      }
    } finally {
      back.dispose();
    }
    rmSync(join(dir, 'model.json'));
    rmSync(join(dir, 'weights.bin'));
    // An ONNX export beside it was made from the old weights: remake it from the new ones.
    const onnx = existsSync(join(dir, 'onnx', 'model.onnx')) ? `; ${await exportOnnx(dir)}` : '';
    return `${dir}: converted (${policy.parameterCount()} parameters, weights identical), model.json and weights.bin removed${onnx}`;
  } finally {
    policy.dispose();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await eachFolderMain('convert-checkpoint', convertFolder);
