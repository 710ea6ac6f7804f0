/**
 * The one epoch loop of every training (supernets with any sampler, few-shot, fixed pools,
 * stand-alone, differentiable search) on any space's networks and batch source. It owns epochs,
 * data order, LR schedule, clipping, the NaN stop, progress, log.jsonl, checkpoints and resume;
 * a strategy (strategies.ts) owns what differs per step.
 *
 * Resume is bitwise because epoch e draws its data order from `seeds.data` and e and its paths
 * from `seeds.sampler(e)` alone, and a checkpoint holds weights, BN statistics and momentum
 * buffers of every network (same kernels and thread count assumed). Differentiable search adds
 * a paired batch stream (`paired`) and a strategy with its own step and checkpoint.
 */
import * as path from 'node:path';
import type { BatchSource, SpaceBatch } from '../data/types';
import { Rng } from '../engine/random';
import { cosineLr } from '../core/schedule';
import { DivergenceError } from '../core/divergence';
import { Sgd, type SgdSettings } from '../core/sgd';
import type { SpaceNetwork } from '../supernet/blocks';
import { loadNetworkTensors, networkTensors } from './network-tensors';
import { createProgress, formatDuration, type ProgressSink } from './progress';
import {
  appendLog,
  checkpointName,
  latestCheckpoint,
  latestVerifiedCheckpoint,
  pruneCheckpoints,
  readCheckpoint,
  readLog,
  truncateLog,
  writeCheckpoint,
  type EpochLogEntry,
  type StoredTensor,
} from '../runs/folder';
import { multiPathStep } from './step';
import type { FitStrategy } from './strategies';

/** Optimisation settings of one training (supernet or stand-alone). */
export interface FitHyper extends SgdSettings {
  epochs: number;
  batchSize: number;
  /** Initial learning rate. */
  lr: number;
  /** End of the cosine schedule (default 0). */
  minLr?: number;
  /** Cosine to minLr over the run (default), or constant (DARTS-PTB, seed Table 2). */
  lrSchedule?: 'cosine' | 'constant';
}

/** Where the randomness of a training comes from (recorded in every checkpoint). */
export interface FitSeeds {
  /** Seed of the data order and augmentation (combined with the epoch by the source). */
  data: string;
  /** Seed of the path generator of `epoch`. */
  sampler(epoch: number): string;
}

/** Checkpoint loop state (manifest.state). */
export interface FitCheckpointState {
  epoch: number;
  globalStep: number;
  /** Per-epoch reseeding: nothing else is needed to continue; recorded for provenance. */
  rng: { scheme: 'per-epoch'; data: string; sampler: string; nextEpoch: number };
  /** The strategy's configuration (sampler name and settings). */
  pathSampler?: Record<string, unknown>;
}

export interface FitOptions<A> {
  strategy: FitStrategy<A>;
  source: BatchSource;
  /**
   * A second stream of batches zipped with the training one, its epoch order drawn from `seed`
   * and the epoch (bilevel search: the held-out half); an epoch then has as many steps as the
   * shorter stream. Only for strategies with their own step (they get it as context.paired).
   */
  paired?: { source: BatchSource; seed: string };
  hyper: FitHyper;
  seeds: FitSeeds;
  /** Architecture as text in messages. */
  describe(arch: A): string;
  /**
   * Run folder: log.jsonl and checkpoints/epoch-XXXX after every epoch. When it already holds
   * checkpoints, training resumes after the newest one, bitwise as if never interrupted.
   * Without it nothing is written (stand-alone training inside a ground-truth run).
   */
  runDir?: string;
  /** Epochs whose checkpoints are kept besides the newest (default: every epoch). */
  checkpointEpochs?: readonly number[];
  progress?: ProgressSink;
  /** What is trained, for messages (default 'training'). */
  what?: string;
  /** Stop after this epoch as if killed (tests of resume). */
  stopAfterEpoch?: number;
  /** Called after every completed epoch (after its checkpoint is written). */
  onEpoch?: (epoch: number, entry: EpochLogEntry) => void;
}

export interface FitResult {
  /** Mean loss / accuracy of the last epoch (the newest logged one when nothing was left). */
  loss: number;
  accuracy: number;
  /** Optimizer steps in total (including a resumed run's earlier ones). */
  steps: number;
  /** Epochs completed in total (including earlier runs of a resumed folder). */
  epochsDone: number;
  /** Epochs run by this call. */
  epochsRun: number;
  /** Epoch this call started after (0 for a fresh run). */
  resumedFrom: number;
  seconds: number;
}

/** Checkpoint tensor-name prefix of network k of a strategy with several (`shot-k/...`). */
export function shotPrefix(k: number): string {
  return `shot-${k}/`;
}

/** The tensors of network k of `count`, with its prefix removed (all of them when count is 1). */
export function netTensors(
  tensors: ReadonlyMap<string, StoredTensor>,
  k: number,
  count: number,
): ReadonlyMap<string, StoredTensor> {
  if (count === 1) return tensors;
  const prefix = shotPrefix(k);
  const out = new Map<string, StoredTensor>();
  for (const [name, t] of tensors) {
    if (name.startsWith(prefix)) out.set(name.slice(prefix.length), t);
  }
  return out;
}

function storedTensors<A>(nets: readonly SpaceNetwork<A>[], sgds: readonly Sgd[]): StoredTensor[] {
  if (nets.length === 1) return networkTensors(nets[0], sgds[0]);
  return nets.flatMap((n, k) =>
    networkTensors(n, sgds[k]).map((t) => ({ ...t, name: shotPrefix(k) + t.name })),
  );
}

/** Optimizer steps of one epoch: full batches of the training stream (and the paired one). */
export function fitStepsPerEpoch(
  options: Pick<FitOptions<unknown>, 'source' | 'paired'> & { hyper: Pick<FitHyper, 'batchSize'> },
): number {
  const { batchSize } = options.hyper;
  const steps = Math.floor(options.source.trainSize / batchSize);
  return options.paired
    ? Math.min(steps, Math.floor(options.paired.source.trainSize / batchSize))
    : steps;
}

/** Learning rate of `step` of `totalSteps`. */
export function learningRate(hyper: FitHyper, totalSteps: number, step: number): number {
  return hyper.lrSchedule === 'constant'
    ? hyper.lr
    : cosineLr({ baseLr: hyper.lr, minLr: hyper.minLr ?? 0, totalSteps }, step);
}

/** Trains (or resumes) with `options.strategy`; see the module comment. */
export function fit<A>(options: FitOptions<A>): FitResult {
  const { strategy, source, hyper, seeds, runDir } = options;
  const nets = strategy.nets;
  const what = options.what ?? 'training';
  const progress = options.progress ?? createProgress({ silent: true });
  const owned = strategy.checkpoint;
  if ((strategy.step === undefined) !== (owned === undefined)) {
    throw new Error('a strategy brings its own step and its own checkpoint together, or neither');
  }
  if (options.paired && !strategy.step) {
    throw new Error('a paired batch stream needs a strategy with its own step');
  }
  // A strategy with its own step owns its optimizer.
  const { momentum, nesterov, weightDecay, clipNorm } = hyper;
  const sgds = owned ? [] : nets.map(() => new Sgd({ momentum, nesterov, weightDecay, clipNorm }));
  const stepsPerEpoch = fitStepsPerEpoch(options);
  if (stepsPerEpoch < 1) {
    throw new Error(
      options.paired
        ? `${source.trainSize} training and ${options.paired.source.trainSize} paired examples make no full batch of ${hyper.batchSize}`
        : `${source.trainSize} training examples make no full batch of ${hyper.batchSize}`,
    );
  }
  const totalSteps = hyper.epochs * stepsPerEpoch;
  const keepAll = options.checkpointEpochs === undefined;
  const keep = new Set(options.checkpointEpochs ?? []);
  const started = Date.now();
  let step = 0;
  let startEpoch = 1;
  try {
    // Resume from the newest checkpoint that verifies; a corrupt newer one is said and skipped.
    // A skipped checkpoint is a warning, shown whatever the progress mode (resume says so).
    const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
    const latest = runDir ? latestVerifiedCheckpoint(runDir, warn) : null;
    if (runDir && latest !== null) {
      const { manifest, tensors } = readCheckpoint<FitCheckpointState & Record<string, unknown>>(
        runDir,
        latest,
      );
      if (owned) {
        const done = owned.restore(manifest.state, tensors);
        step = manifest.state.globalStep ?? done;
      } else {
        nets.forEach((n, k) => loadNetworkTensors(n, netTensors(tensors, k, nets.length), sgds[k]));
        step = manifest.state.globalStep;
      }
      startEpoch = latest + 1;
      truncateLog(runDir, latest);
      if (startEpoch <= hyper.epochs) progress.line(`resuming ${runDir} after epoch ${latest}`);
    } else if (runDir) {
      truncateLog(runDir, 0);
    }
    if (!owned) nets.forEach((n, k) => sgds[k].initBuffers(n.variables.trainable));
    let last: FitResult = {
      loss: NaN,
      accuracy: NaN,
      steps: step,
      epochsDone: startEpoch - 1,
      epochsRun: 0,
      resumedFrom: startEpoch - 1,
      seconds: 0,
    };
    for (let epoch = startEpoch; epoch <= hyper.epochs; epoch++) {
      const t0 = Date.now();
      const rng = new Rng(seeds.sampler(epoch));
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let k = 0;
      let pairedSeen = 0;
      let lr = learningRate(hyper, totalSteps, step);
      const pairedIt = options.paired?.source
        .train(epoch, hyper.batchSize, options.paired.seed)
        [Symbol.iterator]();
      for (const b of source.train(epoch, hyper.batchSize, seeds.data)) {
        let paired: SpaceBatch | undefined;
        if (pairedIt) {
          const p = pairedIt.next();
          if (p.done) break;
          paired = p.value;
          pairedSeen += paired.labels.length;
        }
        let r;
        try {
          if (strategy.step) {
            lr = learningRate(hyper, totalSteps, step);
            r = strategy.step(b, { lr, step, epoch, rng, paired });
            lr = r.lr ?? lr;
          } else {
            const plan = strategy.next(rng);
            lr = learningRate(hyper, totalSteps, step);
            const i = plan.net;
            r = multiPathStep(
              nets[i],
              plan.paths,
              plan.reduce,
              b.images,
              b.labels,
              b.shape,
              sgds[i],
              lr,
              options.describe,
            );
          }
        } catch (err) {
          if (err instanceof DivergenceError) {
            const good = runDir ? latestCheckpoint(runDir) : null;
            throw new DivergenceError(
              `${what} diverged at epoch ${epoch}, step ${k + 1} (${err.message}); stopped without saving. ` +
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
      pairedIt?.return?.();
      progress.done();
      const seconds = (Date.now() - t0) / 1000;
      const extra = strategy.endEpoch?.(epoch);
      // Examples per second (images, or PTB segments; paired batches included).
      const entry: EpochLogEntry = {
        epoch,
        loss: lossSum / seen,
        accuracy: (100 * correct) / seen,
        lr,
        imagesPerSecond: (seen + pairedSeen) / Math.max(seconds, 1e-3),
        seconds,
        ...extra,
      };
      last = {
        loss: entry.loss,
        accuracy: entry.accuracy,
        steps: step,
        epochsDone: epoch,
        epochsRun: last.epochsRun + 1,
        resumedFrom: startEpoch - 1,
        seconds: 0,
      };
      if (runDir) {
        appendLog(runDir, entry);
        const state: FitCheckpointState = {
          epoch,
          globalStep: step,
          rng: {
            scheme: 'per-epoch',
            data: seeds.data,
            sampler: seeds.sampler(epoch + 1),
            nextEpoch: epoch + 1,
          },
          pathSampler: strategy.state(),
        };
        if (owned) writeCheckpoint(runDir, epoch, owned.tensors(), { ...state, ...owned.state() });
        else writeCheckpoint(runDir, epoch, storedTensors(nets, sgds), state);
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
      const logged = readLog(runDir).at(-1);
      if (logged) last = { ...last, loss: logged.loss, accuracy: logged.accuracy };
    }
    return { ...last, seconds: (Date.now() - started) / 1000 };
  } finally {
    sgds.forEach((o) => o.dispose());
  }
}
