import * as path from 'node:path';
import { UsageError, choiceOption, intOption, stringOption, type Command } from '../command';
import { experimentContext, hasBenchmarkTruth, parseDataset } from '../../experiments/context';
import { experimentSettings } from '../../experiments/scales';
import { reducedRun } from '../../experiments/reduced-spaces';
import { SPACE_REDUCTIONS } from '../../sweep/spec';
import type { Nb201Net } from '../../supernet/nb201/binding';
import {
  COMMON_OPTIONS,
  datasetName,
  hyperWithOverrides,
  makeProgress,
  presetWithOverrides,
  runSettings,
  setUpEngine,
} from './run-options';

export const subspaceCommand: Command = {
  name: 'subspace',
  summary: 'Train and score an NB-201 supernet on a randomly reduced or pruned space (Fig. 2/5).',
  details: `
One supernet of seed 001 Fig. 2 (--reduction random: a uniformly random 1/factor of the 15284
valid NB-201 cells, a different subset per repeat) or Fig. 5 (--reduction pruned: the best
1/factor of the cells by NAS-Bench-201 test accuracy of the dataset), trained with SPOS inside
its cells (the pool strategy of the one training loop), then --sample of its cells scored at the
last epoch. It is one (factor, repeat) of notebooks 03 / 06, run by their code: repeat r trains
with --seed + r; the preset of --scale gives the rest (--epochs, --batch-size, --channels,
--cells, --train-images, --valid-images, --calib-batches and --calib-size override it). Writes a
supernet run folder (--out; config.json records spaceReduction, spaceFactor, spaceSeed,
spaceTruth, spaceSize; space.txt lists the cells; scores/epoch-XXXX.csv). Re-running resumes.
Sweeps run it as their 'subspace' jobs.
Examples:
  supernet-lab subspace --scale smoke --dataset cifar10-subset --reduction random --factor 64 --repeat 0 --sample 20 --out /tmp/ds
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
    out: { type: 'string', description: 'run folder' },
  },
  async run(values) {
    const s = runSettings(values);
    if (s.space !== 'nb201') {
      throw new UsageError(
        `subspace trains NB-201 supernets: --space must be nb201, got ${s.space}`,
      );
    }
    for (const need of ['reduction', 'factor', 'sample', 'out']) {
      if (values[need] === undefined) throw new UsageError(`subspace needs --${need}`);
    }
    const reduction = choiceOption(values, 'reduction', SPACE_REDUCTIONS, 'random');
    const factor = intOption(values, 'factor', 1, 1, 1_000_000);
    const repeat = intOption(values, 'repeat', 0, 0, 10_000);
    const sample = intOption(values, 'sample', 1, 1, 1_000_000);
    const out = path.resolve(stringOption(values, 'out', ''));
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
    process.stdout.write(
      JSON.stringify({
        run: out,
        reduction,
        factor,
        repeat,
        cells: r.cells.length,
        scored: r.rows.length,
        epoch: hyper.epochs,
        reused: r.run.reused,
        seconds: (Date.now() - t0) / 1000,
      }) + '\n',
    );
    return 0;
  },
};
