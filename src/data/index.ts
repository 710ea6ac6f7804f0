/**
 * Datasets: Fashion-MNIST (idx files), CIFAR-10/100 (official binary archives, download with
 * checksum or local), Penn Treebank (word files); benchmark splits, seeded augmented batches,
 * calibration images.
 */
export * from './types';
export * from './normalize';
export * from './idx';
export * from './fashion-mnist';
export * from './tar';
export * from './download';
export * from './cifar';
export * from './split';
export * from './batches';
export * from './calibration';
export * from './ptb';
export * from './registry';
