/**
 * Evaluating a sub-network with inherited weights, as in SPOS and the weight-sharing study:
 *
 * 1. BatchNorm recalibration: the running statistics of every BN on the architecture's path are
 *    reset (mean 0, var 1) and re-estimated on B batches of S training images (Table 2 of the
 *    study: 25 x 400 for NB-201). Each batch is a training-mode forward pass; the statistics are
 *    the cumulative average over the batches (PyTorch's BN with momentum=None, what SPOS's
 *    recalibration does), so every batch weighs the same and the result does not depend on a
 *    momentum. Unbiased batch variances, as PyTorch stores them.
 * 2. Top-1 accuracy and mean cross-entropy on the validation images, in eval mode.
 *
 * Calibration images are a seeded sample of the training set without augmentation, the same for
 * every architecture scored with the same seed, so that rankings are not perturbed by which
 * images each architecture happened to see. Work is batched; tf.memory() stays flat.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/types';
import { Rng } from '../engine/random';
import type { Nb201Arch } from '../spaces/nb201/definition';
import type { Nb201Network } from './network';
import * as ops from './ops';

export interface CalibrationOptions {
  /** B: number of calibration batches (Table 2: 25). 0 keeps the current statistics. */
  batches: number;
  /** S: images per calibration batch (Table 2: 400). */
  batchSize: number;
}

export const TABLE2_CALIBRATION: Readonly<CalibrationOptions> = Object.freeze({
  batches: 25,
  batchSize: 400,
});

/** Copies the images and labels at `indices` into tensors [n, H, W, C] and [n]. */
export function gatherBatch(
  data: Dataset,
  indices: ArrayLike<number>,
): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const [, h, w, c] = data.shape;
  const per = h * w * c;
  const n = indices.length;
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = indices[i];
    images.set(data.images.subarray(k * per, (k + 1) * per), i * per);
    labels[i] = data.labels[k];
  }
  return { x: tf.tensor4d(images, [n, h, w, c]), y: tf.tensor1d(labels, 'int32') };
}

/** A contiguous range [start, end) as tensors (no copy of the pixel data into JS arrays). */
export function sliceBatch(
  data: Dataset,
  start: number,
  end: number,
): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const [, h, w, c] = data.shape;
  const per = h * w * c;
  return {
    x: tf.tensor4d(data.images.subarray(start * per, end * per), [end - start, h, w, c]),
    y: tf.tensor1d(data.labels.subarray(start, end), 'int32'),
  };
}

/**
 * The indices of B batches of S images drawn from `count` images with a seeded generator:
 * without replacement while the set lasts (reshuffled when B*S exceeds it).
 */
export function calibrationIndices(
  count: number,
  options: CalibrationOptions,
  seed: number | string,
): Int32Array[] {
  if (!(count > 0)) throw new Error('calibration needs a non-empty training set');
  const rng = new Rng(`bn-calibration/${seed}`);
  const order = Array.from({ length: count }, (_, i) => i);
  let pos = count;
  const batches: Int32Array[] = [];
  for (let b = 0; b < options.batches; b++) {
    const batch = new Int32Array(options.batchSize);
    for (let i = 0; i < options.batchSize; i++) {
      if (pos >= count) {
        rng.shuffle(order);
        pos = 0;
      }
      batch[i] = order[pos++];
    }
    batches.push(batch);
  }
  return batches;
}

/**
 * Resets the BN running statistics on `arch`'s path and re-estimates them as the cumulative
 * average over the given batches of `data` (see the module comment).
 */
export function recalibrateBatchNorm(
  net: Nb201Network,
  arch: Nb201Arch,
  data: Dataset,
  batches: readonly Int32Array[],
): void {
  if (batches.length === 0) return;
  net.resetBatchNormStats(arch);
  batches.forEach((indices, k) => {
    tf.tidy(() => {
      const { x } = gatherBatch(data, indices);
      net.forward(x, arch, { mode: 'calibrate', calibrationStep: k + 1 });
    });
  });
}

export interface EvaluationResult {
  /** Top-1 accuracy in percent. */
  accuracy: number;
  /** Mean cross-entropy. */
  loss: number;
  /** Images evaluated. */
  count: number;
}

/** Top-1 accuracy and mean loss of `arch` on `data` (eval mode, running statistics). */
export function evaluateAccuracy(
  net: Nb201Network,
  arch: Nb201Arch,
  data: Dataset,
  options: { batchSize?: number; limit?: number } = {},
): EvaluationResult {
  const n = Math.min(data.shape[0], options.limit ?? Infinity);
  const batchSize = Math.max(1, options.batchSize ?? 500);
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const [c, l] = tf.tidy(() => {
      const { x, y } = sliceBatch(data, start, end);
      const logits = net.forward(x, arch, { mode: 'eval' });
      return [ops.correctCount(logits, y), tf.mul(ops.crossEntropy(logits, y), end - start)];
    });
    correct += c.dataSync()[0];
    lossSum += l.dataSync()[0];
    tf.dispose([c, l]);
  }
  return { accuracy: n > 0 ? (100 * correct) / n : NaN, loss: n > 0 ? lossSum / n : NaN, count: n };
}

export interface ScoreOptions {
  calibration: CalibrationOptions;
  /** Seed of the calibration sample (same images for every architecture). */
  calibrationSeed: number | string;
  /** Batch size of the validation pass. */
  evalBatchSize?: number;
  /** Evaluate on the first `limit` validation images only. */
  validationLimit?: number;
}

/**
 * Supernet score of one architecture: recalibrate BN on training images, then accuracy and loss
 * on the validation set. Modifies the path's BN statistics in `net` (score a scratch copy, or
 * reload the checkpoint, if they matter afterwards).
 */
export function scoreArchitecture(
  net: Nb201Network,
  arch: Nb201Arch,
  train: Dataset,
  validation: Dataset,
  options: ScoreOptions,
  batches: readonly Int32Array[] = calibrationIndices(
    train.shape[0],
    options.calibration,
    options.calibrationSeed,
  ),
): EvaluationResult {
  recalibrateBatchNorm(net, arch, train, batches);
  return evaluateAccuracy(net, arch, validation, {
    batchSize: options.evalBatchSize,
    limit: options.validationLimit,
  });
}
