/**
 * Datasets: Fashion-MNIST (idx files), CIFAR-10/100 (official binary archives, download with
 * checksum or local), Penn Treebank (word files); benchmark splits, seeded augmented batches.
 */
export { DatasetError } from './types';
export type { Dataset, RawImages } from './types';
export { channelStats, toDataset } from './normalize';
export type { Normalization } from './normalize';
export { readIdxUint8, readMaybeGzip } from './idx';
export type { IdxArray } from './idx';
export {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  FASHION_MNIST_NORMALIZATION,
  loadFashionMnist,
  readFashionMnistRaw,
} from './fashion-mnist';
export type { FashionMnistOptions } from './fashion-mnist';
export { readTar } from './tar';
export type { TarEntry } from './tar';
export { downloadVerified, fileDigests, verifyFile } from './download';
export type { DownloadSpec } from './download';
export { CIFAR_LAYOUTS, DATA_CACHE_DIR, loadCifar } from './cifar';
export type { CifarOptions, CifarSplits, CifarVariant } from './cifar';
export { splitIndices, splitTrainValid, subsetDataset } from './split';
export type { SplitOptions } from './split';
export { batchCount, defaultAugmentation, iterateBatches } from './batches';
export type { Augmentation, Batch, BatchOptions } from './batches';
export { PTB_EOS, PTB_FILES, loadPtb } from './ptb';
export type { PtbCorpus, PtbOptions, PtbSplit } from './ptb';
export { IMAGE_DATASETS, loadImageDataset } from './registry';
export type { ImageDatasetName, ImageDatasetOptions, ImageSplits } from './registry';
