/**
 * npm run convert-checkpoint -- DIR [DIR ...]               legacy folders -> Hugging Face layout, in place
 * npm run convert-checkpoint -- --cards-only DIR [DIR ...]  rewrite only the model card (README.md)
 *
 * Converting rewrites a legacy checkpoint folder (model.json + weights.bin, tfjs weights format)
 * into the Hugging Face layout (config.json, model.safetensors, tokenizer, generation config, model
 * card). The card comes from the folder's run.json when it is a run folder (read by readRunFolder),
 * else from its training.json (a warm start's record). The new files are read back and compared
 * with the old weights bit for bit before the legacy pair is removed.
 *
 * --cards-only writes the card of Hugging Face folders afresh from their own config.json (after a
 * change to the card generator, `modelCard`); the weights and every other file stay as they are.
 */
import { Command } from 'commander';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readCheckpointFolder, readRunFolder, writeCheckpointFolder } from './checkpoint-folder';
import { exportOnnx } from './export-onnx';
import { eachFolderMain } from './node-env';
import { cardFromConfig, checkpointLayout, policyFromFiles, resolveConfig, type CheckpointMeta, type Config, type EvaluationEntry } from '../engine';

interface TrainingJson {
  made_by?: string;
  config?: Partial<Config>;
  final_loss?: number;
  evaluations?: EvaluationEntry[];
  seconds?: number;
  backend?: string;
}

const CONVERTED = 'Converted from the legacy tfjs layout (model.json + weights.bin) by `npm run convert-checkpoint`';

/** What the new card says about the weights: from run.json (a run folder), else training.json, else that nothing was recorded. */
function metaOf(dir: string): CheckpointMeta {
  const base = { name: basename(dir), createdAt: new Date().toISOString() };
  if (existsSync(join(dir, 'run.json'))) {
    const { record } = readRunFolder(dir);
    return { ...base, madeBy: 'npm run experiment -- --config run.json   # this folder\'s run.json: the same config and seed give the same weights on its backend', config: record.config, evaluations: record.evaluations, warmStartLoss: record.warm_start.final_loss, fingerprint: record.fingerprint, notes: `${CONVERTED}; run.json in this folder is the run's record (backend ${record.environment.backend}).` };
  }
  const tj = join(dir, 'training.json');
  const training = existsSync(tj) ? (JSON.parse(readFileSync(tj, 'utf8')) as TrainingJson) : null;
  return {
    ...base,
    madeBy: training?.made_by ?? 'unknown (a legacy checkpoint without training.json)',
    config: training?.config ? resolveConfig(training.config) : undefined,
    evaluations: training?.evaluations,
    warmStartLoss: training?.final_loss ?? null,
    notes: `${CONVERTED}${training ? '; training.json is the original record' : ''}${training?.seconds ? ` (trained in ${Math.round(training.seconds)} s on ${training.backend ?? 'an unrecorded backend'})` : ''}.`,
  };
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
    await writeCheckpointFolder(dir, policy, metaOf(dir));
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

/** Rewrite one Hugging Face folder's card from its config.json; returns a line for the log. */
export async function rewriteCard(dirArg: string): Promise<string> {
  const dir = resolve(dirArg);
  const files = readCheckpointFolder(dir);
  const card = cardFromConfig(files, basename(dir), dir);
  const old = files['README.md'] ? new TextDecoder().decode(files['README.md']) : null;
  if (old === card) return `${dir}: card unchanged`;
  writeFileSync(join(dir, 'README.md'), card);
  return `${dir}: card ${old === null ? 'written' : 'rewritten'}`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const program = new Command('npm run convert-checkpoint --')
    .description('Rewrite legacy checkpoint folders into the Hugging Face layout in place, or (--cards-only) rewrite the model card of Hugging Face folders from their config.json.')
    .argument('<dirs...>', 'checkpoint folders')
    .option('--cards-only', 'rewrite only README.md from config.json; weights and other files untouched')
    .showHelpAfterError();
  program.exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));
  program.parse();
  await eachFolderMain('convert-checkpoint', program.opts<{ cardsOnly?: boolean }>().cardsOnly ? rewriteCard : convertFolder, program.args);
}
