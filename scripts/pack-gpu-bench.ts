/**
 * npm run pack-gpu-bench -- [--out DIR] [--limit-mib N]
 *
 * Packs `npm run bench` for a Linux x86-64 machine with an NVIDIA GPU that has no package registry
 * and takes at most 64 MiB of files: this machine's Node binary (stripped, gzipped), the bench as
 * one JS bundle (scripts/gpu-bench-entry.ts: src/cli/bench.ts with its flags, Node-only: no
 * Chromium, Playwright or vite), Dawn's dawn.node for linux-x64 (gzipped), TensorFlow.js's wasm
 * binaries, the tokenizer and the demo's warm start, this system's Vulkan loader (libvulkan.so.1,
 * used there only when the machine has none; the GPU's own Vulkan driver must be there), and
 * run.sh (scripts/gpu-bench-run.sh), which unpacks it into a temporary folder and runs the bench.
 * manifest.json lists each file with its size and sha256; SHA256SUMS is the same for sha256sum -c.
 * docs/performance.md, "Figures from a real GPU", says how to run it.
 */
import { build, type Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { configFromPresets, TOKENIZER_NAME } from '../src/engine';
import { MODELS_DIR } from '../src/cli/checkpoint-folder';

const ROOT = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

/** What one device run carries (the device machine's limit on the files sent with a command). */
export const PACK_LIMIT_BYTES = 64 * 1024 * 1024;
/** Files larger than this are stored gzipped; run.sh unpacks them (gzip is on every Linux base image). */
const GZIP_ABOVE_BYTES = 1024 * 1024;
/** The bundle's place in the pack: src/cli/ as in the repo, so bench.ts's ROOT and models/ resolve to the pack. */
export const BUNDLE_PATH = 'src/cli/bench.mjs';

export interface PackedFile {
  /** Path inside the pack, as stored (`.gz` when compressed). */
  path: string;
  bytes: number;
  sha256: string;
  /** For a gzipped file: what run.sh unpacks it to. */
  unpacked?: { path: string; bytes: number; sha256: string };
}

export interface PackManifest {
  format: 'infopo-sandbox/gpu-pack@1';
  created: string;
  node: string;
  node_stripped: boolean;
  /** The newest glibc / libstdc++ symbol versions the packed binaries need, which run.sh checks on the machine. */
  needs: { glibc: string; glibcxx: string };
  vulkan_loader_from: string;
  bench_args: { webgpu: string[]; wasm: string[] };
  files: PackedFile[];
  /** Every file of the pack, manifest.json included. */
  total_bytes: number;
  limit_bytes: number;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * transformers.js's Node build requires onnxruntime-node (native, ~46 MB) and imports sharp when it
 * loads; the bench uses only its tokenizer, so both become empty stand-ins in the bundle. Fails the
 * pack when the require it replaces is no longer there (a transformers.js update).
 */
function nodeOnlyStandIns(): Plugin {
  return {
    name: 'pack-node-only',
    setup(b) {
      // transformers.js refuses to load without an image library, so sharp's stand-in is a function (that throws if called).
      b.onResolve({ filter: /^(sharp|onnxruntime-node)$/ }, (a) => ({ path: a.path, namespace: 'stand-in' }));
      b.onLoad({ filter: /.*/, namespace: 'stand-in' }, (a) => ({ contents: `export default function ${a.path.replace(/\W/g, '_')}() { throw new Error('${a.path} is not in the GPU pack: it carries only the tokenizer of transformers.js'); }`, loader: 'js' }));
      b.onLoad({ filter: /transformers\.node\.mjs$/ }, (a) => {
        const text = readFileSync(a.path, 'utf8');
        const call = 'requireFromHere("onnxruntime-node")';
        if (!text.includes(call)) throw new Error(`pack: ${relative(ROOT, a.path)} no longer contains ${call}; update nodeOnlyStandIns in scripts/pack-gpu-bench.ts`);
        // An empty object: transformers.js then has no ONNX runtime, which only its models need.
        return { contents: text.replace(call, '{}'), loader: 'js' };
      });
    },
  };
}

/** The bench as one ESM file; `webgpu` stays a package beside it (its index.js finds dawn.node next to itself). */
async function bundleBench(outFile: string): Promise<void> {
  await build({
    entryPoints: [resolve(ROOT, 'scripts/gpu-bench-entry.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
    // The page-only paths (webgpu-page, page threads) load these; the pack never runs them.
    external: ['webgpu', 'vite', '@playwright/test'],
    plugins: [nodeOnlyStandIns()],
    // CommonJS packages inside an ESM bundle use require and __dirname (tfjs-backend-wasm finds its
    // .wasm files through __dirname: they sit next to the bundle).
    banner: { js: "import { createRequire as __packRequire } from 'node:module'; import { fileURLToPath as __packPath } from 'node:url'; import { dirname as __packDirname } from 'node:path'; const require = __packRequire(import.meta.url); const __filename = __packPath(import.meta.url); const __dirname = __packDirname(__filename);" },
  });
}

/** The newest `GLIBC_2.N` and `GLIBCXX_3.4.N` a binary names (its needed symbol versions sit in its dynamic string table as text). */
export function neededVersions(binary: Uint8Array): { glibc: string; glibcxx: string } {
  const text = Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength).toString('latin1');
  const newest = (re: RegExp) => [...new Set([...text.matchAll(re)].map((m) => m[1]))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? '';
  return { glibc: newest(/GLIBC_(2\.\d+)(?![\d.])/g), glibcxx: newest(/GLIBCXX_(3\.4\.\d+)(?![\d.])/g) };
}

const maxVersion = (...vs: string[]) => vs.filter(Boolean).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? '';

/** `ldconfig -p`, from PATH or sbin (which a user's PATH may lack). */
function ldconfigCache(): string {
  for (const bin of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    const r = spawnSync(bin, ['-p'], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout;
  }
  return '';
}

/** The system's Vulkan loader, as `ldconfig -p` lists it; one line naming the package when absent. */
export function systemVulkanLoader(ldconfigOutput = ldconfigCache()): string {
  const m = /^\s*libvulkan\.so\.1 \(libc6,x86-64\) => (\S+)$/m.exec(ldconfigOutput);
  if (!m) throw new Error('pack: no Vulkan loader (libvulkan.so.1) on this machine: apt-get install libvulkan1');
  return realpathSync(m[1]);
}

/** A copy of the Node binary without its symbol table (dawn.node links against its dynamic symbols, which stay); unstripped when `strip` is missing. */
function strippedNode(node: string, scratch: string): { path: string; stripped: boolean } {
  const out = join(scratch, 'node');
  const r = spawnSync('strip', ['-o', out, node], { stdio: 'ignore' });
  if (r.status === 0) return { path: out, stripped: true };
  copyFileSync(node, out);
  return { path: out, stripped: false };
}

/** Whether the bundled bench's --help lists `flag`; also the first check that the bundle starts at all. */
function benchSupports(nodeBin: string, bundle: string, flag: string): boolean {
  const r = spawnSync(nodeBin, [bundle, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`pack: the bundled bench does not start (${bundle} --help): ${(r.stderr.match(/^\w*Error.*$/m) ?? [r.stderr.trim().split('\n').at(-1)])[0]}`);
  return r.stdout.includes(flag);
}

export interface PackOptions {
  out: string;
  limitBytes?: number;
  /** The Node binary to pack (default: the one running this). */
  node?: string;
  /** The Vulkan loader to pack (default: the system's, from ldconfig). */
  vulkanLoader?: string;
}

/** Builds the pack in `out` (emptied first if it holds a previous pack; removed on failure); throws one line when it would exceed the limit. */
export async function packGpuBench(options: PackOptions): Promise<PackManifest> {
  const out = resolve(options.out);
  const limit = options.limitBytes ?? PACK_LIMIT_BYTES;
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!existsSync(join(out, 'manifest.json'))) throw new Error(`pack: ${out} is not empty and holds no previous pack (manifest.json): choose another --out`);
    rmSync(out, { recursive: true });
  }
  mkdirSync(out, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'gpu-pack-'));
  const files: PackedFile[] = [];
  /** Writes `data` at `path` in the pack, gzipped above the threshold unless `raw`. */
  const put = (path: string, data: Uint8Array, mode = 0o644, raw = false) => {
    const gz = !raw && data.byteLength > GZIP_ABOVE_BYTES;
    const stored = gz ? gzipSync(data, { level: 6 }) : data;
    const storedPath = gz ? `${path}.gz` : path;
    mkdirSync(dirname(join(out, storedPath)), { recursive: true });
    writeFileSync(join(out, storedPath), stored, { mode });
    chmodSync(join(out, storedPath), mode);
    files.push({ path: storedPath, bytes: stored.byteLength, sha256: sha256(stored), ...(gz ? { unpacked: { path, bytes: data.byteLength, sha256: sha256(data) } } : {}) });
  };
  const putFile = (path: string, from: string, mode?: number) => put(path, readFileSync(from), mode ?? (statSync(from).mode & 0o111 ? 0o755 : 0o644));
  try {
    // The bench, one file, with TensorFlow.js's wasm binaries beside it.
    const bundle = join(scratch, 'bench.mjs');
    await bundleBench(bundle);
    put(BUNDLE_PATH, readFileSync(bundle));
    const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    for (const f of readdirSync(wasmDist).filter((n) => n.endsWith('.wasm'))) putFile(join(dirname(BUNDLE_PATH), f), join(wasmDist, f), 0o644);

    // Dawn: the webgpu package's loader and its linux-x64 binary only.
    const webgpuDir = dirname(require.resolve('webgpu/package.json'));
    for (const f of ['package.json', 'index.js', 'LICENSE.md']) putFile(`node_modules/webgpu/${f}`, join(webgpuDir, f), 0o644);
    const dawn = join(webgpuDir, 'dist/linux-x64/dawn.node');
    if (!existsSync(dawn)) throw new Error(`pack: ${relative(ROOT, dawn)} is missing: npm ci installs the webgpu package's binaries`);
    putFile('node_modules/webgpu/dist/linux-x64/dawn.node', dawn, 0o755);

    // The tokenizer and the warm start of the demo preset (the batch-scaling bench trains it).
    const init = configFromPresets(['demo']).init;
    for (const folder of [TOKENIZER_NAME, init]) {
      const dir = join(MODELS_DIR, folder);
      if (!existsSync(dir)) throw new Error(`pack: models/${folder} is missing`);
      for (const f of readdirSync(dir)) putFile(`models/${folder}/${f}`, join(dir, f), 0o644);
    }
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    put('package.json', Buffer.from(JSON.stringify({ name: 'infopo-sandbox-gpu-pack', version, private: true, type: 'module' }, null, 1) + '\n'));

    // Node, stripped of its symbol table (~86 MB), gzipped (~32 MB).
    const nodeBin = options.node ?? process.execPath;
    const node = strippedNode(nodeBin, scratch);
    const nodeBytes = readFileSync(node.path);
    put('bin/node', nodeBytes, 0o755);
    const vulkan = options.vulkanLoader ?? systemVulkanLoader();
    putFile('lib/libvulkan.so.1', vulkan, 0o644);
    const needs = [nodeBytes, readFileSync(dawn), readFileSync(vulkan)].map(neededVersions);

    // What run.sh runs: the webgpu bench and the wasm one, the wasm one at the goal's 30 dialogues
    // only when the bench has batch scaling (--batches).
    const common = ['--no-page-threads', '--steps', '3', '--repeats', '5'];
    const wasmArgs = ['--backends', 'wasm', ...common, ...(benchSupports(node.path, bundle, '--batches') ? ['--batches', '30'] : [])];
    const benchArgs = { webgpu: ['--backends', 'webgpu', ...common], wasm: wasmArgs };
    const quote = (xs: string[]) => xs.map((x) => `'${x}'`).join(' ');
    const glibc = maxVersion(...needs.map((n) => n.glibc));
    const glibcxx = maxVersion(...needs.map((n) => n.glibcxx));
    put('bench-args.sh', Buffer.from(`# Written by scripts/pack-gpu-bench.ts; sourced by run.sh.\nWEBGPU_ARGS=(${quote(benchArgs.webgpu)})\nWASM_ARGS=(${quote(benchArgs.wasm)})\nNEEDS_GLIBC='${glibc}'\nNEEDS_GLIBCXX='${glibcxx}'\nBUNDLE='${BUNDLE_PATH}'\n`));
    putFile('run.sh', resolve(ROOT, 'scripts/gpu-bench-run.sh'), 0o755);

    files.sort((a, b) => a.path.localeCompare(b.path));
    writeFileSync(join(out, 'SHA256SUMS'), files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
    const manifest: PackManifest = {
      format: 'infopo-sandbox/gpu-pack@1',
      created: new Date().toISOString(),
      node: process.versions.node,
      node_stripped: node.stripped,
      needs: { glibc, glibcxx },
      vulkan_loader_from: vulkan,
      bench_args: benchArgs,
      files,
      total_bytes: 0,
      limit_bytes: limit,
    };
    // The manifest counts itself: write it once to learn its size, then with the total.
    const others = files.reduce((s, f) => s + f.bytes, 0) + statSync(join(out, 'SHA256SUMS')).size;
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    for (let i = 0; i < 3; i++) {
      manifest.total_bytes = others + statSync(join(out, 'manifest.json')).size;
      writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    }
    const onDisk = packBytes(out);
    if (onDisk !== manifest.total_bytes) throw new Error(`pack: ${out} holds ${onDisk} bytes, the manifest counts ${manifest.total_bytes}`);
    if (onDisk > limit) throw new Error(`pack: ${mib(onDisk)} MiB is over the ${mib(limit)} MiB a device run carries (largest: ${[...files].sort((a, b) => b.bytes - a.bytes).slice(0, 3).map((f) => `${f.path} ${mib(f.bytes)} MiB`).join(', ')})`);
    return manifest;
  } catch (e) {
    // No half-built pack left behind (it would pass for a pack, or block the next --out).
    rmSync(out, { recursive: true, force: true });
    throw e;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** The bytes of every file under `dir`. */
export function packBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).reduce((s, e) => s + statSync(join(e.parentPath, e.name)).size, 0);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let out = resolve(ROOT, 'gpu-pack');
  let limitBytes = PACK_LIMIT_BYTES;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out' && args[i + 1]) out = resolve(args[++i]);
    else if (args[i] === '--limit-mib' && Number(args[i + 1]) > 0) limitBytes = Number(args[++i]) * 1024 * 1024;
    else throw new Error(`usage: npm run pack-gpu-bench -- [--out DIR] [--limit-mib N] (got "${args[i]}")`);
  }
  const t0 = Date.now();
  const m = await packGpuBench({ out, limitBytes });
  for (const f of m.files.filter((x) => x.bytes > 256 * 1024)) console.log(`${f.path.padEnd(48)} ${mib(f.bytes).padStart(6)} MiB${f.unpacked ? ` (unpacked ${mib(f.unpacked.bytes)} MiB)` : ''}`);
  const shown = relative(process.cwd(), out).startsWith('..') ? out : relative(process.cwd(), out) || '.';
  console.log(`${shown}: ${m.files.length} files, ${mib(m.total_bytes)} MiB of ${mib(m.limit_bytes)} MiB, packed in ${((Date.now() - t0) / 1000).toFixed(0)} s; Node ${m.node}${m.node_stripped ? ' (stripped)' : ''}, needs glibc ${m.needs.glibc}, libstdc++ GLIBCXX_${m.needs.glibcxx}`);
  console.log(`run it on the GPU machine: bash ${shown}/run.sh --out DIR`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().then(() => process.exit(0), (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
