/**
 * The one scorer: an architecture's supernet score, for every space, as in SPOS and the
 * weight-sharing study:
 *
 * 1. BatchNorm recalibration (settings explicit and recorded in the run's config): the running
 *    statistics on the architecture's path are reset (mean 0, var 1) and re-estimated on B
 *    batches of S training examples, a seeded sample without augmentation that is the same for
 *    every architecture (Table 2 of the study: 25 x 400 for NB-201). The statistics are the
 *    cumulative average over the batches (PyTorch's BN with momentum=None). B = 0, or a network
 *    without BN (the PTB language model), keeps the statistics from training.
 * 2. Top-1 accuracy and mean cross-entropy on the validation split, in eval mode.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchSource, SpaceBatch } from '../data/types';
import type { SpaceNetwork } from '../supernet/blocks';
import { resetBuffers } from '../supernet/blocks';
import * as ops from '../supernet/ops';

/** BN recalibration before scoring: B batches of S training examples drawn with `seed`. */
export interface CalibrationSettings {
  batches: number;
  batchSize: number;
  seed: string;
}

export interface Evaluation {
  /** Top-1 accuracy in percent (next-token accuracy for language models). */
  accuracy: number;
  /** Mean cross-entropy (per image, or per token). */
  loss: number;
  /** Examples evaluated. */
  count: number;
}

/** Recalibrates the BN statistics of `arch`'s path on `batches` (see the module comment). */
export function recalibrate<A>(net: SpaceNetwork<A>, arch: A, batches: Iterable<SpaceBatch>): void {
  const list = [...batches];
  const buffers = net.pathNames(arch).buffers;
  if (list.length === 0 || buffers.length === 0) return;
  resetBuffers(net.variables, buffers);
  list.forEach((b, k) => {
    tf.tidy(() => {
      net.forward(tf.tensor(b.images, b.shape), arch, {
        mode: 'calibrate',
        calibrationStep: k + 1,
      });
    });
  });
}

/** Accuracy and mean loss of `arch` over `batches` (eval mode, running statistics). */
export function evaluate<A>(
  net: SpaceNetwork<A>,
  arch: A,
  batches: Iterable<SpaceBatch>,
): Evaluation {
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  for (const b of batches) {
    const count = b.labels.length;
    const [c, l] = tf.tidy(() => {
      const y = tf.tensor1d(b.labels, 'int32');
      const logits = net.forward(tf.tensor(b.images, b.shape), arch, { mode: 'eval' });
      return [ops.correctCount(logits, y), tf.mul(ops.crossEntropy(logits, y), count)];
    });
    correct += c.dataSync()[0];
    lossSum += l.dataSync()[0];
    tf.dispose([c, l]);
    n += count;
  }
  return { accuracy: n > 0 ? (100 * correct) / n : NaN, loss: n > 0 ? lossSum / n : NaN, count: n };
}

/**
 * Supernet score of one architecture: recalibrate, then evaluate on the validation split.
 * Changes the path's BN statistics in `net`.
 */
export function scoreArch<A>(
  net: SpaceNetwork<A>,
  arch: A,
  source: BatchSource,
  calibration: CalibrationSettings,
  evalBatchSize: number,
): Evaluation {
  if (calibration.batches > 0 && source.calibration) {
    recalibrate(
      net,
      arch,
      source.calibration(calibration.batches, calibration.batchSize, calibration.seed),
    );
  }
  return evaluate(net, arch, source.valid(evalBatchSize));
}
