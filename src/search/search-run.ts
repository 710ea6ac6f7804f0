/**
 * `search` runs on NAS-Bench-201: a differentiable architecture search (DARTS 1st/2nd order,
 * GAEA bilevel/ERM, see src/optim) or RS-WS (uniform single-path supernet + random search scored
 * on the supernet), written to a run folder like every other run:
 *
 *   config.json     kind "search", space, method, dataset, scale, seed, engine, every
 *                   hyper-parameter, library, createdAt
 *   log.jsonl       one line per epoch {epoch, loss, accuracy, lr, imagesPerSecond, seconds,
 *                   archLoss, entropy, derived}
 *   arch.jsonl      one line per epoch, epoch 0 = the start: {epoch, weights[6][5], entropy,
 *                   derived, params[6][5], benchmark} = mixing weights on the per-edge simplices,
 *                   their mean entropy (nats), the argmax cell (benchmark string), the raw
 *                   parameters (alpha for DARTS, theta for GAEA) and the derived cell's
 *                   NAS-Bench-201 test accuracies (lookup in the committed benchmark table)
 *   checkpoints/    weights, BN buffers, momentum, architecture state: the run resumes
 *   supernet/       RS-WS: the supernet's own run folder (kind "supernet")
 *   scores/epoch-XXXX.csv   RS-WS: supernet scores of the sampled cells (arch,accuracy,loss)
 *   groundtruth.csv stand-alone training of the final cell (ground-truth mode "standalone")
 *   result.json     the outcome: final cell, entropy, benchmark and stand-alone ground truth
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../data/types';
import { Rng } from '../engine/random';
import { libraryInfo, type LibraryInfo } from '../info';
import {
  DIFFERENTIABLE_METHODS,
  DifferentiableSearch,
  methodSpec,
  NB201_SEARCH_HYPER,
  type DifferentiableMethod,
  type DifferentiableSearchHyper,
} from '../optim/differentiable-search';
import { formatNb201, parseNb201 } from '../spaces/nb201/arch';
import type { Nb201Op } from '../spaces/nb201/definition';
import { createSupernet } from '../supernet/network';
import { imageBatchSource, loadTrainingData, type TrainingData } from '../train/data';
import { fit, fitStepsPerEpoch, type FitHyper } from '../train/fit';
import { groundTruthRow, trainStandalone } from '../evaluate/groundtruth';
import { configDifferences, normalizeRunConfig } from '../runs/config';
import { imageRunData, runSetup } from '../train/pipeline';
import { type TrainDataset } from '../core/scale';
import { groundTruthPreset, type GroundTruthHyper } from '../supernet/nb201/presets';
import { createProgress, type ProgressSink } from '../train/progress';
import {
  groundTruthPath,
  latestCheckpoint,
  readJson,
  readLog,
  writeGroundTruth,
  writeJsonAtomic,
  type GroundTruthRow,
} from '../runs/folder';
import { differentiableStrategy } from './differentiable-strategy';
import { benchmarkAccuracies, type BenchmarkAccuracies } from './benchmark';
import { runRsws, weightHyper } from './rsws';
import { archPath, readArchRecords, writeArchRecords, type ArchRecord } from './arch-records';
import { SEARCH_SCALE_SETTINGS, type SearchScale, type SearchScaleSettings } from './scales';

export const SEARCH_METHODS = [...DIFFERENTIABLE_METHODS, 'rsws'] as const;
export type SearchMethod = (typeof SEARCH_METHODS)[number];

/**
 * Ground truth of the final cell: `benchmark` = the NAS-Bench-201 table only (always recorded;
 * it is the ground truth for CIFAR-10/100), `standalone` = also train the cell from scratch here
 * (src/train's ground-truth trainer, the scale's ground-truth preset) on the search's dataset.
 */
export type GroundTruthMode = 'benchmark' | 'standalone';

/** The resolved configuration stored in config.json. */
export interface SearchRunConfig {
  kind: 'search';
  space: 'nb201';
  method: SearchMethod;
  dataset: TrainDataset;
  scale: SearchScale;
  seed: number;
  engine: string;
  epochs: number;
  batchSize: number;
  channels: number;
  cellsPerStage: number;
  inputChannels: number;
  classes: number;
  imageSize: number;
  /** Images of the search-train half (weights) and of the held-out half (null = all). */
  trainImages: number | null;
  validImages: number | null;
  validFraction: number;
  /** Random crop + flip on every search batch (both halves, as the benchmark's search runs). */
  augment: boolean;
  /** Training data of the single-level (ERM) objective: both halves. */
  ermData: 'train+valid';
  /** Weight optimizer (all methods) and architecture optimizers (DARTS Adam, GAEA EG). */
  hyper: DifferentiableSearchHyper;
  /** RS-WS: sampled cells and BN recalibration of their scoring. */
  rsws: { samples: number; calibrationBatches: number; calibrationBatchSize: number };
  groundTruth: { mode: GroundTruthMode; standalone: GroundTruthHyper | null };
  library: LibraryInfo;
  createdAt: string;
}

export interface SearchConfigInput {
  method: SearchMethod;
  dataset: TrainDataset;
  scale: SearchScale;
  seed: number;
  engine: string;
  /** Default: standalone for Fashion-MNIST and the CIFAR-10 subset, benchmark for CIFAR-10/100. */
  groundTruth?: GroundTruthMode;
  /** Overrides of the scale's settings and hyper-parameters. */
  overrides?: Partial<SearchScaleSettings> & {
    gaeaEta?: number;
    dartsLr?: number;
    weightLr?: number;
    augment?: boolean;
    standaloneEpochs?: number;
  };
}

/** Ground-truth mode of a search left without one: the benchmark's own for CIFAR-10/100. */
export function defaultGroundTruth(dataset: string): GroundTruthMode {
  return dataset === 'cifar10' || dataset === 'cifar100' ? 'benchmark' : 'standalone';
}

/** The scale's settings with the overrides applied and checked. */
export function searchSettings(input: SearchConfigInput): SearchScaleSettings {
  const base = SEARCH_SCALE_SETTINGS[input.scale];
  if (!base) throw new Error(`unknown scale ${JSON.stringify(input.scale)}`);
  const o = input.overrides ?? {};
  const s: SearchScaleSettings = { ...base };
  for (const k of Object.keys(base) as (keyof SearchScaleSettings)[]) {
    if (o[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = o[k];
  }
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  positive('epochs', s.epochs);
  positive('batch size', s.batchSize);
  positive('channels', s.channels);
  positive('cells per stage', s.cellsPerStage);
  positive('RS-WS samples', s.rswsSamples);
  for (const k of ['trainImages', 'validImages'] as const) {
    const v = s[k];
    if (v !== null) {
      positive(k, v);
      if (v < s.batchSize) {
        throw new Error(`${k} (${v}) must hold at least one batch of ${s.batchSize}`);
      }
    }
  }
  return s;
}

/** Fills in every setting; the dataset's shape comes from the loaded data. */
export function resolveSearchConfig(
  input: SearchConfigInput,
  data: Pick<TrainingData, 'inputChannels' | 'classes' | 'imageSize'>,
): SearchRunConfig {
  if (!(SEARCH_METHODS as readonly string[]).includes(input.method)) {
    throw new Error(
      `unknown search method ${JSON.stringify(input.method)} (expected one of ${SEARCH_METHODS.join(', ')})`,
    );
  }
  const s = searchSettings(input);
  const o = input.overrides ?? {};
  const hyper: DifferentiableSearchHyper = {
    ...NB201_SEARCH_HYPER,
    dartsAdam: { ...NB201_SEARCH_HYPER.dartsAdam },
  };
  if (o.gaeaEta !== undefined) hyper.gaeaEta = o.gaeaEta;
  if (o.dartsLr !== undefined) hyper.dartsAdam.lr = o.dartsLr;
  if (o.weightLr !== undefined) hyper.weightLr = o.weightLr;
  const mode = input.groundTruth ?? defaultGroundTruth(input.dataset);
  let standalone: GroundTruthHyper | null = null;
  if (mode === 'standalone') {
    standalone = { ...groundTruthPreset(input.scale) };
    if (o.standaloneEpochs !== undefined) standalone.epochs = o.standaloneEpochs;
  }
  return {
    kind: 'search',
    space: 'nb201',
    method: input.method,
    dataset: input.dataset,
    scale: input.scale,
    seed: input.seed,
    engine: input.engine,
    epochs: s.epochs,
    batchSize: s.batchSize,
    channels: s.channels,
    cellsPerStage: s.cellsPerStage,
    inputChannels: data.inputChannels,
    classes: data.classes,
    imageSize: data.imageSize,
    trainImages: s.trainImages,
    validImages: s.validImages,
    validFraction: 0.5,
    augment: o.augment ?? true,
    ermData: 'train+valid',
    hyper,
    rsws: {
      samples: s.rswsSamples,
      calibrationBatches: s.calibrationBatches,
      calibrationBatchSize: s.calibrationBatchSize,
    },
    groundTruth: { mode, standalone },
    library: libraryInfo(),
    createdAt: new Date().toISOString(),
  };
}

/** What may change on resume (engine, library, creation time); every other field must agree. */
const FREE_ON_RESUME: readonly string[] = ['engine', 'library', 'createdAt'];

function assertSameSearch(saved: SearchRunConfig, config: SearchRunConfig, runDir: string): void {
  const keys = Object.keys(config).filter((k) => !FREE_ON_RESUME.includes(k));
  const diffs = configDifferences(saved, config, keys as (keyof SearchRunConfig)[]);
  if (diffs.length > 0) {
    throw new Error(
      `${runDir} holds a search with a different configuration (${diffs.join('; ')}); use another --out, the same settings, or --fresh`,
    );
  }
}

/** The derived cell's stand-alone result (a groundtruth.csv row without the arch). */
export type StandaloneTruth = Omit<GroundTruthRow, 'arch'>;

export interface SearchResult {
  method: SearchMethod;
  dataset: TrainDataset;
  scale: SearchScale;
  seed: number;
  /** The final cell: argmax of the architecture weights, or RS-WS's best-scored cell. */
  derived: string;
  /** Mean entropy of the final architecture weights (RS-WS: uniform, ln 5). */
  entropy: number;
  benchmark: BenchmarkAccuracies | null;
  /** RS-WS: supernet validation accuracy (percent) of the chosen cell. */
  supernetScore?: number;
  standalone?: StandaloneTruth;
  /** Epochs completed. */
  epochs: number;
  /** Search time in seconds (sum over epochs, all sessions). */
  seconds: number;
}

export interface RunSearchOptions {
  /** The run folder. */
  runDir: string;
  /** Start over even if the folder holds a run (its logs and checkpoints are deleted). */
  fresh?: boolean;
  /** Stop after this many epochs in this call (the run stays resumable). */
  maxEpochs?: number;
  progress?: ProgressSink;
  /** Dataset folder or archive (default: the dataset's standard location). */
  dataSource?: string;
  /** CIFAR: download the official archive when missing. */
  download?: boolean;
  /** Use these splits instead of loading them (tests). */
  data?: TrainingData;
  /** Data for stand-alone ground truth instead of loading the preset's subsets (tests). */
  standaloneData?: TrainingData;
}

export interface SearchRunOutcome {
  config: SearchRunConfig;
  /** null while the search is incomplete (stopped by maxEpochs). */
  result: SearchResult | null;
  /** Epochs done by this call. */
  epochsRun: number;
}

/** What a search writes in its folder besides config.json (tables with their .sha256). */
const RUN_DIRS = ['checkpoints', 'scores', 'supernet'];
const RUN_TABLES = ['log.jsonl', 'arch.jsonl', 'groundtruth.csv', 'result.json'];

/** Writes config.json, or checks that the folder's config matches (resume). */
function prepareRunFolder(config: SearchRunConfig, options: RunSearchOptions): SearchRunConfig {
  const { runDir } = options;
  const cfgFile = path.join(runDir, 'config.json');
  if (options.fresh && fs.existsSync(runDir)) {
    const names = [...RUN_DIRS, ...RUN_TABLES.flatMap((f) => [f, `${f}.sha256`]), 'config.json'];
    for (const name of names) fs.rmSync(path.join(runDir, name), { recursive: true, force: true });
  }
  if (fs.existsSync(cfgFile)) {
    const saved = readJson<SearchRunConfig>(cfgFile);
    if (saved.kind !== 'search') {
      throw new Error(`${runDir} holds a ${String(saved.kind)} run, not a search`);
    }
    assertSameSearch(saved, config, runDir);
    return saved;
  }
  fs.mkdirSync(runDir, { recursive: true });
  writeJsonAtomic(cfgFile, config);
  return config;
}

/** Runs (or resumes) a search; dispatches on the method. */
export async function runSearch(
  input: SearchConfigInput,
  options: RunSearchOptions,
): Promise<SearchRunOutcome> {
  const s = searchSettings(input);
  const data =
    options.data ??
    (await loadTrainingData(input.dataset, {
      trainImages: s.trainImages,
      validImages: s.validImages,
      testImages: null,
      validFraction: 0.5,
      source: options.dataSource,
      download: options.download,
    }));
  const config = prepareRunFolder(resolveSearchConfig(input, data), options);
  const progress = options.progress ?? createProgress({ label: `${config.method} ` });
  let outcome: MethodOutcome;
  if (config.method === 'rsws') {
    outcome = await runRsws(config, data, options, progress);
  } else {
    outcome = runDifferentiable(config, data, options, progress);
  }
  if (!outcome.complete) return { config, result: null, epochsRun: outcome.epochsRun };
  const result = await finish(config, outcome.partial, options, progress);
  return { config, result, epochsRun: outcome.epochsRun };
}

/** The union of two datasets of the same shape (the ERM objective's training data). */
export function concatDatasets(a: Dataset, b: Dataset, name: string): Dataset {
  const [na, h, w, c] = a.shape;
  const [nb, hb, wb, cb] = b.shape;
  if (h !== hb || w !== wb || c !== cb) {
    throw new Error(`cannot join ${a.name} [${a.shape}] and ${b.name} [${b.shape}]`);
  }
  const images = new Float32Array(a.images.length + b.images.length);
  images.set(a.images, 0);
  images.set(b.images, a.images.length);
  const labels = new Int32Array(na + nb);
  labels.set(a.labels, 0);
  labels.set(b.labels, na);
  return { ...a, name, images, labels, shape: [na + nb, h, w, c] };
}

/** What a method's runner returns to runSearch. */
export interface MethodOutcome {
  epochsRun: number;
  complete: boolean;
  partial: Omit<SearchResult, 'standalone'>;
}

/**
 * DARTS / GAEA through the one epoch loop (fit) with the differentiable strategy: the weights'
 * batches come from the search-train half (ERM: both halves), the bilevel methods' architecture
 * batches from fit's paired stream over the held-out half; the end-of-epoch hook writes
 * arch.jsonl before fit writes the log line and the checkpoint (search tensors w/ b/ m/ and
 * manifest.state.search), so a killed search resumes bitwise.
 */
function runDifferentiable(
  config: SearchRunConfig,
  data: TrainingData,
  options: RunSearchOptions,
  progress: ProgressSink,
): MethodOutcome {
  const method = config.method as DifferentiableMethod;
  const { runDir } = options;
  const spec = methodSpec(method);
  const bilevel = spec.objective === 'bilevel';
  const trainSet = bilevel
    ? data.train
    : concatDatasets(data.train, data.valid, `${data.train.name}+valid`);
  const augment = { augment: config.augment };
  const source = imageBatchSource({ ...data, train: trainSet }, augment);
  const paired = bilevel
    ? {
        source: imageBatchSource({ ...data, train: data.valid }, augment),
        seed: `search/${config.seed}/valid`,
      }
    : undefined;
  const hyper: FitHyper = { ...weightHyper(config), lrSchedule: 'cosine' };
  const stepsPerEpoch = fitStepsPerEpoch({ source, paired, hyper });
  if (stepsPerEpoch < 1) {
    throw new Error(`the search data hold less than one batch of ${config.batchSize}`);
  }
  const { channels, cellsPerStage, inputChannels, classes } = config;
  const skeleton = { channels, cellsPerStage, inputChannels, classes };
  const supernet = createSupernet(skeleton, { seed: config.seed });
  const alphaRng = new Rng(`search/${config.seed}/darts-alpha`);
  const search = new DifferentiableSearch(supernet, {
    method,
    hyper: config.hyper,
    totalSteps: config.epochs * stepsPerEpoch,
    normal: () => alphaRng.normal(),
  });
  try {
    const startEpoch = latestCheckpoint(runDir) ?? 0;
    const record = (epoch: number): ArchRecord => {
      const snap = search.snapshot();
      const derived = formatNb201(snap.derivedOps as Nb201Op[]);
      return {
        epoch,
        weights: snap.weights,
        entropy: snap.entropy,
        derived,
        params: snap.params,
        benchmark: benchmarkAccuracies(derived),
      };
    };
    const records = readArchRecords(runDir).filter((r) => r.epoch <= startEpoch);
    if (records.length === 0 || records[0].epoch !== 0) {
      if (startEpoch !== 0)
        throw new Error(`${archPath(runDir)} lacks the records of its checkpoint`);
      records.splice(0, records.length, record(0));
    }
    writeArchRecords(runDir, records);

    const strategy = differentiableStrategy(search);
    const maxEpochs = options.maxEpochs ?? Infinity;
    let epochsRun = 0;
    if (maxEpochs > 0) {
      const r = fit({
        strategy: {
          ...strategy,
          endEpoch(epoch) {
            const extra = strategy.endEpoch!(epoch);
            records.push(record(epoch));
            writeArchRecords(runDir, records);
            return extra;
          },
        },
        source,
        paired,
        hyper,
        seeds: {
          data: `search/${config.seed}/train`,
          sampler: (e) => `search/${config.seed}/epoch-${e}`,
        },
        describe: (a) => formatNb201(a),
        runDir,
        checkpointEpochs: [],
        progress,
        what: `${method} search`,
        stopAfterEpoch: Number.isFinite(maxEpochs) ? startEpoch + maxEpochs : undefined,
        onEpoch(epoch) {
          const rec = records[records.length - 1];
          const bench = rec.benchmark
            ? ` (NB-201 CIFAR-10 ${rec.benchmark.cifar10_test.toFixed(2)}%)`
            : '';
          progress.line(
            `${method} epoch ${epoch}/${config.epochs}: entropy ${rec.entropy.toFixed(4)}, derived ${rec.derived}${bench}`,
          );
        },
      });
      epochsRun = r.epochsRun;
    }
    const final = records[records.length - 1];
    return {
      epochsRun,
      complete: final.epoch >= config.epochs,
      partial: {
        method,
        dataset: config.dataset,
        scale: config.scale,
        seed: config.seed,
        derived: final.derived,
        entropy: final.entropy,
        benchmark: final.benchmark,
        epochs: final.epoch,
        seconds: readLog(runDir).reduce((t, e) => t + e.seconds, 0),
      },
    };
  } finally {
    search.dispose();
    supernet.dispose();
  }
}

/** Stand-alone ground truth of the final cell (mode "standalone") and result.json. */
async function finish(
  config: SearchRunConfig,
  partial: Omit<SearchResult, 'standalone'>,
  options: RunSearchOptions,
  progress: ProgressSink,
): Promise<SearchResult> {
  const { runDir } = options;
  const resultFile = path.join(runDir, 'result.json');
  if (fs.existsSync(resultFile)) {
    const saved = readJson<SearchResult>(resultFile);
    if (saved.derived === partial.derived) return saved;
  }
  const result: SearchResult = { ...partial };
  const hyper = config.groundTruth.standalone;
  if (config.groundTruth.mode === 'standalone' && hyper) {
    const gtData =
      options.standaloneData ??
      (await loadTrainingData(config.dataset, {
        trainImages: hyper.trainImages,
        validImages: hyper.validImages,
        testImages: hyper.testImages,
        validFraction: hyper.validFraction,
        source: options.dataSource,
        download: options.download,
      }));
    progress.line(`training the final cell ${result.derived} stand-alone (${hyper.epochs} epochs)`);
    // The search's NB-201 stand-alone settings in the run-config schema the runner reads.
    const gtConfig = normalizeRunConfig(
      { ...hyper, kind: 'groundtruth', space: 'nb201', dataset: config.dataset, seed: config.seed },
      'the search config',
    );
    const data = imageRunData(gtData);
    const setup = runSetup(gtConfig, data);
    const r = trainStandalone(gtConfig, setup, data, parseNb201(result.derived), progress);
    progress.done();
    const { arch: _arch, ...standalone } = groundTruthRow(result.derived, r);
    result.standalone = standalone;
    writeGroundTruth(groundTruthPath(runDir), [{ arch: result.derived, ...standalone }]);
    progress.line(
      `stand-alone ${config.dataset}: validation ${r.valAccuracy.toFixed(2)}%, test ${r.testAccuracy.toFixed(2)}%`,
    );
  }
  writeJsonAtomic(resultFile, result, { checksum: true });
  return result;
}
