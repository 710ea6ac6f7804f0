/** Scale tiers (smoke / laptop / paper) and the image datasets runs train on. */
export const SCALES = ['smoke', 'laptop', 'paper'] as const;
export type Scale = (typeof SCALES)[number];

/** Image datasets: the three of the study plus the real CIFAR-10 subset in ../shared/data. */
export const TRAIN_DATASETS = ['fashion-mnist', 'cifar10', 'cifar100', 'cifar10-subset'] as const;
export type TrainDataset = (typeof TRAIN_DATASETS)[number];

/** Powers of two up to `epochs`, plus `epochs` itself: checkpoints for correlation vs budget. */
export function powerOfTwoEpochs(epochs: number): number[] {
  const out: number[] = [];
  for (let e = 1; e < epochs; e *= 2) out.push(e);
  out.push(epochs);
  return out;
}
