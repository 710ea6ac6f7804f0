/**
 * Runs of any registered space, from a run config alone (src/runs/config.ts): the data they
 * train on, supernet training through the one loop (fit.ts), and the networks of a checkpoint.
 * The scorer and the ground-truth runner (src/evaluate) build on the same pieces.
 */
import { Rng } from '../engine/random';
import { sampleDistinct } from '../spaces/choices';
import { BadInputError } from '../errors';
import type { BatchSource, Dataset } from '../data/types';
import type { TrainDataset } from '../core/scale';
import type {
  DataShape,
  SamplerSettings,
  SpaceDataSettings,
  SpaceRunSpec,
  SpaceSetup,
} from '../supernet/binding';
import type { SpaceNetwork } from '../supernet/blocks';
import { spaceBinding } from '../supernet/registry';
import {
  fillSeed,
  prepareRunFolder,
  readRunConfig,
  type RunConfig,
  type RunConfigInput,
} from '../runs/config';
import {
  latestCheckpoint,
  listCheckpoints,
  readCheckpoint,
  type EpochLogEntry,
} from '../runs/folder';
import { imageBatchSource, loadTrainingData, type TrainingData } from './data';
import { fit, netTensors, type FitResult, type FitSeeds } from './fit';
import { loadNetworkTensors } from './network-tensors';
import { createProgress, type ProgressSink } from './progress';
import { poolStrategy, supernetStrategy, type SupernetStrategy } from './strategies';

/** What a run trains and scores on. */
export interface RunData {
  /** Image channels, classes and size (null for text). */
  shape: DataShape | null;
  /** Human-readable size, e.g. 'fashion-mnist 3000 train / 2000 valid images'. */
  summary: string;
  /** The image splits (null for text). */
  images: TrainingData | null;
  /** Batches; `augment` crops and flips training images. */
  source(options?: { augment?: boolean }): BatchSource;
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

/** Image splits already in memory as run data. */
export function imageRunData(images: TrainingData): RunData {
  return {
    shape: {
      inputChannels: images.inputChannels,
      classes: images.classes,
      imageSize: images.imageSize,
    },
    summary: `${images.train.name} ${images.train.shape[0]} train / ${images.valid.shape[0]} valid images`,
    images,
    source: (options) => imageBatchSource(images, options),
  };
}

export interface LoadRunDataOptions {
  /** Dataset folder or archive (a text space: the folder of its files). */
  dataDir?: string;
  download?: boolean;
  log?: (line: string) => void;
}

/**
 * Loads the data of `settings` for a network of space `space` with skeleton `net`: images here,
 * a text space's batches from its binding (`textData`).
 */
export async function loadRunData(
  space: string,
  settings: SpaceDataSettings,
  net: object,
  options: LoadRunDataOptions = {},
): Promise<RunData> {
  const binding = spaceBinding(space);
  if (settings.kind !== 'images') {
    if (!binding.textData) {
      throw new BadInputError(`space ${space} trains on images, not on ${settings.kind} text`);
    }
    const { source, summary } = binding.textData(settings, net, options.dataDir);
    return { shape: null, images: null, summary, source: () => source };
  }
  if (binding.input !== 'images') throw new BadInputError(`${space} trains on text, not images`);
  let data = await loadTrainingData(settings.dataset as TrainDataset, {
    trainImages: settings.trainImages,
    validImages: settings.validImages,
    testImages: settings.testImages,
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
    ...imageRunData(data),
    summary: `${settings.dataset} ${data.train.shape[0]} train / ${data.valid.shape[0]} valid images`,
  };
}

/** The data of a run config. */
export function loadConfigData(
  config: Pick<RunConfig, 'space' | 'data' | 'skeleton'>,
  options: LoadRunDataOptions = {},
): Promise<RunData> {
  return loadRunData(config.space, config.data, config.skeleton.net, options);
}

/** The space's run spec and parser for a config's skeleton on `data`. */
export function runSetup(config: Pick<RunConfig, 'space' | 'skeleton'>, data: RunData): SpaceSetup {
  return spaceBinding(config.space).setup(config.skeleton.net, data.shape);
}

/**
 * `count` distinct architecture strings of a space, drawn with a generator seeded by `seed`
 * (`<space>-arch-sample/<seed>`); an error when the space has fewer.
 */
export function sampleArchs<A>(
  spec: Pick<SpaceRunSpec<A>, 'space' | 'sample' | 'format'>,
  count: number,
  seed: number | string,
): string[] {
  const archs = sampleDistinct(spec, count, new Rng(`${spec.space}-arch-sample/${seed}`));
  if (archs.length < count) {
    throw new BadInputError(
      `cannot sample ${count} distinct ${spec.space} architectures (found ${archs.length})`,
    );
  }
  return archs.map((a) => spec.format(a));
}

/** The fit seeds of a run config. */
export function fitSeeds(config: RunConfig): FitSeeds {
  return {
    data: config.seeds.data,
    sampler: (epoch) => fillSeed(config.seeds.sampler, { epoch }),
  };
}

/**
 * The (sub-)supernets of a run before training: one, or one per few-shot split option. Throws
 * BadInputError on sampler settings the space cannot take (e.g. a split decision it lacks).
 */
export function runStrategy(
  config: SamplerSettings & { seed: number },
  setup: SpaceSetup,
): SupernetStrategy<unknown> {
  return supernetStrategy(setup.spec, config, () => setup.spec.build(config.seed));
}

export interface TrainRunOptions {
  runDir: string;
  config: RunConfigInput;
  /** Preloaded data (else loaded from `config.data`). */
  data?: RunData;
  dataDir?: string;
  download?: boolean;
  progress?: ProgressSink;
  /** Stop after this epoch as if killed (tests of resume). */
  stopAfterEpoch?: number;
  onEpoch?: (epoch: number, entry: EpochLogEntry) => void;
  /**
   * Train on a fixed pool of architectures (reduced or pruned spaces): one of them, uniformly,
   * per step, instead of the config's sampler over the whole space.
   */
  pool?: readonly unknown[];
  /**
   * Takes the run folder's lock (returns its release), called once the config, the data and the
   * networks are checked and before anything is written: bad input leaves no folder.
   */
  lock?: () => Promise<() => void>;
}

export function validateHyper(h: RunConfigInput): void {
  for (const k of ['epochs', 'batchSize', 'evalBatchSize', 'calibrationBatchSize'] as const) {
    if (!Number.isInteger(h[k]) || h[k] < 1) {
      throw new BadInputError(`${k} must be a positive integer, got ${h[k]}`);
    }
  }
  if (!(h.lr > 0)) throw new BadInputError(`lr must be > 0, got ${h.lr}`);
  for (const e of h.checkpointEpochs ?? []) {
    if (!Number.isInteger(e) || e < 1) {
      throw new BadInputError(`checkpoint epoch ${e} is not a positive integer`);
    }
  }
}

/**
 * Trains (or resumes) a supernet run of any space. The config, its data and its networks are
 * checked before the run folder is touched.
 */
export async function trainRun(
  options: TrainRunOptions,
): Promise<FitResult & { config: RunConfig }> {
  const input = options.config;
  if (input.kind !== 'supernet') throw new Error('trainRun needs kind "supernet"');
  validateHyper(input);
  const progress = options.progress ?? createProgress({ label: 'supernet ' });
  const data =
    options.data ??
    (await loadConfigData(input, {
      dataDir: options.dataDir,
      download: options.download,
      log: (line) => progress.line(line),
    }));
  const setup = runSetup(input, data);
  const strategy = options.pool
    ? poolStrategy(options.pool, setup.spec.build(input.seed))
    : runStrategy(input, setup);
  let release: (() => void) | undefined;
  try {
    release = await options.lock?.();
    const config = prepareRunFolder(options.runDir, input);
    const r = fit({
      strategy,
      source: data.source({ augment: config.augment }),
      hyper: { ...config, nesterov: config.nesterov ?? false },
      seeds: fitSeeds(config),
      describe: setup.spec.format,
      runDir: options.runDir,
      checkpointEpochs: config.checkpointEpochs ?? [],
      progress,
      stopAfterEpoch: options.stopAfterEpoch,
      onEpoch: options.onEpoch,
      ...(options.pool ? { what: `supernet on ${options.pool.length} cells` } : {}),
    });
    return { ...r, config };
  } finally {
    strategy.nets.forEach((n) => n.dispose());
    release?.();
  }
}

/** The supernets of a run folder at a checkpoint, and the rule that picks an architecture's. */
export interface RunNetworks {
  config: RunConfig;
  epoch: number;
  setup: SpaceSetup;
  nets: readonly SpaceNetwork<unknown>[];
  route(arch: unknown): number;
  dispose(): void;
}

/** The newest checkpoint, or `epoch` when kept; errors name the folder. */
export function checkpointEpoch(runDir: string, epoch?: number): number {
  const e = epoch ?? latestCheckpoint(runDir);
  if (e === null) throw new BadInputError(`${runDir} has no checkpoint yet`);
  if (!listCheckpoints(runDir).includes(e)) {
    throw new BadInputError(
      `${runDir} keeps no checkpoint of epoch ${e} (kept: ${listCheckpoints(runDir).join(', ')})`,
    );
  }
  return e;
}

/** Loads the (sub-)supernets of a supernet run at a checkpoint (weights and BN statistics). */
export function loadRunNetworks(runDir: string, data: RunData, epoch?: number): RunNetworks {
  const config = readRunConfig(runDir);
  if (config.kind !== 'supernet') {
    throw new BadInputError(`${runDir} is a ${config.kind} run, not a supernet run`);
  }
  const e = checkpointEpoch(runDir, epoch);
  const { tensors } = readCheckpoint(runDir, e);
  const setup = runSetup(config, data);
  const strategy = runStrategy(config, setup);
  const nets = strategy.nets;
  try {
    nets.forEach((n, k) => loadNetworkTensors(n, netTensors(tensors, k, nets.length)));
  } catch (err) {
    nets.forEach((n) => n.dispose());
    throw err;
  }
  return {
    config,
    epoch: e,
    setup,
    nets,
    route: (a) => strategy.route(a),
    dispose: () => nets.forEach((n) => n.dispose()),
  };
}
