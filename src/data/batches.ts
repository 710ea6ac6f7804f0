import { createRng, type Seed } from '../engine/random';
import type { Dataset } from './types';

export interface Augmentation {
  /** Zero padding (in raw pixel space: black) before a random crop back to the original size. */
  cropPadding: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
}

/** Standard augmentation: pad 4 and crop for 32x32 (CIFAR), pad 2 for 28x28 (Fashion-MNIST). */
export function defaultAugmentation(ds: Dataset): Augmentation {
  return { cropPadding: ds.shape[1] >= 32 ? 4 : 2, flip: true };
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle the order each epoch (default true). */
  shuffle?: boolean;
  seed?: Seed;
  /** Epoch number: with the seed, fixes this epoch's order and augmentation (resumable). */
  epoch?: number;
  /** Random crop + flip; omit for none (evaluation). */
  augment?: Augmentation;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
}

export interface Batch {
  /** NHWC, normalised like the dataset. */
  images: Float32Array;
  labels: Int32Array;
  shape: [number, number, number, number];
  /** Dataset indices of the images in this batch. */
  indices: Int32Array;
}

/**
 * Mini-batches of one epoch. Order and augmentation come from a generator seeded by
 * (seed, epoch), so epoch e is the same whether or not earlier epochs ran in this process.
 * Padding is black in raw pixel space, i.e. (0 - mean) / std per channel after normalisation.
 */
export function* iterateBatches(ds: Dataset, options: BatchOptions): Generator<Batch> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const [n, h, w, c] = ds.shape;
  const rng = createRng(`${String(options.seed ?? 0)}/epoch-${options.epoch ?? 0}`);
  const order = Array.from({ length: n }, (_, i) => i);
  if (options.shuffle ?? true) rng.shuffle(order);
  const aug = options.augment;
  const pad = aug?.cropPadding ?? 0;
  if (!Number.isInteger(pad) || pad < 0)
    throw new Error(`cropPadding must be a non-negative integer, got ${pad}`);
  const fill = ds.mean.map((m, k) => (0 - m) / ds.std[k]);
  const size = h * w * c;
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    if (count < batchSize && options.dropLast) return;
    const images = new Float32Array(count * size);
    const labels = new Int32Array(count);
    const indices = new Int32Array(count);
    for (let b = 0; b < count; b++) {
      const i = order[start + b];
      indices[b] = i;
      labels[b] = ds.labels[i];
      const src = ds.images.subarray(i * size, (i + 1) * size);
      const dst = images.subarray(b * size, (b + 1) * size);
      if (!aug) {
        dst.set(src);
        continue;
      }
      const dy = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
      const dx = pad > 0 ? rng.int(2 * pad + 1) - pad : 0;
      const flip = aug.flip ? rng.int(2) === 1 : false;
      for (let y = 0; y < h; y++) {
        const sy = y + dy;
        for (let x = 0; x < w; x++) {
          const sxCrop = x + dx;
          const o = (y * w + (flip ? w - 1 - x : x)) * c;
          if (sy < 0 || sy >= h || sxCrop < 0 || sxCrop >= w) {
            for (let k = 0; k < c; k++) dst[o + k] = fill[k];
          } else {
            const s = (sy * w + sxCrop) * c;
            for (let k = 0; k < c; k++) dst[o + k] = src[s + k];
          }
        }
      }
    }
    yield { images, labels, shape: [count, h, w, c], indices };
  }
}

/** Number of batches iterateBatches yields. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}
