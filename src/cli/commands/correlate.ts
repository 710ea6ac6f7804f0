import * as path from 'node:path';
import { AnalysisInputError } from '../../analysis/columns';
import { readCsvTable } from '../../analysis/runs';
import { correlateColumns } from '../../analysis/summary';
import { intOption, numberOption, stringOption, type Command } from '../command';

export const correlateCommand: Command = {
  name: 'correlate',
  summary:
    'Rank correlation of two columns of a CSV table: Spearman, Kendall tau-b, bootstrap CIs (JSON).',
  details: `
Prints one JSON object: n, spearman, kendall (tau-b), pearson, spearmanCI, kendallCI (percentile
bootstrap, seeded), the Kendall pair counts, optional sparseKendall, and the provenance (file,
columns). Rows count from 1 after the header line. A missing column or a cell that is not a
number exits 1 with a message naming it.
Example: supernet-lab correlate --table scores.csv --x accuracy --y cifar100_test`,
  options: {
    table: { type: 'string', description: 'CSV file with a header row' },
    x: { type: 'string', description: 'first column (e.g. supernet accuracy)' },
    y: { type: 'string', description: 'second column (e.g. ground-truth accuracy)' },
    resamples: { type: 'string', description: 'bootstrap resamples', default: '1000' },
    level: { type: 'string', description: 'confidence level of the intervals', default: '0.95' },
    seed: { type: 'string', description: 'seed of the bootstrap resampling', default: '0' },
    'sparse-threshold': {
      type: 'string',
      description: 'also report sparse Kendall tau: y values closer than this count as ties',
    },
  },
  async run(values) {
    const file = stringOption(values, 'table');
    const x = stringOption(values, 'x');
    const y = stringOption(values, 'y');
    const resamples = intOption(values, 'resamples', 1000, 0, 1_000_000);
    const seed = intOption(values, 'seed', 0, 0, 2 ** 32 - 1);
    const level = numberOption(values, 'level', 0.95, 'in (0, 1)');
    const sparseThreshold =
      values['sparse-threshold'] === undefined
        ? undefined
        : numberOption(values, 'sparse-threshold', 0, '>= 0');
    try {
      const table = readCsvTable(file);
      const result = correlateColumns(table, x, y, {
        what: path.basename(file),
        resamples: Math.max(resamples, 1),
        noIntervals: resamples === 0,
        seed,
        level,
        sparseThreshold,
      });
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return 0;
    } catch (err) {
      if (err instanceof AnalysisInputError) {
        process.stderr.write(`supernet-lab correlate: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
