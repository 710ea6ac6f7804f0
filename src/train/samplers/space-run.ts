/**
 * Supernet training, scoring and a smoke train -> evaluate -> correlate study for any space's
 * supernet (a `SpaceNetwork`, src/supernet/blocks) on image data, with any sampler. It writes
 * the same run-folder files as the NB-201 trainer (config.json with `space`, log.jsonl,
 * checkpoints/, scores/epoch-XXXX.csv with the space's own architecture strings,
 * groundtruth.csv), so the analysis code reads them unchanged.
 *
 * Determinism: epoch e draws data order and paths from generators seeded by (seed, e), as in
 * the NB-201 trainer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../engine/random';
import { kendallTauB, spearman } from '../../analysis/correlation';
import { sampleDistinct } from '../../spaces/choices';
import type { BatchSource, SpaceBatch } from '../../data/types';
import type { SpaceRunSpec, SpaceTrainHyper } from '../../supernet/binding';
import type { SpaceNetwork } from '../../supernet/blocks';
import { scoreArch } from '../../evaluate/score';
import { libraryInfo } from '../../info';
import {
  loadNetworkTensors as loadSpaceNetworkTensors,
  networkTensors as spaceNetworkTensors,
} from '../network-tensors';
import type { ProgressSink } from '../progress';
import { imageBatchSource, type TrainingData } from '../data';
import {
  writeGroundTruth,
  writeJsonAtomic,
  writeScores,
  type EpochLogEntry,
  type GroundTruthRow,
  type ScoreRow,
} from '../../runs/folder';
import { fit, type FitCheckpointState, type FitResult, type FitSeeds } from '../fit';
import { standaloneStrategy, supernetStrategy, type FitStrategy } from '../strategies';

// The space runner's names for the shared checkpoint-tensor helpers.
export { loadSpaceNetworkTensors, spaceNetworkTensors, imageBatchSource };
export type { SpaceRunSpec, SpaceTrainHyper, BatchSource, SpaceBatch };

function toSource(data: TrainingData | BatchSource): BatchSource {
  return typeof data.train === 'function'
    ? (data as BatchSource)
    : imageBatchSource(data as TrainingData);
}

/** Checkpoint loop state (manifest.state); the one loop's. */
export type SpaceCheckpointState = FitCheckpointState;

export interface TrainSpaceOptions<A> {
  /**
   * Run folder: log.jsonl and checkpoints/epoch-XXXX after every epoch (kept: `checkpointEpochs`
   * and the newest). When it already holds checkpoints, training resumes after the newest one
   * (weights, BN buffers, momentum, global step), bitwise as if never interrupted.
   */
  runDir?: string;
  /** Train only this architecture (stand-alone ground truth). */
  fixed?: A;
  /** Epochs whose checkpoints are kept besides the newest (default: every epoch). */
  checkpointEpochs?: readonly number[];
  progress?: ProgressSink;
  /** Stop after this epoch as if killed (tests of resume). */
  stopAfterEpoch?: number;
  /** Called after every completed epoch (after its checkpoint is written). */
  onEpoch?: (epoch: number, entry: EpochLogEntry) => void;
}

export type TrainSpaceResult = FitResult;

/** Data-order seed of a space run (fixed by the run seed). */
export function spaceDataSeed(seed: number): string {
  return `space-supernet/${seed}/data`;
}

/** Path-sampler seed of epoch `epoch` of a space run. */
export function spaceSamplerSeed(space: string, seed: number, epoch: number): string {
  return `space-supernet/${space}/${seed}/sampler/epoch-${epoch}`;
}

/**
 * Trains `net` for `hyper.epochs` epochs with the configured sampler (or only `fixed`, for
 * stand-alone ground truth: the forward pass of one architecture uses only its own variables, so
 * this is stand-alone training of that architecture), through the one loop (../fit.ts). With
 * `runDir` it checkpoints every epoch and resumes from the folder's newest checkpoint. A NaN/inf
 * loss throws DivergenceError. Few-shot needs several networks: use `supernetStrategy` + `fit`.
 */
export function trainSpaceNetwork<A>(
  spec: SpaceRunSpec<A>,
  net: SpaceNetwork<A>,
  input: TrainingData | BatchSource,
  hyper: SpaceTrainHyper,
  options: TrainSpaceOptions<A> = {},
): TrainSpaceResult {
  let strategy: FitStrategy<A>;
  if (options.fixed) strategy = standaloneStrategy(net, options.fixed);
  else {
    if (hyper.sampler === 'fewshot') {
      throw new Error('few-shot trains several networks: use supernetStrategy with fit');
    }
    strategy = supernetStrategy(spec, hyper, () => net);
  }
  return fit({
    strategy,
    source: toSource(input),
    hyper: { ...hyper, nesterov: hyper.nesterov ?? false },
    seeds: spaceSeeds(spec.space, hyper.seed),
    describe: spec.format,
    runDir: options.runDir,
    checkpointEpochs: options.checkpointEpochs,
    progress: options.progress,
    stopAfterEpoch: options.stopAfterEpoch,
    onEpoch: options.onEpoch,
  });
}

/** The seeds of a space run (data order fixed by the run seed, paths by seed and epoch). */
export function spaceSeeds(space: string, seed: number): FitSeeds {
  return {
    data: spaceDataSeed(seed),
    sampler: (epoch) => spaceSamplerSeed(space, seed, epoch),
  };
}

/**
 * Supernet score of one architecture (the one scorer, src/evaluate/score.ts): BN statistics of
 * its path recalibrated on `calibrationBatches` seeded training batches, then top-1 accuracy
 * (percent) and mean loss on the validation set.
 */
export function scoreSpaceArch<A>(
  net: SpaceNetwork<A>,
  arch: A,
  input: TrainingData | BatchSource,
  hyper: Pick<
    SpaceTrainHyper,
    'calibrationBatches' | 'calibrationBatchSize' | 'evalBatchSize' | 'seed'
  >,
): { accuracy: number; loss: number } {
  const calibration = {
    batches: hyper.calibrationBatches,
    batchSize: hyper.calibrationBatchSize,
    seed: `${hyper.seed}/calibration`,
  };
  return scoreArch(net, arch, toSource(input), calibration, hyper.evalBatchSize);
}

export interface SmokeStudyOptions<A> {
  spec: SpaceRunSpec<A>;
  data: TrainingData | BatchSource;
  /** Study folder: supernet/ and groundtruth/ run folders and summary.json. */
  outDir: string;
  supernet: SpaceTrainHyper;
  /** Stand-alone training of each sampled architecture (ground truth). */
  standalone: SpaceTrainHyper;
  /** Architectures to score and train stand-alone. */
  archs: number;
}

export interface SmokeStudyResult<A> {
  archs: A[];
  scores: ScoreRow[];
  groundTruth: GroundTruthRow[];
  spearman: number;
  kendall: number;
  supernetLoss: number;
}

export { sampleDistinct };

/** Train a supernet -> score sampled archs -> train them stand-alone -> rank correlation. */
export function smokeStudy<A>(o: SmokeStudyOptions<A>): SmokeStudyResult<A> {
  const { spec } = o;
  const data = toSource(o.data);
  const superDir = path.join(o.outDir, 'supernet');
  const gtDir = path.join(o.outDir, 'groundtruth');
  fs.mkdirSync(superDir, { recursive: true });
  fs.mkdirSync(gtDir, { recursive: true });
  const base = { space: spec.space, ...data.describe };
  writeJsonAtomic(path.join(superDir, 'config.json'), {
    kind: 'supernet',
    ...base,
    ...o.supernet,
    library: libraryInfo(),
    createdAt: new Date().toISOString(),
  });
  const net = spec.build(o.supernet.seed);
  let trained;
  const archs = sampleDistinct(spec, o.archs, new Rng(`space-study/${o.supernet.seed}/archs`));
  let scores: ScoreRow[];
  try {
    trained = trainSpaceNetwork(spec, net, data, o.supernet, { runDir: superDir });
    scores = archs.map((a) => ({
      arch: spec.format(a),
      ...scoreSpaceArch(net, a, data, o.supernet),
    }));
    writeScores(superDir, o.supernet.epochs, scores);
  } finally {
    net.dispose();
  }
  writeJsonAtomic(path.join(gtDir, 'config.json'), {
    kind: 'groundtruth',
    ...base,
    ...o.standalone,
    library: libraryInfo(),
    createdAt: new Date().toISOString(),
  });
  const gtLoss: number[] = [];
  const groundTruth: GroundTruthRow[] = archs.map((a) => {
    const t0 = Date.now();
    const alone = spec.build(o.standalone.seed);
    try {
      trainSpaceNetwork(spec, alone, data, o.standalone, { fixed: a });
      const r = scoreSpaceArch(alone, a, data, o.standalone);
      gtLoss.push(r.loss);
      return {
        arch: spec.format(a),
        val_accuracy: r.accuracy,
        test_accuracy: NaN,
        params: spec.params(a),
        flops: spec.flops(a),
        epochs: o.standalone.epochs,
        seconds: (Date.now() - t0) / 1000,
      };
    } finally {
      alone.dispose();
    }
  });
  writeGroundTruth(path.join(gtDir, 'groundtruth.csv'), groundTruth);
  const metric = spec.metric ?? 'accuracy';
  const x =
    metric === 'accuracy' ? scores.map((s) => s.accuracy) : scores.map((s) => Math.exp(s.loss));
  const y = metric === 'accuracy' ? groundTruth.map((g) => g.val_accuracy) : gtLoss.map(Math.exp);
  const result = {
    archs,
    scores,
    groundTruth,
    spearman: spearman(x, y),
    kendall: kendallTauB(x, y),
    supernetLoss: trained.loss,
  };
  writeJsonAtomic(path.join(o.outDir, 'summary.json'), {
    space: spec.space,
    archs: archs.length,
    metric,
    supernet: x,
    standalone: y,
    spearman: result.spearman,
    kendall: result.kendall,
    supernetLoss: result.supernetLoss,
  });
  return result;
}
