/**
 * npm run experiment -- --preset NAME [--set key=value ...] [--config FILE.json] [--out DIR] [--backend wasm|cpu|webgpu]
 *                       [--checkpoint-every N] [--resume DIR]
 * npm run experiment -- --url "<share link>"   (reproduce a run from its link; exit 3 if the fingerprint differs)
 * Trains, shows progress on stderr, prints a summary table on stdout, writes DIR/run.json, DIR/metrics.csv
 * and the policy as a Hugging Face model folder (config.json, model.safetensors, tokenizer, README.md).
 * With --checkpoint-every N, DIR/resume.safetensors holds a snapshot every N steps; --resume DIR continues it.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { checkResources, setWebGpuFusedOps, decodeShare, ignoredKeysLine, reproductionVerdict, shareParamsOfLink, shareUrl, type ShareProof, ConfigError, decodeSnapshot, diffFromDefaults, encodeSnapshot, runExperiment, LEGACY_FILES, metricsCsv, RunFault, SNAPSHOT_FILE, SnapshotError, verifySnapshot, type Config, type MetricName, type RunRecord, type RunSnapshot } from '../engine';
import { writeCheckpointFolder } from './checkpoint-folder';
import { addConfigOptions, buildConfig, listKeys, type ConfigFlags } from './config-flags';
import { nodeBackend, nodeEnvironment, nodePretrained, nodeTokenizer, nodeUserModelLoader, quietTfjsBanner } from './node-env';

/** The command line that made this run, quoted for a POSIX shell (for the model card). */
function commandLine(): string {
  const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['npm run experiment --', ...process.argv.slice(2).map(q)].join(' ');
}

function fmt(x: number | undefined, digits = 3): string {
  return x === undefined || Number.isNaN(x) ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

/** DIR/resume.safetensors, decoded; a missing or unreadable file is a SnapshotError (one line for the user). */
function readSnapshot(dir: string): RunSnapshot {
  const path = join(resolve(dir), SNAPSHOT_FILE);
  if (!existsSync(path)) throw new SnapshotError(`no snapshot at ${path} (write one with --checkpoint-every N --out ${dir})`);
  return decodeSnapshot(new Uint8Array(readFileSync(path)), path);
}

export function summaryTable(record: RunRecord): string {
  const steps = record.steps;
  const tail = steps.slice(-Math.max(1, Math.min(10, Math.ceil(steps.length / 4))));
  const avg = (k: MetricName, rows = tail) => (rows.length ? rows.reduce((a, s) => a + (s.metrics[k] ?? 0), 0) / rows.length : NaN);
  const first = record.evaluations[0];
  const last = record.evaluations[record.evaluations.length - 1];
  const rows: [string, string][] = [
    ['method', record.config.method],
    ['task', record.config.task],
    ['seed', String(record.config.seed)],
    ['backend', record.environment.backend],
    ['steps', `${steps.length} / ${record.config.steps} (${record.status})`],
    ['warm-start loss', fmt(record.warm_start.final_loss ?? NaN)],
    [`train success (last ${tail.length} steps)`, fmt(avg('success'))],
    [`train return (last ${tail.length} steps)`, fmt(avg('return'))],
    ['turns', fmt(avg('turns'))],
    ['zero-std groups', fmt(avg('zero_std_fraction'))],
    ['gate mean', fmt(avg('gate_mean'))],
    ['IG mean (sampled / exact)', `${fmt(avg('info_gain_mean'), 4)} / ${fmt(avg('info_gain_exact_mean'), 4)}`],
    ['test success before -> after', first && last ? `${fmt(first.success)} -> ${fmt(last.success)} (${last.episodes} episodes, ${last.persona})` : '-'],
    ['test return before -> after', first && last ? `${fmt(first.return)} -> ${fmt(last.return)}` : '-'],
    ['step time (ms)', fmt(avg('step_ms', steps), 0)],
    ['fingerprint', record.fingerprint],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

async function main(): Promise<void> {
  const program = addConfigOptions(new Command().name('npm run experiment --'))
    .description('Train a policy with InfoPO or a baseline method and write the run record.')
    .option('--out <dir>', 'output folder (default runs/<method>-<task>-seed<seed>)')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(['wasm', 'cpu', 'webgpu']).default('wasm'))
    .option('--quiet', 'no progress bar')
    .option('--webgpu-stock-ops', "webgpu: tfjs's stock ops instead of the fused WGSL dense / LayerNorm / attention kernels (to compare; rounding-level differences)")
    .option('--checkpoint-every <n>', `write a resumable snapshot (DIR/${SNAPSHOT_FILE}) after every n-th RL step and when stopped with Ctrl-C`, (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a whole number of steps, at least 1');
      return Number(v);
    })
    .option('--resume <dir>', `continue the run whose snapshot is DIR/${SNAPSHOT_FILE} (its config; output to DIR unless --out)`)
    .option('--url <link>', "reproduce a run from its share link (the page's or a run.json's share_url): its setup, seed and backend; then compare fingerprints")
    .option('--page-url <url>', "the page's address that run.json's share_url points at", process.env.INFOPO_PAGE_URL ?? 'http://localhost:5173/')
    .showHelpAfterError();
  program.parse();
  const opts = program.opts<ConfigFlags & { out?: string; backend: 'wasm' | 'cpu' | 'webgpu'; quiet?: boolean; webgpuStockOps?: boolean; checkpointEvery?: number; resume?: string; url?: string; pageUrl: string }>();
  if (opts.listKeys) {
    console.log(listKeys());
    return;
  }
  let config: Config;
  let resume: RunSnapshot | undefined;
  let expected: ShareProof | null = null;
  try {
    if (opts.url !== undefined) {
      if (opts.preset.length || opts.config || opts.set.length || opts.resume) fail('--url carries the whole setup: it cannot be combined with --preset, --config, --set or --resume.');
      try {
        const link = decodeShare(shareParamsOfLink(opts.url));
        config = link.config;
        expected = link.proof;
        if (link.ignored.length) console.error(ignoredKeysLine(link.ignored, 'the link'));
      } catch (e) {
        fail((e as Error).message);
      }
      // The link's backend, unless --backend says otherwise (webgpu is Dawn's in Node: node-webgpu.ts).
      if (expected && program.getOptionValueSource('backend') !== 'cli') opts.backend = expected.backend;
    } else if (opts.resume) {
      resume = readSnapshot(opts.resume);
      // Flags that set the config must give the snapshot's config exactly; none: the snapshot's own.
      const flags = opts.preset.length > 0 || opts.set.length > 0 || opts.config !== undefined;
      config = flags ? buildConfig(opts) : resume.record.config;
      await verifySnapshot(resume, config);
    } else config = buildConfig(opts);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof SnapshotError) {
      console.error(e instanceof SnapshotError ? `--resume ${opts.resume}: ${e.message}` : e.message);
      process.exit(2);
    }
    throw e;
  }
  // Before any tensor exists: a setup beyond this machine's memory (or wasm's 4 GiB heap) would die mid-run with "memory access out of bounds".
  const resources = checkResources(config, { backend: opts.backend, deviceMemoryGB: Math.round(totalmem() / 1024 ** 3) });
  if (resources.level === 'refuse') fail(resources.message);
  if (resources.level === 'warn') console.error(resources.message);
  quietTfjsBanner();
  const choice = await nodeBackend(opts.backend);
  if (opts.webgpuStockOps) setWebGpuFusedOps(false);
  const tokenizer = await nodeTokenizer();
  const out = resolve(opts.out ?? opts.resume ?? join('runs', `${config.method}-${config.task.replace(/,/g, '+')}-seed${config.seed}`));
  mkdirSync(out, { recursive: true });

  const bar = opts.quiet || !process.stderr.isTTY ? null : new cliProgress.SingleBar({ stream: process.stderr, format: '{phase} [{bar}] {value}/{total} | ETA {eta_formatted} | {info}', hideCursor: true, etaBuffer: 20 }, cliProgress.Presets.shades_classic);
  let phase = '';
  const started = Date.now();
  let stopRequested = false;
  process.once('SIGINT', () => {
    stopRequested = true;
    process.stderr.write('\nstopping after this step (Ctrl-C again to abort)\n');
    process.once('SIGINT', () => process.exit(130));
  });
  console.error(`InfoPO sandbox: ${config.method} on ${config.task}, seed ${config.seed}, backend ${choice.backend}; non-default config: ${JSON.stringify(diffFromDefaults(config))}`);
  if (resume) console.error(`resuming from the snapshot of step ${resume.step} (${resume.created_at}, ${resume.record.environment.backend}) in ${resolve(opts.resume!)}`);
  if (resume && resume.record.environment.backend !== choice.backend) console.error(`note: the snapshot was made on ${resume.record.environment.backend}, this run continues on ${choice.backend}: the fingerprint will differ from an uninterrupted run on either`);
  const snapshotPath = join(out, SNAPSHOT_FILE);
  const hooks = {
    checkpointEvery: opts.checkpointEvery,
    // Written to a temporary name, then renamed: a crash mid-write never leaves a torn snapshot.
    onCheckpoint: opts.checkpointEvery
      ? (snapshot: RunSnapshot) => {
          writeFileSync(`${snapshotPath}.tmp`, encodeSnapshot(snapshot));
          renameSync(`${snapshotPath}.tmp`, snapshotPath);
          if (!bar && !opts.quiet) console.error(`snapshot of step ${snapshot.step} written to ${snapshotPath}`);
        }
      : undefined,
  };
  let result: Awaited<ReturnType<typeof runExperiment>>;
  try {
    result = await runExperiment(config, tokenizer, nodeEnvironment(choice), {
      ...hooks,
      shouldStop: () => stopRequested,
      onEvent: (e) => {
        if (e.type === 'warm-start') {
          if (phase !== 'warm-start') bar?.start(e.total, 0, { phase: 'warm start', info: '' });
          phase = 'warm-start';
          bar?.update(e.step, { info: `loss ${e.loss.toFixed(3)}` });
          if (!bar && !opts.quiet && (e.step % 25 === 0 || e.step === e.total)) console.error(`warm start ${e.step}/${e.total} loss ${e.loss.toFixed(3)}`);
        } else if (e.type === 'step') {
          if (phase !== 'train') {
            bar?.stop();
            bar?.start(e.total, 0, { phase: 'RL', info: '' });
          }
          phase = 'train';
          const m = e.entry.metrics;
          bar?.update(e.entry.step, { info: `success ${m.success.toFixed(2)} return ${m.return.toFixed(2)} IG ${m.info_gain_mean.toFixed(3)}` });
          if (!bar && !opts.quiet) console.error(`step ${e.entry.step}/${e.total} success ${m.success.toFixed(3)} return ${m.return.toFixed(3)} ${m.step_ms.toFixed(0)} ms`);
        } else if (e.type === 'evaluation') {
          if (!bar && !opts.quiet) console.error(`eval @${e.entry.step}: success ${e.entry.success.toFixed(3)} return ${e.entry.return.toFixed(3)}`);
        } else if (e.type === 'log' && !opts.quiet) console.error(e.message);
        else if (e.type === 'plan' && !opts.quiet) console.error(`plan: ${e.phases.map((p) => `${p.label} (${p.units} ${p.unit}${p.units === 1 ? '' : 's'})`).join(' → ')}`);
        else if (e.type === 'phase' && !bar && !opts.quiet) console.error(`phase ${e.index + 1}: ${e.phase.label}`);
      },
    }, { loadPretrained: nodePretrained, resume, loadUserModel: nodeUserModelLoader(tokenizer) });
  } catch (e) {
    if (!(e instanceof RunFault)) throw e;
    // Diverged: keep the failed record (and the last good snapshot, untouched) and say so in one line.
    bar?.stop();
    writeFileSync(join(out, 'run.json'), JSON.stringify(e.record, null, 1) + '\n');
    writeFileSync(join(out, 'metrics.csv'), metricsCsv(e.record.steps));
    console.error(`${e.message}${e.lastSnapshotStep > 0 ? ` Snapshot: ${snapshotPath}.` : ''} The failed run's record is in ${join(out, 'run.json')}.`);
    process.exit(1);
  }
  const { record, trainer } = result;
  bar?.stop();
  // The link carries the fingerprint on every backend: Dawn in Node and the browser's WebGPU agree on
  // the same adapter (e2e/webgpu-node.spec.ts); another GPU may give another one, as the verdict says.
  record.share_url = shareUrl(opts.pageUrl, record.config, { backend: choice.backend, fingerprint: record.fingerprint });
  writeFileSync(join(out, 'run.json'), JSON.stringify(record, null, 1) + '\n');
  writeFileSync(join(out, 'metrics.csv'), metricsCsv(record.steps));
  await writeCheckpointFolder(out, trainer.policy, {
    name: basename(out),
    madeBy: commandLine(),
    config: record.config,
    evaluations: record.evaluations,
    warmStartLoss: record.warm_start.final_loss,
    fingerprint: record.fingerprint,
    createdAt: new Date().toISOString(),
  });
  // A legacy pair left by an older run into this folder would contradict the new checkpoint (loading refuses the mix).
  const stale = LEGACY_FILES.filter((f) => existsSync(join(out, f)));
  for (const f of stale) rmSync(join(out, f));
  if (stale.length) console.error(`removed ${stale.join(' and ')} (an older run's checkpoint in the legacy layout) from ${out}`);
  trainer.dispose();
  console.log(summaryTable(record));
  if (expected) {
    const verdict = reproductionVerdict(expected, { backend: record.environment.backend, fingerprint: record.fingerprint });
    console.log(`link: ${verdict.text} (expected ${expected.fingerprint.slice(0, 16)}… on ${expected.backend}, got ${record.fingerprint.slice(0, 16)}… on ${record.environment.backend})`);
    if (verdict.kind !== 'reproduced') process.exitCode = 3;
  }
  console.error(`wrote run.json, metrics.csv and the checkpoint (Hugging Face layout: config.json, model.safetensors, tokenizer, README.md) to ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Refuse with one line on stderr and exit 2 (bad input: no stack trace). */
function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  // Exit when done: WebGPU in Node holds the event loop open (node-webgpu.ts).
  main().then(() => process.exit(process.exitCode ?? 0), (e) => {
    // One line; the stack only on request (it helps a developer, not a user).
    console.error(process.env.DEBUG ? (e instanceof Error ? e.stack ?? e.message : e) : `Failed: ${e instanceof Error ? e.message : String(e)} (DEBUG=1 shows the stack)`);
    process.exit(1);
  });
}
