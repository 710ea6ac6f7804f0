/**
 * The one optimizer step of every training: forward + backward of each path on the same batch,
 * gradients accumulated per variable (summed, or averaged over the paths), then one clipped SGD
 * update of every variable that any path touched. A NaN/inf loss or gradient norm throws
 * DivergenceError before anything is updated.
 */
import * as tf from '@tensorflow/tfjs';
import * as ops from '../supernet/ops';
import { Sgd } from '../core/sgd';
import { DivergenceError } from '../core/divergence';

export { DivergenceError };

export interface StepResult {
  /** Mean cross-entropy of the batch (before the update; mean over the paths). */
  loss: number;
  /** Correctly classified examples of the batch (before the update; mean over the paths). */
  correct: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/** What the multi-path step needs from a network (any space's supernet). */
export interface PathNetwork<A> {
  readonly variables: { trainable: Map<string, tf.Variable> };
  pathNames(arch: A): { trainable: string[] };
  forward(x: tf.Tensor, arch: A, options: { mode: 'train' }): tf.Tensor2D;
}

/**
 * Accumulated gradients of `paths` on one batch (caller disposes the tensors), with the mean
 * loss and correct count over the paths.
 */
export function accumulateGradients<A>(
  net: PathNetwork<A>,
  paths: readonly A[],
  x: tf.Tensor,
  y: tf.Tensor1D,
  reduce: 'sum' | 'mean',
): { grads: Map<string, tf.Tensor>; loss: number; correct: number } {
  if (paths.length === 0) throw new Error('a step needs at least one path');
  const grads = new Map<string, tf.Tensor>();
  let loss = 0;
  let correct = 0;
  for (const arch of paths) {
    const names = net.pathNames(arch).trainable;
    const vars = names.map((n) => net.variables.trainable.get(n)!);
    let correctT: tf.Scalar | null = null;
    const { value, grads: g } = tf.variableGrads(() => {
      const logits = net.forward(x, arch, { mode: 'train' });
      correctT = tf.keep(ops.correctCount(logits, y));
      return ops.crossEntropy(logits, y);
    }, vars);
    loss += value.dataSync()[0];
    correct += (correctT as unknown as tf.Scalar).dataSync()[0];
    tf.dispose([value, correctT as unknown as tf.Scalar]);
    names.forEach((n, i) => {
      const gi = g[vars[i].name];
      if (!gi) return;
      const prev = grads.get(n);
      if (prev) {
        grads.set(n, tf.add(prev, gi));
        prev.dispose();
        gi.dispose();
      } else grads.set(n, gi);
    });
  }
  if (reduce === 'mean' && paths.length > 1) {
    for (const [n, t] of grads) {
      grads.set(
        n,
        tf.tidy(() => tf.div(t, paths.length)),
      );
      t.dispose();
    }
  }
  return { grads, loss: loss / paths.length, correct: correct / paths.length };
}

/** Multi-path training step; throws DivergenceError (before updating) on NaN/inf. */
export function multiPathStep<A>(
  net: PathNetwork<A>,
  paths: readonly A[],
  reduce: 'sum' | 'mean',
  images: Float32Array,
  labels: Int32Array,
  shape: readonly number[],
  sgd: Sgd,
  lr: number,
  describe: (a: A) => string = (a) => JSON.stringify(a),
): StepResult {
  const x = tf.tensor(images, [...shape]);
  const y = tf.tensor1d(labels, 'int32');
  try {
    const { grads, loss, correct } = accumulateGradients(net, paths, x, y, reduce);
    try {
      const norm = Sgd.globalNorm(grads);
      const gradNorm = norm.dataSync()[0];
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        norm.dispose();
        throw new DivergenceError(
          `loss ${loss}, gradient norm ${gradNorm} on paths ${paths.map(describe).join(' | ')}`,
        );
      }
      sgd.step(net.variables.trainable, grads, lr, norm);
      norm.dispose();
      return { loss, correct, gradNorm };
    } finally {
      tf.dispose([...grads.values()]);
    }
  } finally {
    tf.dispose([x, y]);
  }
}

/** One step of a single path (a supernet's sub-network, or a stand-alone network). */
export function trainStep<A>(
  net: PathNetwork<A>,
  arch: A,
  images: Float32Array,
  labels: Int32Array,
  shape: readonly number[],
  sgd: Sgd,
  lr: number,
): StepResult {
  return multiPathStep(net, [arch], 'mean', images, labels, shape, sgd, lr);
}
