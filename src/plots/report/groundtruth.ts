import type { ColumnTable } from 'arquero';
import type { RunFolder } from '../../analysis/runs';
import type { GroundTruthSource } from './types';
import { hasBenchmarkTable } from '../../supernet/registry';

/** Benchmark columns per dataset name as run configs spell it. */
const NB201_COLUMNS: Record<string, { test: string; params: string }> = {
  cifar10: { test: 'cifar10_test', params: 'params' },
  'cifar-10': { test: 'cifar10_test', params: 'params' },
  'cifar10-subset': { test: 'cifar10_test', params: 'params' },
  cifar100: { test: 'cifar100_test', params: 'params_cifar100' },
  'cifar-100': { test: 'cifar100_test', params: 'params_cifar100' },
  imagenet16: { test: 'imagenet16_test', params: 'params_imagenet16' },
  'imagenet16-120': { test: 'imagenet16_test', params: 'params_imagenet16' },
};

/** Ground truth from a groundtruth.csv (arch,val_accuracy,test_accuracy,params,...). */
export function groundTruthFromTable(table: ColumnTable, label: string): GroundTruthSource {
  const cols = table.columnNames();
  const test = cols.includes('test_accuracy') ? 'test_accuracy' : 'val_accuracy';
  const valid = cols.includes('val_accuracy') ? 'val_accuracy' : test;
  return {
    table,
    valid,
    test,
    ...(cols.includes('params') ? { params: 'params' } : {}),
    label,
    ...(valid === test ? { note: `only ${test} available: used to select and to report` } : {}),
  };
}

/**
 * Where a supernet run's ground truth comes from, in order: the explicit one, the run's own
 * groundtruth.csv, a ground-truth run of the same space and dataset among the report's runs,
 * the NAS-Bench-201 benchmark table. Null when none applies.
 */
export function resolveGroundTruth(
  run: RunFolder,
  others: readonly RunFolder[],
  explicit: GroundTruthSource | undefined,
  nb201: (() => ColumnTable) | null,
): GroundTruthSource | null {
  if (explicit) return explicit;
  if (run.groundTruth) return groundTruthFromTable(run.groundTruth, `${run.name}/groundtruth.csv`);
  const gtRun = others.find(
    (o) =>
      o !== run &&
      o.config.kind === 'groundtruth' &&
      o.groundTruth !== null &&
      o.config.space === run.config.space &&
      o.config.dataset === run.config.dataset,
  );
  if (gtRun?.groundTruth)
    return groundTruthFromTable(gtRun.groundTruth, `${gtRun.name}/groundtruth.csv`);
  const dataset = String(run.config.dataset ?? '').toLowerCase();
  const cols = NB201_COLUMNS[dataset];
  if (hasBenchmarkTable(String(run.config.space)) && cols && nb201) {
    return {
      table: nb201(),
      valid: cols.test,
      test: cols.test,
      params: cols.params,
      label: `NAS-Bench-201 ${cols.test}`,
      note:
        'the benchmark table has test accuracy only (200 epochs, mean over seeds): top-k selects ' +
        'and reports by it' +
        (dataset.endsWith('-subset')
          ? '; the supernet saw a CIFAR-10 subset, the benchmark trained on all of CIFAR-10'
          : ''),
    };
  }
  return null;
}

/** NB-201 dataset column for a search run's derived architecture, if any. */
export function nb201TestColumn(dataset: unknown): string | null {
  return NB201_COLUMNS[String(dataset ?? '').toLowerCase()]?.test ?? null;
}
