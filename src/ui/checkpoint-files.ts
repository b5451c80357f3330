/**
 * Checkpoint folders on the page: one zip to download (a folder of several files is one click),
 * and the files a user picks (a zip, or the folder's files) back into a name -> bytes map.
 */
import { unzipSync, zipSync } from 'fflate';
import { type CheckpointFiles } from '../engine';

/** `stem.zip` holding `stem/<file>` for every file. */
export function zipCheckpoint(stem: string, files: CheckpointFiles): Uint8Array {
  // safetensors floats barely compress; store them, deflate the text files.
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`${stem}/${name}`, name.endsWith('.safetensors') || name.endsWith('.bin') ? [bytes, { level: 0 }] : bytes])) as Parameters<typeof zipSync>[0]);
}

const base = (path: string) => path.split(/[/\\]/).pop() ?? path;

/**
 * Picked files -> the checkpoint's files and a name for it. A zip is unpacked (its files may sit in
 * one folder); otherwise the files are the folder's. Files in subfolders (e.g. onnx/) are ignored.
 */
export function checkpointFromPicked(picked: { name: string; bytes: Uint8Array }[]): { name: string; files: CheckpointFiles } {
  if (!picked.length) throw new Error('no files picked');
  const zips = picked.filter((p) => p.name.toLowerCase().endsWith('.zip'));
  if (zips.length > 1 || (zips.length === 1 && picked.length > 1)) throw new Error('pick one .zip, or the files of one checkpoint folder, not both');
  if (zips.length === 1) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(zips[0].bytes);
    } catch (e) {
      throw new Error(`${zips[0].name} is not a readable zip (${(e as Error).message})`);
    }
    const paths = Object.keys(entries).filter((p) => !p.endsWith('/'));
    const folders = new Set(paths.map((p) => p.split('/').slice(0, -1).join('/')));
    // The checkpoint's folder: the shallowest one holding files (the zip's root or its one top folder).
    const top = [...folders].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))[0] ?? '';
    const files: CheckpointFiles = {};
    for (const p of paths) if (p.split('/').slice(0, -1).join('/') === top) files[base(p)] = entries[p];
    return { name: top ? base(top) : zips[0].name.replace(/\.zip$/i, ''), files };
  }
  const files: CheckpointFiles = {};
  for (const p of picked) {
    const n = base(p.name);
    if (n in files) throw new Error(`two picked files are named ${n}: pick the files of one checkpoint folder`);
    files[n] = p.bytes;
  }
  const folder = picked[0].name.includes('/') ? picked[0].name.split('/').slice(-2, -1)[0] : 'picked files';
  return { name: folder, files };
}
