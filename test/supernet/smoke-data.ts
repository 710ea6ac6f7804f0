/** Tiny learnable image data for smoke runs of the space supernets (no files needed). */
import type { Dataset } from '../../src/data/types';
import { createRng } from '../../src/engine/random';
import type { TrainingData } from '../../src/train';

export function fakeImages(n: number, seed: number, size = 8, channels = 1): Dataset {
  const rng = createRng(seed);
  const labels = new Int32Array(n);
  const px = size * size * channels;
  const images = new Float32Array(n * px);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(3);
    // A learnable signal: the label shifts the mean brightness.
    for (let p = 0; p < px; p++) images[i * px + p] = rng.normal(labels[i] - 1, 1);
  }
  return {
    name: `fake/${seed}`,
    images,
    labels,
    shape: [n, size, size, channels],
    numClasses: 3,
    classNames: ['a', 'b', 'c'],
    mean: new Array(channels).fill(0),
    std: new Array(channels).fill(1),
    source: 'generated',
  };
}

export function fakeTrainingData(n = 48, size = 8, channels = 1): TrainingData {
  return {
    train: fakeImages(n, 1, size, channels),
    valid: fakeImages(24, 2, size, channels),
    test: fakeImages(24, 3, size, channels),
    inputChannels: channels,
    classes: 3,
    imageSize: size,
  };
}

export const SMOKE_HYPER = {
  seed: 1,
  epochs: 2,
  batchSize: 16,
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  clipNorm: 5,
  calibrationBatches: 2,
  calibrationBatchSize: 16,
  evalBatchSize: 24,
  sampler: 'uniform' as const,
};
