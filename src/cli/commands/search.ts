import * as path from 'node:path';
import {
  UsageError,
  choiceOption,
  numberOption,
  optionalInt,
  stringOption,
  type Command,
  type OptionValues,
} from '../command';
import {
  SEARCH_METHODS,
  SEARCH_SCALE_SETTINGS,
  runSearch,
  searchSettings,
  type SearchMethod,
} from '../../search';
import type { SearchConfigInput } from '../../search';
import { DivergenceError } from '../../train';
import { TRAIN_DATASETS } from '../../core/scale';
import { spaceBinding } from '../../supernet/registry';
import {
  COMMON_OPTIONS,
  WAIT_OPTION,
  defaultOut,
  imagesOption,
  lockRunFolder,
  makeProgress,
  runSettings,
  setUpEngine,
  printJson,
} from './run-options';

function optionalPositive(values: OptionValues, name: string): number | undefined {
  return values[name] === undefined ? undefined : numberOption(values, name, NaN, '> 0');
}

export const searchCommand: Command = {
  name: 'search',
  summary:
    'Architecture search on NB-201: DARTS (1st/2nd order), GAEA (bilevel/ERM) or RS-WS, into a run folder.',
  details: `
Methods: darts-1, darts-2 (unrolled second order), gaea-bilevel, gaea-erm (single level, training
loss on the same batch), rsws (uniform single-path supernet + random search scored on it).
Weights: SGD 0.025 -> 0.001 cosine, Nesterov 0.9, WD 5e-4, clip 5 (NAS-Bench-201's DARTS runs).
Architecture: DARTS = Adam 3e-4, betas (0.5, 0.999), WD 1e-3 on logits; GAEA = exponentiated
gradient, step 0.1, no weight decay, on the per-edge simplices.
Scales: paper = ${SEARCH_SCALE_SETTINGS.paper.epochs} epochs, batch ${SEARCH_SCALE_SETTINGS.paper.batchSize}, C=16, N=5, all images (GPU);
laptop = ${SEARCH_SCALE_SETTINGS.laptop.epochs} epochs, C=8, N=1, ${SEARCH_SCALE_SETTINGS.laptop.trainImages}+${SEARCH_SCALE_SETTINGS.laptop.validImages} images; smoke = seconds, for CI.
Run folder (--out, default kernels-data/runs/search-<method>-nb201-<dataset>-<scale>-seed<seed>):
config.json, log.jsonl, arch.jsonl (per epoch: weights[6][5], entropy, derived cell, its
NAS-Bench-201 accuracies), checkpoints/, result.json; rsws adds supernet/ and scores/;
--ground-truth standalone (default for fashion-mnist, cifar10-subset) trains the final cell and
writes groundtruth.csv. Re-running the same command resumes. Prints result.json on stdout.
One process writes a run folder at a time (a second gets a refusal naming the holder; --wait
waits).
Example: supernet-lab search --space nb201 --method gaea-bilevel --dataset fashion-mnist --scale smoke`,
  options: {
    ...COMMON_OPTIONS,
    method: { type: 'string', description: `search method: ${SEARCH_METHODS.join(', ')}` },
    out: { type: 'string', description: 'run folder' },
    fresh: { type: 'boolean', description: 'start over, deleting the run folder contents' },
    'max-epochs': {
      type: 'string',
      description: 'stop after this many epochs in this call (resume later)',
    },
    epochs: { type: 'string', description: 'search epochs' },
    'batch-size': { type: 'string', description: 'mini-batch size' },
    channels: { type: 'string', description: 'skeleton: channels of the first stage (C)' },
    cells: { type: 'string', description: 'skeleton: cells per stage (N)' },
    'train-images': { type: 'string', description: "search-train images ('all' for the half)" },
    'valid-images': { type: 'string', description: "held-out images ('all' for the half)" },
    'no-augment': { type: 'boolean', description: 'no random crop / flip' },
    lr: { type: 'string', description: 'initial weight learning rate (cosine to 0.001)' },
    'gaea-eta': { type: 'string', description: 'GAEA exponentiated-gradient step size' },
    'darts-lr': { type: 'string', description: "DARTS' Adam learning rate on alpha" },
    samples: { type: 'string', description: 'rsws: cells sampled and scored on the supernet' },
    'calib-batches': { type: 'string', description: 'rsws: BN recalibration batches (B)' },
    'calib-size': { type: 'string', description: 'rsws: BN recalibration images per batch (S)' },
    'ground-truth': {
      type: 'string',
      description: 'benchmark (NB-201 table only) or standalone (also train the final cell)',
    },
    'gt-epochs': { type: 'string', description: 'stand-alone ground truth: epochs' },
    ...WAIT_OPTION,
  },
  async run(values) {
    const s = runSettings(values);
    if (!spaceBinding(s.space).differentiable) {
      throw new UsageError(
        `--space ${s.space} has no differentiable (relaxed) form here; search runs on nb201`,
      );
    }
    const dataset = choiceOption(values, 'dataset', TRAIN_DATASETS, 'fashion-mnist');
    if (values['method'] === undefined) {
      throw new UsageError(`missing required option --method (${SEARCH_METHODS.join(', ')})`);
    }
    const method = choiceOption<SearchMethod>(values, 'method', SEARCH_METHODS, 'darts-1');
    const groundTruth =
      values['ground-truth'] === undefined
        ? undefined
        : choiceOption(values, 'ground-truth', ['benchmark', 'standalone'] as const, 'benchmark');
    const input: SearchConfigInput = {
      method,
      dataset,
      scale: s.scale,
      seed: s.seed,
      engine: 'pending',
      groundTruth,
      overrides: {
        epochs: optionalInt(values, 'epochs', 1, 100_000),
        batchSize: optionalInt(values, 'batch-size', 1, 100_000),
        channels: optionalInt(values, 'channels', 1, 4096),
        cellsPerStage: optionalInt(values, 'cells', 1, 100),
        trainImages: imagesOption(values, 'train-images', undefined),
        validImages: imagesOption(values, 'valid-images', undefined),
        rswsSamples: optionalInt(values, 'samples', 1, 15284),
        calibrationBatches: optionalInt(values, 'calib-batches', 0, 100_000),
        calibrationBatchSize: optionalInt(values, 'calib-size', 1, 100_000),
        weightLr: optionalPositive(values, 'lr'),
        gaeaEta: optionalPositive(values, 'gaea-eta'),
        dartsLr: optionalPositive(values, 'darts-lr'),
        augment: values['no-augment'] === true ? false : undefined,
        standaloneEpochs: optionalInt(values, 'gt-epochs', 1, 100_000),
      },
    };
    try {
      searchSettings(input);
    } catch (err) {
      throw new UsageError(`search: ${(err as Error).message}`);
    }
    const maxEpochs = optionalInt(values, 'max-epochs', 1, 100_000);
    const out = path.resolve(
      stringOption(values, 'out', defaultOut(`search-${method}`, s, dataset)),
    );
    const engine = await setUpEngine(s);
    input.engine = engine.name;
    const progress = makeProgress(s.progressMode, `${method} `);
    progress.line(
      `search ${method}: ${dataset}, scale ${s.scale}, seed ${s.seed}, engine ${engine.name} -> ${out}`,
    );
    const release = await lockRunFolder(out, `search --method ${method}`, values);
    try {
      const { result, epochsRun, config } = await runSearch(input, {
        runDir: out,
        fresh: values['fresh'] === true,
        maxEpochs,
        progress,
        dataSource: s.dataDir,
        download: s.download,
      });
      const summary = result
        ? { run: out, epochsRun, ...result }
        : { run: out, epochsRun, complete: false, epochs: config.epochs };
      printJson(summary);
      return 0;
    } catch (err) {
      if (err instanceof DivergenceError) {
        process.stderr.write(`supernet-lab search: ${err.message}\n`);
        return 3;
      }
      throw err;
    } finally {
      release();
    }
  },
};
