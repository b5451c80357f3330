import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { checkpointFromPicked, zipCheckpoint } from './checkpoint-files';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('checkpoint files on the page', () => {
  it('zips a folder and reads it back byte for byte', () => {
    const files = { 'config.json': bytes('{"a":1}'), 'model.safetensors': new Uint8Array([1, 2, 3, 250]), 'README.md': bytes('# x') };
    const zip = zipCheckpoint('infopo-grpo-travel-seed1', files);
    const back = checkpointFromPicked([{ name: 'infopo-grpo-travel-seed1.zip', bytes: zip }]);
    expect(back.name).toBe('infopo-grpo-travel-seed1');
    expect(Object.keys(back.files).sort()).toEqual(['README.md', 'config.json', 'model.safetensors']);
    for (const [k, v] of Object.entries(files)) expect([...back.files[k]]).toEqual([...v]);
  });

  it('reads a zip with the files at its root, ignoring subfolders such as onnx/', () => {
    const zip = zipSync({ 'config.json': bytes('{}'), 'model.safetensors': bytes('x'), 'onnx/model.onnx': bytes('y') });
    const back = checkpointFromPicked([{ name: 'my-model.zip', bytes: zip }]);
    expect(back.name).toBe('my-model');
    expect(Object.keys(back.files).sort()).toEqual(['config.json', 'model.safetensors']);
  });

  it('takes loose files as one folder and rejects ambiguous picks', () => {
    const back = checkpointFromPicked([
      { name: 'infopo-warm/model.json', bytes: bytes('{}') },
      { name: 'infopo-warm/weights.bin', bytes: new Uint8Array(4) },
    ]);
    expect(back.name).toBe('infopo-warm');
    expect(Object.keys(back.files).sort()).toEqual(['model.json', 'weights.bin']);
    expect(() => checkpointFromPicked([])).toThrow(/no files picked/);
    expect(() => checkpointFromPicked([{ name: 'a.zip', bytes: new Uint8Array(3) }, { name: 'config.json', bytes: bytes('{}') }])).toThrow(/one .zip/);
    expect(() => checkpointFromPicked([{ name: 'a.zip', bytes: bytes('not a zip') }])).toThrow(/a.zip is not a readable zip/);
    expect(() => checkpointFromPicked([{ name: 'x/config.json', bytes: bytes('{}') }, { name: 'y/config.json', bytes: bytes('{}') }])).toThrow(/two picked files are named config.json/);
  });
});
