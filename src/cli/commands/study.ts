import * as path from 'node:path';
import {
  UsageError,
  intOption,
  optionalInt,
  stringOption,
  type Command,
  type OptionValues,
} from '../command';
import { formatSummary, runStudy } from '../../study';
import { shippedTableFor } from '../../study/table';
import { FRONTIER_HELP, seedTableOption, studyFrontier } from './study-frontier';
import { defaultRunsRoot } from '../../runs/folder';
import { loadRunData, runSetup, sampleArchs } from '../../train/pipeline';
import {
  COMMON_OPTIONS,
  ONE_THREAD,
  WAIT_OPTION,
  datasetName,
  defaultWorkers,
  lockRunFolder,
  presetWithOverrides,
  runCliChild,
  runSettings,
} from './run-options';

/** Flags forwarded unchanged to the supernet (`train`) and ground-truth children. */
const SHARED_FLAGS = ['channels', 'cells', 'train-images', 'valid-images', 'batch-size'] as const;

function forward(values: OptionValues, names: readonly string[]): string[] {
  return names.flatMap((n) => (typeof values[n] === 'string' ? [`--${n}`, `${values[n]}`] : []));
}

/**
 * The seed table the study ranks against: --table, else the shipped laptop table when it was
 * made for this space and dataset at this scale; null with --train-groundtruth or when none
 * applies (then a sample is trained stand-alone).
 */
function groundTruthTable(
  values: OptionValues,
  space: string,
  dataset: string,
  scale: string,
): string | null {
  const train = values['train-groundtruth'] === true;
  if (typeof values['table'] === 'string' && train) {
    throw new UsageError('give --table FILE or --train-groundtruth, not both');
  }
  return seedTableOption(values) ?? (train ? null : shippedTableFor(space, dataset, scale));
}

export const studyCommand: Command = {
  name: 'study',
  summary: 'The main job: supernet, stand-alone ground truth, scoring, rank correlation, report.',
  details: `
Runs the weight-sharing study of seed 001 for real, on any space (--space, default nb201):
  1. trains a supernet with SPOS uniform sampling (supernet-lab train),
  2. ground truth: for NB-201 on Fashion-MNIST at laptop scale, the shipped table
     kernels-data/laptop-nb201/ground-truth.csv (every cell trained stand-alone with 2-3 seeds;
     --table FILE for another such table); otherwise, or with --train-groundtruth, a sample of
     architectures trained stand-alone (supernet-lab groundtruth),
  3. scores the table's cells (or a larger sample) on the supernet after BN recalibration
     (supernet-lab evaluate, split over --workers processes),
  4. prints Spearman and Kendall tau-b between supernet scores and ground truth (the table's
     mean over seeds) with bootstrap 95% intervals, the noise ceiling (seed vs seed Spearman and
     the best possible against the mean of seeds), top-k and random top-k, the size bias
     rho(score, params) and the regime those numbers put the study in, and writes
     <out>/summary.json and the HTML report <out>/report.html.
Work is spread over --workers processes (default: one per core). Re-running the same command
resumes every step. \`npm start\` runs \`supernet-lab study --scale laptop\` (Fashion-MNIST,
C=8, N=1, every cell of the shipped table; about 800 CPU-seconds, so roughly 7 minutes on 2 idle cores). One study writes a
folder at a time (a second gets a refusal naming the holder; --wait waits); its steps lock their
own sub-folders. --scale smoke takes a minute or two, e.g.
  supernet-lab study --space darts --scale smoke --out /tmp/darts-study
${FRONTIER_HELP}`,
  options: {
    ...COMMON_OPTIONS,
    out: {
      type: 'string',
      description: 'study folder',
      default: 'kernels-data/runs/study-<space>-<dataset>-<scale>-seed<seed>',
    },
    workers: { type: 'string', description: 'processes', default: 'one per core' },
    table: {
      type: 'string',
      description:
        'seed-table CSV (arch,seed,val_accuracy,...) as ground truth; default for nb201 / fashion-mnist / laptop: the shipped kernels-data/laptop-nb201 table',
    },
    'train-groundtruth': {
      type: 'boolean',
      description: 'train a sample stand-alone as ground truth instead of using a table',
    },
    'gt-archs': {
      type: 'string',
      description: 'architectures trained stand-alone (default per scale)',
    },
    'scored-archs': {
      type: 'string',
      description:
        'architectures scored on the supernet (default per scale; with a table: its first N cells)',
    },
    epochs: { type: 'string', description: 'supernet epochs (default per scale)' },
    'gt-epochs': {
      type: 'string',
      description: 'stand-alone epochs per architecture (default per scale)',
    },
    'score-all-epochs': {
      type: 'boolean',
      description: 'score every kept checkpoint, not only the last',
    },
    'no-report': { type: 'boolean', description: 'skip the HTML report' },
    frontier: {
      type: 'boolean',
      description: 'the budget frontier instead (notebook 09): the protocol at growing budgets',
    },
    channels: { type: 'string', description: 'skeleton C for supernet and stand-alone nets' },
    cells: { type: 'string', description: 'skeleton N for supernet and stand-alone nets' },
    'train-images': { type: 'string', description: 'training images' },
    'valid-images': { type: 'string', description: 'validation images' },
    'batch-size': { type: 'string', description: 'mini-batch size of every training' },
    ...WAIT_OPTION,
  },
  async run(values) {
    if (values['frontier'] === true) return studyFrontier(values);
    const s = runSettings(values);
    const preset = presetWithOverrides(s, values);
    // Only the children read --batch-size: check it here, before a lock or a training is started.
    intOption(values, 'batch-size', 1, 1, 1_000_000);
    const dataset = datasetName(preset);
    const out = path.resolve(
      stringOption(
        values,
        'out',
        path.join(defaultRunsRoot(), `study-${s.space}-${dataset}-${s.scale}-seed${s.seed}`),
      ),
    );
    const workers = intOption(values, 'workers', defaultWorkers(), 1, 256);
    const gtArchs = optionalInt(values, 'gt-archs', 2, 15284);
    const scoredArchs = optionalInt(values, 'scored-archs', 2, 1_000_000);
    if (gtArchs !== undefined && scoredArchs !== undefined && gtArchs > scoredArchs) {
      throw new UsageError(`--gt-archs (${gtArchs}) cannot exceed --scored-archs (${scoredArchs})`);
    }
    const table = groundTruthTable(values, s.space, dataset, s.scale);
    if (table) {
      for (const flag of ['gt-archs', 'gt-epochs']) {
        if (values[flag] !== undefined) {
          throw new UsageError(
            `--${flag} trains ground truth, but ${path.relative(process.cwd(), table) || table} is the ground truth: add --train-groundtruth to train a sample instead`,
          );
        }
      }
    }
    const shared = forward(values, SHARED_FLAGS);
    const epochs = (name: string) =>
      values[name] === undefined ? [] : ['--epochs', String(intOption(values, name, 1, 1))];
    const supernetFlags = [...shared, ...epochs('epochs')];
    const groundTruthFlags = [...shared, ...epochs('gt-epochs')];
    // Architecture sampling needs the space's run spec, which needs the data's shape.
    const data = await loadRunData(s.space, preset.data, preset.skeleton.net, {
      dataDir: s.dataDir,
    });
    const setup = runSetup(preset, data);
    const release = await lockRunFolder(out, 'study', values);
    const result = await runStudy({
      out,
      space: s.space,
      dataset,
      sample: (count, seed) => sampleArchs(setup.spec, count, seed),
      scale: s.scale,
      seed: s.seed,
      engine: s.engineRequest,
      dataDir: s.dataDir,
      workers,
      ...(table ? { table } : {}),
      groundTruthArchs: gtArchs,
      scoredArchs,
      supernetFlags,
      groundTruthFlags,
      scoreAllEpochs: values['score-all-epochs'] === true,
      report: values['no-report'] !== true,
      runChild: (args, label, oneThread) =>
        runCliChild(args, { label, env: oneThread ? ONE_THREAD : {} }),
    }).finally(release);
    const truthLabel = result.table ? `${result.table} (mean over seeds)` : undefined;
    process.stdout.write(formatSummary(result.summary, truthLabel) + '\n');
    process.stdout.write(`results: ${path.relative(process.cwd(), out) || out}/summary.json\n`);
    if (result.reportFile) {
      process.stdout.write(`report:  ${path.relative(process.cwd(), result.reportFile)}\n`);
    }
    process.stdout.write(`time:    ${(result.seconds / 60).toFixed(1)} min\n`);
    return 0;
  },
};
