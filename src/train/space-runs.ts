/**
 * Run folders of the four other spaces (nb101, darts, proxyless, darts-ptb), the way the NB-201
 * trainer keeps its own: a supernet run (config.json, log.jsonl, checkpoints/, resumable), scores
 * of architectures at a checkpoint (scores/epoch-XXXX.csv, resumable per architecture) and a
 * ground-truth run (stand-alone training of listed architectures, groundtruth.csv, skipping
 * finished ones). config.json records the space, skeleton, data and hyper-parameters, so that
 * evaluate / groundtruth / analysis rebuild the same networks and data from the folder alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot, libraryInfo, type LibraryInfo } from '../info';
import { Rng } from '../engine/random';
import { nb101RunSpec } from '../supernet/nb101/spec';
import { dartsRunSpec } from '../supernet/darts/spec';
import { proxylessRunSpec } from '../supernet/proxyless/spec';
import { dartsPtbRunSpec } from '../supernet/darts-ptb/spec';
import { ptbBatchSource } from '../supernet/darts-ptb/data';
import { isValidNb101, parseNb101 } from '../spaces/nb101/arch';
import { parseDarts } from '../spaces/darts/genotype';
import { parseProxyless } from '../spaces/proxyless/arch';
import { parseDartsPtb } from '../spaces/darts-ptb/genotype';
import type { ProgressSink } from './progress';
import { createProgress, formatDuration } from './progress';
import { loadTrainingData } from './data';
import type { Dataset } from '../data/types';
import type { Scale } from '../core/scale';
import {
  checkpointName,
  groundTruthPath,
  latestCheckpoint,
  listCheckpoints,
  parseCsv,
  readCheckpoint,
  readGroundTruth,
  readJson,
  readScores,
  scoresPath,
  toCsv,
  writeFileAtomic,
  writeGroundTruth,
  writeJsonAtomic,
  writeScores,
  type GroundTruthRow,
  type ScoreRow,
} from '../runs/folder';
import {
  imageBatchSource,
  loadSpaceNetworkTensors,
  sampleDistinct,
  scoreSpaceArch,
  trainSpaceNetwork,
  type BatchSource,
  type SpaceRunSpec,
  type SpaceTrainHyper,
  type TrainSpaceResult,
} from './samplers/space-run';
import type { SamplerSettings } from './samplers/samplers';
import {
  isOtherSpace,
  OTHER_SPACES,
  type OtherSpace,
  type SpaceDataSettings,
  type SpaceSkeleton,
} from './space-presets';

/** What the data fixes about a network: image channels, classes, image size. */
export interface DataShape {
  inputChannels: number;
  classes: number;
  imageSize: number;
}

/** A space's run spec for a skeleton, plus its string parser (throws quoting bad input). */
export interface SpaceSetup {
  spec: SpaceRunSpec<unknown>;
  /** Parses (and checks the validity of) an architecture string of the space. */
  parse(text: string): unknown;
}

/** config.json of a space run (supernet or ground truth). */
export interface SpaceRunConfig extends SpaceTrainHyper {
  kind: 'supernet' | 'groundtruth';
  space: OtherSpace;
  scale: Scale;
  /** 'ptb' for darts-ptb, else the image dataset. */
  dataset: string;
  skeleton: SpaceSkeleton;
  data: SpaceDataSettings;
  /** Supernet: epochs whose checkpoints are kept (besides the newest). */
  checkpointEpochs?: number[];
  engine: string;
  library: LibraryInfo;
  createdAt: string;
}

export type SpaceRunConfigInput = Omit<SpaceRunConfig, 'library' | 'createdAt'>;

/** Keys that must agree between a folder's config and a resumed run. */
const RESUME_KEYS: ReadonlyArray<keyof SpaceRunConfig> = [
  'kind',
  'space',
  'scale',
  'dataset',
  'skeleton',
  'data',
  'seed',
  'epochs',
  'batchSize',
  'lr',
  'lrSchedule',
  'momentum',
  'weightDecay',
  'clipNorm',
  'sampler',
  'samplerPaths',
  'fewShotEdge',
];

export function spaceSetup(skeleton: SpaceSkeleton, shape: DataShape | null): SpaceSetup {
  const io = () => {
    if (!shape) throw new Error(`space ${skeleton.space} needs image data`);
    return shape;
  };
  switch (skeleton.space) {
    case 'nb101': {
      const spec = nb101RunSpec({
        ...skeleton.net,
        inChannels: io().inputChannels,
        numClasses: io().classes,
      });
      return {
        spec: spec as SpaceRunSpec<unknown>,
        parse(text) {
          const a = parseNb101(text);
          if (!isValidNb101(a)) {
            throw new Error(
              `NB-101 architecture ${JSON.stringify(text)} is not valid (a node does not reach the output)`,
            );
          }
          return a;
        },
      };
    }
    case 'darts': {
      const spec = dartsRunSpec(
        { ...skeleton.net, inChannels: io().inputChannels, numClasses: io().classes },
        io().imageSize,
      );
      return { spec: spec as SpaceRunSpec<unknown>, parse: parseDarts };
    }
    case 'proxyless': {
      const full = {
        ...skeleton.net,
        inChannels: io().inputChannels,
        numClasses: io().classes,
        imageSize: io().imageSize,
      };
      const spec = proxylessRunSpec(full);
      return {
        spec: spec as SpaceRunSpec<unknown>,
        parse: (text) => parseProxyless(text, full),
      };
    }
    case 'darts-ptb': {
      const spec = dartsPtbRunSpec(skeleton.net);
      return { spec: spec as SpaceRunSpec<unknown>, parse: parseDartsPtb };
    }
  }
}

/** Default folder of the Penn Treebank files: kernels-data/ptb, else ../shared/data/ptb. */
export function defaultPtbDir(): string {
  const local = path.join(packageRoot, 'kernels-data', 'ptb');
  if (fs.existsSync(path.join(local, 'ptb.valid.txt'))) return local;
  const shared = path.join(packageRoot, '..', 'shared', 'data', 'ptb');
  if (fs.existsSync(path.join(shared, 'ptb.valid.txt'))) return shared;
  throw new Error(
    `no Penn Treebank files found (looked for ptb.valid.txt in ${local} and ${shared}); pass --data-dir with ptb.train.txt / ptb.valid.txt / ptb.test.txt`,
  );
}

export interface LoadedSpaceData {
  source: BatchSource;
  /** Null for the language model. */
  shape: DataShape | null;
  /** Human-readable size, e.g. '3000 train / 2000 valid images'. */
  summary: string;
}

/** Loads the data a space run trains and scores on. */
export async function loadSpaceData(
  settings: SpaceDataSettings,
  skeleton: SpaceSkeleton,
  options: { dataDir?: string; download?: boolean; log?: (line: string) => void } = {},
): Promise<LoadedSpaceData> {
  if (settings.kind === 'ptb') {
    if (skeleton.space !== 'darts-ptb') {
      throw new Error(`space ${skeleton.space} trains on images, not on PTB text`);
    }
    const all = Number.MAX_SAFE_INTEGER - 1;
    const source = ptbBatchSource({
      dir: options.dataDir ?? defaultPtbDir(),
      vocabulary: skeleton.net.vocabulary,
      steps: settings.steps,
      trainTokens: settings.trainTokens ?? all,
      validTokens: settings.validTokens ?? all,
    });
    const d = source.describe;
    return {
      source,
      shape: null,
      summary: `PTB ${String(d.trainSplit)} (${source.trainSize} segments of ${settings.steps}) / ${String(d.validSplit)}`,
    };
  }
  if (skeleton.space === 'darts-ptb') throw new Error('darts-ptb trains on PTB text, not images');
  let data = await loadTrainingData(settings.dataset, {
    trainImages: settings.trainImages,
    validImages: settings.validImages,
    validFraction: settings.validFraction,
    source: options.dataDir,
    download: options.download,
    log: options.log,
  });
  if (settings.padTo !== undefined && settings.padTo > data.imageSize) {
    const to = settings.padTo;
    data = {
      ...data,
      train: padDataset(data.train, to),
      valid: padDataset(data.valid, to),
      test: padDataset(data.test, to),
      imageSize: to,
    };
  }
  return {
    source: imageBatchSource(data),
    shape: { inputChannels: data.inputChannels, classes: data.classes, imageSize: data.imageSize },
    summary: `${settings.dataset} ${data.train.shape[0]} train / ${data.valid.shape[0]} valid images`,
  };
}

/**
 * Zero-pads images (normalised, so 0 is the mean pixel) to `size` x `size`, centred: e.g.
 * Fashion-MNIST's 28x28 to 32x32 for skeletons that halve the size more than twice.
 */
export function padDataset(ds: Dataset, size: number): Dataset {
  const [n, h, w, c] = ds.shape;
  if (h > size || w > size) throw new Error(`cannot pad ${h}x${w} images to ${size}x${size}`);
  const top = Math.floor((size - h) / 2);
  const left = Math.floor((size - w) / 2);
  const images = new Float32Array(n * size * size * c);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * w * c;
      const dst = ((i * size + y + top) * size + left) * c;
      images.set(ds.images.subarray(src, src + w * c), dst);
    }
  }
  return { ...ds, name: `${ds.name}[pad ${size}]`, images, shape: [n, size, size, c] };
}

/** Reads a space run's config.json (error naming the folder when it is not one). */
export function readSpaceRunConfig(runDir: string): SpaceRunConfig {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${runDir} is not a run folder (no config.json)`);
  const config = readJson<SpaceRunConfig>(file);
  if (!isOtherSpace(String(config.space))) {
    throw new Error(
      `${runDir} holds a ${JSON.stringify(config.space)} run, not one of ${OTHER_SPACES.join(', ')}`,
    );
  }
  return config;
}

/** Writes config.json, or checks that an existing one matches (resume). */
function prepareFolder(runDir: string, cfg: SpaceRunConfigInput): SpaceRunConfig {
  fs.mkdirSync(runDir, { recursive: true });
  const file = path.join(runDir, 'config.json');
  if (fs.existsSync(file)) {
    const existing = readJson<SpaceRunConfig>(file);
    const wanted: SpaceRunConfig = { ...existing, ...cfg };
    const diffs = RESUME_KEYS.filter(
      (k) => JSON.stringify(existing[k]) !== JSON.stringify(wanted[k]),
    ).map(
      (k) =>
        `${String(k)}: ${JSON.stringify(existing[k])} in the folder, ${JSON.stringify(wanted[k])} now`,
    );
    if (diffs.length > 0) {
      throw new Error(
        `${runDir} holds a run with a different configuration (${diffs.join('; ')}); use another --out or the same settings`,
      );
    }
    // Newer checkpoint choices / calibration settings of this call win.
    const merged = {
      ...existing,
      ...cfg,
      library: existing.library,
      createdAt: existing.createdAt,
    };
    writeJsonAtomic(file, merged);
    return merged;
  }
  const config: SpaceRunConfig = {
    ...cfg,
    library: libraryInfo(),
    createdAt: new Date().toISOString(),
  };
  writeJsonAtomic(file, config);
  return config;
}

function samplerOf(config: SpaceTrainHyper): SamplerSettings {
  return {
    sampler: config.sampler,
    ...(config.samplerPaths === undefined ? {} : { samplerPaths: config.samplerPaths }),
    ...(config.fewShotEdge === undefined ? {} : { fewShotEdge: config.fewShotEdge }),
  };
}

export interface TrainSpaceRunOptions {
  runDir: string;
  config: SpaceRunConfigInput;
  /** Preloaded data (else loaded from `config.data`). */
  data?: LoadedSpaceData;
  dataDir?: string;
  download?: boolean;
  progress?: ProgressSink;
  stopAfterEpoch?: number;
}

/** Trains (or resumes) a supernet run of one of the other spaces. */
export async function trainSpaceRun(
  options: TrainSpaceRunOptions,
): Promise<TrainSpaceResult & { seconds: number }> {
  const t0 = Date.now();
  if (options.config.kind !== 'supernet') throw new Error('trainSpaceRun needs kind "supernet"');
  validateSpaceHyper(options.config);
  const config = prepareFolder(options.runDir, options.config);
  const data =
    options.data ??
    (await loadSpaceData(config.data, config.skeleton, {
      dataDir: options.dataDir,
      download: options.download,
      log: (line) => options.progress?.line(line),
    }));
  const { spec } = spaceSetup(config.skeleton, data.shape);
  const net = spec.build(config.seed);
  try {
    const r = trainSpaceNetwork(spec, net, data.source, config, {
      runDir: options.runDir,
      checkpointEpochs: config.checkpointEpochs ?? [],
      progress: options.progress,
      stopAfterEpoch: options.stopAfterEpoch,
    });
    return { ...r, seconds: (Date.now() - t0) / 1000 };
  } finally {
    net.dispose();
  }
}

export function validateSpaceHyper(h: SpaceTrainHyper & { checkpointEpochs?: number[] }): void {
  for (const k of ['epochs', 'batchSize', 'evalBatchSize', 'calibrationBatchSize'] as const) {
    if (!Number.isInteger(h[k]) || h[k] < 1) {
      throw new Error(`${k} must be a positive integer, got ${h[k]}`);
    }
  }
  if (!(h.lr > 0)) throw new Error(`lr must be > 0, got ${h.lr}`);
  for (const e of h.checkpointEpochs ?? []) {
    if (!Number.isInteger(e) || e < 1)
      throw new Error(`checkpoint epoch ${e} is not a positive integer`);
  }
}

/** Sampled architecture strings of a space (seeded, distinct). */
export function sampleSpaceArchs(setup: SpaceSetup, n: number, seed: number): string[] {
  return sampleDistinct(setup.spec, n, new Rng(`space-archs/${setup.spec.space}/${seed}`)).map(
    (a) => setup.spec.format(a),
  );
}

/** Parses listed architecture strings into canonical strings; errors name the bad line. */
export function canonicalArchs(setup: SpaceSetup, texts: readonly string[]): string[] {
  const out = texts.map((t, i) => {
    try {
      return setup.spec.format(setup.parse(t));
    } catch (err) {
      throw new Error(`architecture ${i + 1} (${JSON.stringify(t)}): ${(err as Error).message}`);
    }
  });
  const seen = new Set<string>();
  for (const a of out) {
    if (seen.has(a)) throw new Error(`architecture ${JSON.stringify(a)} is listed twice`);
    seen.add(a);
  }
  return out;
}

export interface ScoreSpaceRunOptions {
  runDir: string;
  /** Checkpoint epoch (default: the newest). */
  epoch?: number;
  /** Architecture strings of the space. */
  archs: readonly string[];
  data?: LoadedSpaceData;
  dataDir?: string;
  calibration?: { batches: number; batchSize: number };
  progress?: ProgressSink;
}

/**
 * Scores architectures on a supernet checkpoint (BN recalibration, validation accuracy and loss)
 * into scores/epoch-XXXX.csv, rewritten after every architecture; architectures already in that
 * file are not scored again (resume).
 */
export async function scoreSpaceRun(
  options: ScoreSpaceRunOptions,
): Promise<{ epoch: number; file: string; rows: ScoreRow[]; scored: number; seconds: number }> {
  const t0 = Date.now();
  const { runDir } = options;
  const config = readSpaceRunConfig(runDir);
  if (config.kind !== 'supernet')
    throw new Error(`${runDir} is a ${config.kind} run, not a supernet run`);
  const epoch = options.epoch ?? latestCheckpoint(runDir);
  if (epoch === null) throw new Error(`${runDir} has no checkpoint yet`);
  if (!listCheckpoints(runDir).includes(epoch)) {
    throw new Error(
      `${runDir} keeps no checkpoint of epoch ${epoch} (kept: ${listCheckpoints(runDir).join(', ')})`,
    );
  }
  const data =
    options.data ??
    (await loadSpaceData(config.data, config.skeleton, { dataDir: options.dataDir }));
  const setup = spaceSetup(config.skeleton, data.shape);
  const archs = canonicalArchs(setup, options.archs);
  const file = scoresPath(runDir, epoch);
  const done = new Map<string, ScoreRow>();
  if (fs.existsSync(file)) for (const r of readScores(file)) done.set(r.arch, r);
  const pending = archs.filter((a) => !done.has(a));
  const progress = options.progress ?? createProgress({ silent: true });
  const hyper = {
    seed: config.seed,
    calibrationBatches: options.calibration?.batches ?? config.calibrationBatches,
    calibrationBatchSize: options.calibration?.batchSize ?? config.calibrationBatchSize,
    evalBatchSize: config.evalBatchSize,
  };
  const ordered = () => archs.filter((a) => done.has(a)).map((a) => done.get(a)!);
  if (pending.length > 0) {
    const net = setup.spec.build(config.seed);
    try {
      loadSpaceNetworkTensors(net, readCheckpoint(runDir, epoch).tensors);
      pending.forEach((a, i) => {
        const r = scoreSpaceArch(net, setup.parse(a), data.source, hyper);
        done.set(a, { arch: a, accuracy: r.accuracy, loss: r.loss });
        // Keep rows of other architectures already in the file (a superset list).
        const rows = [...ordered(), ...[...done.values()].filter((x) => !archs.includes(x.arch))];
        writeScores(runDir, epoch, rows);
        progress.update(i + 1, pending.length, `epoch ${epoch}`);
      });
    } finally {
      net.dispose();
      progress.done();
    }
  }
  // Rows as stored (7 significant digits), so a fresh call and a resumed one agree exactly.
  const stored = new Map(readScores(file).map((r) => [r.arch, r]));
  return {
    epoch,
    file,
    rows: archs.map((a) => stored.get(a)!),
    scored: pending.length,
    seconds: (Date.now() - t0) / 1000,
  };
}

export interface SpaceGroundTruthOptions {
  runDir: string;
  config: SpaceRunConfigInput;
  archs: readonly string[];
  data?: LoadedSpaceData;
  dataDir?: string;
  download?: boolean;
  progress?: ProgressSink;
}

/** Per-architecture validation loss (and perplexity = exp(loss)) of a ground-truth run. */
export const STANDALONE_LOSS_FILE = 'standalone-loss.csv';

function readLosses(runDir: string): Map<string, number> {
  const file = path.join(runDir, STANDALONE_LOSS_FILE);
  const out = new Map<string, number>();
  if (!fs.existsSync(file)) return out;
  const { header, rows } = parseCsv(fs.readFileSync(file, 'utf8'));
  const a = header.indexOf('arch');
  const l = header.indexOf('loss');
  if (a < 0 || l < 0) throw new Error(`${file}: expected columns arch and loss`);
  for (const r of rows) out.set(r[a], Number(r[l]));
  return out;
}

/**
 * Stand-alone training of architectures (each from its own seeded weights, only its own path
 * trained), then validation accuracy / loss. groundtruth.csv (and standalone-loss.csv with the
 * loss and perplexity) are rewritten after every architecture; finished ones are skipped.
 */
export async function spaceGroundTruthRun(
  options: SpaceGroundTruthOptions,
): Promise<{ rows: GroundTruthRow[]; losses: Map<string, number>; trained: number }> {
  if (options.config.kind !== 'groundtruth') {
    throw new Error('spaceGroundTruthRun needs kind "groundtruth"');
  }
  validateSpaceHyper(options.config);
  const { runDir } = options;
  const config = prepareFolder(runDir, options.config);
  const progress = options.progress ?? createProgress({ silent: true });
  const data =
    options.data ??
    (await loadSpaceData(config.data, config.skeleton, {
      dataDir: options.dataDir,
      download: options.download,
      log: (line) => progress.line(line),
    }));
  const setup = spaceSetup(config.skeleton, data.shape);
  const archs = canonicalArchs(setup, options.archs);
  const gtFile = groundTruthPath(runDir);
  const rows = new Map(readGroundTruth(gtFile).map((r) => [r.arch, r]));
  const losses = readLosses(runDir);
  const pending = archs.filter((a) => !rows.has(a) || !losses.has(a));
  const started = Date.now();
  const hyper: SpaceTrainHyper = { ...config, sampler: 'uniform' };
  pending.forEach((a, i) => {
    const t0 = Date.now();
    const arch = setup.parse(a);
    const net = setup.spec.build(config.seed);
    try {
      const r = trainSpaceNetwork(setup.spec, net, data.source, hyper, { fixed: arch });
      const s = scoreSpaceArch(net, arch, data.source, hyper);
      rows.set(a, {
        arch: a,
        val_accuracy: s.accuracy,
        test_accuracy: NaN,
        params: setup.spec.params(arch),
        flops: setup.spec.flops(arch),
        epochs: config.epochs,
        seconds: (Date.now() - t0) / 1000,
      });
      losses.set(a, s.loss);
      const all = [...rows.values()];
      writeGroundTruth(gtFile, all);
      writeFileAtomic(
        path.join(runDir, STANDALONE_LOSS_FILE),
        toCsv(
          ['arch', 'accuracy', 'loss', 'perplexity'],
          all.map((g) => [
            g.arch,
            g.val_accuracy,
            losses.get(g.arch) ?? NaN,
            Math.exp(losses.get(g.arch) ?? NaN),
          ]),
        ),
      );
      const eta = ((Date.now() - started) / 1000 / (i + 1)) * (pending.length - i - 1);
      progress.line(
        `[${i + 1}/${pending.length}] ${a}: val ${s.accuracy.toFixed(2)}%, loss ${s.loss.toFixed(4)} ` +
          `(train loss ${r.loss.toFixed(4)}), ${((Date.now() - t0) / 1000).toFixed(1)}s, ETA ${formatDuration(eta)}`,
      );
    } finally {
      net.dispose();
    }
  });
  // Rows as stored (7 significant digits), so a fresh call and a resumed one agree exactly.
  const stored = new Map(readGroundTruth(gtFile).map((r) => [r.arch, r]));
  return {
    rows: archs.map((a) => stored.get(a)!),
    losses: readLosses(runDir),
    trained: pending.length,
  };
}

/** The checkpoint folder of a run (for messages). */
export function checkpointFolder(runDir: string, epoch: number): string {
  return path.join(runDir, 'checkpoints', checkpointName(epoch));
}
