/**
 * The image splits of every run, the same for supernet, scoring and ground-truth runs of a
 * dataset (fixed split seed), so that supernet scores and stand-alone accuracies are measured on
 * the same validation images: train = search-train part of the official training set, valid =
 * the held-out part, test = the official test set (each optionally a seeded subset).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  defaultAugmentation,
  iterateBatches,
  loadImageDataset,
  splitTrainValid,
  subsetDataset,
} from '../data';
import type { BatchSource, Dataset, SpaceBatch } from '../data/types';
import { calibrationIndices } from '../data/calibration';
import { Rng } from '../engine/random';
import { packageRoot } from '../info';
import type { TrainDataset } from '../core/scale';
import type { ImageDataSettings } from '../supernet/binding';

export interface TrainingData {
  train: Dataset;
  valid: Dataset;
  test: Dataset;
  inputChannels: number;
  classes: number;
  imageSize: number;
}

export interface LoadTrainingDataOptions
  extends Pick<ImageDataSettings, 'trainImages' | 'validImages' | 'testImages' | 'validFraction'> {
  /** Folder or archive of the dataset (default: the dataset's standard location). */
  source?: string;
  /** CIFAR: download the official archive into the cache when missing. */
  download?: boolean;
  log?: (line: string) => void;
}

/** Seed of the train/validation split and of subset selection: fixed, never the run seed. */
export const SPLIT_SEED = 'nb201-search-split';

/** The real CIFAR-10 subset beside the project (../shared/data), for development runs. */
export function sharedCifarSubset(): string {
  return path.join(packageRoot, '../shared/data/cifar-10-subset/cifar-10-binary-subset.tar.gz');
}

function seededSubset(ds: Dataset, count: number | null, label: string): Dataset {
  if (count === null || count >= ds.shape[0]) return ds;
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`${label} must be a positive integer or null, got ${count}`);
  }
  const order = new Rng(`${SPLIT_SEED}/${label}`).shuffle(
    Array.from({ length: ds.shape[0] }, (_, i) => i),
  );
  const picked = order.slice(0, count).sort((a, b) => a - b);
  return subsetDataset(ds, picked, `${ds.name}[${count}]`);
}

export async function loadTrainingData(
  dataset: TrainDataset,
  options: LoadTrainingDataOptions,
): Promise<TrainingData> {
  let splits: { train: Dataset; test: Dataset };
  if (dataset === 'cifar10-subset') {
    const source = options.source ?? sharedCifarSubset();
    if (!fs.existsSync(source)) {
      throw new Error(
        `the CIFAR-10 subset archive ${source} does not exist (pass --data-dir with the archive or its folder)`,
      );
    }
    splits = await loadImageDataset('cifar10', { source, log: options.log });
  } else {
    splits = await loadImageDataset(dataset, {
      source: options.source,
      download: options.download,
      log: options.log,
    });
  }
  const { train, valid } = splitTrainValid(splits.train, {
    validFraction: options.validFraction,
    seed: SPLIT_SEED,
  });
  const [, h, , c] = splits.train.shape;
  return {
    train: seededSubset(train, options.trainImages, 'trainImages'),
    valid: seededSubset(valid, options.validImages, 'validImages'),
    test: seededSubset(splits.test, options.testImages ?? null, 'testImages'),
    inputChannels: c,
    classes: splits.train.numClasses,
    imageSize: h,
  };
}

/** Batches of `ds` at `indices` (copied; no augmentation). */
function gather(ds: Dataset, indices: Int32Array): SpaceBatch {
  const { images, labels, shape } = subsetDataset(ds, indices);
  return { images, labels, shape: [...shape] };
}

/**
 * Image splits as a batch source: training batches (full ones, optional crop + flip), the
 * validation and test splits in order, and seeded calibration samples of the training set.
 */
export function imageBatchSource(
  data: TrainingData,
  options: { augment?: boolean } = {},
): BatchSource {
  const ordered = (ds: Dataset, batchSize: number) =>
    iterateBatches(ds, { batchSize, shuffle: false });
  return {
    train: (epoch, batchSize, seed) =>
      iterateBatches(data.train, {
        batchSize,
        seed,
        epoch,
        augment: options.augment ? defaultAugmentation(data.train) : undefined,
        dropLast: true,
      }),
    valid: (batchSize) => ordered(data.valid, batchSize),
    ...(data.test.shape[0] > 0
      ? { test: (batchSize: number) => ordered(data.test, batchSize) }
      : {}),
    calibration: (batches, batchSize, seed) =>
      calibrationIndices(data.train.shape[0], { batches, batchSize }, seed).map((idx) =>
        gather(data.train, idx),
      ),
    trainSize: data.train.shape[0],
    describe: { imageSize: data.imageSize, classes: data.classes },
  };
}
