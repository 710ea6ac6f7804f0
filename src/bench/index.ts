/**
 * `supernet-lab bench` / `npm run bench`: SPOS training and sub-network evaluation speed of the
 * NAS-Bench-201 supernet per available engine, side by side with the same network in PyTorch
 * (scripts/bench-torch.py) in the same run; ratio table on stdout, JSON in kernels-data/bench/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { libraryInfo, packageRoot, type LibraryInfo } from '../../info';
import { sampleNb201 } from '../../spaces/nb201/sample';
import { runPoolSettled, defaultWorkerCount, type PoolTask } from '../pool';
import { nativeWaitPolicy } from '../native/addon';
import { Rng } from '../random';
import type { EngineName } from '../types';
import { findTorchPython, runTorchJobs, type TorchLayout, type TorchResult } from './torch';
import { imagesPerSecond, type WorkloadResult, type WorkloadSpec } from './workload';

export type { WorkloadResult, WorkloadSpec } from './workload';

export interface BenchConfig {
  /** Short id used in the JSON. */
  id: string;
  title: string;
  channels: number;
  cellsPerStage: number;
  inputChannels: number;
  classes: number;
  imageSize: number;
  batch: number;
  evalBatch: number;
  /** Multiplies the step counts (small networks run more steps). */
  stepFactor: number;
}

/** NAS-Bench-201's own skeleton on CIFAR-sized images, and the laptop tier on Fashion-MNIST. */
export const BENCH_CONFIGS: readonly BenchConfig[] = [
  {
    id: 'nb201-c16-n5-cifar',
    title: 'NAS-Bench-201 supernet C=16, N=5, 32x32x3, 10 classes',
    channels: 16,
    cellsPerStage: 5,
    inputChannels: 3,
    classes: 10,
    imageSize: 32,
    batch: 64,
    evalBatch: 256,
    stepFactor: 1,
  },
  {
    id: 'laptop-c8-n1-fmnist',
    title: 'laptop tier: C=8, N=1, 28x28x1 (Fashion-MNIST), 10 classes',
    channels: 8,
    cellsPerStage: 1,
    inputChannels: 1,
    classes: 10,
    imageSize: 28,
    batch: 64,
    evalBatch: 500,
    stepFactor: 4,
  },
];

export type BenchMetric = 'train' | 'eval' | 'train-multiprocess';

export interface BenchComparison {
  config: string;
  metric: BenchMetric;
  engine: EngineName;
  /** Our images per second (summed over processes for train-multiprocess). */
  ours: number;
  /** PyTorch images per second, same work; null without PyTorch. */
  pytorch: number | null;
  pytorchLayout: TorchLayout | null;
  /** ours / pytorch (null without PyTorch). */
  ratio: number | null;
  /** The issue's target ratio for CPU. */
  target: number;
  /**
   * Images per CPU-second (all threads' CPU time), ours and PyTorch's, and their ratio: a
   * second view that is less sensitive to other work on the machine (null where not measured).
   */
  oursPerCpuSecond: number | null;
  pytorchPerCpuSecond: number | null;
  cpuRatio: number | null;
  /** Peak resident memory of the measuring process (MiB). */
  oursPeakRssMiB: number | null;
  pytorchPeakRssMiB: number | null;
  threads: number;
  processes: number;
  batch: number;
}

export interface BenchScalingPoint {
  config: string;
  who: EngineName | 'pytorch';
  batch: number;
  channels: number;
  trainImagesPerSec: number;
  trainStepMs: number;
  evalImagesPerSec: number;
}

export interface BenchEngineStatus {
  engine: EngineName;
  available: boolean;
  reason?: string;
}

export interface BenchReport {
  schema: 1;
  createdAt: string;
  quick: boolean;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    platform: string;
    loadAverage: number[];
  };
  library: LibraryInfo;
  pytorch: { version: string; python: string } | null;
  settings: {
    threads: number;
    processes: number;
    warmup: number;
    trainSteps: number;
    evalSteps: number;
    /** OMP_WAIT_POLICY of the native engine and the PyTorch reference alike. */
    ompWaitPolicy: string;
  };
  engines: BenchEngineStatus[];
  comparisons: BenchComparison[];
  scaling: BenchScalingPoint[];
  runs: { config: string; who: string; mode: string; result: WorkloadResult | TorchResult }[];
  notes: string[];
}

export interface BenchOptions {
  quick?: boolean;
  /** Engines to measure (default: native, wasm, webgpu, tensorflow; cpu only when listed). */
  engines?: EngineName[];
  /** Threads of the single-process runs (default: all cores). */
  threads?: number;
  /** Processes of the multi-process runs (default: all cores). */
  processes?: number;
  /** Skip the batch/channel scaling runs. */
  noScaling?: boolean;
  /** Skip PyTorch even when available. */
  noPytorch?: boolean;
  /** Folder for the JSON (default kernels-data/bench). null: do not write. */
  outDir?: string | null;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

const TARGET_RATIO = 0.5;

function workloadTask(): PoolTask {
  return {
    module: path.join(__dirname, `workload${path.extname(__filename) || '.js'}`),
    exportName: 'measureWorkload',
  };
}

function specFor(
  config: BenchConfig,
  archs: string[][],
  steps: { warmup: number; train: number; eval: number },
  overrides: Partial<WorkloadSpec> = {},
): WorkloadSpec {
  return {
    channels: config.channels,
    cellsPerStage: config.cellsPerStage,
    inputChannels: config.inputChannels,
    classes: config.classes,
    imageSize: config.imageSize,
    batch: config.batch,
    evalBatch: config.evalBatch,
    archs,
    warmup: steps.warmup,
    trainSteps: steps.train * config.stepFactor,
    evalSteps: steps.eval * config.stepFactor,
    seed: 1,
    ...overrides,
  };
}

/** Runs `specs` on `engine`: `processes` workers with `threads` threads each, jobs in order. */
async function runEngine(
  engine: EngineName,
  specs: WorkloadSpec[],
  threads: number,
  processes = 1,
): Promise<{ ok: true; results: WorkloadResult[] } | { ok: false; error: string }> {
  const settled = await runPoolSettled<WorkloadSpec, WorkloadResult>(workloadTask(), specs, {
    workers: processes,
    threadsPerWorker: threads,
    engine,
  });
  const failed = settled.find((r) => !r.ok);
  if (failed && !failed.ok) return { ok: false, error: failed.error };
  return { ok: true, results: settled.map((r) => (r as { value: WorkloadResult }).value) };
}

function bestTorch(
  result: TorchResult,
  metric: 'train' | 'eval',
  spec: WorkloadSpec,
): { ips: number; layout: TorchLayout; perCpu: number; rss: number } {
  let best = { ips: -1, layout: result.results[0].layout, perCpu: 0, rss: 0 };
  for (const r of result.results) {
    const ips = metric === 'train' ? r.trainImagesPerSec : r.evalImagesPerSec;
    const images =
      metric === 'train' ? spec.batch * r.trainStepMs.length : spec.evalBatch * r.evalStepMs.length;
    const cpu = metric === 'train' ? r.trainCpuSeconds : r.evalCpuSeconds;
    if (ips > best.ips) {
      best = { ips, layout: r.layout, perCpu: cpu > 0 ? images / cpu : 0, rss: r.peakRssMiB };
    }
  }
  return best;
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/^Error: /, '');
}

function fmt(n: number | null, digits = 1): string {
  return n == null ? '-' : n.toFixed(digits);
}

/** The ratio table printed by the CLI. */
export function formatBenchTable(report: BenchReport): string {
  const lines: string[] = [];
  for (const config of BENCH_CONFIGS) {
    const rows = report.comparisons.filter((c) => c.config === config.id);
    if (rows.length === 0) continue;
    lines.push('', `${config.title}; batch ${config.batch}, eval batch ${config.evalBatch}`);
    lines.push(
      `  ${'metric'.padEnd(24)}${'engine'.padEnd(12)}${'ours img/s'.padStart(11)}${'PyTorch img/s'.padStart(15)}${'ratio'.padStart(8)}  ${'target'.padEnd(14)}${'CPU-time ratio'.padStart(15)}${'peak MiB'.padStart(10)}`,
    );
    for (const r of rows) {
      const label =
        r.metric === 'train-multiprocess'
          ? `train ${r.processes} proc x ${r.threads} thr`
          : `${r.metric} ${r.threads} thread${r.threads > 1 ? 's' : ''}`;
      const verdict = r.ratio == null ? '' : r.ratio >= r.target ? 'met' : 'NOT met';
      lines.push(
        `  ${label.padEnd(24)}${r.engine.padEnd(12)}${fmt(r.ours).padStart(11)}${fmt(r.pytorch).padStart(15)}${fmt(r.ratio, 2).padStart(8)}  ${`>= ${r.target} ${verdict}`.padEnd(14)}${fmt(r.cpuRatio, 2).padStart(15)}${fmt(r.oursPeakRssMiB, 0).padStart(10)}`,
      );
    }
  }
  const scaling = report.scaling;
  if (scaling.length > 0) {
    lines.push('', 'Scaling (training img/s; ms per step):');
    for (const who of [...new Set(scaling.map((s) => s.who))]) {
      const pts = scaling.filter((s) => s.who === who);
      lines.push(
        `  ${who.padEnd(8)} ${pts.map((p) => `C=${p.channels} b=${p.batch}: ${p.trainImagesPerSec.toFixed(0)} (${p.trainStepMs.toFixed(0)} ms)`).join('; ')}`,
      );
    }
  }
  const unavailable = report.engines.filter((e) => !e.available);
  if (unavailable.length) {
    lines.push('', 'Not measured:');
    for (const e of unavailable) lines.push(`  ${e.engine}: ${e.reason}`);
  }
  for (const n of report.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Runs the benchmark; returns the report (and writes it as JSON unless outDir is null). */
export async function runBench(
  options: BenchOptions = {},
): Promise<{ report: BenchReport; file: string | null }> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const quick = options.quick ?? false;
  const cores = defaultWorkerCount();
  const threads = options.threads ?? cores;
  const processes = options.processes ?? cores;
  const engines = options.engines ?? (['native', 'wasm', 'webgpu', 'tensorflow'] as EngineName[]);
  const steps = quick ? { warmup: 1, train: 4, eval: 2 } : { warmup: 3, train: 20, eval: 10 };
  const torchInfo = options.noPytorch ? null : findTorchPython();
  const notes: string[] = [];
  if (!torchInfo && !options.noPytorch) {
    notes.push('PyTorch not found (install python3-torch or set SUPERNET_LAB_PYTHON): no ratios.');
  }
  const rng = new Rng('bench-archs');
  const archs = Array.from({ length: 64 }, () => [...sampleNb201(rng)] as string[]);

  const report: BenchReport = {
    schema: 1,
    createdAt: new Date().toISOString(),
    quick,
    machine: {
      cpus: cores,
      cpuModel: os.cpus()[0]?.model ?? '?',
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${process.platform}-${process.arch}`,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    library: libraryInfo(),
    pytorch: torchInfo,
    settings: {
      threads,
      processes,
      warmup: steps.warmup,
      trainSteps: steps.train,
      evalSteps: steps.eval,
      ompWaitPolicy: nativeWaitPolicy(),
    },
    engines: [],
    comparisons: [],
    scaling: [],
    runs: [],
    notes,
  };
  const available = new Map<EngineName, boolean>();
  const configs = BENCH_CONFIGS;
  const specs = configs.map((c) => specFor(c, archs, steps));

  // 1. PyTorch, one process with all cores, every configuration.
  let torchSingle: TorchResult[] | null = null;
  if (torchInfo) {
    log(`[bench] pytorch ${torchInfo.version}: 1 process x ${threads} threads`);
    torchSingle = await runTorchJobs(
      specs,
      threads,
      quick ? ['channels_last'] : ['channels_last', 'nchw'],
    );
    torchSingle.forEach((result, i) =>
      report.runs.push({
        config: configs[i].id,
        who: 'pytorch',
        mode: `1 process x ${threads} threads`,
        result,
      }),
    );
  }

  // 2. Each engine in its own process with all cores.
  for (const engine of engines) {
    log(`[bench] ${engine}: 1 process x ${threads} threads`);
    const run = await runEngine(engine, specs, threads);
    if (!run.ok) {
      available.set(engine, false);
      report.engines.push({ engine, available: false, reason: firstLine(run.error) });
      log(`[bench]   unavailable: ${firstLine(run.error)}`);
      continue;
    }
    available.set(engine, true);
    report.engines.push({ engine, available: true });
    run.results.forEach((r, i) => {
      const config = configs[i];
      report.runs.push({
        config: config.id,
        who: engine,
        mode: `1 process x ${r.threads} threads`,
        result: r,
      });
      if (r.tensors.end !== r.tensors.afterWarmup || r.bytes.end !== r.bytes.afterWarmup) {
        notes.push(
          `${engine} ${config.id}: tf.memory() grew during training (${JSON.stringify(r.tensors)})`,
        );
      }
      for (const metric of ['train', 'eval'] as const) {
        const ours = metric === 'train' ? r.trainImagesPerSec : r.evalImagesPerSec;
        const ref = torchSingle ? bestTorch(torchSingle[i], metric, specs[i]) : null;
        const images =
          metric === 'train'
            ? specs[i].batch * r.trainStepMs.length
            : specs[i].evalBatch * r.evalStepMs.length;
        const cpuMs = metric === 'train' ? r.trainCpuMs : r.evalCpuMs;
        const perCpu = cpuMs > 0 ? (images * 1000) / cpuMs : null;
        report.comparisons.push({
          oursPerCpuSecond: perCpu,
          pytorchPerCpuSecond: ref?.perCpu ?? null,
          cpuRatio: perCpu != null && ref && ref.perCpu > 0 ? perCpu / ref.perCpu : null,
          oursPeakRssMiB: r.peakRssMiB,
          pytorchPeakRssMiB: ref?.rss ?? null,
          config: config.id,
          metric,
          engine,
          ours,
          pytorch: ref?.ips ?? null,
          pytorchLayout: ref?.layout ?? null,
          ratio: ref ? ours / ref.ips : null,
          target: TARGET_RATIO,
          threads: r.threads,
          processes: 1,
          batch: metric === 'train' ? config.batch : config.evalBatch,
        });
      }
    });
  }

  // 3. Many independent runs, one single-threaded process per core (the ground-truth workload).
  const cpuEngines = engines.filter((e) => available.get(e) && (e === 'native' || e === 'wasm'));
  const multi = quick ? cpuEngines.slice(0, 1) : cpuEngines;
  if (processes > 1 && multi.length > 0) {
    const mspecs = specs.map((s) => ({ ...s, evalSteps: 0 }));
    let torchAgg: number[] | null = null;
    if (torchInfo) {
      log(`[bench] pytorch: ${processes} processes x 1 thread`);
      const rs = await Promise.all(
        Array.from({ length: processes }, () => runTorchJobs(mspecs, 1, ['channels_last'])),
      );
      torchAgg = mspecs.map((_, i) =>
        rs.reduce((sum, r) => sum + r[i].results[0].trainImagesPerSec, 0),
      );
      rs.forEach((r) =>
        r.forEach((result, i) =>
          report.runs.push({
            config: configs[i].id,
            who: 'pytorch',
            mode: `${processes} processes x 1 thread`,
            result,
          }),
        ),
      );
    }
    for (const engine of multi) {
      log(`[bench] ${engine}: ${processes} processes x 1 thread`);
      // Jobs in config order: the workers run the same configuration at the same time.
      const jobs = mspecs.flatMap((s) => Array.from({ length: processes }, () => s));
      const run = await runEngine(engine, jobs, 1, processes);
      if (!run.ok) {
        notes.push(`${engine} multi-process run failed: ${firstLine(run.error)}`);
        continue;
      }
      mspecs.forEach((mspec, i) => {
        const mine = run.results.slice(i * processes, (i + 1) * processes);
        const agg = mine.reduce((sum, r) => sum + imagesPerSecond(mspec.batch, r.trainStepMs), 0);
        mine.forEach((result) =>
          report.runs.push({
            config: configs[i].id,
            who: engine,
            mode: `${processes} processes x 1 thread`,
            result,
          }),
        );
        report.comparisons.push({
          oursPerCpuSecond: null,
          pytorchPerCpuSecond: null,
          cpuRatio: null,
          oursPeakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)),
          pytorchPeakRssMiB: null,
          config: configs[i].id,
          metric: 'train-multiprocess',
          engine,
          ours: agg,
          pytorch: torchAgg ? torchAgg[i] : null,
          pytorchLayout: torchAgg ? 'channels_last' : null,
          ratio: torchAgg ? agg / torchAgg[i] : null,
          target: TARGET_RATIO,
          threads: 1,
          processes,
          batch: mspec.batch,
        });
      });
    }
  }

  // 4. How cost grows with batch size and channels (NB-201 skeleton; best engine vs PyTorch).
  const best = (['native', 'tensorflow', 'webgpu', 'wasm'] as EngineName[]).find((e) =>
    available.get(e),
  );
  if (!options.noScaling && best) {
    const base = configs[0];
    const points: { batch: number; channels: number }[] = quick
      ? [
          { batch: 128, channels: 16 },
          { batch: 64, channels: 32 },
        ]
      : [16, 32, 128, 256]
          .map((batch) => ({ batch, channels: 16 }))
          .concat([8, 32, 48].map((channels) => ({ batch: 64, channels })));
    const sSteps = quick ? { warmup: 1, train: 2, eval: 1 } : { warmup: 2, train: 8, eval: 3 };
    const sspecs = points.map((p) => specFor({ ...base, ...p, evalBatch: p.batch }, archs, sSteps));
    log(
      `[bench] scaling: ${best} and pytorch at ${points.map((p) => `b=${p.batch}/C=${p.channels}`).join(', ')}`,
    );
    const run = await runEngine(best, sspecs, threads);
    const tr = torchInfo ? await runTorchJobs(sspecs, threads, ['channels_last']) : null;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    points.forEach((p, i) => {
      if (run.ok) {
        const r = run.results[i];
        report.scaling.push({
          config: base.id,
          who: best,
          ...p,
          trainImagesPerSec: r.trainImagesPerSec,
          trainStepMs: mean(r.trainStepMs),
          evalImagesPerSec: r.evalImagesPerSec,
        });
      }
      if (tr) {
        const t = tr[i].results[0];
        report.scaling.push({
          config: base.id,
          who: 'pytorch',
          ...p,
          trainImagesPerSec: t.trainImagesPerSec,
          trainStepMs: mean(t.trainStepMs),
          evalImagesPerSec: t.evalImagesPerSec,
        });
      }
    });
  }
  for (const e of engines) {
    if (!report.engines.some((s) => s.engine === e))
      report.engines.push({ engine: e, available: false, reason: 'not run' });
  }
  if (os.loadavg()[0] > cores) {
    notes.push(
      `the machine was busy (load average ${os.loadavg()[0].toFixed(1)} on ${cores} cores): absolute numbers are low and noisy; ratios compare runs made under the same load`,
    );
  }
  let file: string | null = null;
  if (options.outDir !== null) {
    const dir = options.outDir ?? path.join(packageRoot, 'kernels-data', 'bench');
    const stamp = report.createdAt.replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    file = path.join(dir, `bench-${stamp}-${quick ? 'quick' : 'full'}.json`);
    writeJsonAtomic(file, report);
  }
  return { report, file };
}
