/**
 * The contract between a search space and the one training pipeline: what a space contributes to
 * a run (sampling, codec, formatting, networks, costs, metric). Each space's binding lives in
 * src/supernet/<space>/; src/supernet/registry.ts is the only list of them.
 */
import type { BatchSource } from '../data/types';
import { BadInputError } from '../errors';
import type { SamplerSpace } from '../spaces/choices';
import type { SearchSpace } from '../spaces/types';
import type { Scale, TrainDataset } from '../core/scale';
import type { SpaceNetwork } from './blocks';

export const SAMPLER_NAMES = ['uniform', 'fairnas', 'multipath', 'sandwich', 'fewshot'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** What a space contributes to a run. */
export interface SpaceRunSpec<A> extends SamplerSpace<A> {
  /** Registered space name (config.json `space`). */
  space: string;
  format(arch: A): string;
  /** A supernet (every op owned) initialised from `seed`. */
  build(seed: number): SpaceNetwork<A>;
  /**
   * A stand-alone network of `arch` only (NB-201: just its ops), initialised from `seed`; absent:
   * `build(seed)`, of which stand-alone training touches only the architecture's path.
   */
  standalone?(arch: A, seed: number): SpaceNetwork<A>;
  /** A short stable id of `arch` for file names and seeds (absent: a hash of `format`). */
  archId?(arch: A): string;
  params(arch: A): number;
  flops(arch: A): number;
  /**
   * What the study correlates: validation accuracy (default), or perplexity = exp(mean
   * cross-entropy) for language models (scores.csv and groundtruth.csv still hold top-1
   * next-token accuracy and the loss; summary.json names the metric).
   */
  metric?: 'accuracy' | 'perplexity';
}

/** Sampler settings as stored in a run config. */
export interface SamplerSettings {
  sampler: SamplerName;
  /** multipath: paths per step; sandwich: random paths besides smallest + largest. */
  samplerPaths?: number;
  /** fewshot: the decision the space is split on. */
  fewShotEdge?: number;
}

export interface SpaceTrainHyper extends SamplerSettings {
  seed: number;
  /** Nesterov momentum (absent in folders written before it was a setting: off). */
  nesterov?: boolean;
  /** Random crop + horizontal flip of training images (absent in older folders: off). */
  augment?: boolean;
  /** End of the cosine schedule (default 0). */
  minLr?: number;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  clipNorm: number;
  calibrationBatches: number;
  calibrationBatchSize: number;
  evalBatchSize: number;
  /** Learning-rate schedule (default cosine to 0; DARTS-PTB: constant, seed Table 2). */
  lrSchedule?: 'cosine' | 'constant';
}

/**
 * Skeleton of a space's network without what the data decides (image channels, classes and
 * image size come from the dataset; the PTB vocabulary is part of the skeleton). `net` is the
 * binding's own skeleton type.
 */
export interface SpaceSkeleton<N extends object = object> {
  space: string;
  net: N;
}

/** What the data fixes about a network: image channels, classes, image size. */
export interface DataShape {
  inputChannels: number;
  classes: number;
  imageSize: number;
}

/** What a space run trains on. */
export interface ImageDataSettings {
  kind: 'images';
  dataset: TrainDataset;
  /** Images of the search-train split (null: all). */
  trainImages: number | null;
  /** Images of the held-out validation split (null: all). */
  validImages: number | null;
  validFraction: number;
  /** Images of the official test split evaluated by ground-truth runs (null: all; absent: none). */
  testImages?: number | null;
  /** Zero-pad images to this size (ProxylessNAS halves the size 3 times: 28 -> 32). */
  padTo?: number;
}
export type SpaceDataSettings =
  | ImageDataSettings
  | {
      kind: 'ptb';
      /** Tokens per segment (truncated back-propagation length). */
      steps: number;
      /** Tokens of the training split used (null: all). */
      trainTokens: number | null;
      /** Tokens of the scoring split used (null: all). */
      validTokens: number | null;
    };

/** The batches of a text space, and a one-line description of them. */
export interface TextData {
  source: BatchSource;
  summary: string;
}

/** Hyper-parameters of one training (supernet or stand-alone), without the seed and sampler. */
export type SpaceHyper = Omit<SpaceTrainHyper, 'seed' | 'sampler' | 'samplerPaths' | 'fewShotEdge'>;

export interface SpacePreset<N extends object = object> {
  space: string;
  scale: Scale;
  skeleton: SpaceSkeleton<N>;
  /** Stand-alone networks may be bigger than the supernet (DARTS: 20 cells vs 8). */
  standaloneSkeleton: SpaceSkeleton<N>;
  data: SpaceDataSettings;
  /** Data of stand-alone (ground-truth) runs when it differs (NB-201: fewer images, a test split). */
  standaloneData?: SpaceDataSettings;
  supernet: SpaceHyper & { checkpointEpochs: number[] };
  standalone: SpaceHyper;
  study: { scoredArchs: number; groundTruthArchs: number; topK: number[] };
  /** Where the values come from (one line). */
  origin: string;
}

/** A space's run spec for a skeleton, plus its string parser (throws quoting bad input). */
export interface SpaceSetup<A = unknown> {
  spec: SpaceRunSpec<A>;
  /** Parses (and checks the validity of) an architecture string of the space. */
  parse(text: string): A;
}

/**
 * A setup from a space's typed run spec and parser: the pipeline works with architectures as
 * opaque values, so the type is erased here, once.
 */
export function setupOf<A>(spec: SpaceRunSpec<A>, parse: (text: string) => A): SpaceSetup {
  return { spec: spec as unknown as SpaceRunSpec<unknown>, parse };
}

/**
 * Everything the pipeline needs to know about a space; nothing outside a binding branches on a
 * space's name. src/supernet/registry.ts lists them.
 */
export interface SpaceBinding<N extends object = object> {
  /** config.json `space`, `--space`. */
  readonly name: string;
  /** Human-readable name. */
  readonly title: string;
  /** The pure space (src/spaces/<name>): parse, validate, count, sample, describe. */
  readonly searchSpace: SearchSpace<unknown, unknown>;
  /**
   * The published benchmark that holds the ground truth of every architecture (src/groundtruth
   * reads it). Absent: ground truth comes from stand-alone runs.
   */
  readonly benchmark?: 'nas-bench-201';
  /** What its networks read: images (loaded by the pipeline), or text (`textData`). */
  readonly input: 'images' | 'text';
  /**
   * A text space's batches for data settings `settings` and skeleton `net`, read from folder
   * `dir` (absent: the space's default folder); only with input 'text'.
   */
  textData?(settings: SpaceDataSettings, net: N, dir?: string): TextData;
  /** Presets per scale (a fresh object: callers may change it). */
  preset(scale: Scale): SpacePreset<N>;
  /** Run spec and parser of skeleton `net` on data of `shape` (null for text). */
  setup(net: N, shape: DataShape | null): SpaceSetup;
  /** Has a relaxed (mixed-op) form that DARTS and GAEA search over (src/optim). */
  readonly differentiable?: boolean;
  /** The skeleton with `--channels` / `--cells` applied (absent: the space has no such knobs). */
  resize?(net: N, size: { channels?: number; cells?: number }): N;
}

/** What an image binding declares: `setup` always gets the data's shape. */
export type ImageBindingParts<N extends object> = Omit<
  SpaceBinding<N>,
  'input' | 'setup' | 'textData'
> & { setup(net: N, shape: DataShape): SpaceSetup };

/** The binding of a space whose networks read images (the pipeline loads them). */
export function imageBinding<N extends object>(parts: ImageBindingParts<N>): SpaceBinding<N> {
  return {
    ...parts,
    input: 'images',
    setup(net, shape) {
      if (!shape) throw new Error(`${parts.name} needs image data`);
      return parts.setup(net, shape);
    },
  };
}

/** The data's image channels and classes under the NB-101 / DARTS / ProxylessNAS skeleton names. */
export function channelsAndClasses(shape: DataShape): { inChannels: number; numClasses: number } {
  return { inChannels: shape.inputChannels, numClasses: shape.classes };
}

/**
 * A binding's `resize`: `--channels` / `--cells` set the skeleton fields named in `fields` (all
 * of a knob's fields take its value); a knob without fields is bad input naming the space.
 */
export function resizeBy<N extends object>(
  space: string,
  fields: { channels?: readonly (keyof N)[]; cells?: readonly (keyof N)[] },
): (net: N, size: { channels?: number; cells?: number }) => N {
  return (net, size) => {
    const out: N = { ...net };
    for (const knob of ['channels', 'cells'] as const) {
      const value = size[knob];
      if (value === undefined) continue;
      const keys = fields[knob];
      if (!keys) throw new BadInputError(`--${knob} does not apply to --space ${space}`);
      for (const key of keys) (out as Record<keyof N, unknown>)[key] = value;
    }
    return out;
  };
}
