import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, f32Tensor, f32Values, type SafetensorsTensor } from './safetensors';

function header(file: Uint8Array): { len: number; json: string } {
  const len = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return { len, json: new TextDecoder().decode(file.subarray(8, 8 + len)) };
}

function build(headerJson: string, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('reads the format reference test vector (I32 [2,2], unaligned header)', () => {
    // From the safetensors repository's own tests: a 60-byte header ('<' = 0x3c) and 16 zero bytes.
    const json = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
    expect(json.length).toBe(60);
    const file = build(json, new Uint8Array(16));
    expect(file[0]).toBe(0x3c);
    const { tensors, metadata } = decodeSafetensors(file);
    expect(metadata).toEqual({});
    expect([...tensors.keys()]).toEqual(['test']);
    expect(tensors.get('test')).toMatchObject({ dtype: 'I32', shape: [2, 2] });
    expect(tensors.get('test')!.bytes.byteLength).toBe(16);
  });

  it('writes the exact bytes the spec prescribes', () => {
    const file = encodeSafetensors([['a', f32Tensor(new Float32Array([1, -2]), [2])]], { format: 'pt' });
    const { len, json } = header(file);
    expect(len % 8).toBe(0);
    expect(json.trimEnd()).toBe('{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
    expect(json.slice(json.trimEnd().length)).toMatch(/^ *$/);
    // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0, little-endian.
    expect([...file.subarray(8 + len)]).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
  });

  it('round-trips float32 tensors bit for bit, special values included', () => {
    const special = new Float32Array([0, -0, Infinity, -Infinity, 1e-45, -1.17549435e-38, 3.4028235e38, Math.PI]);
    const nanBits = new Uint32Array([0x7fc00000, 0x7fa00001, 0xffc12345]); // quiet, signalling-pattern, negative payload NaNs
    const nans = new Float32Array(nanBits.buffer);
    const random = new Float32Array(1000);
    let s = 12345;
    for (let i = 0; i < random.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      random[i] = new Float32Array(new Uint32Array([s]).buffer)[0];
    }
    const input: [string, SafetensorsTensor][] = [
      ['special', f32Tensor(special, [2, 4])],
      ['nans', f32Tensor(nans, [3])],
      ['random', f32Tensor(random, [10, 10, 10])],
      ['empty', f32Tensor(new Float32Array(0), [0, 3])],
      ['scalar', f32Tensor(new Float32Array([7]), [])],
    ];
    const file = encodeSafetensors(input, { format: 'pt', note: 'ünïcode ok' });
    const back = decodeSafetensors(file);
    expect(back.metadata).toEqual({ format: 'pt', note: 'ünïcode ok' });
    expect([...back.tensors.keys()]).toEqual(['special', 'nans', 'random', 'empty', 'scalar']);
    for (const [name, t] of input) {
      const got = back.tensors.get(name)!;
      expect(got.shape).toEqual(t.shape);
      expect(got.dtype).toBe('F32');
      expect(Buffer.from(got.bytes).equals(Buffer.from(t.bytes))).toBe(true);
      const values = f32Values(name, got);
      expect(Buffer.from(values.buffer).equals(Buffer.from(t.bytes))).toBe(true);
    }
    // And the file itself is reproduced byte for byte from its decoding.
    expect(Buffer.from(encodeSafetensors(back.tensors, back.metadata)).equals(Buffer.from(file))).toBe(true);
  });

  it('reads tensors stored out of name order by their offsets', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    const file = build('{"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', data);
    const { tensors } = decodeSafetensors(file);
    expect([...tensors.keys()]).toEqual(['z', 'a']);
    expect([...f32Values('a', tensors.get('a')!)]).toEqual([2, 3]);
  });

  it('rejects malformed files with errors that name the problem', () => {
    const four = new Uint8Array(4);
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(/too short/);
    expect(() => decodeSafetensors(build('[1]', four))).toThrow(/does not start with '\{'/);
    expect(() => decodeSafetensors(build('{"a":', four))).toThrow(/not valid JSON/);
    expect(() => decodeSafetensors(build('{"a":{"dtype":"Q8","shape":[1],"data_offsets":[0,4]}}', four))).toThrow(/tensor a has unknown dtype "Q8"/);
    expect(() => decodeSafetensors(build('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', four))).toThrow(/tensor a is F32 \[2\] \(8 bytes\) but its data_offsets span 4/);
    expect(() => decodeSafetensors(build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(8)))).toThrow(/cover 4 bytes, the data section has 8/);
    expect(() =>
      decodeSafetensors(build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', new Uint8Array(12))),
    ).toThrow(/tensor b starts at byte 8 of the data, expected 4 \(gap\)/);
    expect(() =>
      decodeSafetensors(build('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8))),
    ).toThrow(/overlap/);
    expect(() => decodeSafetensors(build('{"__metadata__":{"n":1}}', new Uint8Array(0)))).toThrow(/__metadata__.n is not a string/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(huge)).toThrow(/100 MB limit/);
    const past = new Uint8Array(16);
    new DataView(past.buffer).setBigUint64(0, 100n, true);
    expect(() => decodeSafetensors(past)).toThrow(/runs past the end/);
    expect(() => f32Values('x', { dtype: 'BF16', shape: [1], bytes: new Uint8Array(2) })).toThrow(/tensor x has dtype BF16/);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => f32Tensor(new Float32Array(3), [2, 2])).toThrow(/holds 4 values, the data 3/);
    expect(() => encodeSafetensors([['a', { dtype: 'F32', shape: [2], bytes: new Uint8Array(4) }]])).toThrow(/tensor a: 4 bytes for F32 \[2\], expected 8/);
    expect(() => encodeSafetensors([['__metadata__', f32Tensor(new Float32Array(1), [1])]])).toThrow(/reserved/);
  });
});
