/**
 * The real-GPU pack (scripts/pack-gpu-bench.ts): packed into a temporary folder, its files, size
 * and manifest checked, then copied outside the repository (no node_modules reachable) and started
 * with a scrubbed environment through run.sh's self-test on wasm: the packed Node, the bundled
 * bench's engine, the packed .wasm files, the tokenizer and the demo's warm start.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summariseGoals, vendorBandwidth } from './gpu-bench-summary';
import { BUNDLE_PATH, neededVersions, PACK_LIMIT_BYTES, packBytes, packGpuBench, systemVulkanLoader, type PackManifest } from './pack-gpu-bench';

describe('vendor bandwidth table', () => {
  it('matches nvidia-smi names, the more specific first', () => {
    expect(vendorBandwidth('NVIDIA H200')?.gbPerS).toBe(4800);
    expect(vendorBandwidth('NVIDIA H100 80GB HBM3')?.model).toBe('H100 SXM');
    expect(vendorBandwidth('NVIDIA H100 PCIe')?.gbPerS).toBe(2000);
    expect(vendorBandwidth('NVIDIA A100-SXM4-80GB')?.gbPerS).toBe(2039);
    expect(vendorBandwidth('NVIDIA A100 80GB PCIe')?.gbPerS).toBe(1935);
    expect(vendorBandwidth('NVIDIA A100-PCIE-40GB')?.gbPerS).toBe(1555);
    expect(vendorBandwidth('NVIDIA L4')?.gbPerS).toBe(300);
    expect(vendorBandwidth('NVIDIA L40S')?.gbPerS).toBe(864);
    expect(vendorBandwidth('NVIDIA A10G')?.gbPerS).toBe(600);
    expect(vendorBandwidth('NVIDIA GH200 480GB')?.gbPerS).toBe(4000);
    expect(vendorBandwidth('Tesla T4')?.gbPerS).toBe(320);
    expect(vendorBandwidth('SwiftShader Device')).toBeNull();
  });
});

describe('summariseGoals', () => {
  const webgpu = { results: [{ backend: 'webgpu (Node: nvidia / hopper)', divergence: [{ positions: 256, vocab: 8192, kernel_gb_per_s: 2600, ops_gb_per_s: 300 }], batch_scaling: { rows: [{ dialogues: 30, step_ms: 900, steps: 3 }, { dialogues: 320, step_ms: 1100, steps: 3 }] } }] };
  const wasm = { results: [{ backend: 'wasm', batch_scaling: { rows: [{ dialogues: 30, step_ms: 1300, steps: 3 }] } }] };
  it('reads both goals from the two runs', () => {
    const s = summariseGoals(webgpu, wasm, 'NVIDIA H200');
    expect(s.kernel.share_of_peak).toBeCloseTo(2600 / 4800, 6);
    expect(s.kernel.met).toBe(true);
    expect(s.demo_step.ratio).toBeCloseTo(1100 / 1300, 6);
    expect(s.demo_step.met).toBe(true);
    expect(s.lines).toHaveLength(2);
    expect(s.lines[0]).toContain("vendor's peak figure");
    expect(s.bandwidth?.source).toContain('not measured');
  });
  it('says which figure is missing instead of inventing one', () => {
    const s = summariseGoals(null, { results: [{ backend: 'wasm' }] }, 'NVIDIA H200');
    expect(s.kernel.met).toBeNull();
    expect(s.demo_step.ratio).toBeNull();
    expect(s.lines[0]).toContain('no webgpu result');
    expect(s.lines[1]).toContain('no webgpu step at 320');
    expect(summariseGoals(webgpu, wasm, 'Some GPU').lines[0]).toContain('not in the table');
  });
  it("names the GPU from Dawn's adapter without nvidia-smi", () => {
    const dawn = { results: [{ ...webgpu.results[0], backend: 'webgpu (Node: nvidia / hopper / NVIDIA H200)' }] };
    expect(summariseGoals(dawn, wasm, 'unknown').bandwidth?.vendor_peak_gb_per_s).toBe(4800);
  });
});

describe('neededVersions', () => {
  it('takes the newest glibc and libstdc++ symbol versions a binary names', () => {
    const fake = new TextEncoder().encode('\0GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_2.17\0GLIBCXX_3.4.9\0GLIBCXX_3.4.30\0GLIBC_PRIVATE\0');
    expect(neededVersions(fake)).toEqual({ glibc: '2.34', glibcxx: '3.4.30' });
  });
  it('finds the Vulkan loader in ldconfig -p, or names the package to install', () => {
    expect(() => systemVulkanLoader('\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6\n')).toThrow('apt-get install libvulkan1');
  });
});

describe('the packed bench', () => {
  let dir: string;
  let manifest: PackManifest;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pack-gpu-bench-test-'));
    manifest = await packGpuBench({ out: join(dir, 'pack') });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds what the GPU machine needs, each file in the manifest with its size and sha256', () => {
    const pack = join(dir, 'pack');
    const paths = manifest.files.map((f) => f.unpacked?.path ?? f.path);
    for (const p of ['bin/node', BUNDLE_PATH, 'node_modules/webgpu/dist/linux-x64/dawn.node', 'node_modules/webgpu/index.js', 'lib/libvulkan.so.1', 'src/cli/tfjs-backend-wasm.wasm', 'src/cli/tfjs-backend-wasm-simd.wasm', 'models/infopo-words/tokenizer.json', 'models/warm-intent-demo/model.safetensors', 'run.sh', 'bench-args.sh'])
      expect(paths, p).toContain(p);
    for (const f of manifest.files) {
      const data = readFileSync(join(pack, f.path));
      expect(data.byteLength, f.path).toBe(f.bytes);
      expect(createHash('sha256').update(data).digest('hex'), f.path).toBe(f.sha256);
      if (f.unpacked) expect(createHash('sha256').update(gunzipSync(data)).digest('hex'), f.unpacked.path).toBe(f.unpacked.sha256);
    }
    expect(statSync(join(pack, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(manifest.bench_args.webgpu).toEqual(expect.arrayContaining(['--backends', 'webgpu', '--no-page-threads']));
    expect(manifest.bench_args.wasm).toEqual(expect.arrayContaining(['--backends', 'wasm', '--no-page-threads']));
  });

  it('stays under the 64 MiB a device run carries, counted as the manifest says', () => {
    expect(manifest.total_bytes).toBe(packBytes(join(dir, 'pack')));
    expect(manifest.total_bytes).toBeLessThanOrEqual(PACK_LIMIT_BYTES);
  });

  it('starts from a copy outside the repository with a scrubbed environment (run.sh --self-test wasm)', () => {
    const copy = join(dir, 'elsewhere');
    cpSync(join(dir, 'pack'), copy, { recursive: true });
    const r = spawnSync('bash', [join(copy, 'run.sh'), '--self-test', 'wasm'], { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: dir, TMPDIR: dir }, timeout: 90_000 });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.split('\n').find((l) => l.startsWith('{'))!);
    expect(report).toMatchObject({ ok: true, backend: 'wasm', warm_start: 'models/warm-intent-demo', impl: 'ops' });
    expect(report.tokenizer_vocab).toBeGreaterThan(100);
    expect(report.warm_start_parameters).toBeGreaterThan(1000);
  }, 100_000);

  it('refuses a pack whose files changed, in one line', () => {
    const copy = join(dir, 'tampered');
    cpSync(join(dir, 'pack'), copy, { recursive: true });
    writeFileSync(join(copy, 'models/infopo-words/tokenizer.json'), '{}');
    const r = spawnSync('bash', [join(copy, 'run.sh'), '--self-test', 'wasm'], { cwd: dir, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir, TMPDIR: dir }, timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^missing: an intact pack/m);
  });

  it('fails with one line naming the limit when the pack is over it', async () => {
    const over = join(dir, 'over');
    await expect(packGpuBench({ out: over, limitBytes: 1024 * 1024 })).rejects.toThrow(/^pack: \d+\.\d MiB is over the 1\.0 MiB a device run carries \(largest: bin\/node\.gz/);
    expect(existsSync(over)).toBe(false);
  }, 120_000);
});
