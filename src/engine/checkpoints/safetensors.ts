/**
 * The safetensors file format (huggingface/safetensors, format docs), written and read in plain
 * TypeScript so the same code runs in the browser and in Node:
 *
 *   8 bytes   N, the header's byte length, unsigned 64-bit little-endian
 *   N bytes   JSON header: { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ...,
 *             "__metadata__": { string: string } }, padded with spaces so the data starts 8-aligned
 *   rest      the tensors' bytes, little-endian, row-major, offsets relative to the end of the header
 *
 * No npm package for this is well kept, and the format is small: this module follows the spec's
 * rules (contiguous, non-overlapping buffers covering the whole data section; header starts with
 * '{'; shapes match byte lengths) and rejects anything else with an error that names the tensor.
 */

export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'I64' | 'F16' | 'BF16' | 'U8' | 'I8' | 'BOOL' | 'I16' | 'U16' | 'U32' | 'U64';

const BYTES: Record<SafetensorsDtype, number> = { F64: 8, I64: 8, U64: 8, F32: 4, I32: 4, U32: 4, F16: 2, BF16: 2, I16: 2, U16: 2, U8: 1, I8: 1, BOOL: 1 };

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's raw little-endian bytes (a view into the file when decoded). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  /** In file order (data offsets ascending). */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** The spec caps the header at 100 MB to keep parsers safe from hostile files. */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A float32 tensor as safetensors bytes (copied; byte order fixed to little-endian). */
export function f32Tensor(data: Float32Array, shape: number[]): SafetensorsTensor {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`shape [${shape}] holds ${count} values, the data ${data.length}`);
  const bytes = new Uint8Array(data.length * 4);
  if (LITTLE_ENDIAN) bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  else {
    const view = new DataView(bytes.buffer);
    data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  }
  return { dtype: 'F32', shape: [...shape], bytes };
}

/** A decoded F32 tensor's values (copied into an aligned, host-order array). */
export function f32Values(name: string, t: SafetensorsTensor): Float32Array {
  if (t.dtype !== 'F32') throw new Error(`tensor ${name} has dtype ${t.dtype}; only F32 is read here (convert the checkpoint to float32 first)`);
  const out = new Float32Array(t.bytes.byteLength / 4);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(t.bytes);
  else {
    const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** Serialise tensors (in the order given) and string metadata into one safetensors file. */
export function encodeSafetensors(tensors: Iterable<[string, SafetensorsTensor]>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new Error(`metadata ${k}: values must be strings, got ${typeof v}`);
    header.__metadata__ = metadata;
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__' || name in header) throw new Error(`tensor name ${JSON.stringify(name)} is reserved or repeated`);
    if (!(t.dtype in BYTES)) throw new Error(`tensor ${name}: unknown dtype ${t.dtype}`);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`tensor ${name}: shape [${t.shape}] is not a list of non-negative integers`);
    const expected = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    if (t.bytes.byteLength !== expected) throw new Error(`tensor ${name}: ${t.bytes.byteLength} bytes for ${t.dtype} [${t.shape}], expected ${expected}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + expected] };
    parts.push(t.bytes);
    offset += expected;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Parse a safetensors file; tensor bytes are views into `file` (no copy). */
export function decodeSafetensors(file: Uint8Array, what = 'model.safetensors'): SafetensorsFile {
  if (file.byteLength < 8) throw new Error(`${what}: ${file.byteLength} bytes, too short for a safetensors header`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw new Error(`${what}: header length ${n} exceeds the format's 100 MB limit (not a safetensors file?)`);
  const headerLen = Number(n);
  if (8 + headerLen > file.byteLength) throw new Error(`${what}: header of ${headerLen} bytes runs past the end of the ${file.byteLength}-byte file`);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + headerLen));
  if (!text.startsWith('{')) throw new Error(`${what}: header does not start with '{'`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new Error(`${what}: header is not a JSON object`);
  const dataStart = 8 + headerLen;
  const dataLen = file.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: [string, { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${what}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string') throw new Error(`${what}: __metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info?.dtype !== 'string' || !(info.dtype in BYTES)) throw new Error(`${what}: tensor ${name} has unknown dtype ${JSON.stringify(info?.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${what}: tensor ${name} has an invalid shape ${JSON.stringify(shape)}`);
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[1] < offs[0]) throw new Error(`${what}: tensor ${name} has invalid data_offsets ${JSON.stringify(offs)}`);
    const dtype = info.dtype as SafetensorsDtype;
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES[dtype];
    if (offs[1] - offs[0] !== expected) throw new Error(`${what}: tensor ${name} is ${dtype} [${shape}] (${expected} bytes) but its data_offsets span ${offs[1] - offs[0]}`);
    entries.push([name, { dtype, shape: shape as number[], begin: offs[0], end: offs[1] }]);
  }
  entries.sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  // The spec: buffers are contiguous, do not overlap, and together cover the whole data section.
  let cursor = 0;
  for (const [name, e] of entries) {
    if (e.begin !== cursor) throw new Error(`${what}: tensor ${name} starts at byte ${e.begin} of the data, expected ${cursor} (${e.begin < cursor ? 'overlap' : 'gap'})`);
    cursor = e.end;
  }
  if (cursor !== dataLen) throw new Error(`${what}: tensors cover ${cursor} bytes, the data section has ${dataLen}`);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, e] of entries) tensors.set(name, { dtype: e.dtype, shape: e.shape, bytes: file.subarray(dataStart + e.begin, dataStart + e.end) });
  return { tensors, metadata };
}
