import { loadCifar, type CifarOptions } from './cifar';
import { loadFashionMnist, FASHION_MNIST_DIR } from './fashion-mnist';
import type { Dataset } from './types';

export const IMAGE_DATASETS = ['fashion-mnist', 'cifar10', 'cifar100'] as const;
export type ImageDatasetName = (typeof IMAGE_DATASETS)[number];

/**
 * CIFAR's options; Fashion-MNIST reads `source` as the folder of its idx files and uses only
 * `normalization` besides.
 */
export type ImageDatasetOptions = CifarOptions;

export interface ImageSplits {
  train: Dataset;
  test: Dataset;
}

/** Both official splits of an image dataset by name. */
export async function loadImageDataset(
  name: ImageDatasetName,
  options: ImageDatasetOptions = {},
): Promise<ImageSplits> {
  if (name === 'fashion-mnist') {
    const o = { dir: options.source ?? FASHION_MNIST_DIR, normalization: options.normalization };
    return { train: loadFashionMnist('train', o), test: loadFashionMnist('test', o) };
  }
  if (name === 'cifar10' || name === 'cifar100') {
    const { train, test } = await loadCifar(name, options);
    return { train, test };
  }
  throw new Error(`unknown dataset ${JSON.stringify(name)} (known: ${IMAGE_DATASETS.join(', ')})`);
}
