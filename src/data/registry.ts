import { loadCifar, type CifarOptions } from './cifar';
import { loadFashionMnist, FASHION_MNIST_DIR } from './fashion-mnist';
import type { Normalization } from './normalize';
import type { Dataset } from './types';

export const IMAGE_DATASETS = ['fashion-mnist', 'cifar10', 'cifar100'] as const;
export type ImageDatasetName = (typeof IMAGE_DATASETS)[number];

export interface ImageDatasetOptions {
  /** Fashion-MNIST: folder of the idx files. CIFAR: archive or folder (see CifarOptions.source). */
  source?: string;
  /** CIFAR only: download the official archive into the cache when missing. */
  download?: boolean;
  cacheDir?: string;
  normalization?: Normalization;
  log?: (line: string) => void;
}

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
    const o: CifarOptions = { ...options };
    const { train, test } = await loadCifar(name, o);
    return { train, test };
  }
  throw new Error(`unknown dataset ${JSON.stringify(name)} (known: ${IMAGE_DATASETS.join(', ')})`);
}
