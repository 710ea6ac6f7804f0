/**
 * What every experiment of the study notebooks shares: the scale and its settings, the dataset,
 * the seed, where run folders live, the tensor engine, loaded image splits (cached per process)
 * and the NAS-Bench-201 ground truth of the dataset.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ColumnTable } from 'arquero';
import { initEngine, type EngineInfo } from '../engine';
import {
  loadNb201GroundTruth,
  NB201_TRUTH_COLUMNS,
  type Nb201TruthColumns,
} from '../groundtruth/nb201';
import { loadTrainingData, sharedCifarSubset, type TrainingData } from '../train/data';
import { TRAIN_DATASETS, type Scale, type TrainDataset } from '../core/scale';
import { defaultRunsRoot } from '../runs/folder';
import { defaultStorageRoot } from '../sweep/storage';
import { experimentSettings, oneOf, scaleFromEnv, type ExperimentSettings } from './scales';

/** Environment variables the experiments read (all optional). */
export const RUNS_ENV_VAR = 'SUPERNET_LAB_RUNS';
export const DATASET_ENV_VAR = 'SUPERNET_LAB_DATASET';
/** A sweep queue URL: the supernets an experiment is missing are trained by its workers. */
export const QUEUE_ENV_VAR = 'SUPERNET_LAB_QUEUE';

/** Where an experiment sends the runs it is missing (see src/experiments/queue.ts). */
export interface ExperimentQueue {
  /** redis:// or rediss:// URL of the sweep queue. */
  url: string;
  /** The storage root the workers write (their --storage): runs/<job id> are read from here. */
  storage: string;
}

export interface ExperimentOptions {
  /** Default: SUPERNET_LAB_SCALE, else laptop. */
  scale?: Scale;
  /** Default: SUPERNET_LAB_DATASET, else the CIFAR-10 subset beside the project, else CIFAR-10. */
  dataset?: TrainDataset;
  /** Seed of the base supernet (default 0). */
  seed?: number;
  /** Folder of run folders (default: SUPERNET_LAB_RUNS, else kernels-data/runs). */
  runsDir?: string;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
  /** Dataset archive or folder (default: the dataset's standard location). */
  dataSource?: string;
  /** Replace (parts of) the scale's settings, e.g. for a quick look with fewer architectures. */
  settings?: Partial<ExperimentSettings>;
  /**
   * Sweep queue URL for the runs this experiment is missing, or a resolved queue (default:
   * SUPERNET_LAB_QUEUE; null: train here even when it is set).
   */
  queue?: string | ExperimentQueue | null;
  /** Storage root of the queue's workers (default: SUPERNET_LAB_STORAGE, else kernels-data/sweeps). */
  storage?: string;
}

export interface ExperimentContext {
  /** Marks a resolved context (experiment functions take options or a context). */
  kind: 'experiment-context';
  scale: Scale;
  dataset: TrainDataset;
  seed: number;
  runsDir: string;
  settings: ExperimentSettings;
  log: (line: string) => void;
  dataSource?: string;
  /** Set when missing runs go to a sweep queue instead of training in this process. */
  queue?: ExperimentQueue;
}

/** The dataset the notebooks use when none is named; see ExperimentOptions.dataset. */
export function defaultDataset(): TrainDataset {
  const v = process.env[DATASET_ENV_VAR];
  if (v !== undefined && v.trim() !== '') return parseDataset(v.trim(), DATASET_ENV_VAR);
  return fs.existsSync(sharedCifarSubset()) ? 'cifar10-subset' : 'cifar10';
}

export function parseDataset(value: string, what = 'dataset'): TrainDataset {
  return oneOf(value, TRAIN_DATASETS, what, 'a dataset');
}

/** Resolves the options into a context (no work is done). */
export function experimentContext(options: ExperimentOptions = {}): ExperimentContext {
  const scale = options.scale ?? scaleFromEnv();
  const settings = { ...experimentSettings(scale), ...(options.settings ?? {}) };
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) {
    throw new Error(`seed must be a non-negative integer, got ${seed}`);
  }
  const envRuns = process.env[RUNS_ENV_VAR];
  const envQueue = process.env[QUEUE_ENV_VAR]?.trim() || undefined;
  const given = options.queue === undefined ? envQueue : options.queue;
  const queue: ExperimentQueue | undefined =
    typeof given === 'string'
      ? { url: given, storage: path.resolve(options.storage ?? defaultStorageRoot()) }
      : (given ?? undefined);
  return {
    kind: 'experiment-context',
    scale,
    dataset: options.dataset ? parseDataset(options.dataset) : defaultDataset(),
    seed,
    runsDir: path.resolve(
      options.runsDir ?? (envRuns && envRuns.trim() !== '' ? envRuns : defaultRunsRoot()),
    ),
    settings,
    log: options.log ?? ((line: string) => console.log(line)),
    ...(options.dataSource ? { dataSource: options.dataSource } : {}),
    ...(queue ? { queue } : {}),
  };
}

/** The context itself, or one resolved from options. */
export function resolveContext(x: ExperimentOptions | ExperimentContext = {}): ExperimentContext {
  return 'kind' in x && x.kind === 'experiment-context' ? x : experimentContext(x);
}

/** Sets up the tensor engine once per process (SUPERNET_LAB_ENGINE or the fastest available). */
export async function ensureEngine(): Promise<EngineInfo> {
  return initEngine();
}

export interface DataSizes {
  trainImages: number | null;
  validImages: number | null;
  testImages?: number | null;
  validFraction: number;
}

const dataCache = new Map<string, Promise<TrainingData>>();

/** The shared train/valid/test splits of a dataset (src/train's split), cached per process. */
export function trainingData(
  ctx: Pick<ExperimentContext, 'dataSource' | 'dataset'>,
  dataset: TrainDataset,
  sizes: DataSizes,
): Promise<TrainingData> {
  // The context's data source is for its own dataset; other datasets load from their defaults.
  const source = dataset === ctx.dataset ? ctx.dataSource : undefined;
  const key = JSON.stringify([dataset, sizes, source ?? null]);
  let hit = dataCache.get(key);
  if (!hit) {
    hit = loadTrainingData(dataset, {
      trainImages: sizes.trainImages,
      validImages: sizes.validImages,
      testImages: sizes.testImages ?? null,
      validFraction: sizes.validFraction,
      source,
      download: dataset === 'cifar10' || dataset === 'cifar100',
    });
    dataCache.set(key, hit);
    hit.catch(() => dataCache.delete(key));
  }
  return hit;
}

/** NAS-Bench-201 ground truth for supernets trained on one dataset. */
export interface BenchmarkTruth {
  /** All 15625 cells (src/groundtruth), one row per cell, column `arch`. */
  table: ColumnTable;
  /** Test-accuracy column (%): ranks, selects and reports (the table has no validation column). */
  column: string;
  /** Parameter-count column of the same skeleton. */
  params: string;
  /** Benchmark dataset, e.g. 'CIFAR-10'. */
  benchmarkDataset: string;
  label: string;
  /** Why this ground truth, and its caveats. */
  note: string;
}

const TRUTH_COLUMNS: Partial<Record<TrainDataset, Nb201TruthColumns>> = NB201_TRUTH_COLUMNS;

/** Whether NAS-Bench-201 has ground truth for supernets trained on `dataset`. */
export function hasBenchmarkTruth(dataset: TrainDataset): boolean {
  return TRUTH_COLUMNS[dataset] !== undefined;
}

/**
 * The benchmark's ground truth for `dataset`: NAS-Bench-201's test accuracy of every cell
 * trained stand-alone (200 epochs, full data, C=16 N=5, mean over the benchmark's seeds). Free
 * ground truth, so no architecture has to be trained stand-alone here. Throws for datasets the
 * benchmark does not cover (Fashion-MNIST).
 */
export function benchmarkTruth(dataset: TrainDataset): BenchmarkTruth {
  const c = TRUTH_COLUMNS[dataset];
  if (!c) {
    throw new Error(
      `NAS-Bench-201 has no ground truth for dataset ${JSON.stringify(dataset)} (it covers cifar10, cifar10-subset via CIFAR-10, cifar100)`,
    );
  }
  const subset = dataset === 'cifar10-subset';
  const note =
    `NAS-Bench-201 ${c.name} test accuracy (${c.column}): every cell trained stand-alone on the ` +
    `full ${c.name} training set for 200 epochs with the benchmark skeleton (C=16, N=5), mean over ` +
    `the benchmark's seeds. It is the only accuracy the benchmark table has for every cell, so ` +
    `top-k both selects and reports by it. It has no noise ceiling here: one value per cell ` +
    `cannot say how well two trainings of a cell agree (the project's own laptop table, two ` +
    `seeds per cell, can: \`npm start\` prints its ceiling).` +
    (subset
      ? ' The supernets here saw a 4000-image subset of CIFAR-10 (the real images that ship with ' +
        'the project checkout); the benchmark trained on all 50000.'
      : '') +
    (dataset === 'cifar100'
      ? ' Seed 001 measures NAS-Bench-201 on CIFAR-100, as here.'
      : ' Seed 001 measures NAS-Bench-201 on CIFAR-100; CIFAR-10 is used here because its images ' +
        'are what this machine has (the seed reports the rankings on both datasets to be highly ' +
        'correlated; Table 3 has a CIFAR-10 row).');
  return {
    table: loadNb201GroundTruth(),
    column: c.column,
    params: c.params,
    benchmarkDataset: c.name,
    label: `NAS-Bench-201 ${c.column}`,
    note,
  };
}
