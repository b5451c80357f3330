/**
 * Resumable snapshots of a run (docs/run-format.md "Snapshots"): the run record so far plus the
 * trainer's whole state (weights, AdamW moments and step count, every random stream, the frozen KL
 * reference). `runExperiment(..., { resume })` continues one bit for bit: on cpu or wasm the
 * finished run has the fingerprint of the run that was never interrupted.
 *
 * One file, so a host can write it atomically (write, then rename): a safetensors file whose
 * tensors are the float32 arrays and whose `__metadata__` holds the rest as JSON. The page stores
 * the same object in IndexedDB as it is (structured clone keeps the Float32Arrays).
 */
import { canonicalJson, fingerprint, parseRunRecord, type RunRecord } from '../run';
import type { Config } from '../config';
import { STREAMS, type StreamName } from '../random';
import { decodeSafetensors, encodeSafetensors, f32Tensor, f32Values, type SafetensorsTensor } from './safetensors';
import type { TrainerState, WeightValues } from '../rl/trainer';

export const SNAPSHOT_FORMAT = 'infopo-sandbox/snapshot@1';
/** The file name hosts use inside a run folder (`npm run experiment -- --checkpoint-every N --out DIR`). */
export const SNAPSHOT_FILE = 'resume.safetensors';

export interface RunSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** RL steps done (the run continues with step + 1). */
  step: number;
  created_at: string;
  /** The run record so far: status 'running', `fingerprint` = the fingerprint of these steps, traces and evaluations. */
  record: RunRecord;
  state: TrainerState;
}

/** A snapshot that cannot be read or does not belong to the run it should continue; the message is one line for the user. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

/** Bytes of the float32 arrays: what a snapshot costs in storage, give or take its JSON. */
export function snapshotBytes(s: RunSnapshot): number {
  const w = (x: WeightValues | null) => (x ? Object.values(x).reduce((n, t) => n + t.data.byteLength, 0) : 0);
  const o = s.state.optimizer;
  return w(s.state.weights) + w(s.state.reference) + [...o.m, ...o.v].reduce((n, a) => n + a.byteLength, 0);
}

export async function makeSnapshot(record: RunRecord, state: TrainerState): Promise<RunSnapshot> {
  // A deep copy of the record (the run goes on appending to it); JSON also turns NaN into null as run.json does.
  const copy = parseRunRecord(JSON.stringify({ ...record, status: 'running' }));
  copy.fingerprint = await fingerprint(copy);
  return { format: SNAPSHOT_FORMAT, step: state.stepIndex, created_at: new Date().toISOString(), record: copy, state };
}

/** The snapshot as one safetensors file. */
export function encodeSnapshot(s: RunSnapshot): Uint8Array {
  const tensors: [string, SafetensorsTensor][] = [];
  const put = (prefix: string, w: WeightValues) => Object.entries(w).forEach(([name, t]) => tensors.push([`${prefix}/${name}`, f32Tensor(t.data, t.shape)]));
  put('policy', s.state.weights);
  if (s.state.reference) put('reference', s.state.reference);
  s.state.optimizer.m.forEach((a, i) => tensors.push([`adam/m/${i}`, f32Tensor(a, [a.length])]));
  s.state.optimizer.v.forEach((a, i) => tensors.push([`adam/v/${i}`, f32Tensor(a, [a.length])]));
  const meta = {
    step: s.step,
    created_at: s.created_at,
    record: s.record,
    trainer: { stepIndex: s.state.stepIndex, streams: s.state.streams, adam_t: s.state.optimizer.t, adam_count: s.state.optimizer.m.length, reference: s.state.reference !== null },
  };
  return encodeSafetensors(tensors, { format: SNAPSHOT_FORMAT, snapshot: JSON.stringify(meta) });
}

/** Read a snapshot file; anything malformed is a SnapshotError naming what is wrong. */
export function decodeSnapshot(bytes: Uint8Array, what = SNAPSHOT_FILE): RunSnapshot {
  let file;
  try {
    file = decodeSafetensors(bytes, what);
  } catch (e) {
    throw new SnapshotError(`${what} is not a snapshot: ${(e as Error).message}`);
  }
  if (file.metadata.format !== SNAPSHOT_FORMAT) throw new SnapshotError(`${what} is not a snapshot: its format is ${JSON.stringify(file.metadata.format ?? null)}, expected "${SNAPSHOT_FORMAT}"`);
  let meta: { step: number; created_at: string; record: unknown; trainer: { stepIndex: number; streams: Record<StreamName, number[]>; adam_t: number; adam_count: number; reference: boolean } };
  let record: RunRecord;
  try {
    meta = JSON.parse(file.metadata.snapshot ?? '');
    record = parseRunRecord(JSON.stringify(meta.record));
  } catch (e) {
    throw new SnapshotError(`${what}: its run record cannot be read (${(e as Error).message})`);
  }
  const t = meta.trainer;
  if (!t || !Number.isInteger(t.stepIndex) || t.stepIndex !== meta.step || !Number.isInteger(t.adam_t) || !Number.isInteger(t.adam_count)) throw new SnapshotError(`${what}: its trainer state is incomplete`);
  for (const n of STREAMS) if (!Array.isArray(t.streams?.[n]) || t.streams[n].length !== 4) throw new SnapshotError(`${what}: the state of the random stream "${n}" is missing`);
  const weights: WeightValues = {};
  const reference: WeightValues = {};
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  for (const [name, tensor] of file.tensors) {
    const values = f32Values(name, tensor);
    const [kind, rest] = [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)];
    if (kind === 'policy') weights[rest] = { shape: tensor.shape, data: values };
    else if (kind === 'reference') reference[rest] = { shape: tensor.shape, data: values };
    else if (kind === 'adam' && rest.startsWith('m/')) m[Number(rest.slice(2))] = values;
    else if (kind === 'adam' && rest.startsWith('v/')) v[Number(rest.slice(2))] = values;
    else throw new SnapshotError(`${what}: unexpected tensor ${name}`);
  }
  for (let i = 0; i < t.adam_count; i++) if (!m[i] || !v[i]) throw new SnapshotError(`${what}: AdamW moment ${i} is missing`);
  if (m.length !== t.adam_count || v.length !== t.adam_count) throw new SnapshotError(`${what}: ${m.length} AdamW moments, expected ${t.adam_count}`);
  return {
    format: SNAPSHOT_FORMAT,
    step: meta.step,
    created_at: meta.created_at,
    record,
    state: { stepIndex: t.stepIndex, streams: t.streams, weights, optimizer: { t: t.adam_t, m, v }, reference: t.reference ? reference : null },
  };
}

/**
 * Check that `snapshot` can continue a run of `config` (when given): the same config, and a record
 * whose fingerprint so far still matches its content (an edited or truncated snapshot is refused).
 */
export async function verifySnapshot(snapshot: RunSnapshot, config?: Config): Promise<void> {
  const r = snapshot.record;
  if (config && canonicalJson(config) !== canonicalJson(r.config)) {
    const keys = Object.keys({ ...config, ...r.config }).filter((k) => canonicalJson((config as Record<string, unknown>)[k]) !== canonicalJson((r.config as Record<string, unknown>)[k]));
    throw new SnapshotError(`the snapshot belongs to a different config (differs in ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ` and ${keys.length - 6} more` : ''}): resume it without --preset/--set/--config, or start a new run`);
  }
  const last = r.steps.length ? r.steps[r.steps.length - 1].step : 0;
  if (last !== snapshot.step || r.steps.length !== snapshot.step) throw new SnapshotError(`the snapshot says step ${snapshot.step} but its record holds ${r.steps.length} steps (last ${last})`);
  if (snapshot.step < 1 || snapshot.step > r.config.steps) throw new SnapshotError(`the snapshot's step ${snapshot.step} is outside the run's 1-${r.config.steps}`);
  const actual = await fingerprint(r);
  if (actual !== r.fingerprint) throw new SnapshotError(`the snapshot's record does not match its fingerprint so far (${r.fingerprint.slice(0, 12)}… recorded, ${actual.slice(0, 12)}… computed): it was modified or damaged`);
}
