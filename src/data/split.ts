import { createRng, type Seed } from '../engine/random';
import { DatasetError, type Dataset } from './types';

/** The images at `indices` (in that order) as a new Dataset. */
export function subsetDataset(ds: Dataset, indices: ArrayLike<number>, name?: string): Dataset {
  const [n, h, w, c] = ds.shape;
  const size = h * w * c;
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new DatasetError(`${ds.name}: index ${i} out of range [0, ${n})`);
    }
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i];
  }
  return {
    ...ds,
    name: name ?? `${ds.name}[subset]`,
    images,
    labels,
    shape: [indices.length, h, w, c],
  };
}

export interface SplitOptions {
  /** Fraction of the images that go to the validation part (default 0.5, as in the benchmark's search split). */
  validFraction?: number;
  seed?: Seed;
  /** Keep the class proportions in both parts (default false: a plain random split). */
  stratified?: boolean;
}

/** Indices of a seeded random train/validation split of n items (each sorted ascending). */
export function splitIndices(
  labels: ArrayLike<number>,
  options: SplitOptions = {},
): { train: Int32Array; valid: Int32Array } {
  const n = labels.length;
  const fraction = options.validFraction ?? 0.5;
  if (!(fraction > 0 && fraction < 1))
    throw new Error(`validFraction must be in (0, 1), got ${fraction}`);
  const rng = createRng(options.seed ?? 0);
  const valid: number[] = [];
  const train: number[] = [];
  const groups: number[][] = [];
  if (options.stratified) {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const list = byClass.get(labels[i]) ?? [];
      list.push(i);
      byClass.set(labels[i], list);
    }
    groups.push(
      ...[...byClass.keys()].sort((a, b) => a - b).map((k) => byClass.get(k) as number[]),
    );
  } else {
    groups.push(Array.from({ length: n }, (_, i) => i));
  }
  for (const g of groups) {
    rng.shuffle(g);
    const k = Math.round(g.length * fraction);
    valid.push(...g.slice(0, k));
    train.push(...g.slice(k));
  }
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { train: sorted(train), valid: sorted(valid) };
}

/**
 * The benchmark's search split: the training set divided into a part that trains the supernet
 * and a held-out validation part that ranks architectures (default half and half), seeded.
 */
export function splitTrainValid(
  ds: Dataset,
  options: SplitOptions = {},
): { train: Dataset; valid: Dataset } {
  const { train, valid } = splitIndices(ds.labels, options);
  return {
    train: subsetDataset(ds, train, `${ds.name}[search-train]`),
    valid: subsetDataset(ds, valid, `${ds.name}[search-valid]`),
  };
}
