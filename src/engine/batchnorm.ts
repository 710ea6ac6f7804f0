import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from './kernels/batchnorm';
import { BLEND_STATS } from './kernels/names';

export interface BatchNormTrainResult {
  /** Normalised (and, with gamma/beta, scaled and shifted) output, same shape as x. */
  y: tf.Tensor4D;
  /** Batch mean per channel (not differentiated; for running statistics). */
  mean: tf.Tensor1D;
  /** Biased batch variance per channel (divided by N*H*W), as used to normalise. */
  variance: tf.Tensor1D;
}

function hasFusedKernels(): boolean {
  const backend = tf.getBackend();
  return (
    tf.getKernel(BATCH_NORM_TRAIN, backend) != null &&
    tf.getKernel(BATCH_NORM_GRAD, backend) != null
  );
}

const AXES = [0, 1, 2];

function compositeForward(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D | null,
  beta: tf.Tensor1D | null,
  epsilon: number,
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  const mean = tf.mean(x, AXES) as tf.Tensor1D;
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), AXES) as tf.Tensor1D;
  let y: tf.Tensor4D = tf.mul(xc, tf.rsqrt(tf.add(variance, epsilon)));
  if (gamma) y = tf.mul(y, gamma);
  if (beta) y = tf.add(y, beta);
  return [y, mean, variance];
}

function compositeGrad(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  gamma: tf.Tensor1D | null,
  epsilon: number,
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  const m = x.size / x.shape[3];
  const invstd = tf.rsqrt(tf.add(variance, epsilon));
  const xhat = tf.mul(tf.sub(x, mean), invstd);
  const dbeta = tf.sum(dy, AXES) as tf.Tensor1D;
  const dgamma = tf.sum(tf.mul(dy, xhat), AXES) as tf.Tensor1D;
  const a = gamma ? tf.mul(gamma, invstd) : invstd;
  const inner = tf.sub(tf.sub(tf.mul(dy, m), dbeta), tf.mul(xhat, dgamma));
  const dx = tf.mul(inner, tf.div(a, m)) as tf.Tensor4D;
  return [dx, dgamma, dbeta];
}

/**
 * Training-mode 2-D batch norm over an NHWC tensor (statistics over N, H, W), with a cheap
 * custom gradient (one fused kernel each way on cpu/wasm/native; a short composite elsewhere).
 * `gamma`/`beta` are optional (affine=false when omitted). Also returns the batch mean and
 * biased variance; update running statistics with `blendRunningStats`.
 */
export function batchNorm2dTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D | null = null,
  beta: tf.Tensor1D | null = null,
  epsilon = 1e-5,
): BatchNormTrainResult {
  const fused = hasFusedKernels();
  const hasGamma = gamma != null;
  const hasBeta = beta != null;
  let stats: [tf.Tensor1D, tf.Tensor1D] | null = null;
  // The fused kernels return three tensors: y, mean, variance / dx, dgamma, dbeta.
  const runFused = (kernel: string, inputs: tf.NamedTensorMap) =>
    tf.engine().runKernel(kernel, inputs, { epsilon }) as unknown as [
      tf.Tensor4D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
  const fn = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xIn = args[0] as tf.Tensor4D;
    const g = hasGamma ? (args[1] as tf.Tensor1D) : null;
    const b = hasBeta ? (args[hasGamma ? 2 : 1] as tf.Tensor1D) : null;
    let outs: [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
    if (fused) {
      const inputs: tf.NamedTensorMap = { x: xIn };
      if (g) inputs.gamma = g;
      if (b) inputs.beta = b;
      outs = runFused(BATCH_NORM_TRAIN, inputs);
    } else {
      outs = compositeForward(xIn, g, b, epsilon);
    }
    const [y, mean, variance] = outs;
    save(g ? [xIn, mean, variance, g] : [xIn, mean, variance]);
    stats = [tf.keep(mean), tf.keep(variance)];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sm, sv] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        const sg = hasGamma ? (saved[3] as tf.Tensor1D) : null;
        let grads: [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        if (fused) {
          const inputs: tf.NamedTensorMap = { dy, x: sx, mean: sm, variance: sv };
          if (sg) inputs.gamma = sg;
          grads = runFused(BATCH_NORM_GRAD, inputs);
        } else {
          grads = compositeGrad(dy as tf.Tensor4D, sx, sm, sv, sg, epsilon);
        }
        const [dx, dgamma, dbeta] = grads;
        const result: tf.Tensor[] = [dx];
        if (hasGamma) result.push(dgamma);
        else dgamma.dispose();
        if (hasBeta) result.push(dbeta);
        else dbeta.dispose();
        return result;
      },
    };
  });
  const inputs: tf.Tensor[] = [x];
  if (gamma) inputs.push(gamma);
  if (beta) inputs.push(beta);
  const y = fn(...inputs) as tf.Tensor4D;
  const [mean, variance] = stats as unknown as [tf.Tensor1D, tf.Tensor1D];
  // Re-home the statistics in the caller's scope so tidy() cleans them up (what a clone and a
  // dispose of the kept tensors did, without two Identity kernels per call).
  for (const t of [mean, variance]) {
    (t as unknown as { kept: boolean }).kept = false;
    (tf.engine() as unknown as { track(t: tf.Tensor): void }).track(t);
  }
  return { y, mean, variance };
}

/**
 * Inference-mode 2-D batch norm with running statistics (NHWC, per last-axis channel).
 * Gradients flow through the stock kernel (rarely needed).
 */
export function batchNorm2dInfer(
  x: tf.Tensor4D,
  runningMean: tf.Tensor1D,
  runningVariance: tf.Tensor1D,
  gamma: tf.Tensor1D | null = null,
  beta: tf.Tensor1D | null = null,
  epsilon = 1e-5,
): tf.Tensor4D {
  return tf.batchNorm4d(
    x,
    runningMean,
    runningVariance,
    beta ?? undefined,
    gamma ?? undefined,
    epsilon,
  );
}

/**
 * Blends batch statistics into running ones, as PyTorch does:
 * running = (1 - momentum) * running + momentum * batch, with the variance made unbiased
 * (times n / (n - 1), n = N*H*W). `momentum = 1 / (k + 1)` at step k gives a cumulative average
 * (PyTorch momentum=None, used to recalibrate BatchNorm).
 */
export function blendRunningStats(
  runningMean: tf.Variable,
  runningVariance: tf.Variable,
  batchMean: tf.Tensor1D,
  batchVariance: tf.Tensor1D,
  elementsPerChannel: number,
  momentum: number,
): void {
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new Error(`momentum must be in [0, 1], got ${momentum}`);
  }
  const n = elementsPerChannel;
  const unbias = n > 1 ? n / (n - 1) : 1;
  const stats = [runningMean, runningVariance, batchMean, batchVariance];
  if (
    tf.getKernel(BLEND_STATS, tf.getBackend()) != null &&
    stats.every((t) => t.dtype === 'float32' && t.size === runningMean.size)
  ) {
    // One kernel for the six ops below (same float32 arithmetic, bit for bit).
    const [m, v] = tf
      .engine()
      .runKernel(
        BLEND_STATS,
        { runningMean, runningVariance, batchMean, batchVariance },
        { momentum, unbias },
      ) as tf.Tensor1D[];
    runningMean.assign(m);
    runningVariance.assign(v);
    tf.dispose([m, v]);
    return;
  }
  tf.tidy(() => {
    runningMean.assign(
      tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(batchMean, momentum)) as tf.Tensor1D,
    );
    runningVariance.assign(
      tf.add(
        tf.mul(runningVariance, 1 - momentum),
        tf.mul(batchVariance, momentum * unbias),
      ) as tf.Tensor1D,
    );
  });
}
