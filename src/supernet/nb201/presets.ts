/**
 * Scale tiers and their NAS-Bench-201 hyper-parameters.
 *
 * paper:  the study's Table 2 for NB-201 supernets (1000 epochs, batch 256, LR 0.05 cosine,
 *         WD 5e-4, clip 5, BN calibration 25 x 400) on the benchmark skeleton (C=16, N=5), and
 *         the benchmark's own stand-alone schedule for ground truth (200 epochs, batch 256,
 *         LR 0.1 cosine, Nesterov 0.9, WD 5e-4, no clipping). Needs a GPU.
 * laptop: a down-scaled skeleton (C=8, N=1) on Fashion-MNIST subsets, sized so that `npm start`
 *         (supernet + 16 stand-alone architectures + 50 scored) finishes well under 20 minutes on
 *         2 CPU cores: supernet 30 epochs on 6000 images, stand-alone 4 epochs on 2500 (the budget
 *         of the shipped table kernels-data/laptop-nb201: 420 trainings in about an hour),
 *         BN calibration 5 x 200, validation on 5000 held-out images (sampling error ~0.6
 *         points: architectures differ by a few points only, so small validation sets drown
 *         the ranking in noise). Measured: ~7 CPU-minutes on the native engine (~3.5 min on 2
 *         idle cores), about 4x that on wasm.
 * smoke:  tiny networks and a few hundred real images; seconds to a minute or two, for CI.
 */
import { powerOfTwoEpochs, type Scale } from '../../core/scale';
import type { SgdSettings } from '../../core/sgd';

/** What every training run of NB-201 networks needs, supernet or stand-alone. */
export interface Nb201TrainHyper extends SgdSettings {
  /** Skeleton: C and N (input channels and classes come from the dataset). */
  channels: number;
  cellsPerStage: number;
  epochs: number;
  batchSize: number;
  /** Initial learning rate of the cosine schedule (per step, annealed to minLr at the end). */
  lr: number;
  minLr: number;
  /** Random crop + horizontal flip. */
  augment: boolean;
  /** Images of the search-train split used for training (null: all). */
  trainImages: number | null;
  /** Images of the held-out validation split used to score / validate (null: all). */
  validImages: number | null;
  /** Fraction of the official training set held out as validation (benchmark search split). */
  validFraction: number;
  /** BN recalibration before scoring: B batches of S training images. */
  calibrationBatches: number;
  calibrationBatchSize: number;
  /** Batch size of evaluation passes. */
  evalBatchSize: number;
}

export interface SupernetHyper extends Nb201TrainHyper {
  /** Epochs whose checkpoints are kept (the newest is always kept). */
  checkpointEpochs: number[];
  /** Architectures sampled per step (SPOS: uniform, one per mini-batch). */
  sampler: 'uniform';
}

export interface GroundTruthHyper extends Nb201TrainHyper {
  /** Test images (official test split) for test accuracy (null: all). */
  testImages: number | null;
}

export function supernetPreset(scale: Scale): SupernetHyper {
  switch (scale) {
    case 'paper':
      return {
        channels: 16,
        cellsPerStage: 5,
        epochs: 1000,
        batchSize: 256,
        lr: 0.05,
        minLr: 0,
        momentum: 0.9,
        nesterov: true,
        weightDecay: 5e-4,
        clipNorm: 5,
        augment: true,
        trainImages: null,
        validImages: null,
        validFraction: 0.5,
        calibrationBatches: 25,
        calibrationBatchSize: 400,
        evalBatchSize: 500,
        checkpointEpochs: powerOfTwoEpochs(1000),
        sampler: 'uniform',
      };
    case 'laptop':
      return {
        ...supernetPreset('paper'),
        channels: 8,
        cellsPerStage: 1,
        epochs: 30,
        batchSize: 64,
        trainImages: 6000,
        validImages: 5000,
        calibrationBatches: 5,
        calibrationBatchSize: 200,
        checkpointEpochs: [5, 10, 20, 30],
      };
    case 'smoke':
      return {
        ...supernetPreset('paper'),
        channels: 4,
        cellsPerStage: 1,
        epochs: 2,
        batchSize: 32,
        trainImages: 512,
        validImages: 256,
        calibrationBatches: 2,
        calibrationBatchSize: 64,
        evalBatchSize: 256,
        checkpointEpochs: [1, 2],
      };
  }
}

export function groundTruthPreset(scale: Scale): GroundTruthHyper {
  switch (scale) {
    case 'paper':
      return {
        channels: 16,
        cellsPerStage: 5,
        epochs: 200,
        batchSize: 256,
        lr: 0.1,
        minLr: 0,
        momentum: 0.9,
        nesterov: true,
        weightDecay: 5e-4,
        clipNorm: 0,
        augment: true,
        trainImages: null,
        validImages: null,
        testImages: null,
        validFraction: 0.5,
        calibrationBatches: 0,
        calibrationBatchSize: 400,
        evalBatchSize: 500,
      };
    case 'laptop':
      return {
        ...groundTruthPreset('paper'),
        channels: 8,
        cellsPerStage: 1,
        epochs: 4,
        batchSize: 64,
        lr: 0.05,
        trainImages: 2500,
        validImages: 5000,
        testImages: 5000,
      };
    case 'smoke':
      return {
        ...groundTruthPreset('paper'),
        channels: 4,
        cellsPerStage: 1,
        epochs: 1,
        batchSize: 32,
        lr: 0.05,
        trainImages: 512,
        validImages: 256,
        testImages: 256,
        evalBatchSize: 256,
      };
  }
}

/** Study sizes per scale: stand-alone sample and supernet-scored sample. */
export interface StudySizes {
  /** Architectures trained stand-alone (ground truth). */
  groundTruthArchs: number;
  /** Architectures scored on the supernet (a superset of the ground-truth sample). */
  scoredArchs: number;
  /** k values for top-k. */
  topK: number[];
}

export function studySizes(scale: Scale): StudySizes {
  switch (scale) {
    case 'paper':
      return { groundTruthArchs: 1000, scoredArchs: 1000, topK: [1, 5, 10] };
    case 'laptop':
      return { groundTruthArchs: 16, scoredArchs: 50, topK: [1, 3, 5] };
    case 'smoke':
      return { groundTruthArchs: 4, scoredArchs: 8, topK: [1, 2] };
  }
}
