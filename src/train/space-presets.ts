/**
 * Scale presets of the four other search spaces (NAS-Bench-101 subspace, DARTS-CIFAR10,
 * ProxylessNAS, DARTS-PTB): supernet skeleton and hyper-parameters, stand-alone (ground-truth)
 * skeleton and hyper-parameters, data sizes and study sizes, per scale. NB-201 keeps its own
 * presets (presets.ts).
 *
 * Where the values come from:
 * - paper, supernet: seed 001 Table 2 (batch size, initial LR, LR decay, weight decay, gradient
 *   clip, BN calibration batch size / steps) and appendix A.1 (skeletons: NB-101's channel
 *   configuration, the ENAS-style DARTS supernet, ProxylessNAS-GPU at width 1.35, DARTS's RNN
 *   cell); 1000 epochs ("We run the training with 1000 epochs if not otherwise specified"). The
 *   seed does not state the supernet skeletons of DARTS and DARTS-PTB: we use DARTS's own search
 *   networks (8 cells, C=16; embedding = hidden = 300). SGD momentum 0.9 is not in the table
 *   (the NB-201 preset's value; DARTS-PTB: plain SGD as DARTS).
 * - paper, stand-alone: the seed says ground truth "completely followed the settings mentioned in
 *   the original paper, except ... batch size = 96 for DARTS-CIFAR10, and 1024 for
 *   ProxylessNAS". The original papers' values used here (not in the seed's text): NB-101 108
 *   epochs, LR 0.1 cosine, WD 1e-4 (NB-101 trains with RMSProp; we use SGD with momentum);
 *   DARTS 600 epochs, C=36, 20 cells, LR 0.025 cosine, WD 3e-4, clip 5 (no cutout / auxiliary
 *   head / drop-path here); ProxylessNAS 300 epochs, LR 0.4 cosine (batch 1024), WD 4e-5
 *   (ImageNet is not supported: the run uses the chosen dataset at its own image size);
 *   DARTS-PTB embedding = hidden = 850, LR 20 constant, batch 64, WD 8e-7, clip 0.25, 3600
 *   epochs (no AWD-LSTM dropout / ASGD here).
 * - paper, study sizes: seed 001 A.2: 1k architectures for NAS-Bench series, 100 for DARTS
 *   series, 20 for ProxylessNAS.
 * - laptop: our down-scaling so that a supernet trains in a few minutes on Fashion-MNIST (or
 *   the PTB files) on 2 CPU cores. Measured per supernet epoch on the native engine with the
 *   2 cores shared with other work (load ~3.5): nb101 50 s (6 epochs), darts 51 s (4),
 *   proxyless 23 s (6; training accuracy 10% -> 31%), darts-ptb 80 s for 8192 tokens (now 4096,
 *   6 epochs). Stand-alone ground truth and scoring at every kept checkpoint come on top.
 * - smoke: tiny networks for CI (seconds).
 */
import type { DartsSupernetSkeleton } from '../supernet/darts/network';
import type { Nb101SupernetSkeleton } from '../supernet/nb101/network';
import type { ProxylessSkeleton } from '../spaces/proxyless/definition';
import type { DartsPtbSkeleton } from '../spaces/darts-ptb/definition';
import type { Scale, TrainDataset } from '../core/scale';
import type { SpaceTrainHyper } from './samplers/space-run';

/** The spaces trained by the space-generic runner (src/train/samplers/space-run.ts). */
export const OTHER_SPACES = ['nb101', 'darts', 'proxyless', 'darts-ptb'] as const;
export type OtherSpace = (typeof OTHER_SPACES)[number];

export function isOtherSpace(name: string): name is OtherSpace {
  return (OTHER_SPACES as readonly string[]).includes(name);
}

/**
 * Skeleton of a space's network without what the data decides (image channels, classes,
 * image size are filled in from the dataset; the PTB vocabulary is part of the skeleton).
 */
export type SpaceSkeleton =
  | { space: 'nb101'; net: Omit<Nb101SupernetSkeleton, 'inChannels' | 'numClasses'> }
  | { space: 'darts'; net: Omit<DartsSupernetSkeleton, 'inChannels' | 'numClasses'> }
  | {
      space: 'proxyless';
      net: Omit<Partial<ProxylessSkeleton>, 'inChannels' | 'numClasses' | 'imageSize'>;
    }
  | { space: 'darts-ptb'; net: DartsPtbSkeleton };

/** What a space run trains on. */
export interface ImageDataSettings {
  kind: 'images';
  dataset: TrainDataset;
  /** Images of the search-train split (null: all). */
  trainImages: number | null;
  /** Images of the held-out validation split (null: all). */
  validImages: number | null;
  validFraction: number;
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

/** Hyper-parameters of one training (supernet or stand-alone), without the seed and sampler. */
export type SpaceHyper = Omit<SpaceTrainHyper, 'seed' | 'sampler' | 'samplerPaths' | 'fewShotEdge'>;

export interface SpacePreset {
  space: OtherSpace;
  scale: Scale;
  skeleton: SpaceSkeleton;
  /** Stand-alone networks may be bigger than the supernet (DARTS: 20 cells vs 8). */
  standaloneSkeleton: SpaceSkeleton;
  data: SpaceDataSettings;
  supernet: SpaceHyper & { checkpointEpochs: number[] };
  standalone: SpaceHyper;
  study: { scoredArchs: number; groundTruthArchs: number; topK: number[] };
  /** Where the values come from (one line). */
  origin: string;
}

function powers(epochs: number): number[] {
  const out: number[] = [];
  for (let e = 1; e < epochs; e *= 2) out.push(e);
  out.push(epochs);
  return out;
}

const FASHION_LAPTOP: ImageDataSettings = {
  kind: 'images',
  dataset: 'fashion-mnist',
  trainImages: 2000,
  validImages: 1000,
  validFraction: 0.5,
};
const FASHION_SMOKE: ImageDataSettings = {
  kind: 'images',
  dataset: 'fashion-mnist',
  trainImages: 128,
  validImages: 64,
  validFraction: 0.5,
};
const CIFAR_PAPER: ImageDataSettings = {
  kind: 'images',
  dataset: 'cifar10',
  trainImages: null,
  validImages: null,
  // NB-101: 40k train / 10k validation of the official training set (seed 001 A.1).
  validFraction: 0.2,
};

const SMOKE_HYPER: SpaceHyper = {
  epochs: 2,
  batchSize: 32,
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  clipNorm: 5,
  calibrationBatches: 2,
  calibrationBatchSize: 32,
  evalBatchSize: 64,
};

const LAPTOP_SUPERNET: SpaceHyper = {
  epochs: 6,
  batchSize: 64,
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  clipNorm: 5,
  calibrationBatches: 5,
  calibrationBatchSize: 100,
  evalBatchSize: 250,
};

const LAPTOP_STANDALONE: SpaceHyper = { ...LAPTOP_SUPERNET, epochs: 2, calibrationBatches: 0 };

function nb101(scale: Scale): SpacePreset {
  const skeleton = (net: { stemChannels: number; stacks: number; cellsPerStack: number }) =>
    ({ space: 'nb101', net }) as const;
  switch (scale) {
    case 'paper':
      return {
        space: 'nb101',
        scale,
        // NAS-Bench-101's network: stem 128 channels, 3 stacks of 3 cells.
        skeleton: skeleton({ stemChannels: 128, stacks: 3, cellsPerStack: 3 }),
        standaloneSkeleton: skeleton({ stemChannels: 128, stacks: 3, cellsPerStack: 3 }),
        data: CIFAR_PAPER,
        supernet: {
          epochs: 1000,
          batchSize: 256,
          lr: 0.1,
          momentum: 0.9,
          weightDecay: 1e-4,
          clipNorm: 5,
          calibrationBatches: 25,
          calibrationBatchSize: 400,
          evalBatchSize: 500,
          checkpointEpochs: powers(1000),
        },
        standalone: {
          epochs: 108,
          batchSize: 256,
          lr: 0.1,
          momentum: 0.9,
          weightDecay: 1e-4,
          clipNorm: 5,
          calibrationBatches: 0,
          calibrationBatchSize: 400,
          evalBatchSize: 500,
        },
        study: { scoredArchs: 1000, groundTruthArchs: 1000, topK: [1, 5, 10] },
        origin: 'seed 001 Table 2 (NB-101 column) and A.1; stand-alone: NAS-Bench-101 108 epochs',
      };
    case 'laptop':
      return {
        space: 'nb101',
        scale,
        skeleton: skeleton({ stemChannels: 8, stacks: 2, cellsPerStack: 1 }),
        standaloneSkeleton: skeleton({ stemChannels: 8, stacks: 2, cellsPerStack: 1 }),
        data: FASHION_LAPTOP,
        supernet: {
          ...LAPTOP_SUPERNET,
          lr: 0.1,
          weightDecay: 1e-4,
          checkpointEpochs: [1, 2, 4, 6],
        },
        standalone: { ...LAPTOP_STANDALONE, lr: 0.1, weightDecay: 1e-4 },
        study: { scoredArchs: 20, groundTruthArchs: 8, topK: [1, 3, 5] },
        origin: 'down-scaled NB-101 (C=8, 2 stacks x 1 cell) on Fashion-MNIST; Table 2 LR/WD',
      };
    case 'smoke':
      return {
        space: 'nb101',
        scale,
        skeleton: skeleton({ stemChannels: 4, stacks: 2, cellsPerStack: 1 }),
        standaloneSkeleton: skeleton({ stemChannels: 4, stacks: 2, cellsPerStack: 1 }),
        data: FASHION_SMOKE,
        supernet: { ...SMOKE_HYPER, checkpointEpochs: [1, 2] },
        standalone: { ...SMOKE_HYPER, epochs: 1, calibrationBatches: 0 },
        study: { scoredArchs: 4, groundTruthArchs: 4, topK: [1, 2] },
        origin: 'tiny NB-101 supernet for CI',
      };
  }
}

function darts(scale: Scale): SpacePreset {
  const skeleton = (channels: number, layers: number) =>
    ({ space: 'darts', net: { channels, layers, stemMultiplier: 3 } }) as const;
  switch (scale) {
    case 'paper':
      return {
        space: 'darts',
        scale,
        skeleton: skeleton(16, 8),
        standaloneSkeleton: skeleton(36, 20),
        data: { ...CIFAR_PAPER, validFraction: 0.5 },
        supernet: {
          epochs: 1000,
          batchSize: 448,
          lr: 0.1,
          momentum: 0.9,
          weightDecay: 3e-4,
          clipNorm: 5,
          calibrationBatches: 100,
          calibrationBatchSize: 200,
          evalBatchSize: 500,
          checkpointEpochs: powers(1000),
        },
        standalone: {
          epochs: 600,
          batchSize: 96,
          lr: 0.025,
          momentum: 0.9,
          weightDecay: 3e-4,
          clipNorm: 5,
          calibrationBatches: 0,
          calibrationBatchSize: 200,
          evalBatchSize: 500,
        },
        study: { scoredArchs: 100, groundTruthArchs: 100, topK: [1, 5, 10] },
        origin:
          'seed 001 Table 2 (DARTS-C column); supernet = DARTS search net (8 cells, C=16), stand-alone = DARTS eval net (20 cells, C=36, 600 epochs, batch 96)',
      };
    case 'laptop':
      return {
        space: 'darts',
        scale,
        skeleton: skeleton(4, 3),
        standaloneSkeleton: skeleton(4, 3),
        data: { ...FASHION_LAPTOP, trainImages: 600, validImages: 500 },
        supernet: {
          ...LAPTOP_SUPERNET,
          epochs: 4,
          lr: 0.1,
          weightDecay: 3e-4,
          calibrationBatches: 3,
          checkpointEpochs: [1, 2, 4],
        },
        standalone: { ...LAPTOP_STANDALONE, epochs: 2, lr: 0.1, weightDecay: 3e-4 },
        study: { scoredArchs: 10, groundTruthArchs: 6, topK: [1, 3, 5] },
        origin: 'down-scaled DARTS (C=4, 3 cells) on Fashion-MNIST; Table 2 LR/WD',
      };
    case 'smoke':
      return {
        space: 'darts',
        scale,
        skeleton: skeleton(4, 3),
        standaloneSkeleton: skeleton(4, 3),
        data: { ...FASHION_SMOKE, trainImages: 64, validImages: 32 },
        supernet: { ...SMOKE_HYPER, epochs: 1, checkpointEpochs: [1] },
        standalone: { ...SMOKE_HYPER, epochs: 1, calibrationBatches: 0 },
        study: { scoredArchs: 3, groundTruthArchs: 3, topK: [1, 2] },
        origin: 'tiny DARTS supernet for CI',
      };
  }
}

function proxyless(scale: Scale): SpacePreset {
  const small = {
    widthMult: 1,
    widthStages: [8, 16],
    layersPerStage: [2, 2],
    strideStages: [2, 2],
    firstConv: 8,
    firstBlock: 8,
    lastChannel: 32,
  };
  const sk = (net: SpaceSkeleton['net']) => ({ space: 'proxyless', net }) as SpaceSkeleton;
  switch (scale) {
    case 'paper': {
      // ProxylessNAS-GPU at width 1.35 (the space's own skeleton; images at the data's size).
      const net = {
        widthMult: 1.35,
        widthStages: [24, 40, 80, 96, 192, 320],
        layersPerStage: [4, 4, 4, 4, 4, 1],
        strideStages: [2, 2, 2, 1, 2, 1],
        firstConv: 32,
        firstBlock: 16,
        lastChannel: 1280,
      };
      return {
        space: 'proxyless',
        scale,
        skeleton: sk(net),
        standaloneSkeleton: sk(net),
        data: { ...CIFAR_PAPER, validFraction: 0.5, padTo: 64 },
        supernet: {
          epochs: 1000,
          batchSize: 1024,
          lr: 0.2,
          momentum: 0.9,
          weightDecay: 5e-4,
          clipNorm: 0,
          calibrationBatches: 25,
          calibrationBatchSize: 400,
          evalBatchSize: 500,
          checkpointEpochs: powers(1000),
        },
        standalone: {
          epochs: 300,
          batchSize: 1024,
          lr: 0.4,
          momentum: 0.9,
          weightDecay: 4e-5,
          clipNorm: 0,
          calibrationBatches: 0,
          calibrationBatchSize: 400,
          evalBatchSize: 500,
        },
        study: { scoredArchs: 20, groundTruthArchs: 20, topK: [1, 3, 5] },
        origin:
          'seed 001 Table 2 (Proxyless column), ProxylessNAS-GPU width 1.35; ImageNet is replaced by the chosen dataset',
      };
    }
    case 'laptop':
      return {
        space: 'proxyless',
        scale,
        skeleton: sk({ ...small, widthStages: [16, 24], layersPerStage: [2, 2] }),
        standaloneSkeleton: sk({ ...small, widthStages: [16, 24], layersPerStage: [2, 2] }),
        data: { ...FASHION_LAPTOP, padTo: 32 },
        supernet: {
          ...LAPTOP_SUPERNET,
          lr: 0.2,
          clipNorm: 0,
          checkpointEpochs: [1, 2, 4, 6],
        },
        standalone: { ...LAPTOP_STANDALONE, lr: 0.2, clipNorm: 0 },
        study: { scoredArchs: 16, groundTruthArchs: 8, topK: [1, 3, 5] },
        origin: 'down-scaled ProxylessNAS chain (2 stages x 2 layers) on Fashion-MNIST; Table 2 LR',
      };
    case 'smoke':
      return {
        space: 'proxyless',
        scale,
        skeleton: sk(small),
        standaloneSkeleton: sk(small),
        data: { ...FASHION_SMOKE, padTo: 32 },
        supernet: { ...SMOKE_HYPER, checkpointEpochs: [1, 2] },
        standalone: { ...SMOKE_HYPER, epochs: 1, calibrationBatches: 0 },
        study: { scoredArchs: 4, groundTruthArchs: 4, topK: [1, 2] },
        origin: 'tiny ProxylessNAS chain for CI',
      };
  }
}

function dartsPtb(scale: Scale): SpacePreset {
  const sk = (vocabulary: number, size: number): SpaceSkeleton => ({
    space: 'darts-ptb',
    net: { vocabulary, embedding: size, hidden: size },
  });
  const noBn = { calibrationBatches: 0, calibrationBatchSize: 1 };
  switch (scale) {
    case 'paper':
      return {
        space: 'darts-ptb',
        scale,
        skeleton: sk(10000, 300),
        standaloneSkeleton: sk(10000, 850),
        data: { kind: 'ptb', steps: 35, trainTokens: null, validTokens: null },
        supernet: {
          epochs: 1000,
          batchSize: 256,
          lr: 40,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 8e-7,
          clipNorm: 0.1,
          ...noBn,
          evalBatchSize: 256,
          checkpointEpochs: powers(1000),
        },
        standalone: {
          epochs: 3600,
          batchSize: 64,
          lr: 20,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 8e-7,
          clipNorm: 0.25,
          ...noBn,
          evalBatchSize: 256,
        },
        study: { scoredArchs: 100, groundTruthArchs: 100, topK: [1, 5, 10] },
        origin:
          'seed 001 Table 2 (DARTS-PTB column: batch 256, LR 40 fixed, WD 8e-7, clip 0.1); stand-alone = DARTS PTB eval (850 units, LR 20, batch 64)',
      };
    case 'laptop':
      return {
        space: 'darts-ptb',
        scale,
        skeleton: sk(2000, 32),
        standaloneSkeleton: sk(2000, 32),
        data: { kind: 'ptb', steps: 16, trainTokens: 4096, validTokens: 4096 },
        supernet: {
          epochs: 6,
          batchSize: 32,
          lr: 2,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 8e-7,
          clipNorm: 0.25,
          ...noBn,
          evalBatchSize: 128,
          checkpointEpochs: [1, 2, 4, 6],
        },
        standalone: {
          epochs: 2,
          batchSize: 32,
          lr: 2,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 8e-7,
          clipNorm: 0.25,
          ...noBn,
          evalBatchSize: 128,
        },
        study: { scoredArchs: 16, groundTruthArchs: 6, topK: [1, 3, 5] },
        origin:
          'down-scaled DARTS-PTB (2000 words, 32 units) on the start of the PTB files; constant LR as Table 2',
      };
    case 'smoke':
      return {
        space: 'darts-ptb',
        scale,
        skeleton: sk(200, 16),
        standaloneSkeleton: sk(200, 16),
        data: { kind: 'ptb', steps: 8, trainTokens: 2048, validTokens: 1024 },
        supernet: {
          ...SMOKE_HYPER,
          lr: 1,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 0,
          clipNorm: 0.25,
          ...noBn,
          checkpointEpochs: [1, 2],
        },
        standalone: {
          ...SMOKE_HYPER,
          epochs: 1,
          lr: 1,
          lrSchedule: 'constant',
          momentum: 0,
          weightDecay: 0,
          clipNorm: 0.25,
          ...noBn,
        },
        study: { scoredArchs: 4, groundTruthArchs: 4, topK: [1, 2] },
        origin: 'tiny DARTS-PTB language model for CI',
      };
  }
}

/** The preset of `space` at `scale` (a fresh object: callers may change it). */
export function spacePreset(space: OtherSpace, scale: Scale): SpacePreset {
  const p =
    space === 'nb101'
      ? nb101(scale)
      : space === 'darts'
        ? darts(scale)
        : space === 'proxyless'
          ? proxyless(scale)
          : space === 'darts-ptb'
            ? dartsPtb(scale)
            : null;
  if (!p) {
    throw new Error(
      `unknown space ${JSON.stringify(space)} (space presets exist for ${OTHER_SPACES.join(', ')})`,
    );
  }
  return structuredClone(p);
}
