import * as path from 'node:path';
import { AnalysisInputError } from '../../analysis/columns';
import { readCsvTable } from '../../analysis/runs';
import { exportFigures, type ImageFormat } from '../../plots/export';
import { writeFileAtomic } from '../../plots/html';
import {
  buildReport,
  reportFigures,
  reportHtml,
  groundTruthFromTable,
  type GroundTruthSource,
} from '../../plots/report';
import { seedTableCeiling } from '../../groundtruth/ceiling';
import { isSeedTable, readTableTruth, tableGroundTruth } from '../../study/table';
import {
  choiceOption,
  intOption,
  stringOption,
  UsageError,
  type Command,
  type OptionValues,
} from '../command';

function runList(values: OptionValues): string[] {
  const v = values['run'];
  const list = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
  if (list.length === 0) throw new UsageError('missing required option --run');
  return list;
}

function explicitGroundTruth(values: OptionValues): GroundTruthSource | undefined {
  const file = values['groundtruth'];
  const columns = values['truth'] !== undefined || values['valid'] !== undefined;
  if (typeof file !== 'string') {
    if (columns) throw new UsageError('--truth and --valid need --groundtruth FILE.csv');
    return undefined;
  }
  if (isSeedTable(file)) {
    if (columns) {
      throw new UsageError(
        `--groundtruth ${file} is a seed table: it selects by val_accuracy and reports test_accuracy (drop --truth / --valid)`,
      );
    }
    const truth = readTableTruth(file);
    return tableGroundTruth(truth, seedTableCeiling(truth.rows));
  }
  const table = readCsvTable(file);
  const base = groundTruthFromTable(table, path.basename(file));
  const test = typeof values['truth'] === 'string' ? values['truth'] : base.test;
  const valid =
    typeof values['valid'] === 'string' ? values['valid'] : test === base.test ? base.valid : test;
  return {
    ...base,
    test,
    valid,
    note: valid === test ? `'${test}' used to select and to report` : undefined,
  };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'Build a self-contained HTML report (figures, rank statistics) from run folders.',
  details: `
Reads run folders (config.json, log.jsonl, scores/epoch-NNNN.csv, groundtruth.csv, arch.jsonl) and
writes one HTML page that opens offline: training curves, Spearman/Kendall with bootstrap
intervals, top-k and random top-k per epoch, supernet-vs-ground-truth scatter, operator and size
bias, pruned spaces, mutual correlation across epochs and runs, search entropy, provenance.
Ground truth of a supernet run: --groundtruth FILE.csv, else its groundtruth.csv, else a
ground-truth run of the same space and dataset among --run, else the NAS-Bench-201 table
(space nb201, dataset cifar10 | cifar100 | imagenet16). A seed table (arch,seed,val_accuracy,...,
e.g. kernels-data/laptop-nb201/ground-truth.csv) as --groundtruth is averaged over seeds and its
noise ceiling (seed vs seed Spearman, the best possible against the mean) is shown with the
correlations.
With --format the figures are also written as image files into <out>-figures/.
Example: supernet-lab report --run kernels-data/runs/a --run kernels-data/runs/b --out report.html`,
  options: {
    run: { type: 'string', multiple: true, description: 'run folder' },
    out: { type: 'string', description: 'HTML file to write' },
    format: { type: 'string', description: 'also export every figure as svg, png or pdf' },
    k: { type: 'string', description: 'k of top-k', default: '10' },
    resamples: {
      type: 'string',
      description: 'bootstrap resamples of the correlation intervals (0 = none)',
      default: '1000',
    },
    seed: { type: 'string', description: 'seed of the bootstrap resampling', default: '0' },
    title: { type: 'string', description: 'page title' },
    groundtruth: {
      type: 'string',
      description: 'CSV with arch + ground-truth columns (or a seed table) for every supernet run',
    },
    truth: { type: 'string', description: 'reported ground-truth column of --groundtruth' },
    valid: { type: 'string', description: 'selection ground-truth column of --groundtruth' },
  },
  async run(values) {
    const runs = runList(values);
    const out = stringOption(values, 'out');
    const format =
      values['format'] === undefined
        ? null
        : choiceOption<ImageFormat>(values, 'format', ['svg', 'png', 'pdf'], 'svg');
    const k = intOption(values, 'k', 10, 1, 10_000);
    const resamples = intOption(values, 'resamples', 1000, 0, 1_000_000);
    const seed = intOption(values, 'seed', 0, 0, 2 ** 32 - 1);
    const title = typeof values['title'] === 'string' ? values['title'] : undefined;
    let written: string[] = [];
    try {
      const report = buildReport({
        runs,
        k,
        resamples,
        seed,
        title,
        groundTruth: explicitGroundTruth(values),
      });
      writeFileAtomic(path.resolve(out), reportHtml(report));
      for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
      if (format) {
        const dir = path.resolve(out).replace(/\.html?$/i, '') + '-figures';
        written = await exportFigures(
          reportFigures(report).map((f, i) => {
            const size = (key: string, fallback: number) => {
              const v = f.figure.layout[key];
              return typeof v === 'number' && v > 0 ? v : fallback;
            };
            return {
              figure: f.figure,
              file: path.join(dir, `${String(i + 1).padStart(2, '0')}-${f.id}.${format}`),
              options: { width: size('width', 900), height: size('height', 500) },
            };
          }),
        );
      }
      const figures = reportFigures(report).length;
      process.stdout.write(
        `wrote ${out} (${report.sections.length} sections, ${figures} figures, ` +
          `${report.numbers.length} numbers with provenance)\n`,
      );
      for (const f of written) process.stdout.write(`wrote ${path.relative(process.cwd(), f)}\n`);
      return 0;
    } catch (err) {
      if (err instanceof AnalysisInputError) {
        process.stderr.write(`supernet-lab report: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
