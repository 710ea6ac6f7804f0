import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  loadNb201GroundTruth,
  nb201BenchmarkIndex,
  NB201_DATA_DIR,
  NB201_GROUND_TRUTH_FILE,
} from '../groundtruth/nb201';

/** NAS-Bench-201 test accuracies (percent, 200-epoch schedule, mean over the benchmark's seeds). */
export interface BenchmarkAccuracies {
  index: number;
  cifar10_test: number;
  cifar100_test: number;
  imagenet16_test: number;
}

/**
 * The benchmark's ground truth of a cell (a lookup in the committed table), or null when the
 * committed table is absent (a corrupt table throws). The numbers are the benchmark's CIFAR /
 * ImageNet16 numbers whatever dataset the search ran on.
 */
export function benchmarkAccuracies(arch: string): BenchmarkAccuracies | null {
  if (!fs.existsSync(path.join(NB201_DATA_DIR, NB201_GROUND_TRUTH_FILE))) return null;
  const table = loadNb201GroundTruth();
  const index = nb201BenchmarkIndex(arch);
  const col = (name: string) => (table.array(name) as ArrayLike<number>)[index];
  return {
    index,
    cifar10_test: col('cifar10_test'),
    cifar100_test: col('cifar100_test'),
    imagenet16_test: col('imagenet16_test'),
  };
}
