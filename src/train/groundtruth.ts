/**
 * Ground truth: stand-alone training of sampled architectures, each from scratch with its own
 * weights, recording validation accuracy (the split the supernet is scored on), test accuracy,
 * parameters, FLOPs, epochs and wall time -> groundtruth.csv.
 *
 * Resumable and parallel: each architecture's result is a file under results/; an architecture
 * is claimed by creating claims/<arch> (mkdir is atomic), so several processes working on the
 * same run folder share the list without overlap, a killed run skips what is done, and a claim
 * whose owner process is gone is taken over. groundtruth.csv is rewritten (atomically) from the
 * result files after each architecture, in the order of the architecture list.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../engine/random';
import { libraryInfo, type LibraryInfo } from '../info';
import { formatNb201, nb201Ordinal, parseNb201 } from '../spaces/nb201/arch';
import { nb201Cost } from '../spaces/nb201/cost';
import type { Nb201Arch } from '../spaces/nb201/definition';
import { evaluateAccuracy } from '../supernet/evaluate';
import { createStandalone } from '../supernet/network';
import { imageBatchSource, type TrainingData } from './data';
import type { Scale, TrainDataset } from '../core/scale';
import type { GroundTruthHyper } from '../supernet/nb201/presets';
import { createProgress, formatDuration, type ProgressSink } from './progress';
import {
  groundTruthPath,
  readJson,
  writeGroundTruth,
  writeJsonAtomic,
  type GroundTruthRow,
} from '../runs/folder';
import { fit } from './fit';
import { standaloneStrategy } from './strategies';
import { assertResumable } from './supernet-trainer';

export interface GroundTruthRunConfig extends GroundTruthHyper {
  kind: 'groundtruth';
  space: 'nb201';
  dataset: TrainDataset;
  scale: Scale;
  seed: number;
  engine: string;
  inputChannels: number;
  classes: number;
  imageSize: number;
  /** The architectures to train, in order. */
  archs: string[];
  library: LibraryInfo;
  createdAt: string;
}

const RESUME_KEYS: ReadonlyArray<keyof GroundTruthRunConfig> = [
  'kind',
  'space',
  'dataset',
  'scale',
  'seed',
  'channels',
  'cellsPerStage',
  'epochs',
  'batchSize',
  'lr',
  'minLr',
  'momentum',
  'nesterov',
  'weightDecay',
  'clipNorm',
  'augment',
  'trainImages',
  'validImages',
  'testImages',
  'validFraction',
  'inputChannels',
  'classes',
  'imageSize',
  'archs',
];

export interface StandaloneResult {
  valAccuracy: number;
  testAccuracy: number;
  valLoss: number;
  params: number;
  flops: number;
  epochs: number;
  seconds: number;
  /** Training loss and accuracy (percent) of the last epoch. */
  trainLoss: number;
  trainAccuracy: number;
}

/**
 * Trains one architecture stand-alone from scratch (seeded init, data order and augmentation),
 * then evaluates it on the validation and test splits with its running BN statistics.
 */
export function trainStandalone(
  arch: Nb201Arch,
  hyper: GroundTruthHyper,
  data: TrainingData,
  seed: number,
  progress?: ProgressSink,
): StandaloneResult {
  const started = Date.now();
  const ordinal = nb201Ordinal(arch);
  const skeleton = {
    channels: hyper.channels,
    cellsPerStage: hyper.cellsPerStage,
    inputChannels: data.inputChannels,
    classes: data.classes,
  };
  const net = createStandalone(arch, skeleton, {
    seed: new Rng(`gt/${seed}/${ordinal}/init`).uint32(),
  });
  try {
    const r = fit({
      strategy: standaloneStrategy(net, arch),
      source: imageBatchSource(data, { augment: hyper.augment }),
      hyper,
      seeds: { data: `gt/${seed}/${ordinal}/data`, sampler: () => `gt/${seed}/${ordinal}/paths` },
      describe: formatNb201,
      what: `stand-alone training of ${formatNb201(arch)}`,
      progress,
    });
    const trainLoss = r.loss;
    const trainAccuracy = r.accuracy;
    const val = evaluateAccuracy(net, arch, data.valid, { batchSize: hyper.evalBatchSize });
    const test = evaluateAccuracy(net, arch, data.test, { batchSize: hyper.evalBatchSize });
    const cost = nb201Cost(arch, { ...skeleton, imageSize: data.imageSize });
    return {
      valAccuracy: val.accuracy,
      testAccuracy: test.accuracy,
      valLoss: val.loss,
      params: cost.params,
      flops: cost.flops,
      epochs: hyper.epochs,
      seconds: (Date.now() - started) / 1000,
      trainLoss,
      trainAccuracy,
    };
  } finally {
    net.dispose();
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function archFileName(arch: Nb201Arch): string {
  return `arch-${String(nb201Ordinal(arch)).padStart(5, '0')}`;
}

interface ClaimOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims an architecture for this process; false when another live process holds it. */
function claim(dir: string): boolean {
  const owner: ClaimOwner = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.mkdirSync(dir);
      writeJsonAtomic(path.join(dir, 'owner.json'), owner);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let current: ClaimOwner | null = null;
      try {
        current = readJson<ClaimOwner>(path.join(dir, 'owner.json'));
      } catch {
        // Claimed a moment ago, owner file not written yet: treat as live.
        return false;
      }
      const stale = current.host === os.hostname() && !processAlive(current.pid);
      if (!stale) return false;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return false;
}

export interface GroundTruthRunOptions {
  runDir: string;
  config: Omit<GroundTruthRunConfig, 'library' | 'createdAt'>;
  data: TrainingData;
  progress?: ProgressSink;
  /** Train at most this many architectures in this call (tests). */
  limit?: number;
  /** Label of this worker in progress lines. */
  worker?: string;
}

export interface GroundTruthRunResult {
  /** Rows of every architecture done so far (by any process), in list order. */
  rows: GroundTruthRow[];
  /** Architectures this call trained. */
  trained: number;
  /** Architectures of the list not done yet (claimed by others or left by `limit`). */
  pending: number;
}

/** Result row + extras, as stored in results/arch-NNNNN.json. */
interface StoredResult extends GroundTruthRow {
  val_loss: number;
  train_loss: number;
  train_accuracy: number;
  worker: string;
}

export function writeGroundTruthConfig(
  runDir: string,
  cfg: Omit<GroundTruthRunConfig, 'library' | 'createdAt'>,
  attempt = 0,
): GroundTruthRunConfig {
  fs.mkdirSync(runDir, { recursive: true });
  const file = path.join(runDir, 'config.json');
  if (fs.existsSync(file)) {
    const existing = readJson<GroundTruthRunConfig>(file);
    assertResumable(runDir, existing, { ...existing, ...cfg }, RESUME_KEYS);
    return existing;
  }
  const config: GroundTruthRunConfig = {
    ...cfg,
    library: libraryInfo(),
    createdAt: new Date().toISOString(),
  };
  const init = file + '.init';
  try {
    // Exclusive create: when several workers start together, one writes and the others read.
    fs.writeFileSync(init, JSON.stringify(config, null, 2) + '\n', { flag: 'wx' });
    fs.renameSync(init, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    for (let i = 0; i < 100 && !fs.existsSync(file); i++) sleepSync(20);
    // Still nothing: the .init file was left by a process killed mid-write.
    if (!fs.existsSync(file)) {
      if (attempt > 0) throw new Error(`cannot create ${file}: ${init} is in the way`);
      fs.rmSync(init, { force: true });
    }
    return writeGroundTruthConfig(runDir, cfg, attempt + 1);
  }
  return config;
}

/** Rows of all finished architectures of the list, in list order. */
export function collectGroundTruth(runDir: string, archs: readonly Nb201Arch[]): GroundTruthRow[] {
  const rows: GroundTruthRow[] = [];
  for (const arch of archs) {
    const file = path.join(runDir, 'results', `${archFileName(arch)}.json`);
    if (!fs.existsSync(file)) continue;
    const r = readJson<StoredResult>(file);
    rows.push({
      arch: r.arch,
      val_accuracy: r.val_accuracy,
      test_accuracy: r.test_accuracy,
      params: r.params,
      flops: r.flops,
      epochs: r.epochs,
      seconds: r.seconds,
    });
  }
  return rows;
}

/**
 * Trains one architecture of a ground-truth run folder unless it is done or claimed by a live
 * process; returns its row, or null when skipped. Rewrites groundtruth.csv afterwards.
 */
export function trainGroundTruthArch(
  runDir: string,
  config: GroundTruthRunConfig,
  arch: Nb201Arch,
  data: TrainingData,
  options: { progress?: ProgressSink; worker?: string } = {},
): GroundTruthRow | null {
  const name = archFileName(arch);
  const resultFile = path.join(runDir, 'results', `${name}.json`);
  if (fs.existsSync(resultFile)) return null;
  fs.mkdirSync(path.join(runDir, 'results'), { recursive: true });
  fs.mkdirSync(path.join(runDir, 'claims'), { recursive: true });
  const claimDir = path.join(runDir, 'claims', name);
  if (!claim(claimDir)) return null;
  try {
    if (fs.existsSync(resultFile)) return null; // finished by another process meanwhile
    const r = trainStandalone(arch, config, data, config.seed, options.progress);
    const stored: StoredResult = {
      arch: formatNb201(arch),
      val_accuracy: r.valAccuracy,
      test_accuracy: r.testAccuracy,
      params: r.params,
      flops: r.flops,
      epochs: r.epochs,
      seconds: r.seconds,
      val_loss: r.valLoss,
      train_loss: r.trainLoss,
      train_accuracy: r.trainAccuracy,
      worker: options.worker ?? `pid ${process.pid}`,
    };
    writeJsonAtomic(resultFile, stored);
    const list = config.archs.map((s) => parseNb201(s));
    writeGroundTruth(groundTruthPath(runDir), collectGroundTruth(runDir, list));
    return {
      arch: stored.arch,
      val_accuracy: stored.val_accuracy,
      test_accuracy: stored.test_accuracy,
      params: stored.params,
      flops: stored.flops,
      epochs: stored.epochs,
      seconds: stored.seconds,
    };
  } finally {
    fs.rmSync(claimDir, { recursive: true, force: true });
  }
}

/** One progress line for a finished architecture. */
export function groundTruthLine(
  row: GroundTruthRow,
  done: number,
  total: number,
  worker: string,
): string {
  return (
    `[${worker}] ${done}/${total} ${row.arch}  val ${row.val_accuracy.toFixed(2)}%  ` +
    `test ${row.test_accuracy.toFixed(2)}%  ${row.params} params  ${row.seconds.toFixed(1)}s`
  );
}

/** Trains the run's architectures that are neither done nor claimed by a live process. */
export function runGroundTruth(options: GroundTruthRunOptions): GroundTruthRunResult {
  const { runDir, data } = options;
  const config = writeGroundTruthConfig(runDir, options.config);
  const list: Nb201Arch[] = config.archs.map((s) => parseNb201(s));
  const worker = options.worker ?? `pid ${process.pid}`;
  const progress = options.progress ?? createProgress({ label: `groundtruth ` });
  let trained = 0;
  const started = Date.now();
  for (const arch of list) {
    if (options.limit !== undefined && trained >= options.limit) break;
    const row = trainGroundTruthArch(runDir, config, arch, data, { progress, worker });
    if (!row) continue;
    trained++;
    progress.done();
    const rate = (Date.now() - started) / 1000 / trained;
    progress.line(
      `${groundTruthLine(row, collectGroundTruth(runDir, list).length, list.length, worker)}  ` +
        `(~${formatDuration(rate)} per arch here)`,
    );
  }
  const rows = collectGroundTruth(runDir, list);
  writeGroundTruth(groundTruthPath(runDir), rows);
  return { rows, trained, pending: list.length - rows.length };
}
