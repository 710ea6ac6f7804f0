// A tiny synthetic seed table for the budget frontier (notebook 09): 8 real NB-201 cells of the
// laptop network, 2-3 seeds each, distinct accuracies, in the shipped table's format.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SEED_TABLE_HEADER } from '../../src/groundtruth/laptop';
import { spaceBinding } from '../../src/supernet/registry';
import { sampleArchs } from '../../src/train/pipeline';

export const FASHION = '/usr/share/datasets/fashion-mnist';

/** Writes `dir`/ground-truth.csv (and its budget.json) and returns what it holds. */
export function writeSeedTable(dir: string) {
  const setup = spaceBinding('nb201').setup(
    { channels: 8, cellsPerStage: 1 },
    { inputChannels: 1, classes: 10, imageSize: 28 },
  );
  const archs = sampleArchs(setup.spec, 8, 'frontier-test');
  const params = archs.map((a) => setup.spec.params(setup.parse(a)));
  // Seed accuracies: a cell quality plus a seed offset (distinct values, no ties).
  const quality = [81.3, 84.9, 79.2, 86.4, 83.1, 80.6, 85.7, 82.2];
  const seeds = (i: number) => (i < 2 ? [1, 2, 3] : [1, 2]);
  const acc = (i: number, seed: number) => quality[i] + ((i * 7 + seed * 3) % 5) * 0.37 - 0.7;
  const testAcc = (i: number, seed: number) => acc(i, seed) - 1.1 + 0.05 * seed;
  const lines = [SEED_TABLE_HEADER.join(',')];
  archs.forEach((a, i) => {
    for (const seed of seeds(i)) {
      lines.push([a, seed, acc(i, seed), testAcc(i, seed), 0.5, params[i], 1000, 5, 10].join(','));
    }
  });
  const table = path.join(dir, 'ground-truth.csv');
  fs.writeFileSync(table, lines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'budget.json'), JSON.stringify({ dataset: 'fashion-mnist' }));
  const meanOf = (f: (i: number, seed: number) => number) =>
    archs.map((_, i) => seeds(i).reduce((s, seed) => s + f(i, seed), 0) / seeds(i).length);
  return { table, archs, params, acc, val: meanOf(acc), test: meanOf(testAcc) };
}

/**
 * Frontier settings of seconds: three runs of C=2/4 on 128 images, 1-2 epochs (every field one
 * a train job carries, so the runs go to a queue when there is one).
 */
export const TINY_FRONTIER = {
  cells: null,
  epochs: 2,
  epochRuns: [1],
  widths: [2, 4],
  widthEpochs: 1,
  k: 3,
  resamples: 100,
  hyper: {
    trainImages: 128,
    validImages: 64,
    calibrationBatches: 1,
    calibrationBatchSize: 32,
  },
};
