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
import * as tf from '@tensorflow/tfjs';
import { iterateBatches } from '../../data';
import { Rng } from '../../engine/random';
import { kendallTauB, spearman } from '../../analysis/correlation';
import type { RandomSource } from '../../spaces/types';
import type { BatchSource, SpaceBatch } from '../../data/types';
import type { SpaceRunSpec } from '../../supernet/binding';
import type { SpaceNetwork } from '../../supernet/blocks';
import { resetBuffers } from '../../supernet/blocks';
import * as ops from '../../supernet/ops';
import { libraryInfo } from '../../info';
import { cosineLr } from '../../core/schedule';
import { Sgd } from '../../core/sgd';
import {
  loadNetworkTensors as loadSpaceNetworkTensors,
  networkTensors as spaceNetworkTensors,
} from '../network-tensors';

// The space runner's names for the shared checkpoint-tensor helpers.
export { loadSpaceNetworkTensors, spaceNetworkTensors };
import { DivergenceError } from '../step';
import { createProgress, formatDuration, type ProgressSink } from '../progress';
import type { TrainingData } from '../data';
import {
  appendLog,
  checkpointName,
  latestCheckpoint,
  pruneCheckpoints,
  readCheckpoint,
  readLog,
  truncateLog,
  writeCheckpoint,
  type EpochLogEntry,
  writeGroundTruth,
  writeJsonAtomic,
  writeScores,
  type GroundTruthRow,
  type ScoreRow,
  type StoredTensor,
} from '../run-folder';
import { createSampler, type SamplerSettings } from './samplers';
import { multiPathStep } from './step';

export type { SpaceRunSpec, BatchSource, SpaceBatch };

export function imageBatchSource(data: TrainingData): BatchSource {
  return {
    train: (epoch, batchSize, seed) =>
      iterateBatches(data.train, { batchSize, seed, epoch, dropLast: true }),
    valid: (batchSize) => iterateBatches(data.valid, { batchSize, shuffle: false }),
    trainSize: data.train.shape[0],
    calibrate: true,
    describe: { imageSize: data.imageSize, classes: data.classes },
  };
}

function toSource(data: TrainingData | BatchSource): BatchSource {
  return typeof data.train === 'function'
    ? (data as BatchSource)
    : imageBatchSource(data as TrainingData);
}

export interface SpaceTrainHyper extends SamplerSettings {
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  clipNorm: number;
  calibrationBatches: number;
  calibrationBatchSize: number;
  evalBatchSize: number;
  /** Learning-rate schedule (default cosine to 0; DARTS-PTB: constant, seed Table 2). */
  lrSchedule?: 'cosine' | 'constant';
}

/** Checkpoint loop state of the space runner (manifest.state). */
export interface SpaceCheckpointState {
  epoch: number;
  globalStep: number;
  /**
   * Randomness: epoch e reseeds data order (`data`) and path sampling (`sampler`, with the epoch
   * appended) from the run seed, so nothing else is needed to continue; the samplers themselves
   * are stateless between steps (`pathSampler` records their configuration).
   */
  rng: { scheme: 'per-epoch'; data: string; sampler: string; nextEpoch: number };
  pathSampler: Record<string, unknown>;
}

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

export interface TrainSpaceResult {
  /** Mean loss / accuracy of the last epoch run (NaN when nothing was left to run). */
  loss: number;
  accuracy: number;
  /** Optimizer steps in total (including a resumed run's earlier ones). */
  steps: number;
  /** Epochs completed in total. */
  epochsDone: number;
  /** Epochs run by this call. */
  epochsRun: number;
  /** Epoch this call started after (0 for a fresh run). */
  resumedFrom: number;
}

/** Data-order seed of a space run (fixed by the run seed). */
export function spaceDataSeed(seed: number): string {
  return `space-supernet/${seed}/data`;
}

/** Path-sampler seed of epoch `epoch` of a space run. */
export function spaceSamplerSeed(space: string, seed: number, epoch: number): string {
  return `space-supernet/${space}/${seed}/sampler/epoch-${epoch}`;
}

/** Learning rate of `step`: cosine to 0 over the run, or constant (DARTS-PTB, seed Table 2). */
export function spaceLr(
  hyper: Pick<SpaceTrainHyper, 'lr' | 'lrSchedule'>,
  totalSteps: number,
  step: number,
): number {
  return hyper.lrSchedule === 'constant'
    ? hyper.lr
    : cosineLr({ baseLr: hyper.lr, minLr: 0, totalSteps }, step);
}

/**
 * Trains `net` for `hyper.epochs` epochs with the configured sampler (or only `fixed`, for
 * stand-alone ground truth: the forward pass of one architecture uses only its own variables, so
 * this is stand-alone training of that architecture). With `runDir` it checkpoints every epoch
 * and resumes from the folder's newest checkpoint (see `TrainSpaceOptions`). A NaN/inf loss
 * throws DivergenceError (nothing of that step is applied or saved; the message names the last
 * good checkpoint).
 */
export function trainSpaceNetwork<A>(
  spec: SpaceRunSpec<A>,
  net: SpaceNetwork<A>,
  input: TrainingData | BatchSource,
  hyper: SpaceTrainHyper,
  options: TrainSpaceOptions<A> = {},
): TrainSpaceResult {
  const data = toSource(input);
  const { runDir } = options;
  const progress = options.progress ?? createProgress({ silent: true });
  const sgd = new Sgd({
    momentum: hyper.momentum,
    nesterov: false,
    weightDecay: hyper.weightDecay,
    clipNorm: hyper.clipNorm,
  });
  const sampler = createSampler(spec, hyper);
  if (sampler.name === 'fewshot') {
    // Few-shot needs one weight copy per sub-supernet and routing in scoring: only the NB-201
    // trainer (supernet-trainer.ts) implements it so far.
    throw new Error(
      `the space-generic runner (${spec.space}) does not support the fewshot sampler`,
    );
  }
  const stepsPerEpoch = Math.floor(data.trainSize / hyper.batchSize);
  if (stepsPerEpoch < 1) {
    throw new Error(`${data.trainSize} training examples make no full batch of ${hyper.batchSize}`);
  }
  const totalSteps = hyper.epochs * stepsPerEpoch;
  const keep = new Set(options.checkpointEpochs ?? []);
  const keepAll = options.checkpointEpochs === undefined;
  let step = 0;
  let startEpoch = 1;
  let last: TrainSpaceResult = {
    loss: NaN,
    accuracy: NaN,
    steps: 0,
    epochsDone: 0,
    epochsRun: 0,
    resumedFrom: 0,
  };
  const started = Date.now();
  try {
    const latest = runDir ? latestCheckpoint(runDir) : null;
    if (runDir && latest !== null) {
      const { manifest, tensors } = readCheckpoint<SpaceCheckpointState>(runDir, latest);
      loadSpaceNetworkTensors(net, tensors, sgd);
      step = manifest.state.globalStep;
      startEpoch = latest + 1;
      truncateLog(runDir, latest);
      if (startEpoch <= hyper.epochs) progress.line(`resuming ${runDir} after epoch ${latest}`);
    } else if (runDir) {
      truncateLog(runDir, 0);
    }
    sgd.initBuffers(net.variables.trainable);
    last = { ...last, steps: step, epochsDone: startEpoch - 1, resumedFrom: startEpoch - 1 };
    for (let epoch = startEpoch; epoch <= hyper.epochs; epoch++) {
      const t0 = Date.now();
      const rng = new Rng(spaceSamplerSeed(spec.space, hyper.seed, epoch));
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let k = 0;
      let lr = spaceLr(hyper, totalSteps, step);
      for (const b of data.train(epoch, hyper.batchSize, spaceDataSeed(hyper.seed))) {
        const plan = options.fixed
          ? { paths: [options.fixed], reduce: 'mean' as const }
          : sampler.next(rng);
        lr = spaceLr(hyper, totalSteps, step);
        let r;
        try {
          r = multiPathStep(
            net,
            plan.paths,
            plan.reduce,
            b.images,
            b.labels,
            b.shape,
            sgd,
            lr,
            spec.format,
          );
        } catch (err) {
          if (err instanceof DivergenceError) {
            const good = runDir ? latestCheckpoint(runDir) : null;
            throw new DivergenceError(
              `training diverged at epoch ${epoch}, step ${k + 1} (${err.message}); stopped without saving. ` +
                (good !== null && runDir
                  ? `The last good checkpoint is ${path.join(runDir, 'checkpoints', checkpointName(good))}`
                  : 'No checkpoint was written yet') +
                '. Try a lower --lr or a smaller --clip.',
            );
          }
          throw err;
        }
        step++;
        k++;
        lossSum += r.loss * b.labels.length;
        correct += r.correct;
        seen += b.labels.length;
        progress.update(
          k,
          stepsPerEpoch,
          `epoch ${epoch}/${hyper.epochs} loss ${(lossSum / seen).toFixed(3)} acc ${((100 * correct) / seen).toFixed(1)}%`,
        );
      }
      progress.done();
      const seconds = (Date.now() - t0) / 1000;
      const entry: EpochLogEntry = {
        epoch,
        loss: lossSum / seen,
        accuracy: (100 * correct) / seen,
        lr,
        imagesPerSecond: seen / Math.max(seconds, 1e-3),
        seconds,
      };
      last = {
        loss: entry.loss,
        accuracy: entry.accuracy,
        steps: step,
        epochsDone: epoch,
        epochsRun: last.epochsRun + 1,
        resumedFrom: startEpoch - 1,
      };
      if (runDir) {
        appendLog(runDir, entry);
        const state: SpaceCheckpointState = {
          epoch,
          globalStep: step,
          rng: {
            scheme: 'per-epoch',
            data: spaceDataSeed(hyper.seed),
            sampler: spaceSamplerSeed(spec.space, hyper.seed, epoch + 1),
            nextEpoch: epoch + 1,
          },
          pathSampler: sampler.state(),
        };
        writeCheckpoint(runDir, epoch, spaceNetworkTensors(net, sgd), state);
        if (!keepAll) pruneCheckpoints(runDir, keep);
      }
      const remaining = ((Date.now() - started) / 1000 / last.epochsRun) * (hyper.epochs - epoch);
      progress.line(
        `epoch ${epoch}/${hyper.epochs}  loss ${entry.loss.toFixed(4)}  acc ${entry.accuracy.toFixed(2)}%  ` +
          `lr ${lr.toPrecision(4)}  ${entry.imagesPerSecond.toFixed(0)} ex/s  ${seconds.toFixed(1)}s  ETA ${formatDuration(remaining)}`,
      );
      options.onEpoch?.(epoch, entry);
      if (options.stopAfterEpoch !== undefined && epoch >= options.stopAfterEpoch) break;
    }
    if (runDir && last.epochsRun === 0) {
      // Nothing left to run: report the newest logged epoch.
      const logged = readLog(runDir).at(-1);
      if (logged) last = { ...last, loss: logged.loss, accuracy: logged.accuracy };
    }
    return last;
  } finally {
    sgd.dispose();
  }
}

/**
 * Supernet score of one architecture: BN statistics of its path recalibrated on
 * `calibrationBatches` training batches (cumulative average), then top-1 accuracy (percent) and
 * mean loss on the validation set.
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
  const data = toSource(input);
  const buffers = net.pathNames(arch).buffers;
  // Without recalibration the running statistics from training are what BN evaluates with.
  const recalibrate = hyper.calibrationBatches > 0 && buffers.length > 0 && data.calibrate;
  if (recalibrate) resetBuffers(net.variables, buffers);
  let k = 0;
  for (const b of data.train(
    0,
    hyper.calibrationBatchSize,
    `space-supernet/${hyper.seed}/calibration`,
  )) {
    if (!recalibrate || k >= hyper.calibrationBatches) break;
    k++;
    tf.tidy(() => {
      net.forward(tf.tensor(b.images, b.shape), arch, { mode: 'calibrate', calibrationStep: k });
    });
  }
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  for (const b of data.valid(hyper.evalBatchSize)) {
    const [c, l] = tf.tidy(() => {
      const y = tf.tensor1d(b.labels, 'int32');
      const logits = net.forward(tf.tensor(b.images, b.shape), arch, { mode: 'eval' });
      return [ops.correctCount(logits, y).dataSync()[0], ops.crossEntropy(logits, y).dataSync()[0]];
    });
    correct += c;
    lossSum += l * b.labels.length;
    n += b.labels.length;
  }
  return { accuracy: (100 * correct) / n, loss: lossSum / n };
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

/** Sampled architectures (seeded, distinct strings). */
export function sampleDistinct<A>(
  spec: Pick<SpaceRunSpec<A>, 'sample' | 'format'>,
  n: number,
  rng: RandomSource,
): A[] {
  const seen = new Set<string>();
  const out: A[] = [];
  for (let t = 0; out.length < n && t < 100 * n; t++) {
    const a = spec.sample(rng);
    const key = spec.format(a);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}

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
