import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ColumnTable } from 'arquero';
import {
  UsageError,
  choiceOption,
  intOption,
  stringOption,
  type Command,
  type OptionValues,
} from '../command';
import { experimentContext, hasBenchmarkTruth, parseDataset } from '../../experiments/context';
import { experimentSettings } from '../../experiments/scales';
import { reducedRun } from '../../experiments/reduced-spaces';
import {
  prunedCells,
  randomCells,
  readTruthTable,
  scoredCells,
  trainSubspaceSupernet,
  type SpaceReduction,
} from '../../experiments/subspace';
import { SPACE_REDUCTIONS } from '../../sweep/spec';
import type { Nb201Net } from '../../supernet/nb201/binding';
import { spaceBinding } from '../../supernet/registry';
import { scoreRun } from '../../evaluate/score-run';
import { latestCheckpoint } from '../../runs/folder';
import type { RunConfigInput } from '../../runs/config';
import { loadRunData } from '../../train/pipeline';
import {
  COMMON_OPTIONS,
  datasetName,
  hyperWithOverrides,
  makeProgress,
  presetWithOverrides,
  runSettings,
  setUpEngine,
  type RunSettings,
  printJson,
} from './run-options';

export const subspaceCommand: Command = {
  name: 'subspace',
  summary: 'Train and score a supernet on a randomly reduced or pruned space (Fig. 2/5).',
  details: `
One supernet of seed 001 Fig. 2 (--reduction random: a uniformly random 1/factor of the space,
a different subset per repeat) or Fig. 5 (--reduction pruned: the best 1/factor of the cells by
ground truth), trained with SPOS inside its cells (the pool strategy of the one training loop),
then --sample of its cells scored at the last epoch. Any --space: one that can list its cells
(nb201: 15284 valid cells, nb101: 95985) reduces that list; a larger one (darts, proxyless,
darts-ptb) draws round(size/factor) distinct cells with its sampler (factor 1: the uniform
sampler). NB-201 prunes by NAS-Bench-201 test accuracy of the dataset and runs as one
(factor, repeat) of notebooks 03 / 06, by their code; another space prunes by the table of
--truth-table FILE (CSV or .csv.gz: arch plus the --truth-column metric, a value for every
valid cell, e.g. NAS-Bench-101's accuracy looked up by each cell's graph hash; higher is
better). Repeat r trains with --seed + r; the preset of --scale gives the rest (--epochs,
--batch-size, --channels, --cells, --train-images, --valid-images, --calib-batches and
--calib-size override it). Writes a supernet run folder (--out; config.json records
spaceReduction, spaceFactor, spaceSeed, spaceTruth, spaceSize, and a table's file name and
sha256; space.txt lists the cells; scores/epoch-XXXX.csv). Re-running resumes. Sweeps run it as
their 'subspace' jobs; \`groundtruth --reduction random --factor F --repeat R --sample N\` trains
the cells it scores.
Examples:
  supernet-lab subspace --scale smoke --dataset cifar10-subset --reduction random --factor 64 --repeat 0 --sample 20 --out /tmp/ds
  supernet-lab subspace --space nb101 --scale smoke --reduction random --factor 1000 --sample 8 --out /tmp/nb101-ds
  supernet-lab subspace --space nb101 --scale paper --reduction pruned --factor 8 --truth-table nb101-truth.csv --truth-column test_accuracy --sample 1000 --out /tmp/nb101-pr
  supernet-lab subspace --scale paper --reduction pruned --factor 8 --repeat 2 --sample 1000 --out /tmp/pr`,
  options: {
    ...COMMON_OPTIONS,
    epochs: { type: 'string', description: 'training epochs' },
    'batch-size': { type: 'string', description: 'mini-batch size' },
    channels: { type: 'string', description: 'skeleton width C' },
    cells: { type: 'string', description: 'cells per stage N' },
    'train-images': { type: 'string', description: "training images ('all' for the whole split)" },
    'valid-images': {
      type: 'string',
      description: "validation images ('all' for the whole split)",
    },
    'calib-batches': { type: 'string', description: 'BN recalibration: batches (B)' },
    'calib-size': { type: 'string', description: 'BN recalibration: images per batch (S)' },
    reduction: { type: 'string', description: `space reduction: ${SPACE_REDUCTIONS.join(', ')}` },
    factor: { type: 'string', description: 'space size / subspace size (an integer >= 1)' },
    repeat: {
      type: 'string',
      description: 'repeat index (seed offset, random subset)',
      default: '0',
    },
    sample: { type: 'string', description: 'cells of the subspace scored (all when fewer)' },
    'truth-table': {
      type: 'string',
      description:
        'pruned, spaces without a benchmark table: CSV (or .csv.gz) of arch plus a metric column for every cell',
    },
    'truth-column': {
      type: 'string',
      description: 'the --truth-table column ranked by (higher is better)',
    },
    out: { type: 'string', description: 'run folder' },
  },
  async run(values) {
    const s = runSettings(values);
    for (const need of ['reduction', 'factor', 'sample', 'out']) {
      if (values[need] === undefined) throw new UsageError(`subspace needs --${need}`);
    }
    const reduction = choiceOption(values, 'reduction', SPACE_REDUCTIONS, 'random');
    const factor = intOption(values, 'factor', 1, 1, 1_000_000);
    const repeat = intOption(values, 'repeat', 0, 0, 10_000);
    const sample = intOption(values, 'sample', 1, 1, 1_000_000);
    const out = path.resolve(stringOption(values, 'out', ''));
    const reduced = { reduction, factor, repeat, sample, out };
    // A space with a benchmark table (NB-201) runs as one (factor, repeat) of its notebooks'
    // experiment; every other space through reducedSupernet (the same pipeline and pool).
    if (!spaceBinding(s.space).benchmark) return reducedSupernet(values, s, reduced);
    if (values['truth-table'] !== undefined || values['truth-column'] !== undefined) {
      throw new UsageError(
        `--space ${s.space} prunes by its benchmark table; --truth-table and --truth-column are for spaces without one`,
      );
    }
    const preset = presetWithOverrides(s, values);
    const hyper = hyperWithOverrides(preset.supernet, values);
    if (preset.data.kind !== 'images') throw new Error('nb201 trains on images');
    const net = preset.skeleton.net as Nb201Net;
    const engine = await setUpEngine(s);
    // The experiment code sets up its engine from the environment: the same one.
    process.env.SUPERNET_LAB_ENGINE = engine.name;
    const progress = makeProgress(s.progressMode, `subspace ${reduction} 1/${factor} `);
    const defaults = experimentSettings(s.scale);
    let dataset;
    try {
      dataset = parseDataset(datasetName(preset), '--dataset');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    // Every setting of the run from the preset and flags, so the experiment trains exactly this.
    const ctx = experimentContext({
      scale: s.scale,
      dataset,
      seed: s.seed,
      runsDir: path.dirname(out),
      log: (line) => progress.line(line),
      // This is the job a queue would run: it trains here (never hands itself to the queue).
      queue: null,
      ...(s.dataDir ? { dataSource: s.dataDir } : {}),
      settings: {
        base: {
          epochs: hyper.epochs,
          checkpointEpochs: [hyper.epochs],
          channels: net.channels,
          cellsPerStage: net.cellsPerStage,
          batchSize: hyper.batchSize,
          trainImages: preset.data.trainImages,
          validImages: preset.data.validImages,
          calibrationBatches: hyper.calibrationBatches,
          calibrationBatchSize: hyper.calibrationBatchSize,
        },
        subspace: { ...defaults.subspace, epochs: hyper.epochs, scoredArchs: sample },
      },
    });
    if (reduction === 'pruned' && !hasBenchmarkTruth(dataset)) {
      throw new UsageError(
        `--reduction pruned ranks cells by NAS-Bench-201 ground truth, which has none for --dataset ${dataset} (use cifar10, cifar10-subset or cifar100)`,
      );
    }
    const t0 = Date.now();
    const r = await reducedRun(ctx, reduction, factor, repeat, out);
    progress.done();
    printJson({
      run: out,
      reduction,
      factor,
      repeat,
      cells: r.cells.length,
      scored: r.rows.length,
      epoch: hyper.epochs,
      reused: r.run.reused,
      seconds: (Date.now() - t0) / 1000,
    });
    return 0;
  },
};

/**
 * The subspace run of a space without a benchmark table (the NB-201 notebooks' experiment does
 * not apply): the preset with the flags' overrides, trained on its reduced space through the
 * one pipeline, then `sample` of its cells (scoredCells: what ground-truth jobs train) scored.
 */
async function reducedSupernet(
  values: OptionValues,
  s: RunSettings,
  r: { reduction: SpaceReduction; factor: number; repeat: number; sample: number; out: string },
): Promise<number> {
  const preset = presetWithOverrides(s, values);
  const hyper = hyperWithOverrides(preset.supernet, values);
  let truth: ColumnTable | undefined;
  let column: string | undefined;
  let truthFile: { name: string; sha256: string } | undefined;
  if (r.reduction === 'pruned') {
    const file = values['truth-table'];
    if (typeof file !== 'string') {
      throw new UsageError(
        `--reduction pruned ranks every cell of ${s.space} by ground truth, and ${s.space} has no benchmark table: give --truth-table FILE (CSV of arch plus a metric column with a value for every valid cell, e.g. a converted NAS-Bench-101 table) and --truth-column NAME`,
      );
    }
    column = values['truth-column'] as string | undefined;
    if (typeof column !== 'string' || column === '') {
      throw new UsageError('--truth-table needs --truth-column NAME (the metric it ranks by)');
    }
    const resolved = path.resolve(file);
    truth = readTruthTable(resolved, '--truth-table');
    // Checked now (a table that misses cells fails before anything is loaded or written).
    prunedCells(s.space, truth, column, r.factor, `--truth-table ${file}`);
    truthFile = {
      name: path.basename(resolved),
      sha256: crypto.createHash('sha256').update(fs.readFileSync(resolved)).digest('hex'),
    };
  } else if (values['truth-table'] !== undefined) {
    throw new UsageError('--truth-table is for --reduction pruned');
  }
  const subspace = {
    reduction: r.reduction,
    factor: r.factor,
    seed: r.reduction === 'random' ? r.repeat : 0,
    ...(column === undefined ? {} : { truth: column }),
  };
  const cells =
    r.reduction === 'random'
      ? randomCells(s.space, r.factor, r.repeat)
      : prunedCells(s.space, truth!, column!, r.factor);
  const engine = await setUpEngine(s);
  const label = `subspace ${s.space} ${r.reduction} 1/${r.factor} `;
  const progress = makeProgress(s.progressMode, label);
  const data = await loadRunData(s.space, preset.data, preset.skeleton.net, {
    dataDir: s.dataDir,
    download: s.download,
    log: (line) => progress.line(line),
  });
  const config: RunConfigInput & Record<string, unknown> = {
    ...hyper,
    kind: 'supernet',
    space: s.space,
    scale: s.scale,
    dataset: datasetName(preset),
    skeleton: preset.skeleton,
    data: preset.data,
    seed: s.seed + r.repeat,
    sampler: 'uniform',
    checkpointEpochs: [hyper.epochs],
    engine: engine.name,
    spaceReduction: r.reduction,
    spaceFactor: r.factor,
    spaceSeed: subspace.seed,
    spaceTruth: column ?? null,
    ...(truthFile ? { spaceTruthFile: truthFile.name, spaceTruthSha256: truthFile.sha256 } : {}),
  };
  const t0 = Date.now();
  const reused = (latestCheckpoint(r.out) ?? 0) >= hyper.epochs;
  await trainSubspaceSupernet({ runDir: r.out, config, subspace, truth, data, progress });
  const format = spaceBinding(s.space).searchSpace.format;
  const scored = scoredCells(s.space, cells, r.sample, r.reduction, r.factor, r.repeat);
  const archs = scored.map((a) => format(a));
  const result = scoreRun({ runDir: r.out, epoch: hyper.epochs, archs, data, progress });
  progress.done();
  printJson({
    run: r.out,
    space: s.space,
    reduction: r.reduction,
    factor: r.factor,
    repeat: r.repeat,
    cells: cells ? cells.length : null,
    scored: result.rows.length,
    epoch: hyper.epochs,
    reused,
    seconds: (Date.now() - t0) / 1000,
  });
  return 0;
}
