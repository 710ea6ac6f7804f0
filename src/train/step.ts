/** One SGD step of a single path (supernet) or a stand-alone network. */
import * as tf from '@tensorflow/tfjs';
import type { Nb201Arch } from '../spaces/nb201/definition';
import type { Nb201Network } from '../supernet/network';
import * as ops from '../supernet/ops';
import { Sgd } from '../core/sgd';
import { DivergenceError } from '../core/divergence';

export interface StepResult {
  /** Mean cross-entropy of the batch (before the update). */
  loss: number;
  /** Correctly classified images of the batch (before the update). */
  correct: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export { DivergenceError };

/**
 * Forward + backward of `arch` on one batch (training mode: batch statistics, running statistics
 * updated), then one optimizer step on the variables of the path. Throws DivergenceError before
 * updating anything when the loss or the gradient norm is NaN/inf.
 */
export function trainStep(
  net: Nb201Network,
  arch: Nb201Arch,
  images: Float32Array,
  labels: Int32Array,
  shape: readonly [number, number, number, number],
  sgd: Sgd,
  lr: number,
): StepResult {
  const names = net.pathNames(arch).trainable;
  const vars = names.map((n) => net.variables.trainable.get(n)!);
  const x = tf.tensor4d(images, shape as [number, number, number, number]);
  const y = tf.tensor1d(labels, 'int32');
  let correctT: tf.Scalar | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const logits = net.forward(x, arch, { mode: 'train' });
    correctT = tf.keep(ops.correctCount(logits, y));
    return ops.crossEntropy(logits, y);
  }, vars);
  const gradMap = new Map<string, tf.Tensor | null>();
  names.forEach((n, i) => gradMap.set(n, grads[vars[i].name] ?? null));
  try {
    const norm = Sgd.globalNorm(gradMap);
    const stats = tf.tidy(() => tf.stack([value, correctT as unknown as tf.Scalar, norm]));
    const [loss, correct, gradNorm] = Array.from(stats.dataSync());
    stats.dispose();
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      norm.dispose();
      throw new DivergenceError(
        `loss ${loss}, gradient norm ${gradNorm} on architecture [${arch.join(', ')}]`,
      );
    }
    sgd.step(net.variables.trainable, gradMap, lr, norm);
    norm.dispose();
    return { loss, correct, gradNorm };
  } finally {
    tf.dispose([x, y, value, correctT as unknown as tf.Scalar]);
    tf.dispose(Object.values(grads));
  }
}
