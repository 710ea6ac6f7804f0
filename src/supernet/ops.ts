/**
 * Every tensor primitive the NAS-Bench-201 networks use, in one place (NHWC layout).
 *
 * The model code (cells, skeleton, training) calls only these functions, so a faster kernel from
 * the engine reaches every network without edits elsewhere. Convolutions and pooling go through
 * tfjs kernels, which `initEngine` replaces with fast/fixed ones per backend; batch norm uses the
 * engine's fused helpers; avg-pool falls back to a formulation whose gradient is right on every
 * backend when the engine has not fixed tfjs's AvgPoolGrad.
 */
import * as tf from '@tensorflow/tfjs';
import { engineInfo } from '../engine';

export function relu(x: tf.Tensor4D): tf.Tensor4D {
  return tf.relu(x);
}

/**
 * Convolution without bias. `pad` is PyTorch's symmetric zero padding: `k=3, pad=1` keeps the
 * size at stride 1 and halves even sizes at stride 2 with the same window alignment as PyTorch
 * (tfjs 'same' at stride 2 would pad bottom/right instead of top/left).
 */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  if (pad === 0) return tf.conv2d(x, w, stride, 'valid');
  if (stride === 1 && 2 * pad === w.shape[0] - 1) return tf.conv2d(x, w, 1, 'same');
  return tf.conv2d(x, w, stride, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
}

/**
 * Batch norm, the engine's helpers under the networks' names: batchNormInference(x, mean, var,
 * gamma, beta, eps) = (x - mean) / sqrt(var + eps) * gamma + beta; batchNormTrain(x, gamma, beta,
 * eps) normalises with batch statistics over N, H, W (fused kernel, analytic gradient) and also
 * returns the batch mean and biased variance (the caller disposes them); updateRunningStats(mean,
 * var, batchMean, batchVar, n, f) sets running = (1 - f) * running + f * batch with the batch
 * variance made unbiased (n / (n - 1), n = elements per channel), PyTorch's rule; f = momentum in
 * training, 1/k for the k-th calibration batch (cumulative average).
 */
export {
  batchNorm2dInfer as batchNormInference,
  batchNorm2dTrain as batchNormTrain,
  blendRunningStats as updateRunningStats,
} from '../engine';

/** True when the engine replaced tfjs's AvgPoolGrad (wrong at borders) on the current backend. */
function fixedAvgPoolGrad(): boolean {
  const info = engineInfo();
  return info !== null && info.backend === tf.getBackend() && info.kernels.includes('AvgPoolGrad');
}

const countCache = new Map<string, tf.Tensor3D>();

/** 1 / (number of in-image pixels of each 3x3 window), shape [H, W, 1]; cached, never disposed. */
function inverseWindowCounts(h: number, w: number): tf.Tensor3D {
  const key = `${h}x${w}`;
  let t = countCache.get(key);
  if (!t) {
    const data = new Float32Array(h * w);
    for (let i = 0; i < h; i++) {
      const rows = (i > 0 ? 1 : 0) + 1 + (i < h - 1 ? 1 : 0);
      for (let j = 0; j < w; j++) {
        const cols = (j > 0 ? 1 : 0) + 1 + (j < w - 1 ? 1 : 0);
        data[i * w + j] = 9 / (rows * cols);
      }
    }
    t = tf.keep(tf.tensor3d(data, [h, w, 1]));
    countCache.set(key, t);
  }
  return t;
}

/**
 * NAS-Bench-201's avg_pool_3x3: 3x3 window, stride 1, padding 1, padding excluded from the
 * average (PyTorch count_include_pad=False). Built from an explicit zero pad, a 'valid' pool and
 * a constant rescale, whose tfjs gradients are all right (the stock 'same' AvgPoolGrad is not at
 * the borders).
 */
export function avgPool3x3(x: tf.Tensor4D): tf.Tensor4D {
  if (fixedAvgPoolGrad()) return tf.avgPool(x, 3, 1, 'same');
  return avgPool3x3Composite(x);
}

/** avgPool3x3 from pad + 'valid' pool + rescale: right gradient on any backend (the fallback). */
export function avgPool3x3Composite(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const padded = tf.pad(x, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    const pooled = tf.avgPool(padded, 3, 1, 'valid');
    return tf.mul(pooled, inverseWindowCounts(x.shape[1], x.shape[2]));
  });
}

/** 2x2 average pool, stride 2 (the reduction block's shortcut). */
export function avgPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 2, 2, 'valid');
}

/** Mean over H and W: [N, H, W, C] -> [N, C]. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** x [N, in] @ w [in, out] + b. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, w), b);
}

/**
 * Sum of same-shaped tensors (a single tensor is returned as is): tfjs's Add (two) or AddN, with
 * a gradient that hands dy to every term and keeps no term for the backward pass. tfjs's own
 * Add and AddN gradients keep all their inputs alive until the backward pass reaches them, only
 * to read their shapes or count them (on NB-201 C=16 N=5 at batch 64, the edge outputs summed
 * into nodes were 27% of what a training step kept).
 */
export function addAll(xs: tf.Tensor4D[]): tf.Tensor4D {
  if (xs.length === 0) throw new Error('addAll needs at least one tensor');
  if (xs.length === 1) return xs[0];
  // Terms of different shapes (a broadcast, as tiny images in a reduction block give) take
  // tfjs's own Add / AddN and their gradients, which reduce dy to each term's shape.
  if (xs.some((x) => !tf.util.arraysEqual(x.shape, xs[0].shape))) {
    return xs.length === 2 ? tf.add(xs[0], xs[1]) : tf.addN(xs);
  }
  return sumKeepingNothing(...xs) as tf.Tensor4D;
}

const sumKeepingNothing = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const xs = args.slice(0, -1) as tf.Tensor[];
  const n = xs.length;
  return {
    value: n === 2 ? tf.add(xs[0], xs[1]) : tf.addN(xs),
    // A fresh tensor per term (as tfjs's Add and AddN gradients return): tfjs's backward pass
    // disposes a term's gradient when it adds another to it, so terms must not share one.
    gradFunc: (dy: tf.Tensor) => Array.from({ length: n }, () => tf.clone(dy)),
  };
});

/** A tensor of zeros through tfjs's Fill kernel, which the native engine serves from its pool. */
export function zeros(shape: [number, number, number, number]): tf.Tensor4D {
  return tf.fill(shape, 0, 'float32');
}

/** Mean softmax cross-entropy of logits [N, K] against integer labels [N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
  });
}

/** Number of rows whose arg-max equals the label. */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() =>
    tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32')),
  );
}
