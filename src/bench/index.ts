/**
 * `supernet-lab bench` / `npm run bench`: SPOS training and sub-network evaluation speed of the
 * NAS-Bench-201 supernet per available engine, side by side with the same network in PyTorch
 * (scripts/bench-torch.py) in the same run, against PyTorch's fastest configuration for each
 * workload; ratio table on stdout, JSON in kernels-data/bench/; `--profile`: where one training
 * step's time goes. Lives outside src/engine: the engine knows no search space.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { libraryInfo, packageRoot, type LibraryInfo } from '../info';
import { sampleNb201 } from '../spaces/nb201/sample';
import { runPoolSettled, defaultWorkerCount, type PoolTask } from '../engine/pool';
import { nativeWaitPolicy } from '../engine/native/addon';
import { Rng } from '../engine/random';
import { quantileSorted } from '../analysis/bootstrap';
import { writeJsonAtomic } from '../runs/folder';
import type { EngineName } from '../engine/types';
import {
  findTorchPython,
  runTorchIsolated,
  runTorchJobs,
  type TorchLayout,
  type TorchResult,
  type TorchRun,
} from './torch';
import {
  type ProfileSpec,
  type SoakResult,
  type SoakSpec,
  type WorkloadProfile,
  type WorkloadResult,
  type WorkloadSpec,
} from './workload';

export type {
  ProfileSpec,
  SoakResult,
  SoakSample,
  SoakSpec,
  WorkloadProfile,
  WorkloadResult,
  WorkloadSpec,
} from './workload';
export type { TorchLayout, TorchResult, TorchRun } from './torch';

/** A benchmarked network: its skeleton, images and batch sizes (as the workload takes them). */
export interface BenchConfig
  extends Pick<
    WorkloadSpec,
    'channels' | 'cellsPerStage' | 'inputChannels' | 'classes' | 'imageSize' | 'batch' | 'evalBatch'
  > {
  /** Short id used in the JSON. */
  id: string;
  title: string;
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

export type BenchMetric =
  | 'train'
  | 'eval'
  | 'train-multiprocess'
  | 'train-single-thread'
  | 'train-batch16';

/** One PyTorch configuration measured for a comparison row (the reference is the fastest). */
export interface TorchCandidate {
  threads: number;
  processes: number;
  layout: TorchLayout;
  /** Images per second (summed over processes). */
  imagesPerSec: number;
  /** CPU seconds (all threads, all processes) per image; null where not measured. */
  cpuSecondsPerImage: number | null;
  /** Peak RSS of a PyTorch process (the largest one with several processes). */
  peakRssMiB: number | null;
}

export interface BenchComparison {
  config: string;
  metric: BenchMetric;
  engine: EngineName;
  /** Our images per second (summed over processes for train-multiprocess). */
  ours: number;
  /** PyTorch images per second, same work, its fastest configuration; null without PyTorch. */
  pytorch: number | null;
  pytorchLayout: TorchLayout | null;
  /** ours / pytorch (null without PyTorch). */
  ratio: number | null;
  /** The target ratio (issue 14 for native: 0.8, many-runs rows 1.0; other engines 0.5). */
  target: number;
  /**
   * Images per CPU-second (all threads' CPU time), ours and PyTorch's, and their ratio: a
   * second view that is less sensitive to other work on the machine (null where not measured).
   */
  oursPerCpuSecond: number | null;
  pytorchPerCpuSecond: number | null;
  cpuRatio: number | null;
  /** Peak resident memory of the measuring process (MiB; the largest worker for many runs). */
  oursPeakRssMiB: number | null;
  pytorchPeakRssMiB: number | null;
  threads: number;
  processes: number;
  batch: number;
  // Added with issue 14 (absent in older reports):
  /** Threads and processes of the PyTorch configuration the ratio is against. */
  pytorchThreads?: number | null;
  pytorchProcesses?: number | null;
  /** Every PyTorch configuration measured for this row (e.g. 1 and 2 threads, both layouts). */
  pytorchCandidates?: TorchCandidate[];
  /** CPU seconds per image, ours and PyTorch's, and ours / PyTorch's (below 1: we use less). */
  oursCpuSecondsPerImage?: number | null;
  pytorchCpuSecondsPerImage?: number | null;
  cpuTimeRatio?: number | null;
  /** Resident memory of the measuring processes when the job started (MiB). */
  oursStartRssMiB?: number | null;
  pytorchStartRssMiB?: number | null;
  /** oursPeakRssMiB / pytorchPeakRssMiB. */
  rssRatio?: number | null;
  /** Many-runs rows of a full run: img/s of each alternating round (see withRounds). */
  rounds?: { ours: number; pytorch: number | null }[];
}

export interface BenchScalingPoint {
  config: string;
  who: EngineName | 'pytorch';
  batch: number;
  channels: number;
  trainImagesPerSec: number;
  trainStepMs: number;
  evalImagesPerSec: number;
  /** Threads of the run (PyTorch: the faster of the thread counts tried). */
  threads?: number;
}

export interface BenchEngineStatus {
  engine: EngineName;
  available: boolean;
  reason?: string;
}

/** One network on one engine: its result, or why it could not run. */
interface BenchEntry<R> {
  config: string;
  engine: EngineName;
  result?: R;
  error?: string;
}

/** `--profile` of one network. */
export type BenchProfileEntry = BenchEntry<WorkloadProfile>;

/** The memory soak of one network. */
export type BenchSoakEntry = BenchEntry<SoakResult>;

export interface BenchReport {
  schema: 1;
  createdAt: string;
  quick: boolean;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    platform: string;
    /** 1, 5 and 15 minute load averages when the run started. */
    loadAverage: number[];
    /** The same when it ended (absent in older reports). */
    loadAverageEnd?: number[];
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
    /** Thread counts PyTorch was measured with for the one-run rows (absent in older reports). */
    pytorchThreads?: number[];
    /** Batch of the train-batch16 rows. */
    smallBatch?: number;
    /** How runs were separated (each network, batch and layout in a fresh process). */
    isolation?: string;
    /** Alternating rounds of the many-runs rows (absent in older reports: one). */
    multiRounds?: number;
  };
  engines: BenchEngineStatus[];
  comparisons: BenchComparison[];
  scaling: BenchScalingPoint[];
  runs: { config: string; who: string; mode: string; result: WorkloadResult | TorchResult }[];
  /** `--profile` (absent otherwise and in older reports). */
  profile?: BenchProfileEntry[];
  /** The memory soak (full runs and `--soak`; absent otherwise and in older reports). */
  soak?: BenchSoakEntry[];
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
  /** Alternating rounds of the many-runs rows (default MULTI_ROUNDS, 1 in a quick run). */
  rounds?: number;
  /** Skip the batch/channel scaling runs. */
  noScaling?: boolean;
  /** Skip PyTorch even when available. */
  noPytorch?: boolean;
  /** Also profile one training step of each network (see profileWorkload). */
  profile?: boolean;
  /** Only the profile: no throughput rows, no scaling. */
  profileOnly?: boolean;
  /**
   * Training steps of the memory soak of each network (0: none). Default: SOAK_STEPS in a full
   * run, none in a quick or profile-only run.
   */
  soak?: number;
  /** Networks to run (default BENCH_CONFIGS; tests pass tiny ones). */
  configs?: readonly BenchConfig[];
  /** Step counts (default: quick or full preset); train and eval are multiplied by stepFactor. */
  steps?: { warmup: number; train: number; eval: number };
  /** Folder for the JSON (default kernels-data/bench). null: do not write. */
  outDir?: string | null;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** Steps of the memory soak of a full run (issue 14: memory flat over 10000 steps). */
export const SOAK_STEPS = 10000;

/** RSS growth over the second half of a soak that counts as not flat (MiB per 1000 steps). */
export const SOAK_SLOPE_LIMIT = 2;

/** Batch of the small-batch rows (fixed cost per op weighs most there). */
export const SMALL_BATCH = 16;
/** Alternating rounds of the many-runs rows in a full run (see withRounds). */
export const MULTI_ROUNDS = 3;

/** Issue 14's targets for the native engine; the earlier 0.5 for the other engines. */
export function targetRatio(engine: EngineName, metric: BenchMetric): number {
  if (engine !== 'native') return 0.5;
  return metric === 'train-multiprocess' ? 1.0 : 0.8;
}

const ISOLATION =
  'each network, batch, thread count and PyTorch layout runs in a fresh process (peak RSS is per run)';

function workloadTask(exportName = 'measureWorkload'): PoolTask {
  return {
    module: path.join(__dirname, `workload${path.extname(__filename) || '.js'}`),
    exportName,
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

type Settled<O> = { ok: true; results: O[] } | { ok: false; error: string };

/** Runs `inputs` on `engine`: `processes` workers with `threads` threads each, jobs in order. */
async function runEngine<I = WorkloadSpec, O = WorkloadResult>(
  engine: EngineName,
  inputs: I[],
  threads: number,
  processes = 1,
  exportName = 'measureWorkload',
): Promise<Settled<O>> {
  const settled = await runPoolSettled<I, O>(workloadTask(exportName), inputs, {
    workers: processes,
    threadsPerWorker: threads,
    engine,
  });
  const failed = settled.find((r) => !r.ok);
  if (failed && !failed.ok) return { ok: false, error: failed.error };
  return { ok: true, results: settled.map((r) => (r as { value: O }).value) };
}

/** Each spec in its own worker process (so peak RSS is that run's). */
async function runEngineIsolated(
  engine: EngineName,
  specs: WorkloadSpec[],
  threads: number,
): Promise<Settled<WorkloadResult>> {
  const results: WorkloadResult[] = [];
  for (const spec of specs) {
    const run = await runEngine(engine, [spec], threads);
    if (!run.ok) return run;
    results.push(run.results[0]);
  }
  return { ok: true, results };
}

/** Our runs of `spec`, one per process: img/s summed, CPU seconds per image, the largest RSS. */
function oursOf(spec: WorkloadSpec, runs: readonly WorkloadResult[], metric: 'train' | 'eval') {
  const train = metric === 'train';
  return {
    imagesPerSec: sum(runs.map((r) => (train ? r.trainImagesPerSec : r.evalImagesPerSec))),
    cpuSecondsPerImage: perImage(
      sum(runs.map((r) => (train ? r.trainCpuMs : r.evalCpuMs))) / 1000,
      sum(runs.map((r) => imagesOf(spec, r, metric))),
    ),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    startRssMiB: maxStartRss(runs),
  };
}

/** A PyTorch configuration from its runs of `spec`, one per process (the same layout). */
function candidateOf(
  spec: WorkloadSpec,
  runs: readonly TorchRun[],
  metric: 'train' | 'eval',
  threads: number,
): TorchCandidate {
  const train = metric === 'train';
  return {
    threads,
    processes: runs.length,
    layout: runs[0].layout,
    imagesPerSec: sum(runs.map((r) => (train ? r.trainImagesPerSec : r.evalImagesPerSec))),
    cpuSecondsPerImage: perImage(
      sum(runs.map((r) => (train ? r.trainCpuSeconds : r.evalCpuSeconds))),
      sum(runs.map((r) => imagesOf(spec, r, metric))),
    ),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
  };
}

/** Images in a run's timed train or eval steps. */
function imagesOf(
  spec: WorkloadSpec,
  run: { trainStepMs: number[]; evalStepMs: number[] },
  metric: 'train' | 'eval',
): number {
  return metric === 'train'
    ? spec.batch * run.trainStepMs.length
    : spec.evalBatch * run.evalStepMs.length;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => sum(xs) / Math.max(1, xs.length);

/** CPU seconds per image; null where either was not measured. */
const perImage = (cpuSeconds: number, images: number): number | null =>
  images > 0 && cpuSeconds > 0 ? cpuSeconds / images : null;

/** The largest start RSS of several processes (null where none recorded it). */
const maxStartRss = (runs: readonly { startRssMiB?: number | null }[]): number | null =>
  Math.max(...runs.map((r) => r.startRssMiB ?? 0)) || null;

function fastest(candidates: readonly TorchCandidate[]): TorchCandidate | null {
  let best: TorchCandidate | null = null;
  for (const c of candidates) if (!best || c.imagesPerSec > best.imagesPerSec) best = c;
  return best;
}

const div = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a != null && b != null && b > 0 ? a / b : null;

/** A comparison row from our measurement and the PyTorch candidates (reference: the fastest). */
export function compareRow(
  base: Pick<BenchComparison, 'config' | 'metric' | 'engine' | 'threads' | 'processes' | 'batch'>,
  ours: {
    imagesPerSec: number;
    cpuSecondsPerImage: number | null;
    peakRssMiB: number | null;
    startRssMiB?: number | null;
  },
  candidates: readonly TorchCandidate[] | null,
  torchStartRssMiB: number | null = null,
): BenchComparison {
  const ref = candidates ? fastest(candidates) : null;
  const perCpu = (s: number | null | undefined) => (s != null && s > 0 ? 1 / s : null);
  const oursPerCpu = perCpu(ours.cpuSecondsPerImage);
  const refPerCpu = perCpu(ref?.cpuSecondsPerImage);
  return {
    ...base,
    ours: ours.imagesPerSec,
    pytorch: ref?.imagesPerSec ?? null,
    pytorchLayout: ref?.layout ?? null,
    ratio: div(ours.imagesPerSec, ref?.imagesPerSec),
    target: targetRatio(base.engine, base.metric),
    oursPerCpuSecond: oursPerCpu,
    pytorchPerCpuSecond: refPerCpu,
    cpuRatio: div(oursPerCpu, refPerCpu),
    oursPeakRssMiB: ours.peakRssMiB,
    pytorchPeakRssMiB: ref?.peakRssMiB ?? null,
    pytorchThreads: ref?.threads ?? null,
    pytorchProcesses: ref?.processes ?? null,
    pytorchCandidates: candidates ? [...candidates] : [],
    oursCpuSecondsPerImage: ours.cpuSecondsPerImage,
    pytorchCpuSecondsPerImage: ref?.cpuSecondsPerImage ?? null,
    cpuTimeRatio: div(ours.cpuSecondsPerImage, ref?.cpuSecondsPerImage),
    oursStartRssMiB: ours.startRssMiB ?? null,
    pytorchStartRssMiB: torchStartRssMiB,
    rssRatio: div(ours.peakRssMiB, ref?.peakRssMiB),
  };
}

/**
 * A many-runs row measured in alternating rounds: img/s and ratio become the medians over the
 * rounds (CPU time and memory stay those of round 1). One round leaves the row as it is.
 */
export function withRounds(
  row: BenchComparison,
  ours: readonly number[],
  pytorch: readonly number[] | null,
): BenchComparison {
  if (ours.length < 2) return row;
  const median = (xs: readonly number[]) =>
    quantileSorted(
      [...xs].sort((a, b) => a - b),
      0.5,
    );
  const paired = pytorch && pytorch.length === ours.length;
  return {
    ...row,
    ours: median(ours),
    pytorch: paired ? median(pytorch) : row.pytorch,
    ratio: paired ? median(ours.map((x, k) => x / pytorch[k])) : row.ratio,
    rounds: ours.map((x, k) => ({ ours: x, pytorch: paired ? pytorch[k] : null })),
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/^Error: /, '');
}

function fmt(n: number | null | undefined, digits = 1): string {
  return n == null || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

function rowLabel(r: BenchComparison): string {
  const thr = (n: number) => `${n} thread${n > 1 ? 's' : ''}`;
  switch (r.metric) {
    case 'train-multiprocess':
      return `train ${r.processes} proc x ${r.threads} thr`;
    case 'train-single-thread':
      return 'train 1 proc x 1 thr';
    case 'train-batch16':
      return `train b${r.batch} ${thr(r.threads)}`;
    default:
      return `${r.metric} ${thr(r.threads)}`;
  }
}

function torchConfigLabel(r: BenchComparison): string {
  if (r.pytorch == null) return '-';
  const layout = r.pytorchLayout === 'channels_last' ? 'cl' : (r.pytorchLayout ?? '?');
  if (r.pytorchThreads == null) return layout; // older reports did not record it
  return `${r.pytorchProcesses ?? 1}x${r.pytorchThreads} ${layout}`;
}

/**
 * "1t 206 / 2t 176": PyTorch's img/s per thread count (best layout of each); for a row measured
 * in rounds, "ratio by round 0.91 / 1.02 / 0.97".
 */
function candidatesLabel(r: BenchComparison): string {
  if (r.rounds && r.rounds.length > 1) {
    const ratios = r.rounds.map((k) => (k.pytorch ? fmt(k.ours / k.pytorch, 2) : fmt(k.ours, 0)));
    return `${r.rounds[0].pytorch ? 'ratio' : 'img/s'} by round ${ratios.join(' / ')}`;
  }
  const cands = r.pytorchCandidates ?? [];
  if (cands.length < 2) return '';
  const byThreads = new Map<string, number>();
  for (const c of cands) {
    const key = c.processes > 1 ? `${c.processes}x${c.threads}t` : `${c.threads}t`;
    byThreads.set(key, Math.max(byThreads.get(key) ?? 0, c.imagesPerSec));
  }
  if (byThreads.size < 2) return '';
  return [...byThreads].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' / ');
}

/** A fixed-width table column: header, width, alignment (a cell longer than the width pushes on). */
type Column = [header: string, width: number, align: 'l' | 'r'];

function tableRow(columns: readonly Column[], cells: readonly string[]): string {
  const padded = cells.map((c, i) => {
    const [, width, align] = columns[i];
    return align === 'l' ? c.padEnd(width) : c.padStart(width);
  });
  return '  ' + padded.join('').trimEnd();
}

/** A table: the header, then rows of cells (a string is a line of its own). */
const table = (columns: readonly Column[], rows: readonly (readonly string[] | string)[]) =>
  [columns.map(([h]) => h), ...rows].map((r) => (typeof r === 'string' ? r : tableRow(columns, r)));

/** A row for a network whose run failed: its name, engine and why. */
const failedRow = (e: BenchEntry<unknown>, what: string) =>
  `  ${e.config.padEnd(22)}${e.engine.padEnd(8)}  ${what}: ${e.error ?? '?'}`;

const COLUMNS: Column[] = [
  ['metric', 24, 'l'],
  ['engine', 10, 'l'],
  ['ours img/s', 11, 'r'],
  ['PyTorch img/s', 15, 'r'],
  ['ratio', 8, 'r'],
  ['  target', 18, 'l'],
  ['PyTorch as', 11, 'l'],
  ['CPU s/img ours/PT', 18, 'r'],
  ['peak MiB ours', 14, 'r'],
  ['PT', 7, 'r'],
  ['  PyTorch by threads', 0, 'l'],
];

/**
 * The ratio table printed by the CLI. Reads reports of every schema-1 version (fields added
 * later print as '-').
 */
export function formatBenchTable(report: BenchReport): string {
  const lines: string[] = [];
  const comparisons = report.comparisons ?? [];
  for (const id of new Set(comparisons.map((c) => c.config))) {
    const config = BENCH_CONFIGS.find((c) => c.id === id);
    lines.push(
      '',
      config ? `${config.title}; batch ${config.batch}, eval batch ${config.evalBatch}` : id,
      ...table(
        COLUMNS,
        comparisons
          .filter((c) => c.config === id)
          .map((r) => [
            rowLabel(r),
            r.engine,
            fmt(r.ours),
            fmt(r.pytorch),
            fmt(r.ratio, 2),
            `  >= ${r.target} ${r.ratio == null ? '' : r.ratio >= r.target ? 'met' : 'NOT met'}`,
            torchConfigLabel(r),
            fmt(r.cpuTimeRatio ?? (r.cpuRatio ? 1 / r.cpuRatio : null), 2),
            fmt(r.oursPeakRssMiB, 0),
            fmt(r.pytorchPeakRssMiB, 0),
            `  ${candidatesLabel(r)}`,
          ]),
      ),
    );
  }
  if (comparisons.length > 0) {
    lines.push(
      '',
      'ratio: ours / PyTorch img/s, against PyTorch\'s fastest configuration measured in this run ("PyTorch as":',
      'processes x threads, layout cl = channels_last); CPU s/img: CPU seconds per image, ours / PyTorch',
      "(below 1: we use less CPU); peak MiB: peak RSS of one measuring process, ours and PyTorch's.",
    );
    if (comparisons.some((c) => (c.rounds?.length ?? 0) > 1)) {
      lines.push(
        'Rows measured in alternating rounds: img/s and ratio are medians over the rounds.',
      );
    }
  }
  const scaling = report.scaling ?? [];
  if (scaling.length > 0) lines.push('', 'Scaling (training img/s; ms per step):');
  for (const who of new Set(scaling.map((s) => s.who))) {
    const pts = scaling.filter((s) => s.who === who);
    lines.push(
      `  ${who.padEnd(8)} ${pts.map((p) => `C=${p.channels} b=${p.batch}${p.threads != null && who === 'pytorch' ? ` (${p.threads}t)` : ''}: ${p.trainImagesPerSec.toFixed(0)} (${p.trainStepMs.toFixed(0)} ms)`).join('; ')}`,
    );
  }
  if (report.profile?.length) lines.push('', formatProfileTable(report.profile));
  if (report.soak?.length) lines.push('', formatSoakTable(report.soak));
  const unavailable = (report.engines ?? []).filter((e) => !e.available);
  if (unavailable.length) lines.push('', 'Not measured:');
  for (const e of unavailable) lines.push(`  ${e.engine}: ${e.reason}`);
  for (const n of report.notes ?? []) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

const PROFILE_COLUMNS: Column[] = [
  ['network', 22, 'l'],
  ['engine', 8, 'l'],
  ['batch', 5, 'r'],
  ['step', 8, 'r'],
  ['plain', 8, 'r'],
  ['CPU', 8, 'r'],
  ['native kernels', 16, 'r'],
  ['kernel JS', 14, 'r'],
  ['dispatch/JS', 14, 'r'],
  ['alloc', 12, 'r'],
  ['GC', 12, 'r'],
  ['kernels', 9, 'r'],
  ['tfjs peak MiB', 14, 'r'],
];

/** `--profile` table: where one training step's wall-clock time goes, per network and engine. */
export function formatProfileTable(entries: readonly BenchProfileEntry[]): string {
  const done = entries.filter((e) => e.result);
  const first = done[0]?.result;
  const lines = [
    first
      ? `Profile of one SPOS training step (ms per step, mean of ${first.steps} profiled steps after ${first.warmup} warm-up; ${first.threads} thread${first.threads > 1 ? 's' : ''}):`
      : 'Profile of one SPOS training step:',
    ...table(
      PROFILE_COLUMNS,
      entries.map((e) => {
        const r = e.result;
        if (!r) return failedRow(e, 'not profiled');
        const m = r.mean;
        const pct =
          m.wallMs > 0 ? (ms: number) => `${((100 * ms) / m.wallMs).toFixed(0)}%` : () => '-';
        const share = (ms: number) => `${ms.toFixed(1)} ${pct(ms).padStart(4)}`;
        return [
          e.config,
          e.engine,
          String(r.batch),
          m.wallMs.toFixed(1),
          mean(r.plainStepMs).toFixed(1),
          m.cpuMs.toFixed(1),
          ...[m.nativeMs, m.kernelJsMs, m.dispatchJsMs, m.allocMs, m.gcMs].map(share),
          m.kernelCalls.toFixed(0),
          (r.tfProfile.peakBytes / 2 ** 20).toFixed(0),
        ];
      }),
    ),
  ];
  for (const e of done) {
    const top = e
      .result!.kernels.slice(0, 6)
      .map(
        (k) =>
          `${k.kernel} ${k.selfMs.toFixed(1)}${k.nativeMs > 0 ? ` (native ${k.nativeMs.toFixed(1)})` : ''} x${k.calls.toFixed(0)}`,
      );
    lines.push(`  ${e.config} ${e.engine} slowest kernels (self ms x calls): ${top.join(', ')}`);
  }
  lines.push(
    '  step: profiled step (wall); plain: the same step without the profiling wrappers; native kernels: inside the',
    "  addon (oneDNN/OpenMP); kernel JS: in kernel functions outside the addon (JS and wasm kernels); dispatch/JS: tfjs's",
    "  engine, autodiff tape, tidy/dispose and the training step itself; alloc: the backend's buffer allocation and",
    "  release calls; GC: V8 pauses (perf_hooks); kernels: top-level kernel calls; tfjs peak: tf.profile's peakBytes.",
  );
  return lines.join('\n');
}

const SOAK_COLUMNS: Column[] = [
  ['network', 22, 'l'],
  ['engine', 8, 'l'],
  ['steps', 7, 'r'],
  ['ms/step', 9, 'r'],
  ['RSS MiB start/mid/end', 24, 'r'],
  ['slope', 8, 'r'],
  ['peak RSS', 9, 'r'],
  ['pool MiB', 9, 'r'],
  ['tensors start/end', 19, 'r'],
  ['loss first/last', 17, 'r'],
];

/** The memory soak: RSS and tf.memory() at the start, middle and end, and the RSS slope. */
export function formatSoakTable(entries: readonly BenchSoakEntry[]): string {
  const first = entries.find((e) => e.result)?.result;
  return [
    `Memory soak (SPOS training, a fresh cell each step, ${first ? `${first.threads} thread` : '1 thread'} per process):`,
    ...table(
      SOAK_COLUMNS,
      entries.map(({ result: r, ...e }) =>
        !r
          ? failedRow(e, 'not run')
          : [
              e.config,
              e.engine,
              String(r.steps),
              r.stepMs.toFixed(1),
              [r.start, r.middle, r.end].map((s) => s.rssMiB.toFixed(0)).join('/'),
              r.rssSlopeMiBPer1000.toFixed(1),
              r.peakRssMiB.toFixed(0),
              fmt(r.end.pooledMiB, 0),
              `${r.start.numTensors}/${r.end.numTensors}`,
              `${r.lossFirst.toFixed(3)}/${r.lossLast.toFixed(3)}`,
            ],
      ),
    ),
    '  RSS after warm-up, at the middle step and at the end; slope: least-squares RSS slope over the second half',
    `  (MiB per 1000 steps; above ${SOAK_SLOPE_LIMIT} is noted as growth); pool: the native buffer pool at the end.`,
  ].join('\n');
}

const SYNC_ENGINES: readonly EngineName[] = ['native', 'wasm', 'cpu'];

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
  const steps =
    options.steps ??
    (quick ? { warmup: 1, train: 4, eval: 2 } : { warmup: 3, train: 20, eval: 10 });
  const profileOnly = options.profileOnly === true;
  const multiRounds = options.rounds ?? (quick ? 1 : MULTI_ROUNDS);
  const torchInfo = options.noPytorch || profileOnly ? null : findTorchPython();
  const notes: string[] = [];
  if (!torchInfo && !options.noPytorch && !profileOnly) {
    notes.push('PyTorch not found (install python3-torch or set SUPERNET_LAB_PYTHON): no ratios.');
  }
  // PyTorch's one-run reference: the faster of 1 and 2 threads (and all `threads`, if more).
  const torchThreads = [...new Set([1, Math.min(2, threads), threads])].sort((a, b) => a - b);
  const layouts: TorchLayout[] = quick ? ['channels_last'] : ['channels_last', 'nchw'];
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
      pytorchThreads: torchThreads,
      smallBatch: SMALL_BATCH,
      isolation: ISOLATION,
      multiRounds,
    },
    engines: [],
    comparisons: [],
    scaling: [],
    runs: [],
    notes,
  };
  const record = (config: string, who: string, mode: string, r: WorkloadResult | TorchResult) =>
    report.runs.push({ config, who, mode, result: r });
  const available = new Map<EngineName, boolean>();
  const setAvailable = (engine: EngineName, ok: boolean, reason?: string) => {
    available.set(engine, ok);
    report.engines.push(ok ? { engine, available: true } : { engine, available: false, reason });
  };
  const configs = options.configs ?? BENCH_CONFIGS;
  const specs = configs.map((c) => specFor(c, archs, steps));
  // Small-batch training rows: twice the steps (they are short), no evaluation.
  const smallSpecs = configs.map((c) =>
    specFor({ ...c, batch: SMALL_BATCH }, archs, steps, {
      trainSteps: 2 * steps.train * c.stepFactor,
      evalSteps: 0,
    }),
  );
  const trainOnly = specs.map((s) => ({ ...s, evalSteps: 0 }));

  if (!profileOnly) {
    // 1. PyTorch, one process per network, batch, thread count and layout.
    const torchAt = new Map<number, { full: TorchResult[]; small: TorchResult[] }>();
    if (torchInfo) {
      for (const t of torchThreads) {
        const mode = `1 process x ${t} thread${t > 1 ? 's' : ''}`;
        log(`[bench] pytorch ${torchInfo.version}: ${mode}`);
        const full: TorchResult[] = [];
        const small: TorchResult[] = [];
        for (let i = 0; i < configs.length; i++) {
          full.push(await runTorchIsolated(specs[i], t, layouts));
          small.push(await runTorchIsolated(smallSpecs[i], t, layouts));
          record(configs[i].id, 'pytorch', mode, full[i]);
          record(configs[i].id, 'pytorch', `${mode}, batch ${SMALL_BATCH}`, small[i]);
        }
        torchAt.set(t, { full, small });
      }
    }

    // A one-process row of network i against PyTorch's runs of the same kind (`only`: just its
    // runs with that many threads, which is then the row's thread count too).
    const oneProcessRow = (
      engine: EngineName,
      i: number,
      r: WorkloadResult,
      metric: BenchMetric,
      kind: 'full' | 'small',
      only?: number,
    ): BenchComparison => {
      const measured = metric === 'eval' ? 'eval' : 'train';
      const spec = kind === 'full' ? specs[i] : smallSpecs[i];
      const cands = torchInfo
        ? [...torchAt]
            .filter(([t]) => only == null || t === only)
            .flatMap(([, x]) => x[kind][i].results.map((r) => [r, x[kind][i].threads] as const))
            .map(([r, t]) => candidateOf(spec, [r], measured, r.threads ?? t))
        : null;
      const ref = cands ? fastest(cands) : null;
      const torch = torchAt.get(only ?? ref?.threads ?? 0)?.[kind][i];
      return compareRow(
        {
          config: configs[i].id,
          metric,
          engine,
          threads: only ?? r.threads,
          processes: 1,
          batch: measured === 'train' ? spec.batch : spec.evalBatch,
        },
        oursOf(spec, [r], measured),
        cands,
        torch?.results.find((x) => x.layout === ref?.layout)?.startRssMiB ?? null,
      );
    };

    // The batch-16 and single-thread rows: training only, one process.
    const trainOnlyRows = async (
      engine: EngineName,
      metric: 'train-batch16' | 'train-single-thread',
    ) => {
      const small = metric === 'train-batch16';
      log(
        small
          ? `[bench] ${engine}: batch ${SMALL_BATCH}, 1 process x ${threads} threads`
          : `[bench] ${engine}: 1 process x 1 thread`,
      );
      const out = await runEngineIsolated(
        engine,
        small ? smallSpecs : trainOnly,
        small ? threads : 1,
      );
      if (!out.ok) {
        const label = small ? `batch-${SMALL_BATCH}` : 'single-thread';
        notes.push(`${engine} ${label} run failed: ${firstLine(out.error)}`);
        return;
      }
      out.results.forEach((r, i) => {
        const mode = small
          ? `1 process x ${r.threads} threads, batch ${SMALL_BATCH}`
          : '1 process x 1 thread';
        record(configs[i].id, engine, mode, r);
        report.comparisons.push(
          oneProcessRow(engine, i, r, metric, small ? 'small' : 'full', small ? undefined : 1),
        );
      });
    };

    // 2. Each engine, one process per network and batch. The CPU engines (in a quick run: the
    //    first available one) also get the batch-16 row and the single-thread row.
    let extraDone = 0;
    for (const engine of engines) {
      log(`[bench] ${engine}: 1 process x ${threads} threads`);
      const run = await runEngineIsolated(engine, specs, threads);
      if (!run.ok) {
        setAvailable(engine, false, firstLine(run.error));
        log(`[bench]   unavailable: ${firstLine(run.error)}`);
        continue;
      }
      setAvailable(engine, true);
      run.results.forEach((r, i) => {
        const config = configs[i];
        record(config.id, engine, `1 process x ${r.threads} threads`, r);
        if (r.tensors.end !== r.tensors.afterWarmup || r.bytes.end !== r.bytes.afterWarmup) {
          notes.push(
            `${engine} ${config.id}: tf.memory() grew during training (${JSON.stringify(r.tensors)})`,
          );
        }
        report.comparisons.push(
          oneProcessRow(engine, i, r, 'train', 'full'),
          oneProcessRow(engine, i, r, 'eval', 'full'),
        );
      });
      const cpuEngine = SYNC_ENGINES.includes(engine);
      if (!cpuEngine || (quick && extraDone > 0)) continue;
      extraDone++;
      await trainOnlyRows(engine, 'train-batch16');
      if (threads > 1) await trainOnlyRows(engine, 'train-single-thread');
    }

    // 3. Many independent runs, one single-threaded process per core (the ground-truth
    //    workload), one network at a time; PyTorch likewise (its best configuration for it).
    //    The VM's speed drifts by 20-40% over minutes, so a full run alternates the two sides
    //    for MULTI_ROUNDS rounds (who goes first alternates too) and the row's ratio is the
    //    median of the rounds' ratios; round 1 also picks PyTorch's faster layout.
    const cpuEngines = engines.filter((e) => available.get(e) && (e === 'native' || e === 'wasm'));
    const multi = quick ? cpuEngines.slice(0, 1) : cpuEngines;
    const mode = `${processes} processes x 1 thread`;
    if (processes > 1 && multi.length > 0) {
      for (let i = 0; i < configs.length; i++) {
        const mspec = trainOnly[i];
        let cands: TorchCandidate[] | null = null;
        let torchStartRss: number | null = null;
        const torchByRound: number[] = [];
        const mine = new Map<EngineName, WorkloadResult[][]>();
        const torchRound = async (round: number) => {
          if (!torchInfo) return;
          log(`[bench] pytorch ${configs[i].id}: ${mode}, round ${round + 1} of ${multiRounds}`);
          const tried = round === 0 ? layouts : [fastest(cands!)!.layout];
          const measured: { cand: TorchCandidate; runs: TorchRun[] }[] = [];
          for (const layout of tried) {
            const rs = await Promise.all(
              Array.from({ length: processes }, () => runTorchIsolated(mspec, 1, [layout])),
            );
            const runs = rs.map((r) => r.results[0]);
            measured.push({ cand: candidateOf(mspec, runs, 'train', 1), runs });
            rs.forEach((result) => record(configs[i].id, 'pytorch', mode, result));
          }
          const roundCands = measured.map((m) => m.cand);
          const best = fastest(roundCands)!;
          torchByRound.push(best.imagesPerSec);
          if (round === 0) {
            cands = roundCands;
            torchStartRss = maxStartRss(measured[roundCands.indexOf(best)].runs);
          }
        };
        const oursRound = async (round: number) => {
          for (const engine of multi) {
            if (round > 0 && !mine.has(engine)) continue; // it failed in round 1
            log(
              `[bench] ${engine} ${configs[i].id}: ${mode}, round ${round + 1} of ${multiRounds}`,
            );
            const jobs = Array.from({ length: processes }, () => mspec);
            const run = await runEngine(engine, jobs, 1, processes);
            if (!run.ok) {
              notes.push(`${engine} multi-process run failed: ${firstLine(run.error)}`);
              mine.delete(engine);
              continue;
            }
            run.results.forEach((result) => record(configs[i].id, engine, mode, result));
            mine.set(engine, [...(mine.get(engine) ?? []), run.results]);
          }
        };
        for (let round = 0; round < multiRounds; round++) {
          // Round 1 runs PyTorch first (it picks the layout); later rounds alternate.
          if (round % 2 === 0) {
            await torchRound(round);
            await oursRound(round);
          } else {
            await oursRound(round);
            await torchRound(round);
          }
        }
        for (const [engine, byRound] of mine) {
          const row = compareRow(
            {
              config: configs[i].id,
              metric: 'train-multiprocess',
              engine,
              threads: 1,
              processes,
              batch: mspec.batch,
            },
            oursOf(mspec, byRound[0], 'train'),
            cands,
            torchStartRss,
          );
          const oursByRound = byRound.map((runs) => oursOf(mspec, runs, 'train').imagesPerSec);
          report.comparisons.push(withRounds(row, oursByRound, torchInfo ? torchByRound : null));
        }
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
      const sspecs = points.map((p) =>
        specFor({ ...base, ...p, evalBatch: p.batch }, archs, sSteps),
      );
      log(
        `[bench] scaling: ${best} and pytorch at ${points.map((p) => `b=${p.batch}/C=${p.channels}`).join(', ')}`,
      );
      const run = await runEngine(best, sspecs, threads);
      const tr = torchInfo
        ? await Promise.all(torchThreads.map((t) => runTorchJobs(sspecs, t, ['channels_last'])))
        : null;
      const point = (
        who: BenchScalingPoint['who'],
        p: (typeof points)[0],
        r: WorkloadResult | TorchRun,
        threads: number | undefined,
        evalImagesPerSec = r.evalImagesPerSec,
      ) =>
        report.scaling.push({
          config: base.id,
          who,
          ...p,
          trainImagesPerSec: r.trainImagesPerSec,
          trainStepMs: mean(r.trainStepMs),
          evalImagesPerSec,
          threads,
        });
      points.forEach((p, i) => {
        if (run.ok) point(best, p, run.results[i], run.results[i].threads);
        if (!tr) return;
        const runs = tr.map((byThreads, k) => ({ t: torchThreads[k], r: byThreads[i].results[0] }));
        const b = runs.reduce((x, y) => (y.r.trainImagesPerSec > x.r.trainImagesPerSec ? y : x));
        point('pytorch', p, b.r, b.t, Math.max(...runs.map((x) => x.r.evalImagesPerSec)));
      });
    }
  }

  // 5. The memory soak: every network trained for soakSteps steps on a fresh cell each step, one
  //    single-threaded process per network (in parallel, up to `processes`), native if it is
  //    available (else the first synchronous engine).
  const soakSteps = options.soak ?? (quick || profileOnly ? 0 : SOAK_STEPS);
  if (soakSteps > 0) {
    const engine = engines.find((e) => SYNC_ENGINES.includes(e) && available.get(e) !== false);
    if (!engine) notes.push('memory soak: no synchronous engine (native, wasm, cpu) to run it on');
    else {
      log(
        `[bench] memory soak: ${engine}, ${soakSteps} steps of ${configs.map((c) => c.id).join(' and ')}, 1 thread each`,
      );
      const soakSpecs: SoakSpec[] = trainOnly.map((s) => ({
        ...s,
        warmup: Math.max(1, steps.warmup),
        trainSteps: soakSteps,
        samples: 20,
      }));
      const settled = await runPoolSettled<SoakSpec, SoakResult>(
        workloadTask('soakWorkload'),
        soakSpecs,
        {
          workers: Math.max(1, Math.min(processes, soakSpecs.length)),
          threadsPerWorker: 1,
          engine,
        },
      );
      report.soak = settled.map((r, i) =>
        r.ok
          ? { config: configs[i].id, engine, result: r.value }
          : { config: configs[i].id, engine, error: firstLine(r.error) },
      );
      for (const e of report.soak) {
        const r = e.result;
        if (!r) notes.push(`memory soak of ${e.config} failed: ${e.error}`);
        else if (r.tensorGrowth !== 0 || r.byteGrowth !== 0) {
          notes.push(
            `memory soak of ${e.config}: tf.memory() grew by ${r.tensorGrowth} tensors, ${r.byteGrowth} bytes over ${r.steps} steps`,
          );
        } else if (r.rssSlopeMiBPer1000 > SOAK_SLOPE_LIMIT) {
          notes.push(
            `memory soak of ${e.config}: RSS still grows in the second half (${r.rssSlopeMiBPer1000.toFixed(1)} MiB per 1000 steps)`,
          );
        }
      }
    }
  }

  // 6. --profile: where one training step's time goes, per network, one thread.
  if (options.profile || profileOnly) {
    report.profile = [];
    const usable = engines.filter((e) => available.get(e) !== false);
    for (const e of usable.filter((x) => !SYNC_ENGINES.includes(x))) {
      notes.push(`--profile: ${e} is not profiled (asynchronous kernels; native, wasm, cpu are)`);
    }
    const pspecs: ProfileSpec[] = trainOnly.map((s) => ({
      ...s,
      warmup: Math.max(2, steps.warmup),
      profileSteps: quick ? 2 : 5,
    }));
    let profiled = 0;
    for (const engine of usable.filter((x) => SYNC_ENGINES.includes(x))) {
      if (quick && profiled > 0) break;
      log(`[bench] profile: ${engine}, 1 process x 1 thread`);
      const results: BenchProfileEntry[] = [];
      let engineOk = true;
      for (let i = 0; i < configs.length; i++) {
        const run = await runEngine<ProfileSpec, WorkloadProfile>(
          engine,
          [pspecs[i]],
          1,
          1,
          'profileWorkload',
        );
        if (run.ok) results.push({ config: configs[i].id, engine, result: run.results[0] });
        else {
          const error = firstLine(run.error);
          results.push({ config: configs[i].id, engine, error });
          if (error.startsWith('worker setup failed')) {
            engineOk = false;
            break;
          }
        }
      }
      if (!available.has(engine)) setAvailable(engine, engineOk, results.at(-1)?.error);
      if (!engineOk) continue;
      report.profile.push(...results);
      profiled++;
    }
  }

  for (const e of engines) {
    if (!report.engines.some((s) => s.engine === e))
      report.engines.push({ engine: e, available: false, reason: 'not run' });
  }
  report.machine.loadAverageEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const load = Math.max(report.machine.loadAverage[0], os.loadavg()[0]);
  if (load > cores) {
    notes.push(
      `the machine was busy (load average up to ${load.toFixed(1)} on ${cores} cores): absolute numbers are low and noisy; ratios compare runs made under the same load`,
    );
  }
  let file: string | null = null;
  if (options.outDir !== null) {
    const dir = options.outDir ?? path.join(packageRoot, 'kernels-data', 'bench');
    const stamp = report.createdAt.replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    const kind = profileOnly ? 'profile' : quick ? 'quick' : 'full';
    file = path.join(dir, `bench-${stamp}-${kind}${profileOnly && quick ? '-quick' : ''}.json`);
    writeJsonAtomic(file, report);
  }
  return { report, file };
}
